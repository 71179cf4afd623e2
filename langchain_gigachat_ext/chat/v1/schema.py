"""The v1 chat response shapes, validated straight from JSON into plain dicts.

The field types mirror the SDK's ``ChatCompletion`` / ``ChatCompletionChunk`` models
(``gigachat.models.chat``), so a body the SDK would reject is rejected here too, with
``pydantic.ValidationError``. Parsing into ``TypedDict``s instead of the SDK's ``BaseModel``s
skips building three nested model objects per SSE chunk: validation runs in pydantic-core, the
result is the dicts the response builders read anyway. Adapters are built on first use, so
importing the package does not pay for them.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from pydantic import TypeAdapter
from typing_extensions import NotRequired, TypedDict

Role = Literal["assistant", "system", "user", "function", "search_result", "function_in_progress"]
"""Message roles the SDK's ``MessagesRole`` enum accepts."""


class FunctionCall(TypedDict):
    """A function call in an answer."""

    name: str
    """Wire name of the function."""
    arguments: NotRequired[dict[Any, Any] | None]
    """Arguments as a JSON object."""


class Usage(TypedDict):
    """Token usage of one request."""

    prompt_tokens: int
    """Input tokens."""
    completion_tokens: int
    """Generated tokens."""
    total_tokens: int
    """Sum of both."""
    precached_prompt_tokens: NotRequired[int | None]
    """Input tokens served from the prompt cache."""


class Message(TypedDict):
    """The message of a non-streaming choice."""

    role: Role
    """Author role."""
    content: NotRequired[str]
    """Answer text (the SDK defaults it to ``""``)."""
    function_call: NotRequired[FunctionCall | None]
    """A function call, when the model made one."""
    functions_state_id: NotRequired[str | None]
    """Id of the function state (tool call id source)."""
    reasoning_content: NotRequired[str | None]
    """Reasoning text of reasoning models."""


class Delta(TypedDict, total=False):
    """The message delta of a streamed choice."""

    role: Role | None
    """Author role (first chunk only)."""
    content: str | None
    """Text of this chunk."""
    reasoning_content: str | None
    """Reasoning text of this chunk."""
    function_call: FunctionCall | None
    """A complete function call (v1 streams it in one chunk)."""
    functions_state_id: str | None
    """Id of the function state."""


class Choice(TypedDict):
    """One choice of a completion."""

    message: Message
    """The answer."""
    index: int
    """Choice index."""
    finish_reason: NotRequired[str | None]
    """Why generation stopped."""


class ChoiceChunk(TypedDict):
    """One choice of a stream chunk."""

    delta: Delta
    """The new part of the answer."""
    index: int
    """Choice index."""
    finish_reason: NotRequired[str | None]
    """Set on the final chunk."""


class Completion(TypedDict):
    """A non-streaming ``/chat/completions`` answer (PROTOCOL §6.2)."""

    choices: list[Choice]
    """The choices (one)."""
    created: int
    """Unix seconds."""
    model: str
    """Model id with version."""
    usage: Usage
    """Token usage."""
    object: str
    """``chat.completion``."""
    thread_id: NotRequired[str | None]
    """Storage thread id (unused by v1 chat)."""
    message_id: NotRequired[str | None]
    """Storage message id (unused by v1 chat)."""


class Chunk(TypedDict):
    """One SSE ``data:`` object of a v1 stream (PROTOCOL §6.3)."""

    choices: list[ChoiceChunk]
    """The choices (one)."""
    created: int
    """Unix seconds."""
    model: str
    """Model id with version."""
    object: str
    """``chat.completion``."""
    usage: NotRequired[Usage | None]
    """Token usage (final chunk)."""


@functools.cache
def _completion_adapter() -> TypeAdapter[Completion]:
    return TypeAdapter(Completion)


@functools.cache
def _chunk_adapter() -> TypeAdapter[Chunk]:
    return TypeAdapter(Chunk)


def parse_completion(raw: bytes | str) -> Completion:
    """A validated completion from the response body.

    Raises:
        pydantic.ValidationError: Not JSON, or not the shape of a completion.
    """
    return _completion_adapter().validate_json(raw)


def parse_chunk(raw: bytes | str) -> Chunk:
    """A validated stream chunk from the JSON of one ``data:`` line.

    Raises:
        pydantic.ValidationError: Not JSON, or not the shape of a chunk.
    """
    return _chunk_adapter().validate_json(raw)
