"""``POST /embeddings`` on the wire: one request builder and one checked answer reader.

The request is built as the SDK builds it (its headers; its typed errors for a non-200). An
answer carries ``inputs × dimensions`` floats (102,400 for 100 ``Embeddings`` inputs); the
SDK's path (``json.loads``, the pydantic ``Embeddings`` model, a copy of every vector) costs
about 10 ms of CPU per such answer, and concurrent answers share one GIL. Here the body is
decoded with ``orjson`` (a dependency on CPython; the standard ``json`` on PyPy) and checked
for the shape this package relies on, in about 2 ms.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from langchain_gigachat_ext.client.sdk import Embeddings as SdkEmbeddings
from langchain_gigachat_ext.client.sdk import build_headers, build_response
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

_decode: Callable[[bytes], Any]
try:
    from orjson import loads as _decode
except ImportError:  # pragma: no cover - PyPy, where orjson is not installed
    _decode = json.loads

EMBEDDINGS_PATH = "/embeddings"

Batch = tuple[list[list[float]], int]
"""Vectors of one request in input order, and the prompt tokens it was billed."""


def embeddings_request(texts: Sequence[str], model: str, token: str | None) -> dict[str, Any]:
    """``httpx`` request arguments of one ``/embeddings`` call, as the SDK builds them.

    Args:
        texts: Inputs (the SDK always sends a list, PROTOCOL §6.4).
        model: Embedding model id.
        token: Bearer token, or None when the client authenticates otherwise (mTLS).

    Returns:
        Keyword arguments for ``httpx.Client.request`` / ``httpx.AsyncClient.request``.
    """
    headers = build_headers(token)
    headers["Content-Type"] = "application/json"
    body = json.dumps({"input": list(texts), "model": model}, ensure_ascii=False)
    return {"method": "POST", "url": EMBEDDINGS_PATH, "content": body.encode(), "headers": headers}


def require_ok(response: httpx.Response) -> httpx.Response:
    """``response`` itself when its status is 200.

    Raises:
        gigachat.exceptions.ResponseError: The SDK's typed error for any other status (the
            transport maps it to this package's errors, retries and replays a 401).
    """
    if response.status_code != httpx.codes.OK:
        build_response(response, SdkEmbeddings)  # raises the SDK's error for the status
    return response


def read_embeddings(response: httpx.Response, count: int) -> Batch:
    """The vectors and billed tokens of a read ``/embeddings`` response.

    Args:
        response: The response, body already read.
        count: How many inputs the request sent.

    Returns:
        One vector per input, ordered by the items' ``index``, and the sum of the items'
        ``usage.prompt_tokens`` (PROTOCOL §6.4: usage is per item, no top-level usage).

    Raises:
        gigachat.exceptions.ResponseError: The SDK's typed error for a non-200 status.
        GigaChatMalformedResponseError: A 200 whose body is not the documented shape.
    """
    request_id = require_ok(response).headers.get("x-request-id")
    try:
        return parse_embeddings(_decode(response.content), count)
    except (ValueError, TypeError, KeyError) as exc:
        # ValueError also covers orjson.JSONDecodeError and json.JSONDecodeError.
        problem = f"missing field {exc}" if isinstance(exc, KeyError) else _first_line(exc)
        msg = f"Malformed /embeddings answer from GigaChat: {problem}"
        raise GigaChatMalformedResponseError(msg, request_id=request_id) from exc


def parse_embeddings(body: Any, count: int) -> Batch:
    """Check a decoded ``/embeddings`` body and put its vectors in input order.

    Checks what callers rely on: one item per input with each ``index`` exactly once, vectors
    of equal non-zero length holding only numbers, and an integer ``usage.prompt_tokens`` per
    item. Other fields (``object``, ``model``) are not needed and not checked.

    Args:
        body: The decoded JSON.
        count: How many inputs the request sent.

    Returns:
        The vectors in input order and the total prompt tokens.

    Raises:
        ValueError: Wrong item count, a missing or repeated index, or unequal vector lengths.
        TypeError: A value of the wrong type.
        KeyError: A missing field.
    """
    data = body["data"]
    if not isinstance(data, list) or len(data) != count:
        size = len(data) if isinstance(data, list) else type(data).__name__
        msg = f"expected {count} items in `data`, got {size}"
        raise ValueError(msg)
    vectors: list[list[float] | None] = [None] * count
    tokens = 0
    width = -1
    for item in data:
        index, vector, used = item["index"], item["embedding"], item["usage"]["prompt_tokens"]
        if type(index) is not int or not 0 <= index < count or vectors[index] is not None:
            msg = f"item index {index!r} is out of range, repeated or not an integer"
            raise ValueError(msg)
        if not isinstance(vector, list) or not vector:
            msg = f"item {index}: `embedding` is not a non-empty list"
            raise TypeError(msg)
        if width not in (-1, len(vector)):
            msg = f"item {index}: {len(vector)} dimensions, other items have {width}"
            raise ValueError(msg)
        width = len(vector)
        # sum() raises TypeError on anything but numbers and is the cheapest full pass in C.
        sum(vector)
        if type(used) is not int:
            msg = f"item {index}: `usage.prompt_tokens` is not an integer"
            raise TypeError(msg)
        tokens += used
        vectors[index] = vector
    return vectors, tokens  # type: ignore[return-value]  # every slot was filled above


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return lines[0][:300] if lines else type(exc).__name__
