"""v1 request bodies (chat, embeddings, token counting) checked and turned into brain inputs.

Messages follow PROTOCOL.md §6.2 and §8.1; the checks both versions share live in
:mod:`..rules`. Rules whose status or wording nobody recorded or documented carry
``# inferred`` next to them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from langchain_gigachat_ext._catalog import EMBEDDING_MODELS, MAX_EMBEDDING_BATCH_ITEMS
from langchain_gigachat_ext.emulator.api.rules import (
    CALL_NEEDS_RESULT,
    INVALID_JSON,
    NO_SUCH_MODEL,
    SYSTEM_FIRST,
    FileLookup,
    check_attachments,
    check_sampling,
    invalid_params,
    number_field,
)
from langchain_gigachat_ext.emulator.brain.core import Conversation, Role, Turn
from langchain_gigachat_ext.emulator.server.errors import ApiError
from langchain_gigachat_ext.emulator.server.protocol import is_chat_model

V1_REGEX: Final = "response_format type 'regex' is only supported by the v2 API"
"""422 text for a v1 regex format (inferred: PROTOCOL §7.1 records regex on v2 only)."""

BUILTIN_FUNCTIONS: Final = frozenset({"text2image", "get_file_content", "text2model3d"})
"""Name-only functions that select built-ins (DOC calling-builtin-functions)."""

ROLES: Final = frozenset({"system", "user", "assistant", "function"})
"""Request roles the brain understands (DOC post-chat)."""

_TOP_FIELD_TYPES: Final = {"stream": (bool, "a boolean"), "profanity_check": (bool, "a boolean")}
"""Typed optional fields of a chat body (DOC post-chat types; the 422 for a wrong one inferred)."""

_FUNCTION_FIELD_TYPES: Final = {
    "parameters": (dict, "a JSON schema object"),
    "return_parameters": (dict, "a JSON schema object"),
    "description": (str, "a string"),
    "few_shot_examples": (list, "a list"),
}
"""Typed fields of a function description (DOC post-chat; the 422 for a wrong one inferred)."""


@dataclass(frozen=True)
class ChatRequest:
    """A validated ``POST /chat/completions`` body."""

    conversation: Conversation
    """What the brain gets."""
    stream: bool = False
    """SSE requested."""
    update_interval: float = 0.0
    """Minimum seconds between SSE chunks (DOC): validated, not applied — the emulator sends its
    chunks at once (slow streams come from the ``chunk_delay`` fault)."""


def _check_types(obj: dict[str, Any], types: Mapping[str, tuple[type, str]], where: str) -> None:
    for key, (expected, described) in types.items():
        value = obj.get(key)
        if value is not None and not isinstance(value, expected):
            raise invalid_params(f"{where}{key} must be {described}")  # inferred wording


def _check_functions(body: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    functions = body.get("functions") or []
    if not isinstance(functions, list) or not all(
        isinstance(spec, dict) and isinstance(spec.get("name"), str) for spec in functions
    ):
        raise invalid_params("functions must be a list of objects with a name")  # inferred
    for index, spec in enumerate(functions):
        # A name-only spec selects a built-in; anything else is unknown (3P gigachat-js: 404).
        if spec.get("parameters") is None and spec["name"] not in BUILTIN_FUNCTIONS:
            raise ApiError(404, f"Function schema for {spec['name']} not found")
        _check_types(spec, _FUNCTION_FIELD_TYPES, f"functions[{index}].")
    return tuple(functions)


def _check_function_call(
    body: dict[str, Any], functions: tuple[dict[str, Any], ...]
) -> str | dict[str, Any] | None:
    choice = body.get("function_call")
    if choice is None or choice in ("auto", "none"):
        return choice  # type: ignore[no-any-return]
    if isinstance(choice, dict) and isinstance(choice.get("name"), str):
        names = {spec["name"] for spec in functions}
        if choice["name"] not in names:
            # DOC: forcing requires the function to be described; 404 status inferred from 3P text.
            raise ApiError(404, f"Function schema for {choice['name']} not found")
        return choice
    raise invalid_params("function_call must be 'auto', 'none' or {\"name\": ...}")  # inferred


def _turn(message: Any, index: int) -> Turn:
    if not isinstance(message, dict):
        raise invalid_params(f"messages[{index}] must be an object")  # inferred
    role = message.get("role")
    if role not in ROLES:
        raise invalid_params(f"messages[{index}].role {role!r} is not supported")  # inferred
    content = message.get("content")
    content = "" if content is None else content
    if not isinstance(content, str):
        raise invalid_params(f"messages[{index}].content must be a string")  # inferred
    name = message.get("name")
    call = message.get("function_call")
    if call is not None:
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise invalid_params(f"messages[{index}].function_call must have a name")  # inferred
        arguments = call.get("arguments", {})
        if not isinstance(arguments, dict):
            # Unverified whether the server accepts string arguments; the SDK never sends them.
            raise invalid_params("function_call.arguments must be a JSON object")  # inferred
        call = {"name": call["name"], "arguments": arguments}
    attachments = message.get("attachments") or []
    if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
        raise invalid_params(
            f"messages[{index}].attachments must be a list of file ids"
        )  # inferred
    turn_role: Role = role
    return Turn(
        role=turn_role,
        content=content,
        name=name if isinstance(name, str) else None,
        function_call=call if role == "assistant" else None,
        attachments=tuple(attachments),
    )


def _check_history(turns: list[Turn]) -> None:
    for index, turn in enumerate(turns):
        if turn.role == "system" and index != 0:
            raise ApiError(422, SYSTEM_FIRST)
        if turn.function_call is not None:
            following = turns[index + 1] if index + 1 < len(turns) else None
            if following is None or following.role != "function":
                raise ApiError(422, CALL_NEEDS_RESULT)
        if turn.role != "function":
            continue
        if not turn.name:
            raise invalid_params("function message must have a name")  # inferred
        previous = turns[index - 1] if index else None
        if previous is None or previous.function_call is None:
            # 3P langchain4j-gigachat#26: the call must precede its result; wording inferred.
            raise invalid_params(f"function result for {turn.name} has no preceding function call")
        try:
            json.loads(turn.content)
        except ValueError:
            raise invalid_params(
                f"invalid function result for function {turn.name} json string"
            ) from None


def validate_chat(body: Any, lookup: FileLookup) -> ChatRequest:
    """Check a chat body like the real API and build the brain's :class:`Conversation`.

    Args:
        body: The decoded JSON body.
        lookup: Finds uploaded files for ``attachments``.

    Raises:
        ApiError: With the status and message the real API would give.
    """
    if not isinstance(body, dict):
        raise ApiError(400, INVALID_JSON)  # inferred: a non-object body is not a request
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid_params("model is required")  # inferred
    if not is_chat_model(model):
        raise ApiError(404, NO_SUCH_MODEL)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid_params("messages must be a non-empty list")  # inferred
    check_sampling(body)
    _check_types(body, _TOP_FIELD_TYPES, "")
    functions = _check_functions(body)
    function_call = _check_function_call(body, functions)
    turns = [_turn(message, index) for index, message in enumerate(messages)]
    _check_history(turns)
    check_attachments(turns, lookup)
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "regex":
        # PROTOCOL records regex output on v2 only (§7.1); refusing it on v1 is inferred.
        raise invalid_params(V1_REGEX)
    reasoning_effort = body.get("reasoning_effort")
    interval = number_field(body, "update_interval") or 0.0
    conversation = Conversation(
        model=model,
        turns=tuple(turns),
        functions=functions,
        function_call=function_call,
        response_format=response_format if isinstance(response_format, dict) else None,
        max_tokens=body.get("max_tokens"),
        reasoning_effort=reasoning_effort if isinstance(reasoning_effort, str) else None,
        temperature=number_field(body, "temperature"),
    )
    return ChatRequest(
        conversation=conversation, stream=body.get("stream") is True, update_interval=interval
    )


@dataclass(frozen=True)
class EmbeddingsRequest:
    """A validated ``POST /embeddings`` body."""

    model: str
    """Embedding model id."""
    texts: tuple[str, ...]
    """Inputs, in order."""
    tokens: tuple[int, ...] = ()
    """Token count of each input (counted once for the limit check, reused for ``usage``)."""


def validate_embeddings(body: Any, count_tokens: Callable[[str], int]) -> EmbeddingsRequest:
    """Check an embeddings body.

    Args:
        body: The decoded JSON body.
        count_tokens: The brain's tokenizer, used for the per-model input limit.

    Raises:
        ApiError: 404 unknown model, 413 too many items, 422 bad or over-long input.
    """
    if not isinstance(body, dict):
        raise ApiError(400, INVALID_JSON)  # inferred
    model = body.get("model", "Embeddings")
    facts = EMBEDDING_MODELS.get(model) if isinstance(model, str) else None
    if facts is None:
        raise ApiError(404, NO_SUCH_MODEL)
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise invalid_params("input must be a non-empty list of strings")  # inferred
    if len(texts) > MAX_EMBEDDING_BATCH_ITEMS:
        raise ApiError(
            413, f"Too many inputs: {len(texts)} > {MAX_EMBEDDING_BATCH_ITEMS}"
        )  # inferred
    counts = tuple(map(count_tokens, texts))
    for index, tokens in enumerate(counts):
        if tokens > facts.max_input_tokens:
            raise invalid_params(  # inferred status and wording
                f"input[{index}] is too long: {tokens} tokens > {facts.max_input_tokens}"
            )
    return EmbeddingsRequest(model=model, texts=tuple(texts), tokens=counts)


def validate_tokens_count(body: Any) -> tuple[str, ...]:
    """Check a ``/tokens/count`` body and return its inputs.

    Raises:
        ApiError: 404 for an unknown model, 422 for a malformed input list.
    """
    if not isinstance(body, dict):
        raise ApiError(400, INVALID_JSON)  # inferred
    model = body.get("model")
    if not isinstance(model, str) or not is_chat_model(model):
        raise ApiError(404, NO_SUCH_MODEL)  # inferred: same rule as chat
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise invalid_params("input must be a list of strings")  # inferred
    return tuple(texts)
