from __future__ import annotations

from pathlib import Path

import tomllib

import langchain_gigachat_ext
from langchain_gigachat_ext import __all__ as public

EXPECTED_ALL = [
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


def test_all_is_pinned() -> None:
    assert sorted(public) == sorted(EXPECTED_ALL)
    for name in public:
        assert hasattr(langchain_gigachat_ext, name)


def test_version_matches_pyproject() -> None:
    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    version = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert langchain_gigachat_ext.__version__ == version


def test_gigachat_alias_is_the_same_class() -> None:
    assert langchain_gigachat_ext.GigaChat is langchain_gigachat_ext.ChatGigaChat
