"""Mobile/web backend proxy for GigaChat: SSE streaming, API keys, limits, shared state.

``python cookbook/backend_proxy/main.py --port 8000`` serves on 127.0.0.1 until Ctrl+C;
``--demo`` starts it on a free port, talks to it with ``client.py`` and stops. Client API keys
come from ``PROXY_API_KEYS`` (``key:client,key2:client2``); GigaChat credentials stay on the
server (``GIGACHAT_CREDENTIALS``; without them the embedded emulator is used). Conversation
state is stored in SQLite (``--sqlite``) or, when ``PROXY_POSTGRES_DSN`` is set, in PostgreSQL
via ``langgraph-checkpoint-postgres`` so that several replicas share it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # started as a file: make `cookbook.*` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import uvicorn

from cookbook._shared.runtime import chat_model, gigachat_backend
from cookbook.backend_proxy.app import ProxySettings, create_app
from cookbook.backend_proxy.client import stream_chat
from cookbook.backend_proxy.limits import parse_api_keys

DEMO_KEY = "demo-key-change-me"
START_TIMEOUT = 10.0


def sqlite_checkpointer(path: Path) -> Callable[[], AbstractAsyncContextManager[Any]]:
    """Factory of an ``AsyncSqliteSaver`` on ``path``."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    def factory() -> AbstractAsyncContextManager[Any]:
        return AsyncSqliteSaver.from_conn_string(str(path))

    return factory


def postgres_checkpointer(dsn: str) -> Callable[[], AbstractAsyncContextManager[Any]]:
    """Factory of an ``AsyncPostgresSaver`` on ``dsn`` (tables created on first use).

    Raises:
        RuntimeError: When ``langgraph-checkpoint-postgres`` is not installed.
    """
    try:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    except ImportError as error:
        msg = "PROXY_POSTGRES_DSN needs `pip install langgraph-checkpoint-postgres psycopg[binary]`"
        raise RuntimeError(msg) from error

    @asynccontextmanager
    async def factory() -> AsyncIterator[Any]:
        async with AsyncPostgresSaver.from_conn_string(dsn) as saver:
            await saver.setup()
            yield saver

    return factory


def build_settings(environ: dict[str, str] | None = None) -> ProxySettings:
    """Settings from the environment (``PROXY_API_KEYS``, ``PROXY_MAX_BODY_BYTES``, ``PROXY_RATE_*``)."""
    env = os.environ if environ is None else environ
    keys = parse_api_keys(env.get("PROXY_API_KEYS", ""))
    if not keys:
        print(f"[proxy] PROXY_API_KEYS не задан: принимаю только демо-ключ {DEMO_KEY!r}")
        keys = {DEMO_KEY: "demo"}
    return ProxySettings(
        api_keys=keys,
        max_body_bytes=int(env.get("PROXY_MAX_BODY_BYTES", "16384")),
        rate_capacity=float(env.get("PROXY_RATE_CAPACITY", "5")),
        rate_per_second=float(env.get("PROXY_RATE_PER_SECOND", "1")),
    )


def app_from_environment() -> Any:
    """The app of one worker process (``uvicorn --factory``), configured by the environment.

    Every worker builds its own ``ChatGigaChat`` from the ``GIGACHAT_*`` variables; with
    ``GIGACHAT_SHARED_LIMITER_URL`` set (a Redis URL) all workers share the account's quota of
    requests in flight, so a burst on several workers waits for slots instead of failing with 429.
    """
    from langchain_gigachat_ext import ChatGigaChat

    dsn = os.environ.get("PROXY_POSTGRES_DSN")
    checkpointer = (
        postgres_checkpointer(dsn)
        if dsn
        else sqlite_checkpointer(Path(os.environ["PROXY_SQLITE_PATH"]))
    )
    return create_app(build_settings(), lambda: ChatGigaChat(streaming=True), checkpointer)


def serve_workers(port: int, workers: int, sqlite: Path, backend: dict[str, Any]) -> None:
    """Serve with ``workers`` processes on one port (uvicorn's own worker manager).

    Args:
        port: TCP port on 127.0.0.1.
        workers: Worker processes.
        sqlite: The SQLite file of the conversations (unless ``PROXY_POSTGRES_DSN`` is set).
        backend: Connection settings the workers inherit as ``GIGACHAT_*`` variables (the
            embedded emulator's, when no credentials are set).
    """
    for name, value in backend.items():
        if value is not None and f"GIGACHAT_{name.upper()}" not in os.environ:
            os.environ[f"GIGACHAT_{name.upper()}"] = str(value)
    os.environ.setdefault("PROXY_SQLITE_PATH", str(sqlite))
    if not os.environ.get("GIGACHAT_SHARED_LIMITER_URL"):
        print(
            "[proxy] GIGACHAT_SHARED_LIMITER_URL не задан: каждый процесс считает квоту "
            "запросов сам (задайте redis://..., pip install 'langchain-gigachat-ext[redis]')"
        )
    uvicorn.run(
        "cookbook.backend_proxy.main:app_from_environment",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_level="warning",
    )


class ProxyServer:
    """The proxy served by uvicorn in a background thread on 127.0.0.1 (a free port by default)."""

    def __init__(self, app: Any, port: int = 0) -> None:
        """Configure; call :meth:`start`."""
        self._config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(self._config)
        self._thread = threading.Thread(target=self._server.run, name="gigachat-proxy", daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> ProxyServer:
        """Start and wait until requests are accepted.

        Raises:
            RuntimeError: When the server does not come up in time.
        """
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self._server.started:
            self.stop()
            raise RuntimeError("proxy failed to start")
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and join the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(START_TIMEOUT)


def run_demo(url: str, api_key: str) -> int:
    """Two messages in one conversation through the client; 0 when both streamed to [DONE]."""
    conversation = None
    for message in ("Привет! Меня зовут Анна.", "Как меня зовут?"):
        print(f"👤 {message}\n🤖 ", end="", flush=True)
        reply = stream_chat(
            url, api_key, message, conversation, on_token=lambda t: print(t, end="", flush=True)
        )
        conversation = reply.conversation_id
        print(
            f"\n   [{len(reply.frames)} SSE-кадров, [DONE]={reply.done}, conversation_id={conversation}]"
        )
        if not (reply.done and reply.text):
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Serve (default) or run the self-contained demo (``--demo``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--sqlite", type=Path, default=None, help="файл SQLite для состояния диалогов"
    )
    parser.add_argument(
        "--demo", action="store_true", help="запустить, поговорить через client.py и выйти"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="процессов-обработчиков (квота аккаунта общая через GIGACHAT_SHARED_LIMITER_URL)",
    )
    args = parser.parse_args(argv)
    settings = build_settings()
    dsn = os.environ.get("PROXY_POSTGRES_DSN")
    with (
        tempfile.TemporaryDirectory(prefix="gigachat-proxy-") as tmp,
        gigachat_backend() as backend,
    ):
        try:
            if dsn:
                checkpointer = postgres_checkpointer(dsn)
                print("[proxy] состояние диалогов: PostgreSQL (PROXY_POSTGRES_DSN)")
            else:
                path = args.sqlite or Path(tmp) / "conversations.sqlite"
                checkpointer = sqlite_checkpointer(path)
                print(f"[proxy] состояние диалогов: SQLite {path}")
            if args.workers > 1 and not args.demo:
                path = args.sqlite or Path(tmp) / "conversations.sqlite"
                serve_workers(args.port, args.workers, path, backend.client_kwargs)
                return 0
            app = create_app(settings, lambda: chat_model(streaming=True), checkpointer)
            if not args.demo:
                uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info")
                return 0
            server = ProxyServer(app).start()
            try:
                print(f"[proxy] слушаю {server.url}")
                return run_demo(server.url, next(iter(settings.api_keys)))
            finally:
                server.stop()
        except Exception as error:
            print(f"Ошибка: {type(error).__name__}: {error}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
