"""Wire shapes every route shares: compact JSON, content types, error bodies, SSE, the model list.

Every shape here is taken from PROTOCOL.md (sections 4-6, 8) and the recorded cassettes.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any, Final

from langchain_gigachat_ext._catalog import CHAT_MODELS, EMBEDDING_MODELS

API_JSON: Final = "application/json; charset=utf-8"
"""Content-Type of every API JSON response (REC, success and error)."""

OAUTH_JSON: Final = "application/json"
"""Content-Type of the production OAuth response, no charset (REC ``test_chat_simple``)."""

EVENT_STREAM: Final = "text/event-stream"
"""Content-Type of SSE streams (REC ``test_stream_simple``)."""

SSE_DONE: Final = b"data: [DONE]\n\n"
"""The v1 stream terminator (REC)."""

OWNER: Final = "salutedevices"
"""``owned_by`` of every listed model (REC ``test_get_models``)."""

FALLBACK_CHAT_VERSION: Final = "2.0.28.2"
"""Version suffix for chat ids the catalog does not describe (REC build of ``GigaChat``)."""

RECORDED_MODELS: Final[tuple[tuple[str, str], ...]] = (
    ("GigaChat", "chat"),
    ("GigaChat-2", "chat"),
    ("GigaChat-2-Max", "chat"),
    ("GigaChat-2-Max-preview", "chat"),
    ("GigaChat-2-Pro", "chat"),
    ("GigaChat-2-Pro-preview", "chat"),
    ("GigaChat-2-preview", "chat"),
    ("GigaChat-Max", "chat"),
    ("GigaChat-Max-preview", "chat"),
    ("GigaChat-Plus", "chat"),
    ("GigaChat-Pro", "chat"),
    ("GigaChat-Pro-preview", "chat"),
    ("GigaChat-preview", "chat"),
    ("GigaFilter", "filter"),
    ("GigaCheckClassification", "aicheck"),
    ("GigaCheckDetection", "aicheck"),
    ("Embeddings", "embedder"),
    ("Embeddings-2", "embedder"),
    ("EmbeddingsGigaR", "embedder"),
    ("GigaEmbeddings-3B-2025-09", "embedder"),
)
"""``GET /models`` as recorded on production, in server order (REC ``test_get_models``)."""


def _all_models() -> tuple[tuple[str, str], ...]:
    # Catalog chat/embedding ids missing from the recorded list (e.g. GigaChat-3-Ultra, seen on a
    # stand) are appended so every model the emulator answers for is also listed (inferred).
    listed = {model_id for model_id, _ in RECORDED_MODELS}
    extra = [(model_id, "chat") for model_id in CHAT_MODELS if model_id not in listed]
    extra += [(model_id, "embedder") for model_id in EMBEDDING_MODELS if model_id not in listed]
    return RECORDED_MODELS + tuple(extra)


MODELS: Final = _all_models()
"""Every model id the emulator lists, with its ``type``."""

MODEL_TYPES: Final = dict(MODELS)
"""Model id → ``type`` for lookups."""


def dumps(payload: Any) -> bytes:
    """Encode ``payload`` the way the real server does: compact separators, raw UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def model_card(model_id: str) -> dict[str, str]:
    """The ``/models`` entry for a known id (REC field order)."""
    return {"id": model_id, "object": "model", "owned_by": OWNER, "type": MODEL_TYPES[model_id]}


def is_chat_model(model_id: str) -> bool:
    """Whether ``model_id`` answers ``/chat/completions``."""
    return model_id in CHAT_MODELS or MODEL_TYPES.get(model_id) == "chat"


def chat_model_version(model_id: str) -> str:
    """The versioned name a chat response reports in ``model`` (REC: ``GigaChat:2.0.28.2``)."""
    facts = CHAT_MODELS.get(model_id)
    return facts.version if facts else f"{model_id}:{FALLBACK_CHAT_VERSION}"


def error_body(status: int, message: str) -> dict[str, Any]:
    """API error body ``{"status", "message"}`` (REC 404; DOC 401/422/429/500)."""
    return {"status": status, "message": message}


def default_message(status: int) -> str:
    """Message for a status without a more specific text (DOC 401/429/500 wording)."""
    known = {
        401: "Unauthorized",
        429: "Too many requests",
        500: "Internal Server Error",
    }
    if status in known:
        return known[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def sse_event(payload: Any) -> bytes:
    """One v1 SSE event: a single ``data:`` line with compact JSON and a blank line (REC)."""
    return b"data: " + dumps(payload) + b"\n\n"


def usage_block(prompt: int, completion: int, precached: int) -> dict[str, int]:
    """v1 ``usage``; ``total_tokens`` = prompt + completion as in every recording (REC)."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "precached_prompt_tokens": precached,
    }
