"""GigaChat embeddings: token-aware batching, bounded concurrency, usage.

:class:`GigaChatEmbeddings` lives in :mod:`.model`; inputs are fitted in :mod:`.inputs` and
:mod:`.batches`, requests run through :mod:`.concurrency`, answers are read in :mod:`.wire`.
"""

from langchain_gigachat_ext.embeddings.model import GigaChatEmbeddings, GigaChatInputTooLongError

__all__ = ["GigaChatEmbeddings", "GigaChatInputTooLongError"]
