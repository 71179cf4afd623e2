"""Local, wire-faithful GigaChat emulator: the v1 API and the v2 chat API.

```python
from langchain_gigachat_ext.emulator import GigaChatEmulator

with GigaChatEmulator() as emu:
    emu.script.reply_text("Hi!")
    client = gigachat.GigaChat(**emu.client_kwargs(), model="GigaChat")
```

Rooms: :mod:`.server` (the HTTP app and its per-request plumbing), :mod:`.api` (``v1`` and ``v2``
routes: request rules and rendering), :mod:`.brain` (the deterministic model, no HTTP). Here at
the root sit the faces users touch: :mod:`.runner`, :mod:`.cli`, :mod:`.pytest_plugin`,
:mod:`.faults` and :mod:`.script`.

Names are imported lazily so that ``emulator.brain`` stays importable without the server extras.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_gigachat_ext.emulator.faults import Faults
    from langchain_gigachat_ext.emulator.runner import GigaChatEmulator
    from langchain_gigachat_ext.emulator.script import Script, ScriptedError, ScriptedReply

__all__ = ["Faults", "GigaChatEmulator", "Script", "ScriptedError", "ScriptedReply"]

_HOMES = {
    "Faults": "langchain_gigachat_ext.emulator.faults",
    "GigaChatEmulator": "langchain_gigachat_ext.emulator.runner",
    "Script": "langchain_gigachat_ext.emulator.script",
    "ScriptedError": "langchain_gigachat_ext.emulator.script",
    "ScriptedReply": "langchain_gigachat_ext.emulator.script",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use."""
    home = _HOMES.get(name)
    if home is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(home), name)
