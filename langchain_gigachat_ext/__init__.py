"""LangChain integration for Sber GigaChat: chat model, embeddings, tools, offline emulator.

The exports load on first use (PEP 562), so ``import langchain_gigachat_ext`` costs nothing
until a name is used: ``from langchain_gigachat_ext import ChatGigaChat`` loads the chat model
(and langchain-core) but not the embeddings, and the emulator never loads unless imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_gigachat_ext._lazy import lazy_exports
from langchain_gigachat_ext._version import __version__

if TYPE_CHECKING:
    from langchain_gigachat_ext.chat_models import ChatGigaChat, GigaChat
    from langchain_gigachat_ext.embeddings.model import (
        GigaChatEmbeddings,
        GigaChatInputTooLongError,
    )
    from langchain_gigachat_ext.errors import (
        GigaChatAPIError,
        GigaChatAuthenticationError,
        GigaChatCertificateError,
        GigaChatConnectionError,
        GigaChatError,
        GigaChatInvalidInputError,
        GigaChatMalformedResponseError,
        GigaChatNotFoundError,
        GigaChatRateLimitError,
        GigaChatStreamInterruptedError,
        GigaChatTimeoutError,
        GigaChatUnsafeURLError,
    )
    from langchain_gigachat_ext.profiles import model_profile
    from langchain_gigachat_ext.tools.functions import GigaChatSchemaWarning

_EXPORTS: dict[str, str] = {
    "ChatGigaChat": "chat_models",
    "GigaChat": "chat_models",
    "GigaChatEmbeddings": "embeddings",
    "GigaChatInputTooLongError": "embeddings",
    "GigaChatAPIError": "errors",
    "GigaChatAuthenticationError": "errors",
    "GigaChatCertificateError": "errors",
    "GigaChatConnectionError": "errors",
    "GigaChatError": "errors",
    "GigaChatInvalidInputError": "errors",
    "GigaChatMalformedResponseError": "errors",
    "GigaChatNotFoundError": "errors",
    "GigaChatRateLimitError": "errors",
    "GigaChatStreamInterruptedError": "errors",
    "GigaChatTimeoutError": "errors",
    "GigaChatUnsafeURLError": "errors",
    "model_profile": "profiles",
    "GigaChatSchemaWarning": "tools.functions",
}
"""Public name → submodule that defines it."""

__all__ = [
    "ChatGigaChat",
    "GigaChat",
    "GigaChatAPIError",
    "GigaChatAuthenticationError",
    "GigaChatCertificateError",
    "GigaChatConnectionError",
    "GigaChatEmbeddings",
    "GigaChatError",
    "GigaChatInputTooLongError",
    "GigaChatInvalidInputError",
    "GigaChatMalformedResponseError",
    "GigaChatNotFoundError",
    "GigaChatRateLimitError",
    "GigaChatSchemaWarning",
    "GigaChatStreamInterruptedError",
    "GigaChatTimeoutError",
    "GigaChatUnsafeURLError",
    "__version__",
    "model_profile",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
