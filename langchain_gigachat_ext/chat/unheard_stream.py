"""``.stream()`` / ``.astream()`` when no callback handler listens: no final merge, flat memory.

langchain-core's ``BaseChatModel.stream`` keeps every chunk of a stream and, once the stream
ends, merges them into one message for the handlers' ``on_llm_end``. When no handler listens
(:mod:`~._unheard`) nobody receives that message, yet the merge is the largest single cost core
adds to a stream (~70 µs of a 12-chunk, 1.4 ms emulator stream; ``benchmarks/README.md``) and the
kept chunks make memory grow with the stream's length.

This module serves exactly that case. It yields what core yields, chunk for chunk: the ``_stream``
messages with core's own metadata step (``_gen_info_and_msg_metadata``), the run's
``lc_run-<uuid>`` id on chunks without one, a closing ``chunk_position="last"`` chunk when the
model sent none, and ``ValueError`` when there was no chunk at all. Everything else goes to
core unchanged: any handler, ``output_version="v1"``, a model that would not stream.
``tests/unit_tests/chat/test_unheard_stream.py`` compares both paths on every case.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessageChunk
from langchain_core.runnables.config import RunnableConfig, ensure_config
from langchain_core.utils.uuid import uuid7

from langchain_gigachat_ext.chat import unheard as _unheard

if TYPE_CHECKING:
    from uuid import UUID

    from langchain_core.language_models import BaseChatModel, LanguageModelInput
    from langchain_core.outputs import ChatGenerationChunk


def unheard_config(
    model: BaseChatModel,
    config: RunnableConfig | None,
    kwargs: dict[str, Any],
    *,
    async_api: bool,
) -> RunnableConfig | None:
    """The call's config when nobody listens to this stream; None when core's path must run."""
    if not _unheard.SUPPORTED or model.output_version == "v1":
        return None
    config = ensure_config(config)  # also inherits the config of an enclosing runnable
    if _unheard.configured_manager(model, config, async_api=async_api) is None:
        return None
    if not model._should_stream(async_api=async_api, **{**kwargs, "stream": True}):  # noqa: SLF001
        return None
    return config


class _ChunkStamper:
    """Core's per-chunk step of ``.stream()`` and its closing chunk, keeping only the last chunk."""

    def __init__(self, run_id: UUID | None) -> None:
        self._run_id = run_id
        self._message_id: str | None = None
        self._last: AIMessageChunk | None = None
        self.yielded = False

    @property
    def message_id(self) -> str:
        """``lc_run-<run id>``: the config's ``run_id``, else a new one (made only when needed)."""
        if self._message_id is None:
            self._message_id = _unheard.run_label(self._run_id or uuid7())
        return self._message_id

    def stamp(self, chunk: ChatGenerationChunk) -> AIMessageChunk:
        """The message to yield for one ``_stream`` chunk."""
        message = chunk.message
        if message.id is None:
            message.id = self.message_id
        message.response_metadata = _unheard.message_metadata(chunk)
        self._last = message if isinstance(message, AIMessageChunk) else None
        self.yielded = True
        return message  # type: ignore[return-value]

    def closing(self) -> AIMessageChunk | None:
        """The ``chunk_position="last"`` chunk core adds when the model sent none."""
        if not self.yielded:
            msg = "No generation chunks were returned"
            raise ValueError(msg)
        last = self._last
        if last is None or last.chunk_position:
            return None
        content: str | list[str | dict[str, Any]] = "" if isinstance(last.content, str) else []
        return AIMessageChunk(content=content, chunk_position="last", id=self.message_id)


def _start(
    model: BaseChatModel,
    model_input: LanguageModelInput,
    config: RunnableConfig,
    kwargs: dict[str, Any],
) -> tuple[list[Any], _ChunkStamper]:
    return _unheard.input_messages(model, model_input, kwargs), _ChunkStamper(config.get("run_id"))


def stream_unheard(
    model: BaseChatModel,
    model_input: LanguageModelInput,
    config: RunnableConfig,
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> Iterator[AIMessageChunk]:
    """``BaseChatModel.stream`` for a config :func:`unheard_config` accepted."""
    messages, stamper = _start(model, model_input, config, kwargs)
    if model.rate_limiter:
        model.rate_limiter.acquire(blocking=True)
    for chunk in model._stream(messages, stop=stop, **kwargs):  # noqa: SLF001
        yield stamper.stamp(chunk)
    if closing := stamper.closing():
        yield closing


async def astream_unheard(
    model: BaseChatModel,
    model_input: LanguageModelInput,
    config: RunnableConfig,
    stop: list[str] | None,
    kwargs: dict[str, Any],
) -> AsyncIterator[AIMessageChunk]:
    """``BaseChatModel.astream`` for a config :func:`unheard_config` accepted."""
    messages, stamper = _start(model, model_input, config, kwargs)
    if model.rate_limiter:
        await model.rate_limiter.aacquire(blocking=True)
    async for chunk in model._astream(messages, stop=stop, **kwargs):  # noqa: SLF001
        yield stamper.stamp(chunk)
    if closing := stamper.closing():
        yield closing
