"""Structured answers that are not what the schema asks for (issue 24 item 4, emulator only).

Whatever the method, API version or schema form, a non-JSON answer, a JSON value that is not an
object and an object with a missing or mistyped field all end the same way: an
``OutputParserException`` naming what is wrong (the field, when one is at fault), or with
``include_raw=True`` a ``parsing_error`` beside the raw message. Never a raw ``ValueError``,
``TypeError`` or ``ValidationError``.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from pydantic import BaseModel

from langchain_gigachat_ext import ChatGigaChat
from tests.integration_tests.backend import connection_kwargs


class Rate(BaseModel):
    """An exchange rate."""

    currency: str
    rate: float


RATE_SCHEMA = {
    "title": "Rate",
    "description": "An exchange rate.",
    "type": "object",
    "properties": {"currency": {"type": "string"}, "rate": {"type": "number"}},
    "required": ["currency", "rate"],
}

SCHEMAS = {"pydantic": Rate, "json-schema": RATE_SCHEMA}

TEXT_ANSWERS = {
    "not JSON": ("The dollar costs about ninety roubles.", "JSON"),
    "JSON array": ('["USD", 90]', "object"),
    "JSON string": ('"USD 90"', "object"),
    "missing field": ('{"currency": "USD"}', "rate"),
    "mistyped field": ('{"currency": "USD", "rate": "ninety"}', "rate"),
}

CALL_ANSWERS = {
    "missing field": ({"currency": "USD"}, "rate"),
    "mistyped field": ({"currency": "USD", "rate": "ninety"}, "rate"),
}


def _run(runnable: Any, stream: bool) -> Any:
    if not stream:
        return runnable.invoke("Dollar rate?")
    return list(runnable.stream("Dollar rate?"))[-1]


def _check(emu: Any, runnable: Any, raw_runnable: Any, named: str, stream: bool) -> None:
    with pytest.raises(OutputParserException) as caught:
        _run(runnable, stream)
    assert named in str(caught.value)
    out = _run(raw_runnable, stream)
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert named in str(out["parsing_error"])
    assert out["raw"] is not None


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=list(SCHEMAS))
@pytest.mark.parametrize("api_version", ["v1", "v2"])
@pytest.mark.parametrize(("text", "named"), TEXT_ANSWERS.values(), ids=list(TEXT_ANSWERS))
def test_bad_json_schema_answer_is_an_output_parser_exception(
    emu: Any, text: str, named: str, *, api_version: str, schema: Any, stream: bool
) -> None:
    llm = ChatGigaChat(**connection_kwargs(), api_version=api_version, max_repair_requests=0)
    emu.script.reply_text(text)
    emu.script.reply_text(text)
    runnable = llm.with_structured_output(schema, method="json_schema")
    raw_runnable = llm.with_structured_output(schema, method="json_schema", include_raw=True)
    _check(emu, runnable, raw_runnable, named, stream)


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=list(SCHEMAS))
@pytest.mark.parametrize("api_version", ["v1", "v2"])
@pytest.mark.parametrize(("arguments", "named"), CALL_ANSWERS.values(), ids=list(CALL_ANSWERS))
def test_bad_function_calling_answer_is_an_output_parser_exception(
    emu: Any,
    arguments: dict[str, Any],
    named: str,
    *,
    api_version: str,
    schema: Any,
    stream: bool,
) -> None:
    llm = ChatGigaChat(**connection_kwargs(), api_version=api_version, max_repair_requests=0)
    emu.script.reply_function_call("Rate", arguments)
    emu.script.reply_function_call("Rate", arguments)
    runnable = llm.with_structured_output(schema, method="function_calling")
    raw_runnable = llm.with_structured_output(schema, method="function_calling", include_raw=True)
    _check(emu, runnable, raw_runnable, named, stream)


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_prose_instead_of_a_forced_call_is_an_output_parser_exception(
    emu: Any, api_version: str
) -> None:
    llm = ChatGigaChat(**connection_kwargs(), api_version=api_version, max_repair_requests=0)
    emu.script.reply_text("The dollar costs about ninety roubles.")
    emu.script.reply_text("The dollar costs about ninety roubles.")
    runnable = llm.with_structured_output(Rate, method="function_calling")
    with pytest.raises(OutputParserException):
        runnable.invoke("Dollar rate?")
    out = llm.with_structured_output(Rate, method="function_calling", include_raw=True).invoke(
        "Dollar rate?"
    )
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)


@pytest.mark.parametrize("include_raw", [False, True])
async def test_bad_answer_in_an_async_stream_is_not_silently_empty(
    emu: Any, include_raw: bool
) -> None:
    llm = ChatGigaChat(**connection_kwargs(), max_repair_requests=0)
    emu.script.reply_text("no json here")
    runnable = llm.with_structured_output(Rate, method="json_schema", include_raw=include_raw)
    if not include_raw:
        with pytest.raises(OutputParserException, match="JSON"):
            async for _ in runnable.astream("Dollar rate?"):
                pass
        return
    outs = [out async for out in runnable.astream("Dollar rate?")]
    assert isinstance(outs[-1]["parsing_error"], OutputParserException)
    assert outs[-1]["raw"].content == "no json here"
