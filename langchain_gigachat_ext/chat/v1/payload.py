"""The one request builder: generation parameters → the v1 ``/chat/completions`` body.

Parameters are validated here, before anything is sent, against the ranges the API documents
(PROTOCOL §6.2, §8.1); a bad value raises :class:`GigaChatInvalidInputError` naming the fix.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from langchain_gigachat_ext.errors import GigaChatInvalidInputError

GENERATION_PARAMS = (
    "temperature",
    "top_p",
    "max_tokens",
    "repetition_penalty",
    "update_interval",
    "profanity_check",
    "flags",
    "reasoning_effort",
    "function_ranker",
)
"""Model fields that map 1:1 onto request fields and may be overridden per call."""

GREEDY_TEMPERATURE = 0.001
"""GigaChat requires temperature > 0 (DOC); values up to 0.001 already decode greedily (DOC),
so ``temperature=0`` — LangChain's "deterministic" — is sent as this value."""

REASONING_EFFORTS = ("low", "medium", "high")

_SESSION_NAMESPACE = uuid.UUID("6f1c1c52-2d0c-4c8e-9d1a-6b3f8f0c4a11")


def validate_params(params: Mapping[str, Any]) -> None:
    """Reject values the API would refuse (or silently misread) before sending."""
    temperature = params.get("temperature")
    if temperature is not None and not 0 <= temperature <= 2:
        msg = f"temperature={temperature} is outside 0..2 (GigaChat: > 0; 0 means greedy)."
        raise GigaChatInvalidInputError(msg)
    top_p = params.get("top_p")
    if top_p is not None and not 0 <= top_p <= 1:
        msg = f"top_p={top_p} is outside 0..1."
        raise GigaChatInvalidInputError(msg)
    penalty = params.get("repetition_penalty")
    if penalty is not None and penalty <= 0:
        msg = f"repetition_penalty={penalty} must be > 0 (1.0 is neutral)."
        raise GigaChatInvalidInputError(msg)
    max_tokens = params.get("max_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        msg = f"max_tokens={max_tokens!r} must be a positive integer."
        raise GigaChatInvalidInputError(msg)
    interval = params.get("update_interval")
    if interval is not None and interval < 0:
        msg = f"update_interval={interval} must be >= 0 seconds."
        raise GigaChatInvalidInputError(msg)
    effort = params.get("reasoning_effort")
    if effort is not None and effort not in REASONING_EFFORTS:
        msg = f"reasoning_effort={effort!r}; use one of {', '.join(REASONING_EFFORTS)}."
        raise GigaChatInvalidInputError(msg)


def build_payload(
    *,
    model: str,
    messages: list[dict[str, Any]],
    params: Mapping[str, Any],
    functions: list[dict[str, Any]] | None = None,
    function_call: str | dict[str, Any] | None = None,
    response_format: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of a v1 chat request (``stream`` is added by the transport).

    Example:
        ```python
        build_payload(
            model="GigaChat-2",
            messages=[{"role": "user", "content": "Hi"}],
            params={"temperature": 0},
        )
        # {'model': 'GigaChat-2', 'messages': [...], 'temperature': 0.001}
        ```
    """
    validate_params(params)
    payload: dict[str, Any] = {"model": model, "messages": messages}
    for key in GENERATION_PARAMS:
        value = params.get(key)
        if value is not None:
            payload[key] = value
    if payload.get("temperature") == 0:
        payload["temperature"] = GREEDY_TEMPERATURE
    if functions:
        payload["functions"] = functions
        if function_call is not None:
            payload["function_call"] = function_call
    elif function_call not in (None, "none", "auto"):
        msg = "function_call was given without any functions."
        raise GigaChatInvalidInputError(msg)
    if response_format is not None:
        payload["response_format"] = response_format
    return payload


def session_id_for_thread(thread_id: str) -> str:
    """A stable ``X-Session-ID`` for a LangGraph thread (a UUID; the thread id is not sent)."""
    digest = hashlib.sha256(str(thread_id).encode()).hexdigest()
    return str(uuid.uuid5(_SESSION_NAMESPACE, digest))
