"""LangChain integration for Sber GigaChat: chat model, embeddings, tools, offline emulator."""

from langchain_gigachat_ext._version import __version__
from langchain_gigachat_ext.chat_models import ChatGigaChat, GigaChat
from langchain_gigachat_ext.embeddings import GigaChatEmbeddings, GigaChatInputTooLongError
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
)
from langchain_gigachat_ext.profiles import model_profile
from langchain_gigachat_ext.tools.functions import GigaChatSchemaWarning

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
    "__version__",
    "model_profile",
]
