"""GigaChat embeddings: texts in, vectors out, in input order.

:class:`GigaChatEmbeddings` lives in :mod:`.model`; inputs are fitted in :mod:`.inputs` and
:mod:`.batches`, requests run through :mod:`.concurrency`, requests are built and answers
read in :mod:`.wire`.
"""

from langchain_gigachat_ext.embeddings.model import GigaChatEmbeddings, GigaChatInputTooLongError

__all__ = ["GigaChatEmbeddings", "GigaChatInputTooLongError"]
