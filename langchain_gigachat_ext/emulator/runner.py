"""Run the emulator in-process: uvicorn on 127.0.0.1 in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import uvicorn

from langchain_gigachat_ext.emulator.brain.core import DEFAULT_BEHAVIOUR, Behaviour, Brain
from langchain_gigachat_ext.emulator.faults import Faults
from langchain_gigachat_ext.emulator.script import Script
from langchain_gigachat_ext.emulator.server.app import OAUTH_PATH, build_app
from langchain_gigachat_ext.emulator.server.auth import TokenStore, basic_key
from langchain_gigachat_ext.emulator.server.bodies import BodyLimits
from langchain_gigachat_ext.emulator.server.quota import ConcurrencyQuota
from langchain_gigachat_ext.emulator.server.requestlog import RequestLog
from langchain_gigachat_ext.emulator.server.state import EmulatorState

DEFAULT_USER: Final = "emulator"
"""User accepted by ``POST /token`` unless configured."""

DEFAULT_PASSWORD: Final = "emulator-password"  # noqa: S105 - a fixed local test password
"""Password accepted by ``POST /token`` unless configured."""

DEFAULT_CREDENTIALS: Final = basic_key("emulator-client-id", "emulator-client-secret")
"""Authorization key accepted by the OAuth endpoint unless configured."""

START_TIMEOUT: Final = 10.0
"""Seconds to wait for uvicorn to come up."""


LISTEN_BACKLOG = 2048
"""Pending connections the listening socket queues (uvicorn's default)."""

KEEP_ALIVE_SECONDS = 15
"""Idle seconds before the server closes a kept-alive connection: the GigaChat stands answer
``Keep-Alive: timeout=15`` (PROTOCOL §3.3 [REC]). A shorter timeout closes connections that a
client with long pauses between calls is about to reuse, and clients without a retry on that
race (the raw SDK) then fail with ``httpx.ReadError``.
"""


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 = any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # uvicorn's own default backlog: with 128, a burst of 200 new connections (abatch at
    # max_concurrency=200) overflows the queue and the dropped SYNs are retried after 1-3 s.
    sock.listen(LISTEN_BACKLOG)
    return sock


def uvicorn_server(state: EmulatorState) -> uvicorn.Server:
    """A quiet uvicorn server for ``state`` (no access log, short graceful shutdown)."""
    config = uvicorn.Config(
        build_app(state),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
    return uvicorn.Server(config)


def _default_brain(behaviour: Behaviour = DEFAULT_BEHAVIOUR) -> Brain:
    return Brain(behaviour=behaviour)


class GigaChatEmulator:
    """A local, wire-faithful GigaChat v1 server.

    Its deterministic model reads only what a real model receives (the function and
    ``response_format`` JSON schemas and the conversation) and answers in one of two behaviours:

    * ``"helpful"`` (default): fills every required field and the optional ones the
      conversation speaks of, invents plausible text where the conversation gives none.
    * ``"literal"``: the strict case, like a constrained decoder. It fills exactly the required
      fields and omits optional ones; takes values from the conversation (numbers, quoted
      strings, names in the user's words, dates, e-mails, URLs), otherwise typed defaults
      (``""``, ``0``, ``false``, the first enum option, ``minItems`` items); keeps arrays
      minimal; chooses among offered functions by how well their names and descriptions match
      the conversation (ties by name, never by position); reads no rules from descriptions;
      a forced ``function_call`` is called with such literal arguments. Test agents against it
      to see whether they hold with a model that takes schemas literally.

    Example:
        ```python
        with GigaChatEmulator() as emu:
            client = gigachat.GigaChat(**emu.client_kwargs(), model="GigaChat")

        with GigaChatEmulator(behaviour="literal") as strict:
            ...
        ```
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: float = 1800.0,
        brain: Brain | None = None,
        faults: Faults | None = None,
        credentials: str = DEFAULT_CREDENTIALS,
        user: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        request_log_path: str | Path | None = None,
        body_limits: BodyLimits | None = None,
        behaviour: Behaviour = DEFAULT_BEHAVIOUR,
        max_concurrent: int | None = None,
    ) -> None:
        """Configure (but do not start) the emulator.

        Args:
            host: Interface to listen on (loopback only).
            port: TCP port; 0 picks a free one.
            token_ttl: Lifetime of issued tokens in seconds.
            brain: The scripted model (default: a :class:`Brain` of ``behaviour``).
            faults: Fault knobs to start with.
            credentials: Authorization key the OAuth endpoint accepts.
            user: User for ``POST /token``.
            password: Password for ``POST /token``.
            request_log_path: JSON-lines file receiving every request-log entry.
            body_limits: Request body caps (default :class:`BodyLimits`: 8 MiB of JSON, uploads
                up to the largest documented file); a longer body gets 413.
            behaviour: ``"helpful"`` or ``"literal"`` (see above); only without ``brain``.
            max_concurrent: The account's quota of API requests in flight (None: no quota); a
                request beyond it gets 429 in the API's error shape, as GigaChat answers a
                personal account's second concurrent request (see :attr:`quota`).

        Raises:
            ValueError: If ``behaviour`` is unknown, or given together with ``brain``.
        """
        if brain is not None and behaviour != DEFAULT_BEHAVIOUR:
            msg = "Pass either brain or behaviour: a given brain keeps its own behaviour."
            raise ValueError(msg)
        self.host = host
        self._requested_port = port
        self.credentials = credentials
        self.user = user
        self.password = password
        self.faults = faults or Faults()
        self.faults.token_ttl = token_ttl
        self._token_ttl = token_ttl
        self.state = EmulatorState(
            brain=brain or _default_brain(behaviour),
            tokens=TokenStore(credentials=credentials, user=user, password=password, ttl=token_ttl),
            faults=self.faults,
            log=RequestLog(request_log_path),
            limits=body_limits or BodyLimits(),
            quota=ConcurrencyQuota(max_concurrent),
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = port

    @property
    def quota(self) -> ConcurrencyQuota:
        """Requests in flight: ``max_concurrent`` (settable), ``peak`` and ``rejected`` counts."""
        return self.state.quota

    @property
    def behaviour(self) -> Behaviour:
        """The brain's behaviour, ``"helpful"`` or ``"literal"``."""
        return getattr(self.state.brain, "behaviour", DEFAULT_BEHAVIOUR)

    @property
    def script(self) -> Script:
        """Queued replies consumed by the next chat calls."""
        return self.state.script

    @property
    def request_log(self) -> list[dict[str, Any]]:
        """Request-log entries, newest last."""
        return self.state.log.entries

    @property
    def origin(self) -> str:
        """``http://HOST:PORT``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """API base URL, e.g. ``http://127.0.0.1:PORT/api/v1``."""
        return f"{self.origin}/api/v1"

    @property
    def auth_url(self) -> str:
        """OAuth URL, e.g. ``http://127.0.0.1:PORT/api/v2/oauth``."""
        return f"{self.origin}{OAUTH_PATH}"

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``gigachat.GigaChat`` / ``ChatGigaChat``."""
        return {
            "base_url": self.base_url,
            "auth_url": self.auth_url,
            "credentials": self.credentials,
        }

    def start(self) -> Self:
        """Start serving in a daemon thread; returns once requests are accepted.

        Raises:
            RuntimeError: If uvicorn does not start within ``START_TIMEOUT`` seconds.
        """
        if self._server is not None:
            return self
        sock = bind_socket(self.host, self._requested_port)
        self.port = sock.getsockname()[1]
        server = uvicorn_server(self.state)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="gigachat-emulator", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            server.should_exit = True
            thread.join(START_TIMEOUT)
            sock.close()
            msg = "GigaChat emulator failed to start"
            raise RuntimeError(msg)
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(START_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(START_TIMEOUT)

    def reset(self) -> None:
        """Clear the request log, script, faults, files and sessions."""
        self.state.reset()
        self.faults.token_ttl = self._token_ttl

    def __enter__(self) -> Self:
        """Start and return self."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        self.stop()
