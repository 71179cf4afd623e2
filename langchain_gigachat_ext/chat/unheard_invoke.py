"""``.invoke()`` / ``.ainvoke()`` when no callback handler listens: core's steps, less bookkeeping.

For every call ``BaseChatModel.invoke`` works out what its handlers would receive: the invocation
parameters, LangSmith's parameters, a traced copy of the messages, an ``LLMResult`` for
``on_llm_end`` and run infos. In place that bookkeeping took ~100 µs of a ~0.95 ms emulator call
(``benchmarks/README.md``). When no handler listens (:mod:`~._unheard`) nobody receives any of it,
so this path runs only core's steps that shape the answer, with core's own helpers:

* the run manager from core's ``CallbackManager`` (run id, tags and metadata; ``_generate`` reads
  LangGraph's ``thread_id`` there), and the config's ``run_id`` popped for it;
* the input normalised and the tracing-only kwargs dropped;
* the rate limiter acquired once, then ``_generate`` / ``_agenerate``;
* a message without an id gets ``lc_run-<run id>-0``, and ``response_metadata`` is merged from
  the generation info and ``llm_output`` as core merges it.

Core's path runs unchanged with any handler, ``output_version="v1"``, a configured cache (core
looks answers up and stores them), a call that would stream (``streaming=True`` or
``stream=True``), and for every call if a core helper used here is missing.
``tests/unit_tests/chat/test_unheard_invoke.py`` compares both paths on every case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from langchain_core.caches import BaseCache
from langchain_core.callbacks import AsyncCallbackManager, CallbackManager
from langchain_core.globals import get_llm_cache
from langchain_core.messages import AIMessage
from langchain_core.runnables.config import RunnableConfig, ensure_config

from langchain_gigachat_ext.chat import unheard as _unheard

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput
    from langchain_core.outputs import ChatResult

Unheard = tuple[RunnableConfig, "CallbackManager | AsyncCallbackManager"]
"""The call's ensured config and its handler-less callback manager."""


def _uses_a_cache(model: BaseChatModel) -> bool:
    if model.cache is False:
        return False
    return isinstance(model.cache, BaseCache) or model.cache is True or get_llm_cache() is not None


def unheard_invoke(
    model: BaseChatModel,
    config: RunnableConfig | None,
    kwargs: dict[str, Any],
    *,
    async_api: bool,
) -> Unheard | None:
    """The call's config and manager when nobody listens to this invoke; None for core's path."""
    if not _unheard.SUPPORTED or model.output_version == "v1" or _uses_a_cache(model):
        return None
    if model._should_stream(async_api=async_api, **kwargs):  # noqa: SLF001
        return None
    config = ensure_config(config)  # also inherits the config of an enclosing runnable
    manager = _unheard.configured_manager(model, config, async_api=async_api)
    return None if manager is None else (config, manager)


def _answer(result: ChatResult, run_id: object) -> AIMessage:
    """The message ``invoke`` returns: core's post-processing of the result, first message."""
    for index, generation in enumerate(result.generations):
        if generation.message.id is None:
            generation.message.id = f"{_unheard.run_label(run_id)}-{index}"
        generation.message.response_metadata = _unheard.message_metadata(generation)
    first = result.generations[0].message
    if len(result.generations) == 1 and result.llm_output is not None:
        first.response_metadata = {**result.llm_output, **first.response_metadata}
    return cast("AIMessage", first)


def invoke_unheard(
    model: BaseChatModel,
    model_input: LanguageModelInput,
    unheard: Unheard,
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> AIMessage:
    """``BaseChatModel.invoke`` for a call :func:`unheard_invoke` accepted."""
    config, manager = unheard
    messages = _unheard.input_messages(model, model_input, kwargs)
    (run_manager,) = cast("CallbackManager", manager).on_chat_model_start(
        model._serialized,  # noqa: SLF001
        [messages],
        run_id=config.pop("run_id", None),
    )
    if model.rate_limiter:
        model.rate_limiter.acquire(blocking=True)
    if _unheard.takes_run_manager(model._generate):  # noqa: SLF001
        result = model._generate(messages, stop=stop, run_manager=run_manager, **kwargs)  # noqa: SLF001
    else:
        result = model._generate(messages, stop=stop, **kwargs)  # noqa: SLF001
    return _answer(result, run_manager.run_id)


async def ainvoke_unheard(
    model: BaseChatModel,
    model_input: LanguageModelInput,
    unheard: Unheard,
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> AIMessage:
    """``BaseChatModel.ainvoke`` for a call :func:`unheard_invoke` accepted."""
    config, manager = unheard
    messages = _unheard.input_messages(model, model_input, kwargs)
    (run_manager,) = await cast("AsyncCallbackManager", manager).on_chat_model_start(
        model._serialized,  # noqa: SLF001
        [messages],
        run_id=config.pop("run_id", None),
    )
    if model.rate_limiter:
        await model.rate_limiter.aacquire(blocking=True)
    if _unheard.takes_run_manager(model._agenerate):  # noqa: SLF001
        result = await model._agenerate(messages, stop=stop, run_manager=run_manager, **kwargs)  # noqa: SLF001
    else:
        result = await model._agenerate(messages, stop=stop, **kwargs)  # noqa: SLF001
    return _answer(result, run_manager.run_id)
