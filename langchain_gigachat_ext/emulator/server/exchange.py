"""Per-request plumbing shared by every API route: ids, faults, auth, errors, logging."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from langchain_gigachat_ext.emulator.server.deadline import sleep_until
from langchain_gigachat_ext.emulator.server.errors import ApiError
from langchain_gigachat_ext.emulator.server.protocol import API_JSON, dumps, error_body
from langchain_gigachat_ext.emulator.server.requestlog import redact
from langchain_gigachat_ext.emulator.server.state import EmulatorState

logger = logging.getLogger(__name__)


@dataclass
class Exchange:
    """What one API request did; becomes its request-log entry."""

    method: str
    """HTTP method."""
    path: str
    """URL path."""
    request_id: str
    """Echoed ``X-Request-ID`` or a fresh uuid4."""
    session_id: str
    """Echoed ``X-Session-ID`` or a fresh uuid4."""
    client_session_id: str | None
    """The session id the client sent (prompt caching uses only this)."""
    oauth: bool = False
    """Whether this was the OAuth endpoint."""
    body: Any = None
    """Parsed request body (JSON or form)."""
    stream: bool = False
    """SSE answer."""
    chunks_sent: int = 0
    """SSE data chunks written (``[DONE]`` not counted)."""
    status: int = 200
    """Final HTTP status."""
    started: float = field(default_factory=time.time)
    """Arrival time."""
    log_deferred: bool = False
    """Set by streaming handlers, which log the entry when the stream ends."""

    @property
    def id_headers(self) -> dict[str, str]:
        """``X-Request-Id``/``X-Session-Id`` as production spells them (REC)."""
        return {"X-Request-Id": self.request_id, "X-Session-Id": self.session_id}

    def log_entry(self) -> dict[str, Any]:
        """The redacted request-log entry."""
        return {
            "ts": self.started,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "request_id": self.request_id,
            "session_id": self.session_id,
            "oauth": self.oauth,
            "body": redact(self.body),
            "stream": self.stream,
            "chunks_sent": self.chunks_sent,
        }


Handler = Callable[[Request, Exchange, EmulatorState], Awaitable[Response]]


def json_response(payload: Any, exchange: Exchange, status: int = 200) -> Response:
    """A compact-JSON API response with the id headers."""
    return Response(dumps(payload), status, exchange.id_headers, API_JSON)


def error_response(error: ApiError, exchange: Exchange) -> Response:
    """The API error shape with the id headers and any extra headers."""
    response = json_response(error_body(error.status, error.message), exchange, error.status)
    response.headers.update(error.headers)
    return response


def new_exchange(request: Request, *, oauth: bool = False) -> Exchange:
    """Start the record of one request, taking the client's ids when given."""
    client_request_id = request.headers.get("x-request-id")
    client_session_id = request.headers.get("x-session-id")
    return Exchange(
        method=request.method,
        path=request.url.path,
        request_id=client_request_id or str(uuid.uuid4()),
        session_id=client_session_id or str(uuid.uuid4()),
        client_session_id=client_session_id,
        oauth=oauth,
    )


def _check_access(request: Request, state: EmulatorState) -> None:
    faults = state.faults
    failure = faults.draw_failure()
    if failure is not None:
        status, headers = failure
        raise ApiError(status, headers=headers)
    state.tokens.check(request.headers.get("authorization"))
    limit = faults.unauthorized_after
    if limit is not None and state.calls_since_token >= limit:
        raise ApiError(401)


def api_endpoint(
    state: EmulatorState, handler: Handler, *, auth: bool = True
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap ``handler`` with latency, injected faults, bearer auth, error mapping and logging.

    Streaming handlers set ``exchange.log_deferred`` and log the entry when the stream ends.
    """

    async def endpoint(request: Request) -> Response:
        arrived = time.monotonic()
        exchange = new_exchange(request)
        faults = state.faults
        try:
            if auth:
                _check_access(request, state)
            response = await handler(request, exchange, state)
        except ApiError as error:
            response = error_response(error, exchange)
        except Exception:
            logger.exception("emulator handler failed")
            response = error_response(ApiError(500), exchange)
        exchange.status = response.status_code
        if auth and response.status_code == 200:
            with state.lock:
                state.calls_since_token += 1
        if not exchange.log_deferred:
            state.log.add(exchange.log_entry())
        # Latency is the time from arrival to the answer, as a real server's would be: the
        # emulator's own work (logging included) counts towards it instead of adding to it.
        await sleep_until(arrived + faults.latency)
        return response

    return endpoint
