"""``.stream()`` / ``.astream()``: the unheard path yields exactly what langchain-core's does.

Each case replays one scripted ``_stream`` through ``ChatGigaChat.stream`` and through
``BaseChatModel.stream`` itself (the same for ``astream``) and compares every chunk, the
exception and what ``_stream`` was called with. A langchain-core release that changes its
stream contract fails here.
"""

from __future__ import annotations

import gc
import uuid
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from langchain_core.rate_limiters import BaseRateLimiter
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tracers.context import collect_runs
from pydantic import PrivateAttr

from langchain_gigachat_ext.chat import unheard as _unheard
from langchain_gigachat_ext.chat import unheard_stream as _unheard_stream
from langchain_gigachat_ext.chat.v1.response import final_text_chunk, text_chunk
from langchain_gigachat_ext.chat_models import ChatGigaChat

Script = Callable[[], Iterable[Any]]
RUN_ID = uuid.UUID("0192f0c4-0000-7000-8000-000000000001")


class ScriptedChat(ChatGigaChat):
    """``_stream``/``_astream`` replay a script (fresh chunk objects on every call)."""

    _script: Script = PrivateAttr(default=list)
    _calls: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    def _replay(
        self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
    ) -> list[Any]:
        self._calls.append({"messages": messages, "stop": stop, **kwargs})
        return self._script()

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for item in self._replay(messages, stop, **kwargs):
            if isinstance(item, BaseException):
                raise item
            yield item

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for item in self._stream(messages, stop, **kwargs):
            yield item

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("whole", id="g-1"))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop)


def scripted(script: Script, **fields: Any) -> ScriptedChat:
    model = ScriptedChat(credentials="dW5pdDp0ZXN0", **fields)
    model._script = script
    return model


def _gigachat_answer() -> list[Any]:
    return [
        text_chunk("Hel", "gigachat-r1"),
        text_chunk("lo", "gigachat-r1"),
        final_text_chunk(
            "",
            "gigachat-r1",
            usage={"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
            metadata={"model_provider": "gigachat", "finish_reason": "stop"},
            generation_info={"finish_reason": "stop"},
        ),
    ]


def _no_ids_no_last() -> list[Any]:
    return [ChatGenerationChunk(message=AIMessageChunk(content=part)) for part in ("a", "b")]


def _generation_info() -> list[Any]:
    return [
        ChatGenerationChunk(
            message=AIMessageChunk(content="x", id="m", response_metadata={"kept": 1}),
            generation_info={"info": 2, "lc_gateway_metadata": {"dropped": True}, "kept": 0},
        )
    ]


def _list_content() -> list[Any]:
    return [ChatGenerationChunk(message=AIMessageChunk(content=[{"type": "text", "text": "t"}]))]


def _cut_after_one() -> list[Any]:
    return [text_chunk("partial", "gigachat-r2"), RuntimeError("connection cut")]


SCRIPTS: dict[str, Script] = {
    "gigachat answer": _gigachat_answer,
    "no ids, no last chunk": _no_ids_no_last,
    "generation info": _generation_info,
    "list content": _list_content,
    "no chunks": list,
    "error after a chunk": _cut_after_one,
}


def _core(model: BaseChatModel, *, use_async: bool) -> Callable[..., Any]:
    return (
        BaseChatModel.astream.__get__(model) if use_async else BaseChatModel.stream.__get__(model)
    )


def _ours(model: BaseChatModel, *, use_async: bool) -> Callable[..., Any]:
    return model.astream if use_async else model.stream


async def _drain(stream: Any) -> tuple[list[tuple[str, dict[str, Any]]], str | None]:
    chunks: list[Any] = []
    try:
        if hasattr(stream, "__aiter__"):
            chunks.extend([chunk async for chunk in stream])
        else:
            chunks.extend(stream)
    except Exception as exc:  # the failure itself is compared
        return _dumped(chunks), f"{type(exc).__name__}: {exc}"
    return _dumped(chunks), None


def _dumped(chunks: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(type(chunk).__name__, chunk.model_dump()) for chunk in chunks]


async def _both(
    script: Script, *, use_async: bool, config: RunnableConfig | None = None, **call: Any
) -> tuple[Any, Any]:
    results = []
    for side in (_core, _ours):
        model = scripted(script)
        streamed = await _drain(side(model, use_async=use_async)("hi", config, **call))
        results.append((streamed, model._calls))
    return results[0], results[1]


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
@pytest.mark.parametrize("name", list(SCRIPTS))
async def test_unheard_stream_yields_what_core_yields(name: str, use_async: bool) -> None:
    core, ours = await _both(
        SCRIPTS[name], use_async=use_async, config={"run_id": RUN_ID}, stop=["END"]
    )
    assert ours == core


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_tracing_only_arguments_are_removed_before_the_model_sees_them(
    use_async: bool,
) -> None:
    call = {"structured_output_format": {"schema": "s"}, "ls_structured_output_format": None}
    core, ours = await _both(_gigachat_answer, use_async=use_async, **call)
    assert ours == core
    assert "ls_structured_output_format" not in ours[1][0]
    assert "structured_output_format" not in ours[1][0]


async def test_without_a_run_id_chunks_share_one_fresh_lc_run_id() -> None:
    (chunks, error), _ = (await _both(_no_ids_no_last, use_async=False))[1]
    ids = {dump["id"] for _, dump in chunks}
    assert error is None
    assert len(chunks) == 3
    assert len(ids) == 1
    prefix, _, run_id = ids.pop().partition("-")
    assert prefix == "lc_run"
    assert uuid.UUID(run_id).version == 7


def test_unheard_stream_keeps_no_chunk_it_has_yielded() -> None:
    made: list[weakref.ref[ChatGenerationChunk]] = []

    def script() -> Iterator[ChatGenerationChunk]:
        for index in range(3):
            chunk = text_chunk(str(index), "gigachat-r")
            made.append(weakref.ref(chunk))
            yield chunk

    stream = scripted(script).stream("hi")
    next(stream)
    next(stream)
    gc.collect()
    assert made[0]() is None  # core's path keeps every chunk until the stream ends
    assert list(stream)[-1].chunk_position == "last"


class Recorder(BaseCallbackHandler):
    """Records the events of chat model runs."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.ends: list[LLMResult] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self.ends.append(response)


def _merged_text(recorder: Recorder) -> str:
    (result,) = recorder.ends
    return result.generations[0][0].text


@pytest.mark.parametrize(
    "attach",
    [
        pytest.param(lambda handler: ({"callbacks": [handler]}, {}), id="config"),
        pytest.param(lambda handler: ({}, {"callbacks": [handler]}), id="model"),
    ],
)
@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_listeners_get_cores_path_with_the_merged_message(
    attach: Callable[[Recorder], tuple[RunnableConfig, dict[str, Any]]], use_async: bool
) -> None:
    recorder = Recorder()
    config, fields = attach(recorder)
    model = scripted(_gigachat_answer, **fields)
    chunks, error = await _drain(_ours(model, use_async=use_async)("hi", config))
    assert error is None
    assert [dump["content"] for _, dump in chunks] == ["Hel", "lo", ""]
    assert recorder.tokens == ["Hel", "lo", ""]
    assert _merged_text(recorder) == "Hello"


def test_a_handler_of_an_enclosing_runnable_is_a_listener() -> None:
    recorder = Recorder()
    model = scripted(_gigachat_answer)
    chain = RunnableLambda(lambda text: "".join(chunk.text for chunk in model.stream(text)))
    assert chain.invoke("hi", {"callbacks": [recorder]}) == "Hello"
    assert _merged_text(recorder) == "Hello"


def test_collect_runs_is_a_listener() -> None:
    model = scripted(_gigachat_answer)
    with collect_runs() as collector:
        assert "".join(chunk.text for chunk in model.stream("hi")) == "Hello"
    (run,) = collector.traced_runs
    assert run.outputs is not None
    assert run.outputs["generations"][0][0]["text"] == "Hello"


def test_verbose_models_take_cores_path() -> None:
    model = scripted(_gigachat_answer, verbose=True)
    assert _unheard_stream.unheard_config(model, None, {}, async_api=False) is None
    assert _unheard_stream.unheard_config(scripted(_gigachat_answer), None, {}, async_api=False)


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_output_version_v1_is_left_to_core(use_async: bool) -> None:
    results = []
    for side in (_core, _ours):
        model = scripted(_gigachat_answer, output_version="v1")
        results.append(await _drain(side(model, use_async=use_async)("hi", {"run_id": RUN_ID})))
    assert results[1] == results[0]
    assert results[1][0][0][1]["content"] == [{"type": "text", "text": "Hel", "index": 0}]


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_a_model_that_does_not_stream_falls_back_to_invoke_as_in_core(
    use_async: bool,
) -> None:
    results = []
    for side in (_core, _ours):
        model = scripted(_gigachat_answer, disable_streaming=True)
        results.append(await _drain(side(model, use_async=use_async)("hi", {"run_id": RUN_ID})))
    assert results[1] == results[0]
    assert [dump["content"] for _, dump in results[1][0]] == ["whole"]


class CountingLimiter(BaseRateLimiter):
    """Counts acquisitions; never waits."""

    def __init__(self) -> None:
        self.acquired = 0

    def acquire(self, *, blocking: bool = True) -> bool:
        self.acquired += 1
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        self.acquired += 1
        return True


@pytest.mark.parametrize("use_async", [False, True], ids=["stream", "astream"])
async def test_the_rate_limiter_is_acquired_once_per_stream(use_async: bool) -> None:
    limiter = CountingLimiter()
    model = scripted(_gigachat_answer, rate_limiter=limiter)
    await _drain(_ours(model, use_async=use_async)("hi"))
    assert limiter.acquired == 1


def test_every_call_takes_cores_path_without_the_core_helpers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreachable(*args: Any) -> Iterator[AIMessageChunk]:
        raise AssertionError(args)

    monkeypatch.setattr(_unheard, "SUPPORTED", False)
    monkeypatch.setattr("langchain_gigachat_ext.chat_models.stream_unheard", unreachable)
    model = scripted(_gigachat_answer)
    assert _unheard_stream.unheard_config(model, None, {}, async_api=False) is None
    assert "".join(chunk.text for chunk in model.stream([HumanMessage("hi")])) == "Hello"
