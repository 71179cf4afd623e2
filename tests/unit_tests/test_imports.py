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
    "GigaChatUnsafeURLError",
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


EXPECTED_TOOLS_ALL = [
    "BUILTIN_TOOL_NAMES",
    "BuiltinTool",
    "CompiledSchema",
    "GigaChatFunction",
    "GigaChatSchemaWarning",
    "SchemaCompilationError",
    "ToolSet",
    "code_interpreter",
    "compile_schema",
    "convert_to_gigachat_function",
    "convert_tools",
    "image_generate",
    "sanitize_function_name",
    "url_content_extraction",
    "web_search",
]


def test_tools_all_is_pinned() -> None:
    from langchain_gigachat_ext import tools

    assert sorted(tools.__all__) == sorted(EXPECTED_TOOLS_ALL)
    for name in tools.__all__:
        assert hasattr(tools, name)
