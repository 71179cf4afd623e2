"""The one table of GigaChat model facts, shared by the client and the emulator.

Every figure carries its evidence tag from ``PROTOCOL.md`` (REC = recorded traffic, DOC = official
docs, 3P = third party, inferred = our own assumption). Unverified limits are marked so; the
client lets users override them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ModelKind = Literal["chat", "embedder", "filter", "aicheck"]


@dataclass(frozen=True)
class ChatModelFacts:
    """What we know about one chat model family."""

    version: str
    """Versioned name the API reports in ``model`` (REC for ``GigaChat``; others inferred)."""
    max_input_tokens: int
    """Context window. GigaChat 2 line: 128K (3P); older ids inferred the same."""
    max_output_tokens: int | None = None
    """Output cap if known (None = unknown)."""
    image_inputs: bool = False
    """Accepts image attachments (DOC/3P: only Pro/Max variants)."""
    pdf_inputs: bool = True
    """Accepts text documents (txt, doc, docx, pdf, epub, ppt, pptx) as attachments (DOC)."""
    audio_inputs: bool = True
    """Accepts audio attachments (DOC post-file)."""
    reasoning: bool = False
    """Returns ``reasoning_content`` (SDK-modelled; inferred per model)."""
    structured_output: bool = True
    """Native ``response_format`` json_schema (REC on GigaChat-3-Ultra; beta elsewhere)."""


@dataclass(frozen=True)
class EmbeddingModelFacts:
    """What we know about one embedding model."""

    dimensions: int
    """Vector length."""
    max_input_tokens: int
    """Longest input the model accepts, in embedding tokens."""
    dimensions_evidence: str
    """Where the dimension figure comes from."""
    limit_evidence: str
    """Where the input limit comes from ("unverified" when nobody measured it)."""
    query_instruction: str = ""
    """Prefix recommended for queries on instruct models (empty for symmetric models)."""


_GIGACHAT_2 = 131_072

CHAT_MODELS: dict[str, ChatModelFacts] = {
    "GigaChat": ChatModelFacts(version="GigaChat:2.0.28.2", max_input_tokens=_GIGACHAT_2),
    "GigaChat-2": ChatModelFacts(version="GigaChat-2:2.0.28.2", max_input_tokens=_GIGACHAT_2),
    "GigaChat-2-Pro": ChatModelFacts(
        version="GigaChat-2-Pro:2.0.28.2", max_input_tokens=_GIGACHAT_2, image_inputs=True
    ),
    "GigaChat-2-Max": ChatModelFacts(
        version="GigaChat-2-Max:2.0.28.2", max_input_tokens=_GIGACHAT_2, image_inputs=True
    ),
    "GigaChat-2-preview": ChatModelFacts(
        version="GigaChat-2-preview:2.0.28.2", max_input_tokens=_GIGACHAT_2
    ),
    "GigaChat-2-Pro-preview": ChatModelFacts(
        version="GigaChat-2-Pro-preview:2.0.28.2", max_input_tokens=_GIGACHAT_2, image_inputs=True
    ),
    "GigaChat-2-Max-preview": ChatModelFacts(
        version="GigaChat-2-Max-preview:2.0.28.2", max_input_tokens=_GIGACHAT_2, image_inputs=True
    ),
    "GigaChat-2-Reasoning": ChatModelFacts(
        version="GigaChat-2-Reasoning:2.0.28.2", max_input_tokens=_GIGACHAT_2, reasoning=True
    ),
    "GigaChat-3-Ultra": ChatModelFacts(
        version="GigaChat-3-Ultra:32.3.18.5",
        max_input_tokens=_GIGACHAT_2,
        image_inputs=True,
        reasoning=True,
    ),
    "GigaChat-Plus": ChatModelFacts(version="GigaChat-Plus:1.0.26.20", max_input_tokens=32_768),
    "GigaChat-Pro": ChatModelFacts(
        version="GigaChat-Pro:1.0.26.20", max_input_tokens=32_768, image_inputs=True
    ),
    "GigaChat-Max": ChatModelFacts(
        version="GigaChat-Max:1.0.26.20", max_input_tokens=32_768, image_inputs=True
    ),
    "GigaChat-preview": ChatModelFacts(
        version="GigaChat-preview:1.0.26.20", max_input_tokens=32_768
    ),
    "GigaChat-Pro-preview": ChatModelFacts(
        version="GigaChat-Pro-preview:1.0.26.20", max_input_tokens=32_768, image_inputs=True
    ),
    "GigaChat-Max-preview": ChatModelFacts(
        version="GigaChat-Max-preview:1.0.26.20", max_input_tokens=32_768, image_inputs=True
    ),
}

EMBEDDING_MODELS: dict[str, EmbeddingModelFacts] = {
    "Embeddings": EmbeddingModelFacts(
        dimensions=1024,
        max_input_tokens=512,
        dimensions_evidence="REC test_embeddings_single",
        limit_evidence="3P litellm docs (unverified)",
    ),
    "Embeddings-2": EmbeddingModelFacts(
        dimensions=1024,
        max_input_tokens=512,
        dimensions_evidence="3P gpt2giga table",
        limit_evidence="3P litellm docs (unverified)",
    ),
    "EmbeddingsGigaR": EmbeddingModelFacts(
        dimensions=2560,
        max_input_tokens=4096,
        dimensions_evidence="3P litellm docs, gpt2giga table",
        limit_evidence="3P litellm docs (unverified)",
        query_instruction=("Дано предложение, необходимо найти его парафраз\nпредложение: "),
    ),
    "GigaEmbeddings-3B-2025-09": EmbeddingModelFacts(
        dimensions=2048,
        max_input_tokens=4096,
        dimensions_evidence="3P gpt2giga table",
        limit_evidence="inferred from the open-weights max_seq_length (unverified)",
        query_instruction=("Дано предложение, необходимо найти его парафраз\nпредложение: "),
    ),
}

OTHER_MODELS: dict[str, ModelKind] = {
    "GigaFilter": "filter",
    "GigaCheckClassification": "aicheck",
    "GigaCheckDetection": "aicheck",
}
"""Non-chat, non-embedding ids listed by ``GET /models`` (REC test_get_models)."""

MAX_EMBEDDING_BATCH_ITEMS = 100
"""Items per ``/embeddings`` request (inferred: undocumented; the official package used 90)."""

IMAGE_FORMATS = ("image/jpeg", "image/png", "image/tiff", "image/bmp")
"""Image MIME types the Files API accepts (DOC post-file, Oct 2025)."""

DOCUMENT_FORMATS = (
    "text/plain",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/pdf",
    "application/epub+zip",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)
"""Document MIME types the Files API accepts (DOC post-file)."""

AUDIO_FORMATS = (
    "audio/mp4",
    "audio/mpeg",
    "audio/x-m4a",
    "audio/wav",
    "audio/x-wav",
    "audio/webm",
    "audio/ogg",
    "audio/opus",
)
"""Audio MIME types the Files API accepts (DOC post-file: mp4, mp3, m4a, wav, weba, ogg, opus)."""

MAX_FILE_BYTES = {"image": 15 * 2**20, "audio": 35 * 2**20, "document": 40 * 2**20}
"""Per-file size limits (DOC post-file, Oct 2025)."""

MAX_IMAGES_PER_MESSAGE = 1
"""DOC post-chat."""

MAX_IMAGES_PER_REQUEST = 10
"""DOC post-chat."""

MAX_ATTACHMENT_BYTES_PER_REQUEST = 80 * 2**20
"""Images + audio per request (DOC post-chat says < 80 MB)."""


def file_kind(mime_type: str) -> Literal["image", "audio", "document"] | None:
    """Classify a MIME type the API accepts, or None when the API rejects it."""
    if mime_type in IMAGE_FORMATS:
        return "image"
    if mime_type in AUDIO_FORMATS:
        return "audio"
    if mime_type in DOCUMENT_FORMATS:
        return "document"
    return None
