"""The httpx clients the transport sends through: built from the model's fields, or the user's.

Request code everywhere (the SDK's request functions, the chat and embeddings wires) sends paths
relative to the client's ``base_url``, and a user's ``http_client`` usually has none. So a user's
client is not handed to that code itself: it sits behind a stock ``httpx.Client`` of ours with
the model's ``base_url`` and timeouts, whose transport (:class:`_Relay`) hands every request, as
built, to ``user_client.send(request, stream=True)``. The user's proxies, mounts, transport,
TLS, auth and event hooks apply to the API and the OAuth requests alike, and no request code has
to know whose client it runs on. An ``httpx.AsyncClient`` belongs to the event loop that first
used it: :func:`_claim_loop` makes every other loop fail with a typed error before sending.

Async clients are kept one per event loop (:class:`LoopClients`) and closed when their loop
shuts down: an ``httpx.AsyncClient`` and its sockets belong to the loop that opened them, and a
model used from many ``asyncio.run`` calls (a script per request, Celery tasks, notebooks) would
otherwise keep each finished loop's client, socket and the loop itself. Each client is paired
with a tiny async generator started on its loop; ``loop.shutdown_asyncgens()`` (called by
``asyncio.run`` and ``asyncio.Runner``) closes it, and its ``finally`` closes the client on its
own loop. A loop closed without that step is found closed on the next use and dropped then.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from langchain_gigachat_ext.client.deadline import AsyncDeadlineTransport, DeadlineTransport
from langchain_gigachat_ext.errors import GigaChatConfigurationError, GigaChatHTTPClientError


@dataclass(frozen=True)
class HttpSettings:
    """How to reach the API."""

    base_url: str
    """API base, e.g. ``https://gigachat.devices.sberbank.ru/api/v1``."""
    timeout: float
    """Read/write/pool timeout in seconds."""
    connect_timeout: float
    """Connect timeout in seconds."""
    verify: bool | str | ssl.SSLContext = True
    """TLS verification: True, a CA bundle path, or an SSL context."""
    cert: tuple[str, str | None, str | None] | None = field(default=None, repr=False)
    """mTLS client certificate: (cert_file, key_file, key_password); kept out of ``repr``
    because it holds the key password."""
    max_connections: int | None = None
    """Connection-pool size (httpx default when None)."""
    user_client: httpx.Client | None = field(default=None, repr=False, compare=False)
    """The user's sync client: carries every sync request when set (it owns TLS and the pool)."""
    user_async_client: httpx.AsyncClient | None = field(default=None, repr=False, compare=False)
    """The user's async client: carries every async request when set."""

    def sync_client(self) -> httpx.Client:
        """A new sync client: the user's behind a relay, else one built from these settings."""
        user = self.user_client
        if user is None:
            kwargs = self.client_kwargs()
            inner = httpx.HTTPTransport(verify=kwargs["verify"], limits=self._limits())
            return httpx.Client(**kwargs, transport=DeadlineTransport(inner))
        return httpx.Client(**self._relay_kwargs(user), transport=DeadlineTransport(_Relay(user)))

    def async_client(self) -> httpx.AsyncClient:
        """A new async client for the running event loop (see :meth:`sync_client`).

        Raises:
            GigaChatHTTPClientError: The user's async client belongs to another event loop.
        """
        user = self.user_async_client
        if user is None:
            kwargs = self.client_kwargs()
            inner = httpx.AsyncHTTPTransport(verify=kwargs["verify"], limits=self._limits())
            return httpx.AsyncClient(**kwargs, transport=AsyncDeadlineTransport(inner))
        _claim_loop(user)
        return httpx.AsyncClient(
            **self._relay_kwargs(user), transport=AsyncDeadlineTransport(_AsyncRelay(user))
        )

    def timeouts(self) -> httpx.Timeout:
        """The model's timeouts (they apply to a user's client too: each request carries them)."""
        return httpx.Timeout(self.timeout, connect=self.connect_timeout)

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for our own ``httpx.Client`` / ``httpx.AsyncClient``."""
        kwargs: dict[str, Any] = {
            "base_url": self.base_url,
            "verify": self.ssl_context,
            "timeout": self.timeouts(),
        }
        if self.max_connections is not None:
            # Idle connections kept alive stay at httpx's default (20), as in the SDK.
            kwargs["limits"] = httpx.Limits(max_connections=self.max_connections)
        return kwargs

    def _limits(self) -> httpx.Limits:
        if self.max_connections is None:
            return httpx.Limits(max_connections=100, max_keepalive_connections=20)
        return httpx.Limits(max_connections=self.max_connections)

    def _relay_kwargs(self, user: httpx.Client | httpx.AsyncClient) -> dict[str, Any]:
        # The user's default headers, query parameters and cookies are merged into each request
        # as their own client would (``send`` sends a request as it is); read at first use.
        return {
            "base_url": self.base_url,
            "timeout": self.timeouts(),
            "headers": user.headers,
            "params": user.params,
            "cookies": user.cookies,
        }

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context all our clients of these settings share, built once.

        Building one loads the CA bundle (~20 ms), which httpx would otherwise repeat for every
        client: the sync one and one async client per event loop (each ``asyncio.run``).
        ``verify=True`` follows httpx (``SSL_CERT_FILE``/``SSL_CERT_DIR``, else certifi). httpx
        0.28 deprecates ``verify=<path>`` and ``cert=``, and with ``verify=<path>`` it silently
        ignores ``cert`` — so a CA bundle plus mTLS would drop the client certificate. Loading
        both here keeps them.
        """
        verify = self.verify
        if isinstance(verify, str):
            context = (
                ssl.create_default_context(capath=verify)
                if Path(verify).is_dir()
                else ssl.create_default_context(cafile=verify)
            )
        else:
            context = httpx.create_ssl_context(verify=verify)
        if self.cert is not None:
            cert_file, key_file, password = self.cert
            try:
                context.load_cert_chain(cert_file, key_file, password)
            except (ssl.SSLError, OSError) as exc:
                # A wrong key password, a missing file or a key that does not match: a
                # configuration error, never a connection failure worth retrying.
                files = ", ".join(repr(name) for name in (cert_file, key_file) if name)
                reason = exc.strerror or exc.reason if isinstance(exc, ssl.SSLError) else exc
                msg = (
                    f"The mTLS certificate/key ({files}) cannot be loaded: {reason}. Check "
                    "cert_file, key_file and key_file_password (GIGACHAT_CERT_FILE, "
                    "GIGACHAT_KEY_FILE, GIGACHAT_KEY_FILE_PASSWORD)."
                )
                raise GigaChatConfigurationError(msg) from None
        return context


class _Relay(httpx.BaseTransport):
    """Sends each request through the user's ``httpx.Client``; never closes that client."""

    def __init__(self, user: httpx.Client) -> None:
        self._user = user

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The user's client's answer to ``request``, its body still unread."""
        if self._user.is_closed:
            raise GigaChatHTTPClientError(_CLOSED.format(field="http_client"))
        answer = self._user.send(request, stream=True)
        if answer.is_stream_consumed:  # read by an event hook, or a test double's (MockTransport)
            return _read_answer(answer)
        return _answer(answer, _RawBody(answer))


class _AsyncRelay(httpx.AsyncBaseTransport):
    """Sends each request through the user's ``httpx.AsyncClient``; never closes that client."""

    def __init__(self, user: httpx.AsyncClient) -> None:
        self._user = user

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The user's client's answer to ``request``, its body still unread."""
        if self._user.is_closed:
            raise GigaChatHTTPClientError(_CLOSED.format(field="http_async_client"))
        answer = await self._user.send(request, stream=True)
        if answer.is_stream_consumed:
            return _read_answer(answer)
        return _answer(answer, _AsyncRawBody(answer))


_CLOSED = (
    "The {field} given to this model is closed. Keep it open while the model is in use, or "
    "leave {field} unset so that the model manages its own client."
)


def _answer(
    answer: httpx.Response, body: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    # Our client decodes the raw body (gzip, charset) as it does for its own responses.
    return httpx.Response(
        answer.status_code, headers=answer.headers, stream=body, extensions=answer.extensions
    )


def _read_answer(answer: httpx.Response) -> httpx.Response:
    headers = answer.headers.copy()
    headers.pop("content-encoding", None)  # ``content`` is already decoded
    return httpx.Response(
        answer.status_code, headers=headers, content=answer.content, extensions=answer.extensions
    )


class _RawBody(httpx.SyncByteStream):
    """The raw body of the user's response; closing it closes that response (and connection)."""

    def __init__(self, answer: httpx.Response) -> None:
        self._answer = answer

    def __iter__(self) -> Iterator[bytes]:
        """The body's bytes as they arrive."""
        return self._answer.iter_raw()

    def close(self) -> None:
        """Close the user's response, returning its connection to the user's pool."""
        self._answer.close()


class _AsyncRawBody(httpx.AsyncByteStream):
    """Async twin of :class:`_RawBody`."""

    def __init__(self, answer: httpx.Response) -> None:
        self._answer = answer

    def __aiter__(self) -> AsyncIterator[bytes]:
        """The body's bytes as they arrive."""
        return self._answer.aiter_raw()

    async def aclose(self) -> None:
        """Close the user's response, returning its connection to the user's pool."""
        await self._answer.aclose()


_loops: weakref.WeakKeyDictionary[httpx.AsyncClient, weakref.ref[asyncio.AbstractEventLoop]] = (
    weakref.WeakKeyDictionary()
)
"""The event loop each user's async client was first used on (kept for the client's life)."""
_loops_lock = threading.Lock()


def _claim_loop(client: httpx.AsyncClient) -> None:
    """Bind ``client`` to the running loop on first use; fail on any other loop after that."""
    loop = asyncio.get_running_loop()
    with _loops_lock:
        owner = _loops.setdefault(client, weakref.ref(loop))
    if owner() is not loop:
        msg = (
            "The http_async_client given to this model was first used on another event loop; "
            "an httpx.AsyncClient keeps connections that belong to one loop. Create the client "
            "(and the model) inside the loop that uses them, or leave http_async_client unset: "
            "the model then keeps one client of its own per event loop."
        )
        raise GigaChatHTTPClientError(msg)


# --- one async client per event loop ---------------------------------------------------------
class LoopClients:
    """The async clients of one transport, one per running event loop."""

    def __init__(self, build: Callable[[], httpx.AsyncClient]) -> None:
        """Create the holder; ``build()`` makes a new client for the running loop."""
        self._build = build
        self._lock = threading.Lock()
        self._clients: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}
        self._closers: dict[asyncio.AbstractEventLoop, AsyncIterator[None]] = {}

    def count(self) -> int:
        """How many loops' clients are held."""
        with self._lock:
            return len(self._clients)

    def current(self) -> httpx.AsyncClient:
        """The running loop's client, made on first use."""
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._clients.get(loop)
            if client is not None and not client.is_closed:
                return client
            for dead in [other for other in self._clients if other.is_closed()]:
                self._clients.pop(dead, None)
                self._closers.pop(dead, None)
        client = self._build()
        closer = _close_at_shutdown(client, lambda: self._forget(loop, client))
        _start(closer)
        with self._lock:
            self._clients[loop] = client
            self._closers[loop] = closer
        return client

    async def aclose_current(self) -> None:
        """Close the running loop's client now."""
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._clients.pop(loop, None)
            closer = self._closers.pop(loop, None)
        if closer is not None:
            await closer.aclose()  # type: ignore[attr-defined]
        elif client is not None:
            await client.aclose()

    def _forget(self, loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient) -> None:
        with self._lock:
            if self._clients.get(loop) is client:
                del self._clients[loop]
                self._closers.pop(loop, None)


async def _close_at_shutdown(
    client: httpx.AsyncClient, forget: Callable[[], None]
) -> AsyncIterator[None]:
    """Suspended for the loop's life; closed by ``loop.shutdown_asyncgens()``."""
    try:
        yield
    finally:
        forget()
        await client.aclose()


def _start(closer: AsyncIterator[None]) -> None:
    """Run ``closer`` to its ``yield``, registering it with the running loop's async generators.

    The first step of an async generator is what hands it to the loop's first-iteration hook
    (``sys.set_asyncgen_hooks``); it yields at once, so one ``send`` completes the step.
    """
    step = closer.__anext__()
    try:
        step.send(None)  # type: ignore[attr-defined]
    except StopIteration:
        return
