"""The emulator's deterministic scripted model ("brain").

INTERFACE CONTRACT (shared by the server and the brain; keep signatures stable):
the server turns a validated wire request (v1 now, v2 later) into a :class:`Conversation`,
asks :meth:`Brain.reply` for a :class:`Reply`, and renders it in the wire format. The brain
never sees HTTP, JSON framing or auth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "function"]


@dataclass(frozen=True)
class Turn:
    """One message of the conversation, protocol-neutral."""

    role: Role
    """Who spoke: system, user, assistant, or function (a function result)."""
    content: str = ""
    """Text content; for ``function`` turns the JSON text of the result."""
    name: str | None = None
    """Function name on ``function`` turns."""
    function_call: dict[str, Any] | None = None
    """``{"name": ..., "arguments": {...}}`` on assistant turns that called a function."""
    attachments: tuple[str, ...] = ()
    """Ids of uploaded files attached to this turn."""


@dataclass(frozen=True)
class Conversation:
    """Everything the brain needs to answer one chat request."""

    model: str
    """Requested model id (unversioned, e.g. ``GigaChat-2``)."""
    turns: tuple[Turn, ...]
    """The history, oldest first (already validated by the server)."""
    functions: tuple[dict[str, Any], ...] = ()
    """Function specs as sent: name, description, parameters, few_shot_examples, ..."""
    function_call: str | dict[str, Any] | None = None
    """``"auto"``, ``"none"``, ``{"name": ...}`` (forced) or None (auto when functions exist)."""
    response_format: dict[str, Any] | None = None
    """``{"type": "json_schema", "schema": {...}, "strict"?: bool}`` or None."""
    max_tokens: int | None = None
    """Output token cap; when the reply is longer, it is cut and finish_reason is ``length``."""
    reasoning_effort: str | None = None
    """``low``/``medium``/``high``; reasoning models then also return reasoning text."""
    temperature: float | None = None
    """Sampling temperature (the brain is deterministic; kept for completeness)."""


@dataclass(frozen=True)
class Reply:
    """What the model says back."""

    content: str = ""
    """Assistant text (empty when a function is called)."""
    function_call: dict[str, Any] | None = None
    """``{"name": ..., "arguments": {...}}`` (arguments is an object) or None."""
    reasoning_content: str | None = None
    """Reasoning text for reasoning models / when reasoning_effort is set."""
    finish_reason: Literal["stop", "length", "function_call"] = "stop"
    """Why generation ended."""
    prompt_tokens: int = 0
    """Tokens in the prompt (history + functions)."""
    completion_tokens: int = 0
    """Tokens in the reply."""
    chunks: tuple[str, ...] = field(default=())
    """The content split into stream deltas (several words each); joined they equal content."""


class Brain:
    """Deterministic model: same conversation in, same reply out."""

    def reply(self, conversation: Conversation) -> Reply:
        """Answer one chat request."""
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        """Deterministic token count of ``text`` (used for usage and ``/tokens/count``)."""
        raise NotImplementedError

    def embed(self, text: str, dimensions: int) -> list[float]:
        """Unit-length vector whose cosine similarity reflects shared words."""
        raise NotImplementedError
