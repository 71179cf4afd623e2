"""``POST /api/v1/embeddings``: validation, per-item usage, and a cheaply written response body.

An answer holds ``items × dimensions`` floats (102,400 for 100 texts of ``Embeddings``, about
480 KB of JSON), so three things keep it cheap:

* the body is assembled from per-vector JSON fragments
  (:func:`langchain_gigachat_ext.emulator.brain.vectors.embeddings_json`) instead of nested
  lists through ``json.dumps``;
* the fragments and token counts of recently served texts are kept in bounded caches
  (:data:`VECTORS`, :data:`TOKEN_COUNTS`): the default brain's values depend on the text (and
  dimensions) alone;
* the body goes out in pieces of about 64 KB under one ``Content-Length``
  (:class:`PiecewiseResponse`): no 480 KB buffer is built, copied and page-faulted per answer.

The bytes on the wire are the same as ``protocol.dumps`` of the equivalent payload.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from langchain_gigachat_ext._catalog import EMBEDDING_MODELS
from langchain_gigachat_ext.emulator.api.rules import read_json
from langchain_gigachat_ext.emulator.api.v1.validation import validate_embeddings
from langchain_gigachat_ext.emulator.brain.core import Brain
from langchain_gigachat_ext.emulator.brain.tokens import count_tokens
from langchain_gigachat_ext.emulator.brain.vectors import embeddings_json
from langchain_gigachat_ext.emulator.server.bodies import off_loop
from langchain_gigachat_ext.emulator.server.exchange import Exchange
from langchain_gigachat_ext.emulator.server.protocol import API_JSON
from langchain_gigachat_ext.emulator.server.state import EmulatorState

VectorsWriter = Callable[[Sequence[str], int], list[str]]
"""``(texts, dimensions)`` → the JSON array of each text's vector."""

PIECE_BYTES = 64 * 1024
"""Target size of one body piece (below glibc's 128 KB ``mmap`` threshold)."""

KeyT = TypeVar("KeyT", bound=Hashable)
ValueT = TypeVar("ValueT")


class LruCache(Generic[KeyT, ValueT]):
    """A thread-safe mapping bounded by the total size of its entries, least recent evicted."""

    def __init__(self, max_size: int) -> None:
        """Create an empty cache whose entries' sizes sum to at most ``max_size``."""
        self.max_size = max_size
        self._items: OrderedDict[KeyT, tuple[ValueT, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()  # emulators in several threads share the module's caches

    def __len__(self) -> int:
        """Number of entries."""
        return len(self._items)

    def get(self, key: KeyT) -> ValueT | None:
        """The value of ``key`` (now the most recent), or None."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            self._items.move_to_end(key)
            return entry[0]

    def put(self, key: KeyT, value: ValueT, size: int) -> None:
        """Store ``value`` of ``size``; values larger than the whole cache are not stored."""
        if size > self.max_size:
            return
        with self._lock:
            previous = self._items.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._items[key] = (value, size)
            self._size += size
            while self._size > self.max_size:
                _, (_, dropped) = self._items.popitem(last=False)
                self._size -= dropped

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._items.clear()
            self._size = 0


VECTORS: LruCache[tuple[str, int], str] = LruCache(64 * 1024 * 1024)
"""The default brain's vector JSON per (text, dimensions), up to 64 Mi characters of JSON and
text (~13,000 short texts' ``Embeddings`` vectors of 4.8 KB): its vectors depend on the text
and dimensions alone."""

TOKEN_COUNTS: LruCache[str, int] = LruCache(16 * 1024 * 1024)
"""The default brain's token count per text, up to 16 Mi characters of text."""


def cached_vectors(texts: Sequence[str], dimensions: int) -> list[str]:
    """:func:`embeddings_json` of ``texts`` through :data:`VECTORS` (each new text once)."""
    found = [VECTORS.get((text, dimensions)) for text in texts]
    missing = list(dict.fromkeys(t for t, v in zip(texts, found, strict=True) if v is None))
    if not missing:
        return found  # type: ignore[return-value]  # every text was cached
    written = dict(zip(missing, embeddings_json(missing, dimensions), strict=True))
    for text, vector in written.items():
        VECTORS.put((text, dimensions), vector, len(vector) + len(text))
    return [v if v is not None else written[t] for t, v in zip(texts, found, strict=True)]


def cached_count(text: str) -> int:
    """The default brain's token count of ``text`` through :data:`TOKEN_COUNTS`."""
    tokens = TOKEN_COUNTS.get(text)
    if tokens is None:
        tokens = count_tokens(text)
        TOKEN_COUNTS.put(text, tokens, len(text))
    return tokens


def vectors_writer(brain: Brain) -> VectorsWriter:
    """The cached sparse writer for the default brain; ``json.dumps(brain.embed(...))`` else.

    A brain that overrides :meth:`Brain.embed` (a test double, a scripted model) keeps its own
    vectors on the wire, uncached.
    """
    if type(brain).embed is Brain.embed:
        return cached_vectors

    def dump_each(texts: Sequence[str], dimensions: int) -> list[str]:
        return [json.dumps(brain.embed(text, dimensions), separators=(",", ":")) for text in texts]

    return dump_each


def token_counter(brain: Brain) -> Callable[[str], int]:
    """:func:`cached_count` for the default brain, else the brain's own ``count_tokens``."""
    return cached_count if type(brain).count_tokens is Brain.count_tokens else brain.count_tokens


def body_pieces(model: str, items: Sequence[tuple[str, int]]) -> Iterator[bytes]:
    """The compact JSON answer, in pieces of about :data:`PIECE_BYTES`, from ``items``.

    Field order as recorded: ``object``, ``model``, ``data``; each item ``object``, ``index``,
    ``embedding``, ``usage`` with per-item ``prompt_tokens`` and no top-level ``usage`` (REC
    ``test_embeddings_multiple``, PROTOCOL §6.4).

    Args:
        model: The model id echoed back.
        items: Each input's vector as JSON text and its token count, in input order.

    Yields:
        UTF-8 pieces whose concatenation is the body.
    """
    parts = [f'{{"object":"list","model":{json.dumps(model, ensure_ascii=False)},"data":[']
    size = len(parts[0])
    for index, (vector, tokens) in enumerate(items):
        item = (
            f'{"," if index else ""}{{"object":"embedding","index":{index},"embedding":{vector},'
            f'"usage":{{"prompt_tokens":{tokens}}}}}'
        )
        parts.append(item)
        size += len(item)
        if size >= PIECE_BYTES:
            yield "".join(parts).encode()
            parts, size = [], 0
    parts.append("]}")
    yield "".join(parts).encode()


def embeddings_body(model: str, items: Sequence[tuple[str, int]]) -> bytes:
    """:func:`body_pieces` joined: the whole body."""
    return b"".join(body_pieces(model, items))


class PiecewiseResponse(Response):
    """A ``Content-Length`` response whose body is sent as several ``http.response.body``."""

    def __init__(self, pieces: list[bytes], headers: dict[str, str]) -> None:
        """Create the response (status 200, API JSON content type).

        Args:
            pieces: The body, in order.
            headers: Extra headers (the request/session ids).
        """
        self.pieces = pieces
        length = str(sum(map(len, pieces)))
        super().__init__(None, 200, {**headers, "content-length": length}, API_JSON)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the head, then every piece."""
        del scope, receive
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        last = len(self.pieces) - 1
        for position, piece in enumerate(self.pieces):
            await send({"type": "http.response.body", "body": piece, "more_body": position < last})


def _embed(body: Any, state: EmulatorState) -> tuple[str, list[tuple[str, int]]]:
    brain = state.brain
    embedding = validate_embeddings(body, token_counter(brain))
    dimensions = EMBEDDING_MODELS[embedding.model].dimensions
    vectors = vectors_writer(brain)(embedding.texts, dimensions)
    state.charge("embeddings", sum(embedding.tokens))
    return embedding.model, list(zip(vectors, embedding.tokens, strict=True))


async def embeddings(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    """Embed every input with the brain, off the event loop.

    404/413/422 come from :func:`validate_embeddings`; 413 also past the body cap.
    """
    body = exchange.body = await read_json(request, state.limits.body_bytes)
    model, items = await off_loop(_embed, body, state)
    return PiecewiseResponse(list(body_pieces(model, items)), exchange.id_headers)
