"""``with_structured_output`` for GigaChat.

Methods:
* ``function_calling`` (default): the schema becomes a forced function; works on every model.
* ``json_schema``: the API's native ``response_format`` with the schema compiled to GigaChat's
  dialect; when the model rejects it (400/422), the call falls back to ``function_calling``.
* ``json_mode``: GigaChat has **no schema-less JSON mode** (PROTOCOL §11, peers.md (d)). With a
  schema this is the same as ``json_schema``; without one, the model is instructed to answer with
  a JSON object and the text is parsed as JSON (no guarantee from the API).
* ``regex`` (v2 API only): ``schema`` is a regular expression; the API constrains the answer to
  it (REC ``test_primary_chat_regex_format``) and the result is the matched text, checked with
  ``re.fullmatch``.

The default method is ``function_calling`` on v1 and ``json_schema`` on v2, where the API takes
the schema natively (REC ``test_primary_chat_parse_json_schema``).

``strict`` is forwarded to the native ``response_format``; functions have no strict mode in the
v1 API, so with ``function_calling`` it only marks the intent.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.output_parsers import JsonOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.output_parsers.transform import BaseCumulativeTransformOutputParser
from langchain_core.outputs import Generation
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import (
    Runnable,
    RunnableConfig,
    RunnableLambda,
    RunnableMap,
)
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.json import parse_json_markdown
from langchain_core.utils.pydantic import is_basemodel_subclass

from langchain_gigachat_ext.errors import (
    GigaChatBadRequestError,
    GigaChatInvalidInputError,
    GigaChatUnprocessableEntityError,
)
from langchain_gigachat_ext.tools.schema import SchemaCompilationError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

METHODS = ("function_calling", "json_schema", "json_mode", "regex")

_NAMED_GROUP = re.compile(r"(?<!\\)((?:\\\\)*)\(\?<(?![=!])")
r"""``(?<`` opening a named group: not a lookbehind (``(?<=``/``(?<!``) and not an escaped
``\(`` (an even number of backslashes before it, captured, leaves it unescaped)."""

JSON_MODE_INSTRUCTION = (
    "Answer with a single JSON object only: no prose, no Markdown fences, no comments."
)


_REJECTED = re.compile(r"rejected \((?P<why>.*?)\): ", re.DOTALL)
"""How a streamed rejected call carries its error in ``args`` (``chat.attempts.final_chunk``:
core gives invalid calls built from chunks no ``error``)."""


def _call_error(call: Any) -> str:
    if call.get("error"):
        return str(call["error"])
    match = _REJECTED.match(call.get("args") or "")
    return match["why"] if match else "arguments did not validate"


class _WholeAnswerParser(BaseCumulativeTransformOutputParser[Any]):
    """A cumulative parser that also parses the whole answer once the stream ends.

    Core's cumulative parsers only ever parse partially while streaming, so an answer that never
    parses (prose instead of JSON, a failed schema check) would stream nothing and end without an
    error. Here the end of the stream parses the whole text as ``invoke`` does: its
    ``OutputParserException`` reaches the caller, and a final value the partial parses skipped
    is yielded.
    """

    def transform(
        self,
        input: Iterator[str | BaseMessage],  # noqa: A002 - core's signature
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Stream partial values, then the value of the whole answer (or its parse error)."""
        seen: list[str | BaseMessage] = []
        last: Any = None
        for value in super().transform(_recorded(input, seen), config, **kwargs):
            last = value
            yield value
        whole = self.parse(_joined_text(seen))
        if whole != last:
            yield whole

    async def atransform(
        self,
        input: AsyncIterator[str | BaseMessage],  # noqa: A002 - core's signature
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """Async :meth:`transform`."""
        seen: list[str | BaseMessage] = []
        last: Any = None
        async for value in super().atransform(_arecorded(input, seen), config, **kwargs):
            last = value
            yield value
        whole = self.parse(_joined_text(seen))
        if whole != last:
            yield whole


def _recorded(chunks: Iterator[Any], seen: list[Any]) -> Iterator[Any]:
    for chunk in chunks:
        seen.append(chunk)
        yield chunk


async def _arecorded(chunks: AsyncIterator[Any], seen: list[Any]) -> AsyncIterator[Any]:
    async for chunk in chunks:
        seen.append(chunk)
        yield chunk


def _joined_text(chunks: list[str | BaseMessage]) -> str:
    return "".join(chunk.text if isinstance(chunk, BaseMessage) else chunk for chunk in chunks)


class _JsonAnswerParser(_WholeAnswerParser):
    """Parses the answer text as JSON (partial while streaming).

    With a pydantic model the JSON is validated; a partial object that does not validate yet is
    skipped.
    """

    pydantic_schema: Any = None
    json_schema: Any = None
    """The caller's JSON schema (TypedDict or dict forms), checked when there is no model."""

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        text = result[0].text.strip()
        try:
            value = parse_json_markdown(text)
        except ValueError as exc:
            if partial:
                return None
            msg = f"Structured output is not valid JSON: {exc}"
            raise OutputParserException(msg, llm_output=text) from exc
        if not isinstance(value, dict):
            if partial:
                return None
            msg = (
                f"Structured output must be a JSON object, got {type(value).__name__}: {text[:200]}"
            )
            raise OutputParserException(msg, llm_output=text)
        if self.pydantic_schema is None:
            if self.json_schema is not None and not partial:
                from langchain_gigachat_ext.tools.validation import json_schema_validator

                error = json_schema_validator(self.json_schema)(value)
                if error is not None:
                    msg = f"Structured output does not match the schema: {error}"
                    raise OutputParserException(msg, llm_output=text)
            return value
        try:
            if hasattr(self.pydantic_schema, "model_validate"):
                return self.pydantic_schema.model_validate(value)
            return self.pydantic_schema.parse_obj(value)
        except Exception as exc:
            if partial:
                return None
            msg = f"Structured output does not match the schema: {exc}"
            raise OutputParserException(msg, llm_output=text) from exc

    def parse(self, text: str) -> Any:
        return self.parse_result([Generation(text=text)])


def _with_json_instruction(value: Any) -> list[BaseMessage]:
    messages = value.to_messages() if isinstance(value, PromptValue) else value
    if isinstance(messages, str):
        from langchain_core.messages import HumanMessage

        messages = [HumanMessage(messages)]
    return [SystemMessage(JSON_MODE_INSTRUCTION), *messages]


def structured_output_runnable(
    llm: BaseChatModel,
    schema: Any,
    *,
    method: str,
    include_raw: bool,
    strict: bool | None,
    **kwargs: Any,
) -> Runnable:
    """Build the ``with_structured_output`` runnable (see the module docs for the methods)."""
    if kwargs:
        msg = f"Unsupported with_structured_output argument(s): {', '.join(sorted(kwargs))}."
        raise GigaChatInvalidInputError(msg)
    if method not in METHODS:
        msg = f"method={method!r}; use one of {', '.join(METHODS)}."
        raise GigaChatInvalidInputError(msg)
    if schema is None and method != "json_mode":
        msg = f"method={method!r} needs a schema."
        raise GigaChatInvalidInputError(msg)
    ls_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    if method == "function_calling":
        model, parser = _function_calling(llm, schema, ls_format)
    elif method == "regex":
        model, parser = _regex(llm, schema, ls_format)
    elif schema is not None:
        native, native_parser = _native(llm, schema, strict, ls_format)
        model = native
        parser = native_parser
        try:
            fallback, fallback_parser = _function_calling(llm, schema, ls_format)
        except SchemaCompilationError:
            if getattr(llm, "api_version", "v1") != "v2":
                raise
            # Only the v1 function dialect cannot express this schema; the native (v2) format
            # takes it as it is, so the call goes without the function-calling fallback.
            if not include_raw:
                return native | native_parser
        else:
            chain = (native | native_parser).with_fallbacks(
                [fallback | fallback_parser],
                exceptions_to_handle=(GigaChatBadRequestError, GigaChatUnprocessableEntityError),
            )
            if not include_raw:
                return chain
    elif getattr(llm, "api_version", "v1") == "v2":
        # v2 takes a JSON schema natively: an open object asks for any JSON object (as
        # langchain-gigachat 0.5.2a1 sends json_mode without a schema).
        response_format = {"type": "json_schema", "schema": {"type": "object"}}
        model = llm.bind(response_format=response_format, ls_structured_output_format=ls_format)
        parser = JsonOutputParser()
    else:
        model = RunnableLambda(_with_json_instruction) | llm.bind(
            ls_structured_output_format=ls_format
        )
        parser = JsonOutputParser()
    if not include_raw:
        return model | parser
    return RunnableMap(raw=model) | RunnableLambda(_raw_and_parsed(parser))


def _raw_and_parsed(parser: Runnable) -> Any:
    """``{"raw", "parsed", "parsing_error"}`` from the whole raw answer, for ``include_raw``.

    A plain function, so a stream is gathered into the whole answer first: a parse error at the
    end of a stream becomes ``parsing_error`` as it does for ``invoke`` (core's assign-with-
    fallbacks only catches errors before the first chunk, and would raise it instead).
    """

    def parse(value: dict[str, Any]) -> dict[str, Any]:
        raw = value["raw"]
        try:
            return {"raw": raw, "parsed": parser.invoke(raw), "parsing_error": None}
        except Exception as error:  # what core's include_raw reports as parsing_error
            return {"raw": raw, "parsed": None, "parsing_error": error}

    return parse


def _function_calling(
    llm: BaseChatModel, schema: Any, ls_format: dict[str, Any]
) -> tuple[Runnable, Runnable]:
    tool_name = convert_to_openai_tool(schema)["function"]["name"]
    model = llm.bind_tools([schema], tool_choice=tool_name, ls_structured_output_format=ls_format)
    check = RunnableLambda(_require_valid_call)
    if isinstance(schema, type) and is_basemodel_subclass(schema):
        return model, check | PydanticToolsParser(tools=[schema], first_tool_only=True)
    return model, check | JsonOutputKeyToolsParser(key_name=tool_name, first_tool_only=True)


def _require_valid_call(message: Any) -> Any:
    """Let an answer through to the tools parser only when it carries a valid call.

    The chat model has already validated and repaired the call (``chat.attempts``); what is
    left without one is an error, never ``None`` as if the model had answered nothing.
    """
    if isinstance(message, AIMessage) and not message.tool_calls:
        errors = "; ".join(
            f"{call.get('name')}: {_call_error(call)}" for call in message.invalid_tool_calls
        )
        reason = errors or f"the model answered without a function call: {message.text[:200]!r}"
        msg = f"Structured output: no valid function call ({reason})."
        raise OutputParserException(msg, llm_output=message.text)
    return message


class _RegexAnswerParser(_WholeAnswerParser):
    """Returns the answer text when it fully matches the pattern."""

    pattern: str

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        text = result[0].text.strip()
        if re.fullmatch(self.pattern, text) is not None:
            return text
        if partial:
            return None
        msg = f"Structured output {text[:200]!r} does not match the pattern {self.pattern!r}."
        raise OutputParserException(msg, llm_output=text)

    def parse(self, text: str) -> Any:
        return self.parse_result([Generation(text=text)])


def _regex(llm: BaseChatModel, schema: Any, ls_format: dict[str, Any]) -> tuple[Runnable, Runnable]:
    if getattr(llm, "api_version", "v1") != "v2":
        msg = "method='regex' needs the v2 chat API: ChatGigaChat(api_version='v2')."
        raise GigaChatInvalidInputError(msg)
    if not isinstance(schema, str):
        msg = "method='regex' takes the regular expression as `schema` (a string)."
        raise GigaChatInvalidInputError(msg)
    # Named groups are written (?<name>...) in most regex dialects and (?P<name>...) in Python;
    # the pattern goes to the API as given and is checked here in Python's spelling.
    python_pattern = _NAMED_GROUP.sub(r"\1(?P<", schema)
    try:
        re.compile(python_pattern)
    except re.error as exc:
        msg = f"method='regex': {schema!r} is not a valid regular expression ({exc})."
        raise GigaChatInvalidInputError(msg) from exc
    response_format = {"type": "regex", "regex": schema}
    model = llm.bind(response_format=response_format, ls_structured_output_format=ls_format)
    return model, _RegexAnswerParser(pattern=python_pattern)


def _native(
    llm: BaseChatModel, schema: Any, strict: bool | None, ls_format: dict[str, Any]
) -> tuple[Runnable, Runnable]:
    pydantic_model = isinstance(schema, type) and hasattr(schema, "model_json_schema")
    response_format: dict[str, Any] = {
        "type": "json_schema",
        # pydantic's own schema, titles included, as the SDK sends it (REC
        # test_primary_chat_parse_json_schema); other forms through langchain-core.
        "schema": schema.model_json_schema() if pydantic_model else convert_to_json_schema(schema),
    }
    if strict is not None:
        response_format["strict"] = strict
    model = llm.bind(response_format=response_format, ls_structured_output_format=ls_format)
    pydantic_schema = schema if isinstance(schema, type) and is_basemodel_subclass(schema) else None
    json_schema = None if pydantic_schema is not None else response_format["schema"]
    return model, _JsonAnswerParser(pydantic_schema=pydantic_schema, json_schema=json_schema)


__all__ = ["METHODS", "structured_output_runnable"]
