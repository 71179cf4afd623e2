"""Tool binding: schema compiler, tool conversion, tool_choice handling, built-in tools (v2).

The names load on first use (PEP 562), so importing the chat model does not import the schema
compiler until tools are bound.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_gigachat_ext._lazy import lazy_exports

if TYPE_CHECKING:
    from langchain_gigachat_ext.tools.builtin import (
        BUILTIN_TOOL_NAMES,
        BuiltinTool,
        code_interpreter,
        image_generate,
        url_content_extraction,
        web_search,
    )
    from langchain_gigachat_ext.tools.functions import (
        GigaChatFunction,
        GigaChatSchemaWarning,
        ToolSet,
        convert_to_gigachat_function,
        convert_tools,
    )
    from langchain_gigachat_ext.tools.schema import (
        CompiledSchema,
        SchemaCompilationError,
        compile_schema,
        sanitize_function_name,
    )

_HOMES = {
    "BUILTIN_TOOL_NAMES": "builtin",
    "BuiltinTool": "builtin",
    "code_interpreter": "builtin",
    "image_generate": "builtin",
    "url_content_extraction": "builtin",
    "web_search": "builtin",
    "GigaChatFunction": "functions",
    "GigaChatSchemaWarning": "functions",
    "ToolSet": "functions",
    "convert_to_gigachat_function": "functions",
    "convert_tools": "functions",
    "CompiledSchema": "schema",
    "SchemaCompilationError": "schema",
    "compile_schema": "schema",
    "sanitize_function_name": "schema",
}

__all__ = [
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


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, __all__)
