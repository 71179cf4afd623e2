"""Tool binding: schema compiler, tool conversion and tool_choice handling."""

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

__all__ = [
    "CompiledSchema",
    "GigaChatFunction",
    "GigaChatSchemaWarning",
    "SchemaCompilationError",
    "ToolSet",
    "compile_schema",
    "convert_to_gigachat_function",
    "convert_tools",
    "sanitize_function_name",
]
