"""The one module that imports the official ``gigachat`` SDK; everything else imports from here.

The SDK is used for what it is the reference of: the OAuth and password sign-in calls, the
Files and ``/tokens/count`` calls, request headers, error mapping (its typed exceptions) and
the response models. Fencing it here shows what an SDK upgrade can touch in one file.
Importing any ``gigachat`` module loads the whole SDK, so importing it all here costs nothing
extra.
"""

from gigachat import exceptions as errors
from gigachat import settings
from gigachat.api import auth, files, models, tools
from gigachat.api.utils import EVENT_STREAM, build_headers, build_response
from gigachat.models.chat import ChatCompletion
from gigachat.models.chat import ChatCompletionChunk as ChatCompletionChunkV1
from gigachat.models.chat import Usage as UsageV1
from gigachat.models.chat_completions import (
    ChatCompletionChunk,
    ChatCompletionResponse,
    ChatContentPart,
    ChatFunctionCall,
    ChatLogprob,
    ChatMessage,
    ChatMessageChunk,
    ChatToolExecution,
    ChatUsage,
)
from gigachat.models.embeddings import Embeddings
from gigachat.models.files import Image, UploadedFile
from gigachat.models.models import Model, Models
from gigachat.models.tools import TokensCount


def function_call_id(call: ChatFunctionCall) -> str | None:
    """The wire ``id`` of a v2 ``function_call`` part, whichever way the SDK models it.

    gigachat 0.2.3 has no such field (the id arrives as an extra attribute); 0.2.4a1 declares
    it as ``id_`` (alias ``id``), which takes it out of ``model_extra``.
    """
    declared = getattr(call, "id_", None)
    if isinstance(declared, str):
        return declared
    extra = (call.model_extra or {}).get("id")
    return extra if isinstance(extra, str) else None


__all__ = [
    "EVENT_STREAM",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionChunkV1",
    "ChatCompletionResponse",
    "ChatContentPart",
    "ChatFunctionCall",
    "ChatLogprob",
    "ChatMessage",
    "ChatMessageChunk",
    "ChatToolExecution",
    "ChatUsage",
    "Embeddings",
    "Image",
    "Model",
    "Models",
    "TokensCount",
    "UploadedFile",
    "UsageV1",
    "auth",
    "build_headers",
    "build_response",
    "errors",
    "files",
    "function_call_id",
    "models",
    "settings",
    "tools",
]
