"""The ``/embeddings`` request and the checked parse of its answer (table-driven, no sockets)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from gigachat import exceptions as sdk

from langchain_gigachat_ext.embeddings.wire import (
    embeddings_request,
    parse_embeddings,
    read_embeddings,
)
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError


def item(index: Any, vector: Any = (0.5, -0.25), tokens: Any = 7) -> dict[str, Any]:
    return {
        "object": "embedding",
        "index": index,
        "embedding": list(vector) if isinstance(vector, tuple) else vector,
        "usage": {"prompt_tokens": tokens},
    }


def answer(*items: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "model": "Embeddings", "data": list(items)}


def test_request_matches_the_sdk_shape() -> None:
    request = embeddings_request(["Привет", "b"], "Embeddings", "tok")
    assert (request["method"], request["url"]) == ("POST", "/embeddings")
    assert request["headers"]["Authorization"] == "Bearer tok"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["content"]) == {"input": ["Привет", "b"], "model": "Embeddings"}
    assert "Привет".encode() in request["content"]  # raw UTF-8 like the SDK (ensure_ascii=False)


def test_request_without_token_has_no_authorization() -> None:
    assert "Authorization" not in embeddings_request(["a"], "Embeddings", None)["headers"]


@pytest.mark.parametrize(
    ("body", "count", "vectors", "tokens"),
    [
        (answer(item(0)), 1, [[0.5, -0.25]], 7),
        (answer(item(1, (1.0,), 3), item(0, (2.0,), 4)), 2, [[2.0], [1.0]], 7),
        # Integers are numbers too (JSON writers may print 0 for 0.0).
        (answer(item(0, [0, 1.5])), 1, [[0, 1.5]], 7),
        ({"data": [item(0)]}, 1, [[0.5, -0.25]], 7),  # object/model are not needed
    ],
)
def test_parse_orders_by_index_and_sums_usage(
    body: dict[str, Any], count: int, vectors: list[list[float]], tokens: int
) -> None:
    assert parse_embeddings(body, count) == (vectors, tokens)


@pytest.mark.parametrize(
    ("body", "count", "error", "match"),
    [
        (answer(item(0)), 2, ValueError, "expected 2 items in `data`, got 1"),
        ({"data": {"0": item(0)}}, 1, ValueError, "got dict"),
        (answer(item(0), item(0)), 2, ValueError, "index 0 is out of range, repeated"),
        (answer(item(1)), 1, ValueError, "index 1 is out of range"),
        (answer(item(-1)), 1, ValueError, "index -1"),
        (answer(item("0")), 1, ValueError, "index '0'"),
        (answer(item(True)), 1, ValueError, "index True"),
        (answer(item(0, [])), 1, TypeError, "not a non-empty list"),
        (answer(item(0, "0.5,0.25")), 1, TypeError, "not a non-empty list"),
        (answer(item(0, (1.0,)), item(1, (1.0, 2.0))), 2, ValueError, "2 dimensions, other"),
        (answer(item(0, [0.5, "x"])), 1, TypeError, None),
        (answer(item(0, [0.5, None])), 1, TypeError, None),
        (answer(item(0, [[0.5]])), 1, TypeError, None),
        (answer(item(0, tokens="7")), 1, TypeError, "prompt_tokens` is not an integer"),
        (answer(item(0, tokens=7.0)), 1, TypeError, "prompt_tokens` is not an integer"),
        ({"data": [{"index": 0, "embedding": [1.0]}]}, 1, KeyError, "usage"),
        ({"object": "list"}, 1, KeyError, "data"),
        ([item(0)], 1, TypeError, None),
    ],
)
def test_parse_rejects_a_wrong_shape(
    body: Any, count: int, error: type[Exception], match: str | None
) -> None:
    with pytest.raises(error, match=match):
        parse_embeddings(body, count)


def response(status: int, content: bytes, **headers: str) -> httpx.Response:
    request = httpx.Request("POST", "http://fake.test/api/v1/embeddings")
    return httpx.Response(status, content=content, headers=headers, request=request)


def test_read_decodes_a_200() -> None:
    body = json.dumps(answer(item(0, (0.125, 0.0), 9))).encode()
    assert read_embeddings(response(200, body), 1) == ([[0.125, 0.0]], 9)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"<html>oops</html>", "Malformed /embeddings answer"),
        (b'{"data": [', "Malformed /embeddings answer"),
        (json.dumps(answer(item(0))).encode(), "expected 2 items"),
        (b'{"object": "list"}', "missing field 'data'"),
    ],
)
def test_read_turns_a_bad_200_into_a_typed_error(content: bytes, match: str) -> None:
    with pytest.raises(GigaChatMalformedResponseError, match=match) as caught:
        read_embeddings(response(200, content, **{"x-request-id": "rid-1"}), 2)
    assert caught.value.request_id == "rid-1"
    assert "rid-1" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, sdk.AuthenticationError),
        (413, sdk.RequestEntityTooLargeError),
        (422, sdk.UnprocessableEntityError),
        (429, sdk.RateLimitError),
        (503, sdk.ServerError),
    ],
)
def test_read_raises_the_sdk_error_for_a_status(status: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_embeddings(response(status, b'{"status": 1, "message": "no"}'), 1)
