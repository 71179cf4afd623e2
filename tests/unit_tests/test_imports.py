from __future__ import annotations

import tomllib
from pathlib import Path

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


PUBLIC_MODULES = [
    "langchain_gigachat_ext.attachments",
    "langchain_gigachat_ext.chat_models",
    "langchain_gigachat_ext.embeddings",
    "langchain_gigachat_ext.errors",
    "langchain_gigachat_ext.files",
    "langchain_gigachat_ext.messages",
    "langchain_gigachat_ext.profiles",
    "langchain_gigachat_ext.tools",
    "langchain_gigachat_ext.tools.binding",
    "langchain_gigachat_ext.tools.builtin",
    "langchain_gigachat_ext.tools.functions",
    "langchain_gigachat_ext.tools.schema",
    "langchain_gigachat_ext.tools.structured",
    "langchain_gigachat_ext.tools.text_calls",
    "langchain_gigachat_ext.emulator",
    "langchain_gigachat_ext.emulator.brain",
    "langchain_gigachat_ext.emulator.cli",
    "langchain_gigachat_ext.emulator.faults",
    "langchain_gigachat_ext.emulator.pytest_plugin",
    "langchain_gigachat_ext.emulator.runner",
    "langchain_gigachat_ext.emulator.script",
    "langchain_gigachat_ext.emulator.server",
]
"""Modules users import by name; a module that moves leaves a re-export at its old path."""

PUBLIC_NAMES = {
    "langchain_gigachat_ext.chat_models": ["ChatGigaChat", "GigaChat"],
    "langchain_gigachat_ext.embeddings": ["GigaChatEmbeddings", "GigaChatInputTooLongError"],
    "langchain_gigachat_ext.messages": ["HistoryRepairWarning", "to_gigachat_messages"],
    "langchain_gigachat_ext.attachments": ["AttachmentUploader", "render_generated_image"],
    "langchain_gigachat_ext.emulator": ["GigaChatEmulator"],
    "langchain_gigachat_ext.emulator.brain": ["Brain", "Conversation", "Reply", "Turn"],
    "langchain_gigachat_ext.emulator.faults": ["Faults"],
    "langchain_gigachat_ext.emulator.runner": ["GigaChatEmulator"],
    "langchain_gigachat_ext.emulator.script": ["Script", "ScriptedError", "ScriptedReply"],
    "langchain_gigachat_ext.emulator.cli": ["main"],
}


def test_public_modules_import() -> None:
    import importlib

    for name in PUBLIC_MODULES:
        importlib.import_module(name)


def test_public_names_stay_where_users_import_them() -> None:
    import importlib

    for module_name, names in PUBLIC_NAMES.items():
        module = importlib.import_module(module_name)
        for name in names:
            assert hasattr(module, name), f"{module_name}.{name}"


def test_models_revive_from_their_serialised_namespace() -> None:
    import json

    from langchain_core.load import dumpd, loads

    from langchain_gigachat_ext import ChatGigaChat

    llm = ChatGigaChat(model="GigaChat-2-Max", temperature=0.3, credentials="secret-key")
    data = dumpd(llm)
    assert data["id"] == ["langchain_gigachat_ext", "chat_models", "ChatGigaChat"]
    revived = loads(
        json.dumps(data),
        allowed_objects=[ChatGigaChat],
        secrets_map={"GIGACHAT_CREDENTIALS": "secret-key"},
        valid_namespaces=["langchain_gigachat_ext"],
    )
    assert isinstance(revived, ChatGigaChat)
    assert revived.model == "GigaChat-2-Max"
    assert revived.temperature == 0.3
