"""GigaChat's built-in (server-side) tools, bindable like any tool on the v2 chat API.

The v2 API runs these tools itself (PROTOCOL §7.1 ``tools[]``, REC
``test_primary_chat_builtin_tools``): the answer comes back as text, citations and files; no
``tool_calls`` reach the application. Bind them by name or with the typed helpers:

```python
llm = ChatGigaChat(api_version="v2")
llm.bind_tools(["web_search", get_weather])  # a built-in and an ordinary function
llm.bind_tools([web_search(kind="actual_info_web_search")], tool_choice="web_search")
```

A user function whose name equals a built-in's is sent under another wire name
(:data:`RENAMED_PREFIX` + name) and mapped back, so the two never collide on the wire.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_gigachat_ext.errors import GigaChatInvalidInputError

if TYPE_CHECKING:
    from langchain_gigachat_ext.tools.functions import ToolSet

BUILTIN_TOOL_NAMES = (
    "web_search",
    "code_interpreter",
    "image_generate",
    "url_content_extraction",
    "model_3d_generate",
)
"""Built-in tools the v2 API knows (PROTOCOL §7.1; the SDK accepts the same string shorthands)."""

RENAMED_PREFIX = "user_"
"""Wire-name prefix for a user function whose name is a built-in tool's name."""


@dataclass(frozen=True)
class BuiltinTool:
    """One built-in tool and its options, as a ``tools[]`` entry of the v2 API.

    Example:
        ```python
        BuiltinTool("web_search", {"type": "actual_info_web_search"}).to_payload()
        # {'web_search': {'type': 'actual_info_web_search'}}
        ```
    """

    name: str
    """One of :data:`BUILTIN_TOOL_NAMES`."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """The tool's settings object, sent as it is (``{}`` for none)."""

    def __post_init__(self) -> None:
        """Reject names the API does not know.

        Raises:
            GigaChatInvalidInputError: The name is not a built-in tool.
        """
        if self.name not in BUILTIN_TOOL_NAMES:
            msg = (
                f"{self.name!r} is not a GigaChat built-in tool; use one of "
                f"{', '.join(BUILTIN_TOOL_NAMES)}."
            )
            raise GigaChatInvalidInputError(msg)

    def to_payload(self) -> dict[str, Any]:
        """The ``tools[]`` entry: ``{name: options}``."""
        return {self.name: dict(self.options)}


def web_search(
    *,
    kind: str | None = None,
    indexes: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
) -> BuiltinTool:
    """Server-side web search; answers carry ``[sources=[n]]`` markers and citations.

    Args:
        kind: The search mode sent as ``type`` (recorded: ``"actual_info_web_search"``).
        indexes: Search index names.
        flags: Provider-specific flags.

    Returns:
        The tool, ready for ``bind_tools``.
    """
    options: dict[str, Any] = {}
    if kind is not None:
        options["type"] = kind
    if indexes is not None:
        options["indexes"] = list(indexes)
    if flags is not None:
        options["flags"] = list(flags)
    return BuiltinTool("web_search", options)


def code_interpreter() -> BuiltinTool:
    """Server-side code execution (the model writes and runs code, then answers)."""
    return BuiltinTool("code_interpreter")


def image_generate() -> BuiltinTool:
    """Image generation; the picture arrives as an ``image`` content block with a file id."""
    return BuiltinTool("image_generate")


def url_content_extraction() -> BuiltinTool:
    """Reads the web pages whose URLs appear in the conversation."""
    return BuiltinTool("url_content_extraction")


def as_builtin(tool: Any) -> BuiltinTool | None:
    """The built-in a ``bind_tools`` item stands for, or None for an ordinary tool.

    Recognised forms: a :class:`BuiltinTool`, a name string, ``{"web_search": {...}}`` (the wire
    shape) and ``{"type": "web_search", ...}`` (OpenAI-style).
    """
    if isinstance(tool, BuiltinTool):
        return tool
    if isinstance(tool, str):
        if tool in BUILTIN_TOOL_NAMES:
            return BuiltinTool(tool)
        msg = (
            f"Tool {tool!r} given as a string is not a built-in tool "
            f"({', '.join(BUILTIN_TOOL_NAMES)}); pass a function, BaseTool or schema instead."
        )
        raise GigaChatInvalidInputError(msg)
    if isinstance(tool, Mapping):
        if len(tool) == 1:
            ((name, options),) = tool.items()
            if name in BUILTIN_TOOL_NAMES and isinstance(options, Mapping):
                return BuiltinTool(name, dict(options))
        kind = tool.get("type")
        if isinstance(kind, str) and kind in BUILTIN_TOOL_NAMES:
            return BuiltinTool(kind, {k: v for k, v in tool.items() if k != "type"})
    return None


def split_builtin_tools(tools: Iterable[Any]) -> tuple[list[Any], tuple[BuiltinTool, ...]]:
    """Separate built-in tools from ordinary ones, keeping order within each group.

    Raises:
        GigaChatInvalidInputError: The same built-in is bound twice with different options.
    """
    ordinary: list[Any] = []
    builtins: dict[str, BuiltinTool] = {}
    for tool in tools:
        builtin = as_builtin(tool)
        if builtin is None:
            ordinary.append(tool)
            continue
        known = builtins.get(builtin.name)
        if known is not None and dict(known.options) != dict(builtin.options):
            msg = f"Built-in tool {builtin.name!r} is bound twice with different options."
            raise GigaChatInvalidInputError(msg)
        builtins[builtin.name] = builtin
    return ordinary, tuple(builtins.values())


_ANY_CHOICES = ("any", "required")


def _choice_name(tool_choice: Any) -> str | None:
    if isinstance(tool_choice, str):
        return tool_choice
    if isinstance(tool_choice, Mapping):
        for key in ("type", "name"):
            value = tool_choice.get(key)
            if isinstance(value, str) and value in BUILTIN_TOOL_NAMES:
                return value
        function = tool_choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return str(function["name"])
    return None


def resolve_builtin_choice(
    tool_choice: Any,
    builtins: Sequence[BuiltinTool],
    *,
    has_functions: bool,
    function_names: Iterable[str] = (),
) -> tuple[Any, str | None]:
    """Split a ``tool_choice`` into (what the function plan gets, the built-in to force).

    ``tool_choice="web_search"`` (or ``{"type": "web_search"}``) forces that built-in when it is
    bound; a name that is not a bound built-in goes to the function plan unchanged, so a user
    tool called ``web_search`` can still be forced (on v1 nothing is a built-in).
    ``"any"``/``"required"``/``True`` with a single built-in and no functions forces it.

    Args:
        tool_choice: The caller's ``tool_choice`` in any LangChain form.
        builtins: The bound built-in tools.
        has_functions: Whether ordinary functions are bound as well.
        function_names: The LangChain names of those functions.

    Raises:
        GigaChatInvalidInputError: The name is both a bound built-in and a bound function, or
            "any" tool is asked for among several built-ins only (the API cannot force "one of
            them").
    """
    name = _choice_name(tool_choice)
    bound = {tool.name for tool in builtins}
    if name is not None and name in bound:
        if name in set(function_names):
            msg = (
                f"tool_choice={name!r} is ambiguous: both the built-in tool and a bound function "
                "have that name. Rename the function, or unbind one of them."
            )
            raise GigaChatInvalidInputError(msg)
        return None, name
    if builtins and not has_functions and (tool_choice is True or name in _ANY_CHOICES):
        if len(builtins) == 1:
            return None, builtins[0].name
        msg = (
            f"tool_choice={tool_choice!r} with several built-in tools and no functions cannot "
            "be forced: name the built-in to use."
        )
        raise GigaChatInvalidInputError(msg)
    return tool_choice, None


def avoid_builtin_names(tool_set: ToolSet | None) -> ToolSet | None:
    """Rename user functions whose wire name is a built-in tool's name (v2 only).

    ``tool_calls`` still report the original name: the rename changes only the wire name.
    """
    if tool_set is None or not any(f.name in BUILTIN_TOOL_NAMES for f in tool_set.functions):
        return tool_set
    from langchain_gigachat_ext.tools.functions import ToolSet

    renamed = tuple(
        dataclasses.replace(function, name=RENAMED_PREFIX + function.name)
        if function.name in BUILTIN_TOOL_NAMES
        else function
        for function in tool_set.functions
    )
    return ToolSet(renamed)


__all__ = [
    "BUILTIN_TOOL_NAMES",
    "BuiltinTool",
    "as_builtin",
    "avoid_builtin_names",
    "code_interpreter",
    "image_generate",
    "resolve_builtin_choice",
    "split_builtin_tools",
    "url_content_extraction",
    "web_search",
]
