"""One runtime helper for every cookbook example: pick the backend, build models.

With ``GIGACHAT_CREDENTIALS`` (or ``GIGACHAT_USER``/``GIGACHAT_PASSWORD``, or
``GIGACHAT_ACCESS_TOKEN``) in the environment the examples talk to the real GigaChat API;
without them they start the embedded :class:`~langchain_gigachat_ext.emulator.GigaChatEmulator`
on 127.0.0.1 so that every example runs offline.

```python
from cookbook._shared.runtime import chat_model, gigachat_backend

with gigachat_backend() as backend:
    model = chat_model(temperature=0)
    print(model.invoke("Привет!").content)
```
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from langchain_gigachat_ext import ChatGigaChat
    from langchain_gigachat_ext.emulator import GigaChatEmulator

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The repository root (so scripts run as files can import ``cookbook.*``)."""

_AUTH_ENV_GROUPS = (("GIGACHAT_CREDENTIALS",), ("GIGACHAT_USER", "GIGACHAT_PASSWORD"))
_TOKEN_ENV = "GIGACHAT_ACCESS_TOKEN"  # noqa: S105 - an env variable name, not a secret


@dataclass
class Backend:
    """Where the example's requests go."""

    kind: Literal["gigachat", "emulator"]
    """``gigachat`` for the real API, ``emulator`` for the embedded one."""
    client_kwargs: dict[str, Any] = field(default_factory=dict)
    """Connection keyword arguments for ``ChatGigaChat`` / ``GigaChatEmbeddings``."""
    emulator: GigaChatEmulator | None = None
    """The running emulator (None for the real API)."""

    @property
    def description(self) -> str:
        """A one-line human description of the backend."""
        if self.emulator is not None:
            return f"встроенный эмулятор GigaChat ({self.emulator.base_url})"
        base_url = os.environ.get("GIGACHAT_BASE_URL", "https://api.giga.chat/v1 (по умолчанию)")
        return f"GigaChat API ({base_url})"


_active: list[Backend] = []


def has_real_credentials(environ: dict[str, str] | None = None) -> bool:
    """True when the environment holds credentials for the real GigaChat API.

    Args:
        environ: Environment to inspect (``os.environ`` by default).

    Returns:
        Whether an authorization key, a user/password pair or an access token is set.
    """
    env = os.environ if environ is None else environ
    if env.get(_TOKEN_ENV):
        return True
    return any(all(env.get(name) for name in group) for group in _AUTH_ENV_GROUPS)


@contextmanager
def gigachat_backend(*, announce: bool = True) -> Iterator[Backend]:
    """Use the real API when credentials are set, otherwise run the embedded emulator.

    Args:
        announce: Print which backend is used.

    Yields:
        The active backend; :func:`chat_model` and :func:`embeddings` connect to it.
    """
    if has_real_credentials():
        backend = Backend(kind="gigachat")
        yield from _activated(backend, announce=announce)
        return
    from langchain_gigachat_ext.emulator import GigaChatEmulator

    # GIGACHAT_EMULATOR_BEHAVIOUR=literal: a model that fills exactly what schemas require.
    behaviour = os.environ.get("GIGACHAT_EMULATOR_BEHAVIOUR", "helpful")
    with GigaChatEmulator(behaviour=behaviour) as emulator:  # type: ignore[arg-type]
        backend = Backend(
            kind="emulator", client_kwargs=emulator.client_kwargs(), emulator=emulator
        )
        yield from _activated(backend, announce=announce)


def _activated(backend: Backend, *, announce: bool) -> Iterator[Backend]:
    if announce:
        print(f"[backend] {backend.description}")
        if backend.kind == "emulator":
            print(
                "[backend] GIGACHAT_CREDENTIALS не задан: ответы синтетические, но путь запросов настоящий"
            )
    _active.append(backend)
    try:
        yield backend
    finally:
        _active.remove(backend)


def current_backend() -> Backend:
    """The innermost active backend (the real API when none is active and credentials exist).

    Raises:
        RuntimeError: When no backend is active and there are no credentials.
    """
    if _active:
        return _active[-1]
    if has_real_credentials():
        return Backend(kind="gigachat")
    msg = "No GigaChat backend: set GIGACHAT_CREDENTIALS or use `with gigachat_backend():`"
    raise RuntimeError(msg)


def chat_model(**kwargs: Any) -> ChatGigaChat:
    """A ``ChatGigaChat`` connected to the active backend.

    Args:
        **kwargs: Any ``ChatGigaChat`` field (``model``, ``temperature``, ...); they win over the
            backend's connection settings.

    Returns:
        The chat model.
    """
    from langchain_gigachat_ext import ChatGigaChat

    return ChatGigaChat(**{**current_backend().client_kwargs, **kwargs})


def embeddings(**kwargs: Any) -> Embeddings:
    """A ``GigaChatEmbeddings`` connected to the active backend.

    Args:
        **kwargs: Any ``GigaChatEmbeddings`` field (``model``, ...).

    Returns:
        The embeddings model.

    Raises:
        RuntimeError: When ``langchain_gigachat_ext.embeddings`` is not available.
    """
    try:
        from langchain_gigachat_ext.embeddings import GigaChatEmbeddings
    except ImportError as error:  # the embeddings module ships separately from the chat model
        msg = "langchain_gigachat_ext.embeddings.GigaChatEmbeddings is not available"
        raise RuntimeError(msg) from error
    model: Embeddings = GigaChatEmbeddings(**{**current_backend().client_kwargs, **kwargs})
    return model
