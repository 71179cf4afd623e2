"""Recover tool calls that a model printed as text instead of a ``function_call``.

GigaChat-3 models sometimes answer with markup such as ``<tool_calls><invoke name="web_search">
<parameter name="query">…</parameter></invoke></tool_calls>`` (peers.md, skales#256), or with a
JSON object inside ``<tool_call>…</tool_call>``. Left as text, an agent would show the markup
to the user and never run the tool.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

_INVOKE = re.compile(
    r"<invoke\s+name\s*=\s*[\"']([^\"']+)[\"']\s*>(.*?)</invoke\s*>", re.DOTALL | re.IGNORECASE
)
_PARAMETER = re.compile(
    r"<parameter\s+name\s*=\s*[\"']([^\"']+)[\"']\s*>(.*?)</parameter\s*>",
    re.DOTALL | re.IGNORECASE,
)
_JSON_CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.DOTALL | re.IGNORECASE)
_WRAPPERS = re.compile(r"</?(tool_calls|function_calls)\s*>", re.IGNORECASE)


def _value(raw: str) -> Any:
    text = html.unescape(raw.strip())
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_text_tool_calls(text: str) -> tuple[list[dict[str, Any]], str]:
    """Tool calls found in ``text`` and the text with the markup removed.

    Returns:
        ``([{"name": ..., "args": {...}}, ...], remaining_text)``; no calls → ``([], text)``.

    Example:
        ```python
        parse_text_tool_calls(
            '<tool_calls><invoke name="add"><parameter name="a">2</parameter></invoke></tool_calls>'
        )
        # ([{'name': 'add', 'args': {'a': 2}}], '')
        ```
    """
    calls: list[dict[str, Any]] = []
    for match in _INVOKE.finditer(text):
        args = {name: _value(value) for name, value in _PARAMETER.findall(match.group(2))}
        calls.append({"name": match.group(1).strip(), "args": args})
    remaining = _INVOKE.sub("", text)
    for match in _JSON_CALL.finditer(remaining):
        try:
            data = json.loads(match.group(1))
        except ValueError:
            continue
        name = data.get("name") if isinstance(data, dict) else None
        raw = data.get("arguments", data.get("parameters", {})) if isinstance(data, dict) else {}
        json_args = _value(raw) if isinstance(raw, str) else raw
        if isinstance(name, str) and isinstance(json_args, dict):
            calls.append({"name": name, "args": json_args})
    if not calls:
        return [], text
    remaining = _WRAPPERS.sub("", _JSON_CALL.sub("", remaining)).strip()
    return calls, remaining
