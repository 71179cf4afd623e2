"""Request builder, parameter validation and client-side stop sequences."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gigachat_ext.chat.request import MODEL_DEFAULTS, plan_call
from langchain_gigachat_ext.chat.stop import StopSequenceFilter, cut_at_stop, cut_content_at_stop
from langchain_gigachat_ext.chat.v1.payload import (
    GREEDY_TEMPERATURE,
    build_payload,
    session_id_for_thread,
    validate_params,
)
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

MESSAGES = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("params", "expected_extra"),
    [
        ({}, {}),
        ({"temperature": 0}, {"temperature": GREEDY_TEMPERATURE}),
        ({"temperature": 0.7, "top_p": 0.5}, {"temperature": 0.7, "top_p": 0.5}),
        (
            {"max_tokens": 10, "repetition_penalty": 1.1},
            {"max_tokens": 10, "repetition_penalty": 1.1},
        ),
        ({"profanity_check": False, "flags": ["a"]}, {"profanity_check": False, "flags": ["a"]}),
        (
            {"reasoning_effort": "high", "update_interval": 0.2},
            {"reasoning_effort": "high", "update_interval": 0.2},
        ),
        ({"temperature": None}, {}),
    ],
)
def test_build_payload(params: dict[str, Any], expected_extra: dict[str, Any]) -> None:
    payload = build_payload(model="GigaChat-2", messages=MESSAGES, params=params)
    assert payload == {"model": "GigaChat-2", "messages": MESSAGES, **expected_extra}


def test_functions_and_response_format_pass_through_untouched() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}
    functions = [{"name": "f", "description": "d", "parameters": schema}]
    payload = build_payload(
        model="m",
        messages=MESSAGES,
        params={},
        functions=functions,
        function_call={"name": "f"},
        response_format={"type": "json_schema", "schema": schema},
    )
    assert payload["functions"] == functions
    assert payload["function_call"] == {"name": "f"}
    assert payload["response_format"]["schema"]["properties"]["n"]["minimum"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"temperature": -0.1},
        {"temperature": 2.5},
        {"top_p": 1.5},
        {"top_p": -1},
        {"repetition_penalty": 0},
        {"max_tokens": 0},
        {"max_tokens": 1.5},
        {"update_interval": -1},
        {"reasoning_effort": "extreme"},
    ],
)
def test_invalid_params_rejected(params: dict[str, Any]) -> None:
    with pytest.raises(GigaChatInvalidInputError):
        validate_params(params)


def test_forced_call_without_functions_rejected() -> None:
    with pytest.raises(GigaChatInvalidInputError, match="without any functions"):
        build_payload(model="m", messages=MESSAGES, params={}, function_call={"name": "f"})


def test_session_id_is_stable_and_hides_thread_id() -> None:
    first = session_id_for_thread("customer-42")
    assert first == session_id_for_thread("customer-42")
    assert first != session_id_for_thread("customer-43")
    assert "customer" not in first


@pytest.mark.parametrize(
    ("text", "stop", "expected"),
    [
        ("Hello you there", ["you"], ("Hello ", True)),
        ("Hello there", ["you"], ("Hello there", False)),
        ("a b c", ["c", "b"], ("a ", True)),
        ("abc", None, ("abc", False)),
        ("abc", [""], ("abc", False)),
    ],
)
def test_cut_at_stop(text: str, stop: list[str] | None, expected: tuple[str, bool]) -> None:
    assert cut_at_stop(text, stop) == expected


@pytest.mark.parametrize(
    ("pieces", "stop", "expected"),
    [
        (["Hel", "lo y", "ou the", "re"], ["you"], "Hello "),
        (["Hello ", "there"], ["you"], "Hello there"),
        (["y", "o", "u"], ["you"], ""),
        (["abc"], None, "abc"),
        (["ab", "cSTO", "P tail"], ["STOP"], "abc"),
    ],
)
def test_stop_filter_streams_nothing_after_stop(
    pieces: list[str], stop: list[str] | None, expected: str
) -> None:
    stream_filter = StopSequenceFilter(stop)
    emitted = "".join(stream_filter.feed(piece) for piece in pieces) + stream_filter.flush()
    assert emitted == expected


CITED = {"type": "text", "text": "see [1]", "annotations": [{"type": "citation", "url": "u"}]}
IMAGE = {"type": "image", "file_id": "f"}


@pytest.mark.parametrize(
    ("content", "stop", "expected"),
    [
        (["ab", IMAGE, "cd"], ["zz"], (["ab", IMAGE, "cd"], False)),
        (["ab", IMAGE, "cSTOPd"], ["STOP"], (["ab", IMAGE, "c"], True)),
        (["aSTOP", IMAGE], ["STOP"], (["a"], True)),
        ([{**CITED, "text": "x STOP y"}, IMAGE], ["STOP"], ([{**CITED, "text": "x "}], True)),
        ("plain STOP", ["STOP"], ("plain ", True)),
    ],
)
def test_cut_content_at_stop(content: Any, stop: list[str], expected: Any) -> None:
    assert cut_content_at_stop(content, stop) == expected


@pytest.mark.parametrize(
    ("pieces", "stop", "expected"),
    [
        pytest.param(
            [["abc", IMAGE, "de"]], ["zz"], ["abc", IMAGE, "de"], id="no stop: order kept"
        ),
        pytest.param(
            [["ab"], ["c", IMAGE], ["d"]],
            ["zz"],
            ["abc", IMAGE, "d"],
            id="held text before a block",
        ),
        pytest.param(
            [["aS"], ["TOP", IMAGE]], ["STOP"], ["a"], id="stop across strings drops the rest"
        ),
        pytest.param(
            [[{**CITED, "text": "xSTOPy"}, "z"]],
            ["STOP"],
            [{**CITED, "text": "x"}],
            id="in a text block",
        ),
    ],
)
def test_stop_filter_feed_items(
    pieces: list[list[Any]], stop: list[str], expected: list[Any]
) -> None:
    stream = StopSequenceFilter(stop)
    out: list[Any] = []
    for piece in pieces:
        out += stream.feed_items(piece)
    if tail := stream.flush():
        out.append(tail)
    joined: list[Any] = []
    for item in out:  # adjacent strings are one text, however the filter split them
        if joined and isinstance(item, str) and isinstance(joined[-1], str):
            joined[-1] += item
        else:
            joined.append(item)
    assert joined == expected


# --- issue 24 item 4: call arguments of the wrong type fail in the call plan -------------------

_DEFAULTS = dict.fromkeys(MODEL_DEFAULTS) | {"model": "GigaChat-2"}

BAD_ARGUMENTS: dict[str, tuple[dict[str, Any], Any]] = {
    "stop=5": ({}, 5),
    "stop list with a number": ({}, ["ok", 5]),
    "stop dict": ({}, {"a": "b"}),
    "temperature string": ({"temperature": "hot"}, None),
    "top_p list": ({"top_p": [0.5]}, None),
    "repetition_penalty string": ({"repetition_penalty": "1"}, None),
    "update_interval string": ({"update_interval": "1s"}, None),
    "max_tokens bool": ({"max_tokens": True}, None),
    "profanity_check string": ({"profanity_check": "yes"}, None),
    "flags string": ({"flags": "a,b"}, None),
    "flags with a number": ({"flags": ["a", 1]}, None),
    "reasoning_effort list": ({"reasoning_effort": ["low"]}, None),
    "function_ranker list": ({"function_ranker": [True]}, None),
    "model number": ({"model": 5}, None),
    "session_id number": ({"session_id": 42}, None),
    "functions string": ({"functions": "get_weather"}, None),
    "builtin_tools string": ({"builtin_tools": "web_search"}, None),
}


@pytest.mark.parametrize(("kwargs", "stop"), BAD_ARGUMENTS.values(), ids=list(BAD_ARGUMENTS))
def test_call_argument_of_the_wrong_type_fails_in_the_call_plan(
    kwargs: dict[str, Any], stop: Any
) -> None:
    with pytest.raises(GigaChatInvalidInputError):
        plan_call(kwargs, defaults=_DEFAULTS, api_version="v1", stop=stop)


@pytest.mark.parametrize(
    ("stop", "model_stop", "expected"),
    [
        (None, None, ()),
        ("END", None, ("END",)),  # one string is one sequence, not its characters
        (["a", "b"], None, ("a", "b")),
        (("a",), None, ("a",)),
        (None, ["model"], ("model",)),
        (["call"], ["model"], ("call",)),
    ],
)
def test_stop_sequences_in_the_call_plan(stop: Any, model_stop: Any, expected: Any) -> None:
    call = plan_call({}, defaults={**_DEFAULTS, "stop": model_stop}, api_version="v1", stop=stop)
    assert call.stop == expected
