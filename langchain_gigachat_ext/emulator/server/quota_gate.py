"""The ASGI gate that enforces :class:`~.quota.ConcurrencyQuota` on every counted request."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from langchain_gigachat_ext.emulator.server.errors import ApiError
from langchain_gigachat_ext.emulator.server.exchange import error_response, new_exchange
from langchain_gigachat_ext.emulator.server.quota import UNCOUNTED_SUFFIXES, ConcurrencyQuota
from langchain_gigachat_ext.emulator.server.state import EmulatorState


class QuotaMiddleware:
    """ASGI middleware answering 429 beyond the quota; a request counts until fully sent."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        """Wrap ``app`` serving the emulator ``state``."""
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, or refuse it with 429 when the quota is full."""
        quota: ConcurrencyQuota = self.state.quota
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.endswith(UNCOUNTED_SUFFIXES):
            await self.app(scope, receive, send)
            return
        if not quota.enter():
            exchange = new_exchange(Request(scope))
            exchange.status = 429
            self.state.log.add(exchange.log_entry())
            await error_response(ApiError(429), exchange)(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            quota.leave()
