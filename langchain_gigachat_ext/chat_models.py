"""``ChatGigaChat``: the LangChain chat model for GigaChat (v1 chat API).

The data path reads in one pass: LangChain messages → :mod:`~langchain_gigachat_ext.messages`
(normaliser) → :mod:`~langchain_gigachat_ext._payload` (request builder) →
:mod:`~langchain_gigachat_ext._wire` + :mod:`~langchain_gigachat_ext._transport` (SDK, auth,
retries) → :mod:`~langchain_gigachat_ext._response` (result builder) → ``AIMessage``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables.config import var_child_runnable_config
from pydantic import ConfigDict, Field, PrivateAttr

from langchain_gigachat_ext._chat_docs import CHAT_GIGACHAT_DOC
from langchain_gigachat_ext._config import GigaChatConnection, env_bool, env_str
from langchain_gigachat_ext._payload import (
    GENERATION_PARAMS,
    build_payload,
    session_id_for_thread,
    validate_params,
)
from gigachat.models.chat import ChatCompletionChunk

from langchain_gigachat_ext._response import chat_result, chunk_from_stream
from langchain_gigachat_ext._stop import StopSequenceFilter, cut_at_stop
from langchain_gigachat_ext._tokens import TokenCountingMixin
from langchain_gigachat_ext._wire import achat_op, astream_op, chat_op, stream_op
from langchain_gigachat_ext.errors import GigaChatInvalidInputError, GigaChatStreamInterruptedError
from langchain_gigachat_ext.messages import to_gigachat_messages
from langchain_gigachat_ext.profiles import model_profile
from langchain_gigachat_ext.tools.binding import (
    ToolBindingMixin,
    ToolPlan,
    plan_tools,
    restore_json_text,
)

DEFAULT_MODEL = "GigaChat-2"

_CALL_KWARGS = frozenset(
    {
        *GENERATION_PARAMS,
        "model",
        "session_id",
        "stream",
        "tool_set",
        "tool_choice",
        "functions",
        "function_call",
        "response_format",
        "structured_output_format",
    }
)


@dataclass(frozen=True)
class _Request:
    """Everything one call needs, built once and shared by invoke and stream."""

    payload: dict[str, Any]
    headers: dict[str, str]
    plan: ToolPlan


class ChatGigaChat(ToolBindingMixin, TokenCountingMixin, GigaChatConnection, BaseChatModel):
    __doc__ = CHAT_GIGACHAT_DOC

    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, extra="forbid", protected_namespaces=()
    )

    model: str = Field(
        default_factory=env_str("GIGACHAT_MODEL", DEFAULT_MODEL),
        alias="model_name",
        validate_default=True,
    )
    """Model id (default ``GigaChat-2``; env ``GIGACHAT_MODEL``). Overridable per call."""
    temperature: float | None = None
    """Sampling temperature, 0..2. ``0`` means greedy (sent as 0.001: the API requires > 0)."""
    top_p: float | None = None
    """Nucleus sampling, 0..1."""
    max_tokens: int | None = None
    """Maximum tokens to generate; a longer answer ends with finish_reason ``length``."""
    repetition_penalty: float | None = None
    """Repetition penalty (> 0; 1.0 is neutral)."""
    update_interval: float | None = None
    """Streaming only: minimum seconds between SSE chunks (server side)."""
    profanity_check: bool | None = Field(
        default_factory=env_bool("GIGACHAT_PROFANITY_CHECK", default=None)
    )
    """Server-side censorship toggle (env ``GIGACHAT_PROFANITY_CHECK``); None = server default."""
    flags: list[str] | None = None
    """Opaque feature flags forwarded to the API."""
    reasoning_effort: Literal["low", "medium", "high"] | None = None
    """Reasoning effort for reasoning models; reasoning arrives as ``reasoning`` content blocks."""
    function_ranker: dict[str, Any] | None = None
    """``{"enabled": bool, "top_n": int}``: let the server pre-select functions."""
    streaming: bool = False
    """Use the streaming API for ``invoke`` too (callbacks then see every token)."""
    stream_usage: bool = True
    """Report token usage at the end of streams."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences, applied client-side (the API has no such field)."""
    session_id: str | None = None
    """``X-Session-ID`` for prompt caching. When None, a LangGraph ``thread_id`` in the run
    config is turned into a stable session id automatically."""
    auto_session_id: bool = True
    """Derive ``X-Session-ID`` from the LangGraph ``thread_id`` when ``session_id`` is None."""
    use_api_for_tokens: bool = True
    """``get_num_tokens*`` ask ``/tokens/count`` (cached); False uses an offline estimate."""
    auto_upload_attachments: bool = True
    """Upload images/documents/audio found in messages through the Files API."""
    api_version: Literal["v1"] = "v1"
    """Chat API contract (v1 is the recorded, default contract)."""
    allow_any_tool_choice_fallback: bool = False
    """Accepted for migration from ``langchain-gigachat``; unnecessary here, because
    ``tool_choice="any"`` is always supported (see ``bind_tools``)."""

    _token_cache: OrderedDict[tuple[str, str], int] = PrivateAttr(default_factory=OrderedDict)
    _token_cache_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    # --- LangChain hooks -----------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "gigachat"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Serialisable with secrets masked (``dumpd`` shows them as secret references)."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """``["langchain_gigachat_ext", "chat_models"]``."""
        return ["langchain_gigachat_ext", "chat_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        params = {key: getattr(self, key) for key in GENERATION_PARAMS}
        return {"model": self.model, **{k: v for k, v in params.items() if v is not None}}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="gigachat",
            ls_model_name=kwargs.get("model") or self.model,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    def _resolve_model_profile(self) -> ModelProfile | None:
        return model_profile(self.model)

    # --- request building ----------------------------------------------------------------------
    def _prepare(
        self,
        messages: list[BaseMessage],
        kwargs: dict[str, Any],
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
    ) -> _Request:
        unknown = set(kwargs) - _CALL_KWARGS
        if unknown:
            msg = (
                f"Unsupported argument(s) for ChatGigaChat: {', '.join(sorted(unknown))}. "
                f"Supported per-call arguments: {', '.join(sorted(_CALL_KWARGS))}."
            )
            raise GigaChatInvalidInputError(msg)
        params = {key: kwargs.get(key, getattr(self, key)) for key in GENERATION_PARAMS}
        validate_params(params)
        plan = plan_tools(
            tool_set=kwargs.get("tool_set"),
            tool_choice=kwargs.get("tool_choice"),
            functions=kwargs.get("functions"),
            function_call=kwargs.get("function_call"),
            response_format=kwargs.get("response_format"),
        )
        gigachat_messages = to_gigachat_messages(
            plan.prepare_messages(messages),
            wire_name=plan.wire_name,
            convert_block=self._block_converter() if self.auto_upload_attachments else None,
        )
        payload = build_payload(
            model=kwargs.get("model") or self.model,
            messages=gigachat_messages,
            params=params,
            functions=plan.functions,
            function_call=plan.function_call,
            response_format=plan.response_format,
        )
        return _Request(payload, self._headers(kwargs, run_manager), plan)

    def _block_converter(self) -> Any:
        return None

    def _headers(
        self,
        kwargs: dict[str, Any],
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
    ) -> dict[str, str]:
        session = kwargs.get("session_id") or self.session_id
        if session is None and self.auto_session_id:
            thread_id = _thread_id(run_manager)
            if thread_id is not None:
                session = session_id_for_thread(thread_id)
        return {"X-Session-ID": session} if session else {}

    # --- invoke --------------------------------------------------------------------------------
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._prepare(messages, kwargs, run_manager)
        completion = self.transport.call(chat_op(request.payload, request.headers))
        return self._finish(chat_result(completion, request.plan.restore), stop, request.plan)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._prepare(messages, kwargs, run_manager)
        completion = await self.transport.acall(achat_op(request.payload, request.headers))
        return self._finish(chat_result(completion, request.plan.restore), stop, request.plan)

    def _finish(self, result: ChatResult, stop: list[str] | None, plan: ToolPlan) -> ChatResult:
        generation = result.generations[0]
        message = generation.message
        if isinstance(message.content, str):
            text, hit = cut_at_stop(message.content, stop or self.stop)
            if hit:
                message.content = text
                message.response_metadata["finish_reason"] = "stop"
        generation.message = plan.finish_message(message)
        return result

    # --- stream --------------------------------------------------------------------------------
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._prepare(messages, kwargs, run_manager)
        assembler = _StreamAssembler(stop or self.stop, request.plan, self.stream_usage)
        try:
            for raw in self.transport.stream(stream_op(request.payload, request.headers)):
                for chunk in assembler.feed(raw):
                    if run_manager is not None and isinstance(chunk.message.content, str):
                        run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)
                    yield chunk
        except GigaChatStreamInterruptedError as error:
            error.partial_text = assembler.text
            raise

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self._prepare(messages, kwargs, run_manager)
        assembler = _StreamAssembler(stop or self.stop, request.plan, self.stream_usage)
        try:
            async for raw in self.transport.astream(astream_op(request.payload, request.headers)):
                for chunk in assembler.feed(raw):
                    if run_manager is not None and isinstance(chunk.message.content, str):
                        await run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)
                    yield chunk
        except GigaChatStreamInterruptedError as error:
            error.partial_text = assembler.text
            raise


class _StreamAssembler:
    """Turns SSE chunks into generation chunks: stop sequences, structured-output buffering.

    When the answer is structured-output JSON in the compiled dialect, the text is held until
    the end and restored to the caller's schema in one chunk (a partial JSON object in the
    wrong shape would be worse than none).
    """

    def __init__(self, stop: Sequence[str] | None, plan: ToolPlan, usage: bool) -> None:
        self._filter = StopSequenceFilter(stop)
        self._plan = plan
        self._usage = usage
        self._parts: list[str] = []
        self._held: list[str] = []

    @property
    def text(self) -> str:
        """Everything yielded to the caller so far."""
        return "".join(self._parts)

    def feed(self, raw: ChatCompletionChunk) -> Iterator[ChatGenerationChunk]:
        """Chunks to yield for one incoming SSE chunk."""
        chunk = chunk_from_stream(raw, self._plan.restore, stream_usage=self._usage)
        if chunk is None:
            return
        message = chunk.message
        final = message.chunk_position == "last"
        was_stopped = self._filter.stopped
        if isinstance(message.content, str):
            text = self._filter.feed(message.content)
            if final:
                text += self._filter.flush()
            if self._plan.response_schema is not None:
                self._held.append(text)
                text = ""
                if final and not getattr(message, "tool_call_chunks", None):
                    text = restore_json_text("".join(self._held), self._plan.response_schema)
            message.content = text
            self._parts.append(text)
        if self._filter.stopped and final:
            message.response_metadata["finish_reason"] = "stop"
        has_payload = bool(message.content) or bool(
            isinstance(message, AIMessageChunk) and message.tool_call_chunks
        )
        if was_stopped and not final:
            return  # drained after a stop sequence: only the final usage chunk is delivered
        if has_payload or final or message.additional_kwargs:
            yield chunk


def _thread_id(
    run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
) -> str | None:
    if run_manager is not None:
        thread_id = (run_manager.metadata or {}).get("thread_id")
        if thread_id is not None:
            return str(thread_id)
    config = var_child_runnable_config.get()
    if config:
        thread_id = (config.get("configurable") or {}).get("thread_id")
        if thread_id is not None:
            return str(thread_id)
    return None


GigaChat = ChatGigaChat
"""Alias matching the official ``langchain_gigachat.GigaChat`` name (one-line migration)."""
