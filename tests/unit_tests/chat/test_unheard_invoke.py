"""``.invoke()`` / ``.ainvoke()``: the unheard path returns exactly what langchain-core's does.

Each case replays one scripted ``_generate`` through ``ChatGigaChat.invoke`` and through
``BaseChatModel.invoke`` itself (the same for ``ainvoke``) and compares the message, the
exception and what ``_generate`` was called with. A langchain-core release that changes its
invoke contract fails here.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.globals import set_llm_cache
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from langchain_core.rate_limiters import BaseRateLimiter
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tracers.context import collect_runs
from pydantic import PrivateAttr

from langchain_gigachat_ext.chat import unheard as _unheard
from langchain_gigachat_ext.chat_models import ChatGigaChat

Script = Callable[[], ChatResult]
RUN_ID = uuid.UUID("0192f0c4-0000-7000-8000-000000000002")


class ScriptedChat(ChatGigaChat):
    """``_generate``/``_agenerate`` replay a script (a fresh result on every call)."""

    _script: Script = PrivateAttr()
    _calls: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        self._calls.append(
            {
                "messages": messages,
                "stop": stop,
                "kwargs": kwargs,
                "run_id": run_manager and run_manager.run_id,
                "tags": run_manager and run_manager.tags,
                "thread_id": run_manager and run_manager.metadata.get("thread_id"),
            }
        )
        return self._script()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop, run_manager, **kwargs)

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        yield ChatGenerationChunk(message=AIMessageChunk(content="streamed"))

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._stream():
            yield chunk


def scripted(script: Script, **fields: Any) -> ScriptedChat:
    model = ScriptedChat(credentials="dW5pdDp0ZXN0", **fields)
    model._script = script
    return model


def _gigachat_answer() -> ChatResult:
    message = AIMessage(
        "Hello",
        id="gigachat-r1",
        response_metadata={"model_provider": "gigachat", "finish_reason": "stop"},
        usage_metadata={"input_tokens": 3, "output_tokens": 1, "total_tokens": 4},
    )
    return ChatResult(
        generations=[ChatGeneration(message=message, generation_info={"finish_reason": "stop"})],
        llm_output={"token_usage": {"total_tokens": 4}, "model_name": "GigaChat-2"},
    )


def _no_id() -> ChatResult:
    return ChatResult(generations=[ChatGeneration(message=AIMessage("anonymous"))])


def _generation_info() -> ChatResult:
    message = AIMessage("x", id="m", response_metadata={"kept": 1, "overridden": "message"})
    info = {"info": 2, "lc_gateway_metadata": {"dropped": True}, "overridden": "info"}
    return ChatResult(
        generations=[ChatGeneration(message=message, generation_info=info)],
        llm_output={"overridden": "llm_output", "only_here": 3},
    )


def _two_generations() -> ChatResult:
    return ChatResult(
        generations=[
            ChatGeneration(message=AIMessage("one")),
            ChatGeneration(message=AIMessage("two")),
        ],
        llm_output={"not_merged": True},
    )


def _tool_call() -> ChatResult:
    message = AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}])
    return ChatResult(generations=[ChatGeneration(message=message)])


def _failure() -> ChatResult:
    msg = "the server said no"
    raise RuntimeError(msg)


SCRIPTS: dict[str, Script] = {
    "gigachat answer": _gigachat_answer,
    "no id": _no_id,
    "generation info and llm_output": _generation_info,
    "two generations": _two_generations,
    "tool call": _tool_call,
    "failure": _failure,
}


async def _call(invoke: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    try:
        result = invoke(*args, **kwargs)
        if hasattr(result, "__await__"):
            result = await result
    except Exception as exc:  # the failure itself is compared
        return None, f"{type(exc).__name__}: {exc}"
    return (type(result).__name__, result.model_dump()), None


def _core(model: BaseChatModel, *, use_async: bool) -> Callable[..., Any]:
    return (
        BaseChatModel.ainvoke.__get__(model) if use_async else BaseChatModel.invoke.__get__(model)
    )


def _ours(model: BaseChatModel, *, use_async: bool) -> Callable[..., Any]:
    return model.ainvoke if use_async else model.invoke


async def _both(
    script: Script,
    *,
    use_async: bool,
    config: RunnableConfig | None = None,
    fields: dict[str, Any] | None = None,
    **call: Any,
) -> tuple[Any, Any]:
    results = []
    for side in (_core, _ours):
        model = scripted(script, **(fields or {}))
        answer = await _call(side(model, use_async=use_async), "hi", config, **call)
        results.append((answer, model._calls))
    return results[0], results[1]


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
@pytest.mark.parametrize("name", list(SCRIPTS))
async def test_unheard_invoke_returns_what_core_returns(name: str, use_async: bool) -> None:
    config: RunnableConfig = {
        "run_id": RUN_ID,
        "tags": ["t"],
        "metadata": {"thread_id": "thread-1"},
    }
    core, ours = await _both(
        SCRIPTS[name], use_async=use_async, config=config, fields={"tags": ["m"]}, stop=["END"]
    )
    assert ours == core


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_the_run_manager_carries_the_thread_id_the_session_header_needs(
    use_async: bool,
) -> None:
    core, ours = await _both(
        _no_id, use_async=use_async, config={"metadata": {"thread_id": "thread-2"}}
    )
    assert ours[1][0]["thread_id"] == core[1][0]["thread_id"] == "thread-2"


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_tracing_only_arguments_are_removed_before_the_model_sees_them(
    use_async: bool,
) -> None:
    call = {"structured_output_format": {"schema": "s"}, "ls_structured_output_format": None}
    core, ours = await _both(_gigachat_answer, use_async=use_async, **call)
    assert ours[0] == core[0]
    assert ours[1][0]["kwargs"] == core[1][0]["kwargs"] == {}


async def test_without_a_run_id_the_message_gets_a_fresh_lc_run_id() -> None:
    (answer, error), calls = (await _both(_no_id, use_async=False))[1]
    run_id = calls[0]["run_id"]
    assert error is None
    assert run_id.version == 7
    assert answer[1]["id"] == f"{_unheard.run_label(run_id)}-0"  # core's spelling: "lc_run--…-0"


def test_batch_takes_the_unheard_path_per_input() -> None:
    model = scripted(_no_id)
    answers = model.batch(["a", "b"])
    assert [answer.content for answer in answers] == ["anonymous", "anonymous"]
    assert len(model._calls) == 2


class Recorder(BaseCallbackHandler):
    """Records the ends of chat model runs."""

    def __init__(self) -> None:
        self.ends: list[LLMResult] = []

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self.ends.append(response)


@pytest.mark.parametrize(
    "attach",
    [
        pytest.param(lambda handler: ({"callbacks": [handler]}, {}), id="config"),
        pytest.param(lambda handler: ({}, {"callbacks": [handler]}), id="model"),
    ],
)
@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_listeners_get_cores_path_with_the_result(
    attach: Callable[[Recorder], tuple[RunnableConfig, dict[str, Any]]], use_async: bool
) -> None:
    recorder = Recorder()
    config, fields = attach(recorder)
    answer, error = await _call(
        _ours(scripted(_gigachat_answer, **fields), use_async=use_async), "hi", config
    )
    assert error is None
    assert answer[1]["content"] == "Hello"
    (result,) = recorder.ends
    assert result.llm_output == {"token_usage": {"total_tokens": 4}, "model_name": "GigaChat-2"}


def test_a_handler_of_an_enclosing_runnable_is_a_listener() -> None:
    recorder = Recorder()
    model = scripted(_gigachat_answer)
    chain = RunnableLambda(lambda text: model.invoke(text).content)
    assert chain.invoke("hi", {"callbacks": [recorder]}) == "Hello"
    assert len(recorder.ends) == 1


def test_collect_runs_is_a_listener() -> None:
    model = scripted(_gigachat_answer)
    with collect_runs() as collector:
        assert model.invoke("hi").content == "Hello"
    (run,) = collector.traced_runs
    assert run.outputs is not None
    assert run.outputs["generations"][0][0]["text"] == "Hello"


def test_verbose_models_take_cores_path() -> None:
    model = scripted(_gigachat_answer, verbose=True)
    assert _unheard_invoke(model) is None
    assert _unheard_invoke(scripted(_gigachat_answer)) is not None


def _unheard_invoke(model: BaseChatModel, **kwargs: Any) -> Any:
    from langchain_gigachat_ext.chat.unheard_invoke import unheard_invoke

    return unheard_invoke(model, None, kwargs, async_api=False)


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_output_version_v1_is_left_to_core(use_async: bool) -> None:
    core, ours = await _both(
        _gigachat_answer,
        use_async=use_async,
        config={"run_id": RUN_ID},
        fields={"output_version": "v1"},
    )
    assert ours == core
    assert ours[0][0][1]["content"] == [{"type": "text", "text": "Hello"}]


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_a_model_cache_is_left_to_core(use_async: bool) -> None:
    model = scripted(_no_id, cache=InMemoryCache())
    first = await _call(_ours(model, use_async=use_async), "hi")
    second = await _call(_ours(model, use_async=use_async), "hi")
    assert first[0][1]["content"] == second[0][1]["content"] == "anonymous"
    assert len(model._calls) == 1  # the second answer came from the cache


def test_a_global_cache_is_left_to_core() -> None:
    model = scripted(_no_id)
    set_llm_cache(InMemoryCache())
    try:
        assert _unheard_invoke(model) is None
        model.invoke("hi")
        model.invoke("hi")
    finally:
        set_llm_cache(None)
    assert len(model._calls) == 1
    assert _unheard_invoke(scripted(_no_id, cache=False)) is not None


@pytest.mark.parametrize(
    ("fields", "call"),
    [
        pytest.param({"streaming": True}, {}, id="streaming=True"),
        pytest.param({}, {"stream": True}, id="stream=True"),
    ],
)
@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_a_call_that_streams_is_left_to_core(
    fields: dict[str, Any], call: dict[str, Any], use_async: bool
) -> None:
    core, ours = await _both(
        _gigachat_answer, use_async=use_async, config={"run_id": RUN_ID}, fields=fields, **call
    )
    assert ours == core
    assert ours[0][0][1]["content"] == "streamed"


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


@pytest.mark.parametrize("use_async", [False, True], ids=["invoke", "ainvoke"])
async def test_the_rate_limiter_is_acquired_once_per_call(use_async: bool) -> None:
    limiter = CountingLimiter()
    await _call(_ours(scripted(_gigachat_answer, rate_limiter=limiter), use_async=use_async), "hi")
    assert limiter.acquired == 1


def test_every_call_takes_cores_path_without_the_core_helpers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreachable(*args: Any) -> Any:
        raise AssertionError(args)

    monkeypatch.setattr(_unheard, "SUPPORTED", False)
    monkeypatch.setattr("langchain_gigachat_ext.chat_models.invoke_unheard", unreachable)
    model = scripted(_gigachat_answer)
    assert _unheard_invoke(model) is None
    assert model.invoke([HumanMessage("hi")]).content == "Hello"


class _WithoutRunManager:
    def _generate(self, messages: Any, stop: Any = None, **kwargs: Any) -> None: ...


class _WithRunManager:
    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None) -> None: ...


def _instance_callable(messages: Any, run_manager: Any = None) -> None: ...


def _instance_callable_without(messages: Any) -> None: ...


@pytest.mark.parametrize(
    "method",
    [
        pytest.param(ChatGigaChat(credentials="x")._generate, id="ours-sync"),
        pytest.param(ChatGigaChat(credentials="x")._agenerate, id="ours-async"),
        pytest.param(_WithoutRunManager()._generate, id="bound-without"),
        pytest.param(_WithRunManager()._generate, id="bound-with"),
        pytest.param(_instance_callable, id="plain-function-with"),
        pytest.param(_instance_callable_without, id="plain-function-without"),
    ],
)
def test_takes_run_manager_answers_as_core_does(method: Callable[..., Any]) -> None:
    from langchain_core.utils._signature import _signature_parameters

    expected = bool(_signature_parameters(method).get("run_manager"))
    assert _unheard.takes_run_manager(method) is expected
    assert _unheard.takes_run_manager(method) is expected  # the kept answer too


def test_takes_run_manager_inspects_each_function_once(monkeypatch: pytest.MonkeyPatch) -> None:
    inspected: list[Callable[..., Any]] = []
    original = _unheard._signature_parameters

    def counting(method: Callable[..., Any]) -> Any:
        inspected.append(method)
        return original(method)

    monkeypatch.setattr(_unheard, "_signature_parameters", counting)

    class Fresh:  # a new function object: nothing kept for it yet
        def _generate(self, messages: Any, run_manager: Any = None) -> None: ...

    for instance in (Fresh(), Fresh(), Fresh()):
        assert _unheard.takes_run_manager(instance._generate) is True
    assert len(inspected) == 1  # kept per function, shared by every instance
    assert _unheard.takes_run_manager(_instance_callable) is True
    assert len(inspected) == 2  # a plain callable is inspected as core inspects it
