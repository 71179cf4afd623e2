"""The emulator's HTTP side: the Starlette app, per-request plumbing, body caps, auth, state, files.

The app is built by :func:`build_app` (:mod:`.app`; re-exported here, where it always lived);
the routes of each API version live in :mod:`langchain_gigachat_ext.emulator.api`. The
re-exports load on first use: the routes import this package's modules, and the app imports
the routes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_gigachat_ext.emulator.server.app import (
        API_PREFIXES,
        OAUTH_PATH,
        V2_PREFIXES,
        build_app,
    )

__all__ = ["API_PREFIXES", "OAUTH_PATH", "V2_PREFIXES", "build_app"]


def __getattr__(name: str) -> Any:
    """Import the app's public names on first use."""
    if name not in __all__:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module("langchain_gigachat_ext.emulator.server.app"), name)
