"""GigaChat embeddings for LangChain: token-aware batching, bounded concurrency, usage."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import httpx
from langchain_core.embeddings import Embeddings
from langchain_core.messages.ai import UsageMetadata
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from langchain_gigachat_ext._catalog import EMBEDDING_MODELS, MAX_EMBEDDING_BATCH_ITEMS
from langchain_gigachat_ext.client.config import GigaChatConnection
from langchain_gigachat_ext.client.config_env import env_str
from langchain_gigachat_ext.client.local import Lazy
from langchain_gigachat_ext.client.sdk import tools as sdk_tools
from langchain_gigachat_ext.embeddings.batches import chunked, plan_batches
from langchain_gigachat_ext.embeddings.concurrency import map_async, map_threads
from langchain_gigachat_ext.embeddings.inputs import (
    GigaChatInputTooLongError,
    InputSizer,
    LongInputPolicy,
    Piece,
    join_pieces,
)
from langchain_gigachat_ext.embeddings.progress import progress_bar
from langchain_gigachat_ext.embeddings.wire import (
    Batch,
    embeddings_request,
    read_embeddings,
    require_ok,
)
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

__all__ = ["GigaChatEmbeddings", "GigaChatInputTooLongError"]

logger = logging.getLogger(__name__)

DEFAULT_EMBEDDINGS_MODEL = "Embeddings"
_UNKNOWN_MODEL_LIMIT = min(facts.max_input_tokens for facts in EMBEDDING_MODELS.values())
"""Input limit assumed for model ids missing from the catalog (the smallest known one)."""


LC_GIGACHAT_PREFIX_QUERY = "Дано предложение, необходимо найти его парафраз \nпредложение: "
"""langchain-gigachat's default ``prefix_query`` (its paraphrase-search instruction)."""


class GigaChatEmbeddings(GigaChatConnection, Embeddings):
    """GigaChat embedding models (``Embeddings``, ``Embeddings-2``, ``EmbeddingsGigaR``, ...).

    Inputs are sized against the model's token limit before sending (see ``on_long_input``),
    grouped into batches of at most ``batch_size`` texts (and ``max_batch_tokens`` tokens), and
    the batches run concurrently (``max_concurrency``) with vectors returned in input order.
    A failed request is retried by the transport on its own; other batches are not re-sent.

    Setup:
        Install ``langchain-gigachat-ext`` and set the authorization key:

        ```bash
        pip install -U langchain-gigachat-ext
        export GIGACHAT_CREDENTIALS="your-authorization-key"
        ```

    Key init args — embedding params:
        model: str
            Model id (default ``Embeddings``; env ``GIGACHAT_EMBEDDINGS_MODEL``).
        on_long_input: Literal["error", "truncate", "split_and_average"]
            What to do with texts over the model's input limit (default ``error``).
        batch_size: int
            Texts per request (default and maximum 100).
        max_concurrency: int
            Requests in flight at once (default 4; personal accounts: set 1).

    Key init args — client params:
        credentials: SecretStr | None
            Authorization key (env ``GIGACHAT_CREDENTIALS``).
        scope: str
            ``GIGACHAT_API_PERS``, ``GIGACHAT_API_B2B`` or ``GIGACHAT_API_CORP``.

    See the full list of supported init args and their descriptions below.

    Instantiate:
        ```python
        from langchain_gigachat_ext import GigaChatEmbeddings

        embed = GigaChatEmbeddings(
            model="EmbeddingsGigaR",
            # credentials="...",
            # scope="GIGACHAT_API_PERS",
            # on_long_input="split_and_average",
        )
        ```

    Embed single text:
        ```python
        vector = embed.embed_query("Как заблокировать карту?")
        print(len(vector), vector[:3])
        ```

        ```python
        2560[0.0123, -0.0457, 0.0089]
        ```

    Embed multiple texts:
        ```python
        vectors = embed.embed_documents(["Первый документ", "Второй документ"])
        print(len(vectors), len(vectors[0]))
        print(embed.last_usage)
        ```

        ```python
        2 2560
        {'input_tokens': 14, 'output_tokens': 0, 'total_tokens': 14}
        ```

    Async:
        ```python
        vector = await embed.aembed_query("Как заблокировать карту?")
        vectors = await embed.aembed_documents(["Первый документ", "Второй документ"])
        ```

    Token usage:
        ``last_usage`` holds the usage of the latest completed call, ``total_usage`` the sum
        over the object's life (both ``UsageMetadata`` dicts, summed from the per-item
        ``usage.prompt_tokens`` of the responses); ``reset_usage()`` zeroes the total.

    Throughput:
        Defaults: ``batch_size=100`` (the largest batch accepted; fewer, fuller requests) and
        ``max_concurrency=4``. Business accounts (``GIGACHAT_API_B2B``/``_CORP``) get 10
        concurrent streams by default, so 4 leaves room for other calls; personal accounts
        (``GIGACHAT_API_PERS``) get **one** (GigaChat quota docs), so set ``max_concurrency=1``
        there — extra requests would be answered 429 and retried. Each answer is decoded
        (``orjson``, about 3 ms of CPU per 100 ``Embeddings`` vectors) by the thread or task
        that received it, just after its slot has started the next request. Measured against
        the emulator at 200 ms per request (10,000 texts = 100 batches, 2 vCPUs): 5.2–5.35 s,
        94–96 % of the ideal 25 × 200 ms, sync and async (the lower figures on a busy host).
    """

    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, extra="forbid", protected_namespaces=()
    )

    model: str = Field(
        default_factory=env_str("GIGACHAT_EMBEDDINGS_MODEL", DEFAULT_EMBEDDINGS_MODEL),
        alias="model_name",
        validate_default=True,
    )
    """Embedding model id (default ``Embeddings``; env ``GIGACHAT_EMBEDDINGS_MODEL``)."""
    batch_size: int = Field(default=MAX_EMBEDDING_BATCH_ITEMS, ge=1, le=MAX_EMBEDDING_BATCH_ITEMS)
    """Most texts per ``/embeddings`` request (default and maximum 100; the API's real cap is
    undocumented, the official package used 90)."""
    max_batch_tokens: int | None = Field(default=None, gt=0)
    """Token budget per request: a batch closes before its inputs' sizes would exceed it.
    Sizes are counted values, or the UTF-8 byte length (an upper bound) for short texts that
    were not counted. None (default): only ``batch_size`` limits a batch, because no
    per-request token cap is documented."""
    max_input_tokens: int | None = Field(default=None, gt=0)
    """Override of the model's input limit in tokens. The catalog figures (512 for
    ``Embeddings``/``Embeddings-2``, 4096 for ``EmbeddingsGigaR`` and
    ``GigaEmbeddings-3B-2025-09``) are third-party and **unverified**; set this if the API
    rejects inputs the client let through. Unknown models default to the smallest known limit."""
    on_long_input: LongInputPolicy = "error"
    """Inputs over the limit: ``error`` (default) raises :class:`GigaChatInputTooLongError`
    naming the input index and the excess before anything is sent; ``truncate`` keeps the
    longest prefix that fits (logged at WARNING); ``split_and_average`` embeds consecutive
    parts and returns their token-weighted mean, normalised to unit length."""
    query_instruction: str | None = None
    """Prefix added to queries (``embed_query``) only. None (default) takes the model's
    recommended instruction from the catalog (instruct models ``EmbeddingsGigaR`` and
    ``GigaEmbeddings-3B-2025-09``; empty for the others); ``""`` disables it."""
    use_prefix_query: bool = False
    """langchain-gigachat's switch: True prefixes queries with ``prefix_query`` (instead of
    the catalog's instruction). Cannot be combined with ``query_instruction``."""
    prefix_query: str = LC_GIGACHAT_PREFIX_QUERY
    """langchain-gigachat's query prefix, used when ``use_prefix_query`` is True (default its
    Russian paraphrase instruction)."""
    max_concurrency: int = Field(default=4, ge=1)
    """Requests in flight at once (a semaphore: in a thread pool for sync calls, on the event
    loop for async ones); decoding an answer does not hold a slot. Default 4: business
    accounts get 10 concurrent streams by default, personal accounts one (set 1 there; see
    "Throughput" above)."""
    token_count_model: str = "GigaChat"  # noqa: S105 - a model id, not a secret
    """Model passed to ``/tokens/count`` when an input must be measured exactly (the endpoint
    accepts chat models; embedding inputs cost 5 more tokens than it reports, REC)."""
    show_progress: bool = False
    """Show a tqdm progress bar over the batches (needs the ``progress`` extra: ``tqdm``)."""

    # Usage counters are data and travel with copies; the lock belongs to this process (Lazy).
    _usage_lock: Lazy[threading.Lock] = PrivateAttr(default_factory=Lazy)
    _total_tokens: int = PrivateAttr(default=0)
    _last_usage: UsageMetadata | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_query_prefix(self) -> GigaChatEmbeddings:
        if self.use_prefix_query and self.query_instruction is not None:
            msg = (
                "query_instruction and use_prefix_query=True both set the query prefix: pass "
                "query_instruction alone, or use_prefix_query=True with prefix_query."
            )
            raise ValueError(msg)
        return self

    # --- model facts ---------------------------------------------------------------------------
    @property
    def _facts_key(self) -> str:
        return self.model.split(":", 1)[0]

    @property
    def dimensions(self) -> int | None:
        """Vector length of the model per the catalog (None for an unknown model)."""
        facts = EMBEDDING_MODELS.get(self._facts_key)
        return facts.dimensions if facts is not None else None

    @property
    def input_token_limit(self) -> int:
        """The input limit in effect: ``max_input_tokens``, else the catalog's figure."""
        if self.max_input_tokens is not None:
            return self.max_input_tokens
        facts = EMBEDDING_MODELS.get(self._facts_key)
        return facts.max_input_tokens if facts is not None else _UNKNOWN_MODEL_LIMIT

    @property
    def effective_query_instruction(self) -> str:
        """The prefix ``embed_query`` adds: ``query_instruction``, then the catalog's.

        With ``use_prefix_query=True``, ``prefix_query`` takes the catalog's place.
        """
        if self.query_instruction is not None:
            return self.query_instruction
        if self.use_prefix_query:
            return self.prefix_query
        facts = EMBEDDING_MODELS.get(self._facts_key)
        return facts.query_instruction if facts is not None else ""

    # --- usage ---------------------------------------------------------------------------------
    @property
    def last_usage(self) -> UsageMetadata | None:
        """Usage of the latest finished call (None before the first call)."""
        return self._last_usage

    @property
    def total_usage(self) -> UsageMetadata:
        """Usage summed over every request this object made (including failed calls' batches)."""
        return _usage(self._total_tokens)

    def reset_usage(self) -> None:
        """Zero the cumulative usage and forget the last call's."""
        with self._usage_lock.get(threading.Lock):
            self._total_tokens = 0
            self._last_usage = None

    def _add_usage(self, tokens: int) -> None:
        with self._usage_lock.get(threading.Lock):
            self._total_tokens += tokens

    # --- LangChain API -------------------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (no instruction prefix).

        Args:
            texts: Texts to embed.

        Returns:
            One vector per text, in order.

        Raises:
            GigaChatInputTooLongError: A text is over the limit and ``on_long_input="error"``.
        """
        return self._embed(list(texts))

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (with the model's query instruction prefix, if any).

        Args:
            text: The query.

        Returns:
            Its vector.
        """
        return self._embed([self.effective_query_instruction + text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents` (native asyncio, bounded by ``max_concurrency``)."""
        return await self._aembed(list(texts))

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        return (await self._aembed([self.effective_query_instruction + text]))[0]

    # --- pipeline ------------------------------------------------------------------------------
    def _sizer(self, texts: Sequence[str]) -> InputSizer:
        return InputSizer(
            texts, limit=self.input_token_limit, policy=self.on_long_input, model=self.model
        )

    def _embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        sizer = self._sizer(texts)
        while pending := sizer.pending_texts():
            counted = map_threads(
                self._count_sync,
                _check_counts,
                chunked(pending, self.batch_size),
                max_concurrency=self.max_concurrency,
            )
            sizer.record([count for chunk in counted for count in chunk])
        pieces = self._finish_sizing(sizer)
        batches = self._plan(pieces)
        with progress_bar(self.show_progress, len(pieces)) as progress:
            results = map_threads(
                self._send_sync,
                self._read_batch,
                [[pieces[i].text for i in batch] for batch in batches],
                max_concurrency=self.max_concurrency,
                on_result=self._recorder(progress),
            )
        return self._assemble(len(texts), pieces, results)

    async def _aembed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        sizer = self._sizer(texts)
        while pending := sizer.pending_texts():
            counted = await map_async(
                self._count_async,
                _check_counts,
                chunked(pending, self.batch_size),
                max_concurrency=self.max_concurrency,
            )
            sizer.record([count for chunk in counted for count in chunk])
        pieces = self._finish_sizing(sizer)
        batches = self._plan(pieces)
        with progress_bar(self.show_progress, len(pieces)) as progress:
            results = await map_async(
                self._send_async,
                self._read_batch,
                [[pieces[i].text for i in batch] for batch in batches],
                max_concurrency=self.max_concurrency,
                on_result=self._recorder(progress),
            )
        return self._assemble(len(texts), pieces, results)

    def _finish_sizing(self, sizer: InputSizer) -> list[Piece]:
        if sizer.truncated:
            logger.warning(
                "GigaChatEmbeddings truncated %d input(s) to the %d-token limit of %r: %s",
                len(sizer.truncated),
                sizer.limit,
                self.model,
                sizer.truncated[:20],
            )
        if sizer.split:
            logger.info("GigaChatEmbeddings split and averaged input(s) %s", sizer.split[:20])
        return sizer.pieces()

    def _plan(self, pieces: list[Piece]) -> list[list[int]]:
        return plan_batches(
            [piece.tokens for piece in pieces],
            max_items=self.batch_size,
            max_tokens=self.max_batch_tokens,
        )

    def _assemble(self, count: int, pieces: list[Piece], results: list[Batch]) -> list[list[float]]:
        self._last_usage = _usage(sum(tokens for _, tokens in results))
        # Batches hold consecutive pieces, so their vectors in batch order are the pieces'.
        return join_pieces(count, pieces, [vector for vectors, _ in results for vector in vectors])

    # --- requests ------------------------------------------------------------------------------
    # The transport retries a request and maps the SDK's errors; the answer is decoded by
    # _read_batch, in the same thread or task, once the request's slot is free.
    def _send_sync(self, texts: list[str]) -> httpx.Response:
        return self.transport.call(
            lambda http, token: require_ok(
                http.request(**embeddings_request(texts, self.model, token))
            )
        )

    async def _send_async(self, texts: list[str]) -> httpx.Response:
        async def send(http: httpx.AsyncClient, token: str | None) -> httpx.Response:
            return require_ok(await http.request(**embeddings_request(texts, self.model, token)))

        return await self.transport.acall(send)

    def _read_batch(self, texts: list[str], response: httpx.Response) -> Batch:
        """Decode one answer and count its usage (even if another batch of the call fails)."""
        batch = read_embeddings(response, len(texts))
        self._add_usage(batch[1])
        return batch

    @staticmethod
    def _recorder(progress: Callable[[int], object]) -> Callable[[int, Batch], object]:
        """Advance the progress bar by each finished batch (in the calling thread or loop)."""
        return lambda _index, batch: progress(len(batch[0]))

    def _count_sync(self, texts: list[str]) -> list[int]:
        counts = self.transport.call(
            lambda http, token: sdk_tools.tokens_count_sync(
                http, input_=texts, model=self.token_count_model, access_token=token
            )
        )
        return [item.tokens for item in counts]

    async def _count_async(self, texts: list[str]) -> list[int]:
        counts = await self.transport.acall(
            lambda http, token: sdk_tools.tokens_count_async(
                http, input_=texts, model=self.token_count_model, access_token=token
            )
        )
        return [item.tokens for item in counts]


def _check_counts(texts: list[str], counts: list[int]) -> list[int]:
    if len(counts) != len(texts):
        msg = f"/tokens/count returned {len(counts)} entries for {len(texts)} inputs"
        raise GigaChatMalformedResponseError(msg, request_id=None)
    return counts


def _usage(tokens: int) -> UsageMetadata:
    return UsageMetadata(input_tokens=tokens, output_tokens=0, total_tokens=tokens)
