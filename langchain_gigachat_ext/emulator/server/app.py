"""The Starlette app: v1 under ``/api/v1`` and ``/v1``, v2 chat under ``/api/v2`` and ``/v2``.

OAuth is served at ``/api/v2/oauth``.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Final

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from langchain_gigachat_ext.emulator.api.answer import StreamCut
from langchain_gigachat_ext.emulator.api.rules import NO_SUCH_MODEL, read_json
from langchain_gigachat_ext.emulator.api.v1.chat import chat_completions
from langchain_gigachat_ext.emulator.api.v1.embeddings import embeddings
from langchain_gigachat_ext.emulator.api.v1.validation import validate_tokens_count
from langchain_gigachat_ext.emulator.api.v2.chat import chat_completions_v2
from langchain_gigachat_ext.emulator.server.bodies import capped, off_loop
from langchain_gigachat_ext.emulator.server.errors import ApiError, OAuthError
from langchain_gigachat_ext.emulator.server.exchange import (
    Exchange,
    Handler,
    api_endpoint,
    json_response,
    new_exchange,
)
from langchain_gigachat_ext.emulator.server.protocol import (
    MODEL_TYPES,
    MODELS,
    OAUTH_JSON,
    dumps,
    model_card,
)
from langchain_gigachat_ext.emulator.server.quota_gate import QuotaMiddleware
from langchain_gigachat_ext.emulator.server.state import EmulatorState

API_PREFIXES: Final = ("/api/v1", "/v1")
"""Base paths of the two front ends (PROTOCOL.md §1)."""

V2_PREFIXES: Final = ("/api/v2", "/v2")
"""Where the SDK sends v2 chat for a ``…/api/v1`` or ``…/v1`` base URL (PROTOCOL.md §1)."""

OAUTH_PATH: Final = "/api/v2/oauth"
"""OAuth endpoint path (REC)."""

OAUTH_HEADERS: Final = {
    "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "0",
}
"""Headers of the production OAuth response (REC ``test_chat_simple``)."""


def _token_issued(state: EmulatorState) -> None:
    with state.lock:
        state.calls_since_token = 0


async def _oauth_form(request: Request, limit: int) -> dict[str, str]:
    try:
        async with capped(request, limit).form() as form:
            return {key: value for key, value in form.items() if isinstance(value, str)}
    except ApiError as error:  # the body cap; the OAuth host's code for it is unknown (inferred)
        raise OAuthError(error.status, 0, error.message) from None
    except HTTPException:
        return {}  # inferred: a form that does not parse carries no scope ("scope is empty")


async def _oauth(request: Request, state: EmulatorState) -> Response:
    exchange = new_exchange(request, oauth=True)
    state.tokens.ttl = state.faults.token_ttl
    try:
        form = exchange.body = await _oauth_form(request, state.limits.body_bytes)
        payload: dict[str, Any] = state.tokens.oauth(
            request.headers.get("authorization"), request.headers.get("rquid"), form.get("scope")
        )
        status = 200
        _token_issued(state)
    except OAuthError as error:
        payload = {"code": error.code, "message": error.message}
        status = error.status
    exchange.status = status
    state.log.add(exchange.log_entry())
    # No X-Request-Id/X-Session-Id here: the production OAuth host sends none (REC).
    return Response(dumps(payload), status, OAUTH_HEADERS, OAUTH_JSON)


async def _password_token(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    state.tokens.ttl = state.faults.token_ttl
    payload = state.tokens.password_token(request.headers.get("authorization"))
    _token_issued(state)
    return json_response(payload, exchange)


async def _models(_request: Request, exchange: Exchange, _state: EmulatorState) -> Response:
    data = [model_card(model_id) for model_id, _ in MODELS]
    return json_response({"object": "list", "data": data}, exchange)


async def _model(request: Request, exchange: Exchange, _state: EmulatorState) -> Response:
    model_id = request.path_params["model"]
    if model_id not in MODEL_TYPES:
        raise ApiError(404, NO_SUCH_MODEL)
    return json_response(model_card(model_id), exchange)


def _count_tokens(body: Any, state: EmulatorState) -> list[dict[str, Any]]:
    count = state.brain.count_tokens
    # A bare array, one entry per input (REC test_tokens_count_multiple).
    return [
        {"object": "tokens", "tokens": count(t), "characters": len(t)}
        for t in validate_tokens_count(body)
    ]


async def _tokens_count(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    body = exchange.body = await read_json(request, state.limits.body_bytes)
    return json_response(await off_loop(_count_tokens, body, state), exchange)


async def _upload_file(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    try:
        async with capped(request, state.limits.upload_bytes).form() as form:
            part = form.get("file")
            purpose = form.get("purpose", "general")
            if not isinstance(part, UploadFile):
                raise ApiError(422, "Invalid params: file part is required")  # inferred
            content = await part.read()
    except HTTPException as exc:  # Starlette's answer to a malformed multipart body
        raise ApiError(400, f"Invalid multipart body: {exc.detail}") from None  # inferred
    filename = part.filename or "file"
    exchange.body = {
        "purpose": purpose,
        "file": {"filename": filename, "content_type": part.content_type, "bytes": len(content)},
    }
    purpose_text = purpose if isinstance(purpose, str) else ""
    stored = state.files.add(filename, part.content_type, content, purpose_text)
    return json_response(stored.card(), exchange)


async def _list_files(_request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    return json_response({"data": [stored.card() for stored in state.files.all()]}, exchange)


async def _get_file(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    return json_response(state.files.get(request.path_params["file"]).card(), exchange)


async def _file_content(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    stored = state.files.get(request.path_params["file"])
    return Response(stored.content, 200, exchange.id_headers, stored.mime_type)


async def _delete_file(request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    # The SDK sends a multipart body holding the id; the server ignores it (inferred).
    stored = state.files.delete(request.path_params["file"])
    return json_response({"id": stored.id, "object": "file", "deleted": True}, exchange)


async def _balance(_request: Request, exchange: Exchange, state: EmulatorState) -> Response:
    with state.lock:
        entries = [{"usage": usage, "value": value} for usage, value in state.balance.items()]
    return json_response({"balance": entries}, exchange)


async def _not_found(_request: Request, _exchange: Exchange, _state: EmulatorState) -> Response:
    raise ApiError(404, "Not Found")  # inferred: unknown paths get the API error shape


_API_ROUTES: Final[tuple[tuple[str, str, Handler, bool], ...]] = (
    ("/token", "POST", _password_token, False),
    ("/models", "GET", _models, True),
    ("/models/{model:path}", "GET", _model, True),
    ("/chat/completions", "POST", chat_completions, True),
    ("/embeddings", "POST", embeddings, True),
    ("/tokens/count", "POST", _tokens_count, True),
    ("/files", "POST", _upload_file, True),
    ("/files", "GET", _list_files, True),
    ("/files/{file}/content", "GET", _file_content, True),
    ("/files/{file}/delete", "POST", _delete_file, True),
    ("/files/{file}", "GET", _get_file, True),
    ("/balance", "GET", _balance, True),
)


def _routes(state: EmulatorState) -> list[BaseRoute]:
    async def oauth(request: Request) -> Response:
        return await _oauth(request, state)

    routes: list[BaseRoute] = [Route(OAUTH_PATH, oauth, methods=["POST"])]
    chat_v2 = api_endpoint(state, chat_completions_v2, auth=True)
    routes.extend(
        Route(prefix + "/chat/completions", chat_v2, methods=["POST"]) for prefix in V2_PREFIXES
    )
    for prefix in API_PREFIXES:
        for path, method, handler, auth in _API_ROUTES:
            endpoint = api_endpoint(state, handler, auth=auth)
            routes.append(Route(prefix + path, endpoint, methods=[method]))
    everything = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    fallback = api_endpoint(state, _not_found, auth=False)
    routes.append(Route("/{path:path}", fallback, methods=everything))
    return routes


class _HideStreamCuts(logging.Filter):
    """Keep deliberate stream cuts (fault ``cut_stream_after``) out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, StreamCut):
                return False
            group = getattr(exc, "exceptions", None)
            exc = group[0] if group else exc.__cause__ or exc.__context__
        return True


_CUT_FILTER = _HideStreamCuts()


def build_app(state: EmulatorState) -> Starlette:
    """The ASGI app serving one emulator state."""
    error_logger = logging.getLogger("uvicorn.error")
    if _CUT_FILTER not in error_logger.filters:
        error_logger.addFilter(_CUT_FILTER)
    app = Starlette(routes=_routes(state), middleware=[Middleware(QuotaMiddleware, state=state)])
    app.state.emulator = state
    app.state.started = time.time()
    return app
