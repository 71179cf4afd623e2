"""Default factories that read a field's ``GIGACHAT_*`` environment variable at construction."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> Callable[[], Any]:
    """Default factory: the environment variable, else ``default``."""

    def factory() -> str | None:
        value = os.environ.get(name)
        return value if value not in (None, "") else default

    return factory


def env_secret(name: str) -> Callable[[], Any]:
    """Default factory: the environment variable as ``SecretStr``, else None."""

    def factory() -> SecretStr | None:
        value = os.environ.get(name)
        return SecretStr(value) if value else None

    return factory


def env_bool(name: str, default: bool | None) -> Callable[[], Any]:
    """Default factory: a boolean environment variable (1/0, true/false, yes/no, on/off)."""

    def factory() -> bool | None:
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        msg = f"{name}={raw!r} is not a boolean (use true/false)."
        raise ValueError(msg)

    return factory


def env_number(name: str, default: float | None, cast: type = float) -> Callable[[], Any]:
    """Default factory: a numeric environment variable."""

    def factory() -> float | None:
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        return cast(raw)  # type: ignore[no-any-return]

    return factory
