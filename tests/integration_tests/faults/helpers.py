"""Shared helpers of the fault-injection tests: clients on the emulator, log counting, stubs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from langchain_gigachat_ext import ChatGigaChat

FAST_BACKOFF = 0.01
"""Backoff factor that keeps retry tests quick (jitter still applies)."""


def chat_model(emu: Any, **overrides: Any) -> ChatGigaChat:
    """A fresh (cold: no token, no connections) ChatGigaChat on the emulator."""
    params: dict[str, Any] = {
        **emu.client_kwargs(),
        "retry_backoff_factor": FAST_BACKOFF,
        "timeout": 10.0,
    }
    params.update(overrides)
    return ChatGigaChat(**params)


def chat_entries(emu: Any) -> list[dict[str, Any]]:
    """Request-log entries of chat calls."""
    return [e for e in list(emu.request_log) if e["path"].endswith("/chat/completions")]


def oauth_entries(emu: Any) -> list[dict[str, Any]]:
    """Request-log entries of OAuth token requests."""
    return [e for e in list(emu.request_log) if e["oauth"]]


def wait_until(condition: Callable[[], bool], *, seconds: float = 5.0) -> bool:
    """Poll ``condition`` (bounded in time); True once it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


Responder = Callable[[BaseHTTPRequestHandler], None]


@contextmanager
def stub_server(respond: Responder) -> Iterator[str]:
    """A throwaway HTTP server on 127.0.0.1; yields its origin. ``respond`` writes each reply."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            respond(self)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def send(
    handler: BaseHTTPRequestHandler,
    body: bytes,
    *,
    content_type: str = "application/json",
    request_id: str = "stub-request-1",
) -> None:
    """Write a 200 with ``body`` and an ``X-Request-Id``, then close the connection."""
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("X-Request-Id", request_id)
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
