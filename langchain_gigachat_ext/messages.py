"""Public home of the LangChain → GigaChat v1 message conversion, kept for imports.

The conversion itself lives in :mod:`langchain_gigachat_ext.chat.v1.messages`.
"""

from langchain_gigachat_ext.chat.v1.messages import (
    HistoryRepairWarning,
    text_of,
    to_gigachat_messages,
    tool_result_json,
)

__all__ = ["HistoryRepairWarning", "text_of", "to_gigachat_messages", "tool_result_json"]
