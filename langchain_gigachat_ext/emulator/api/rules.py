"""Request rules both API versions share: JSON bodies, sampling ranges, regexes, attachments.

The same model answers behind v1 and v2, so these checks and their wordings are one set;
:mod:`.v1.validation` and :mod:`.v2.validation` apply them to their own body shapes. Rules
whose status or wording nobody recorded or documented carry ``# inferred`` next to them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, Final

from starlette.requests import Request

from langchain_gigachat_ext._catalog import (
    MAX_ATTACHMENT_BYTES_PER_REQUEST,
    MAX_IMAGES_PER_MESSAGE,
    MAX_IMAGES_PER_REQUEST,
)
from langchain_gigachat_ext.emulator.brain.core import Turn
from langchain_gigachat_ext.emulator.brain.regex import UnsupportedRegexError, parse_regex
from langchain_gigachat_ext.emulator.server.bodies import off_loop, read_capped
from langchain_gigachat_ext.emulator.server.errors import ApiError

INVALID_JSON: Final = "Your request contains invalid JSON syntax."
"""400 text (3P n8n-gigachat#22)."""

NO_SUCH_MODEL: Final = "No such model"
"""404 text for unknown models (REC)."""

SYSTEM_FIRST: Final = "Invalid params: system message must be the first message"
"""422 text (DOC)."""

CALL_NEEDS_RESULT: Final = (
    "Invalid params: every assistant function call must have a result in history"
)
"""Text seen via gRPC (3P D00mch/souz#114); the REST status 422 is inferred."""

FileLookup = Callable[[str], "tuple[str, int] | None"]
"""Returns ``(kind, size)`` of an uploaded file id, or None when unknown."""


def parse_json(raw: bytes) -> Any:
    """Decode a JSON request body or raise the recorded 400 (also for too deep a nesting)."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, INVALID_JSON) from exc


async def read_json(request: Request, limit: int) -> Any:
    """The JSON body of ``request``: 413 past ``limit`` bytes, decoded off the event loop."""
    return await off_loop(parse_json, await read_capped(request, limit))


def invalid_params(detail: str) -> ApiError:
    """The 422 ``Invalid params: ...`` error (DOC wording prefix)."""
    return ApiError(422, f"Invalid params: {detail}")


def number_field(body: dict[str, Any], key: str) -> float | None:
    """``body[key]`` as a float, None when absent; 422 when it is not a number."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise invalid_params(f"{key} must be a number")  # inferred
    return float(value)


def check_sampling(body: dict[str, Any]) -> None:
    """Check ``temperature``, ``top_p``, ``repetition_penalty`` and ``max_tokens`` of ``body``."""
    temperature = number_field(body, "temperature")
    if temperature is not None and temperature <= 0:
        # DOC: exclusive minimum 0; status and wording inferred from the repetition_penalty text.
        raise invalid_params("temperature must be in range (0, +inf)")
    top_p = number_field(body, "top_p")
    if top_p is not None and not 0 <= top_p <= 1:
        raise invalid_params("top_p must be in range [0, 1]")  # DOC range; wording inferred
    penalty = number_field(body, "repetition_penalty")
    if penalty is not None and penalty <= 0:
        raise invalid_params("repetition_penalty must be in range (0, +inf)")  # DOC, recorded text
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (
        isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1
    ):
        raise invalid_params("max_tokens must be a positive integer")  # inferred


def check_regex(pattern: Any, where: str) -> str:
    """A ``response_format`` regex the emulator can satisfy, else 422 (inferred status/wording)."""
    if not isinstance(pattern, str) or not pattern:
        raise invalid_params(f"{where} must be a non-empty string")
    try:
        parse_regex(pattern)
    except UnsupportedRegexError as exc:
        raise invalid_params(f"{where} is not supported: {exc}") from None
    return pattern


def check_attachments(turns: list[Turn], lookup: FileLookup) -> None:
    """Check that attached files exist and respect the per-message and per-request limits."""
    images = 0
    heavy_bytes = 0
    for turn in turns:
        in_message = 0
        for file_id in turn.attachments:
            found = lookup(file_id)
            if found is None:
                raise ApiError(404, f"File {file_id} not found")  # inferred status and text
            kind, size = found
            if kind in {"image", "audio"}:
                heavy_bytes += size
            if kind == "image":
                in_message += 1
                images += 1
        if in_message > MAX_IMAGES_PER_MESSAGE:
            raise invalid_params(
                "only one image per message is allowed"
            )  # DOC limit; wording inferred
    if images > MAX_IMAGES_PER_REQUEST:
        raise invalid_params(
            f"too many images: {images} > {MAX_IMAGES_PER_REQUEST}"
        )  # DOC; inferred text
    if heavy_bytes >= MAX_ATTACHMENT_BYTES_PER_REQUEST:
        raise invalid_params("attachments are too large")  # DOC < 80 MB; wording inferred
