"""``ChatGigaChat``: the LangChain chat model for GigaChat (v1 and v2 chat APIs).

The data path reads in one pass: LangChain messages → ``chat.v1.messages`` (normaliser) →
``chat.v1.payload`` (request builder) → ``chat.v1.wire`` + ``client.transport`` (SDK, auth,
retries) → ``chat.v1.response`` (result builder) → ``AIMessage``. On ``api_version="v2"`` the
same normalised messages and tool plan pass through the v2 dialect instead: ``chat.v2.messages``
→ ``chat.v2.payload`` → ``chat.v2.wire`` → ``chat.v2.response``.
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams, LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables.config import RunnableConfig, var_child_runnable_config
from pydantic import ConfigDict, Field, PrivateAttr

from langchain_gigachat_ext.attachments.uploads import ResolvedAttachments, with_generated_images
from langchain_gigachat_ext.chat.request import (
    MODEL_DEFAULTS,
    CallPlan,
    ChatRequest,
    build_request,
    plan_call,
)
from langchain_gigachat_ext.chat.stop import cut_content_at_stop
from langchain_gigachat_ext.chat.streaming import StreamAssembler
from langchain_gigachat_ext.chat.tokens import TokenCountingMixin
from langchain_gigachat_ext.chat.unheard_invoke import (
    ainvoke_unheard,
    invoke_unheard,
    unheard_invoke,
)
from langchain_gigachat_ext.chat.unheard_stream import (
    astream_unheard,
    stream_unheard,
    unheard_config,
)
from langchain_gigachat_ext.chat.v1.payload import GENERATION_PARAMS, session_id_for_thread
from langchain_gigachat_ext.client.config import GigaChatConnection, env_bool, env_str
from langchain_gigachat_ext.errors import GigaChatStreamInterruptedError
from langchain_gigachat_ext.files import FilesMixin
from langchain_gigachat_ext.profiles import model_profile
from langchain_gigachat_ext.tools.binding import ToolBindingMixin, ToolPlan

DEFAULT_MODEL = "GigaChat-2"


class ChatGigaChat(
    ToolBindingMixin, TokenCountingMixin, FilesMixin, GigaChatConnection, BaseChatModel
):
    r"""GigaChat chat model (Sber), over the official ``gigachat`` SDK.

    Setup:
        Install the package and export your authorization key::

            pip install langchain-gigachat-ext
            export GIGACHAT_CREDENTIALS="<base64 authorization key>"
            export GIGACHAT_CA_BUNDLE_FILE=/path/to/russian_trusted_root_ca.cer

        No credentials? Run everything offline against the bundled emulator
        (``pip install "langchain-gigachat-ext[emulator]"``)::

            from langchain_gigachat_ext.emulator import GigaChatEmulator

            with GigaChatEmulator() as emu:
                llm = ChatGigaChat(**emu.client_kwargs())
                print(llm.invoke("Привет!").text)

    Key init args — completion params:
        model: Model id, default ``GigaChat-2`` (env ``GIGACHAT_MODEL``).
        temperature: 0..2; 0 means greedy.
        max_tokens: Maximum tokens to generate.
        top_p, repetition_penalty, update_interval, profanity_check, flags, reasoning_effort.
        stop: Stop sequences (applied client-side; the API has none).

    Key init args — client params:
        credentials (alias ``api_key``), scope, user, password, access_token, base_url, auth_url,
        cert_file, key_file, key_file_password, ca_bundle_file, verify_ssl_certs, timeout,
        connect_timeout, max_retries. Every one reads its ``GIGACHAT_*`` environment variable.

    Instantiate:
        ```python
        from langchain_gigachat_ext import ChatGigaChat

        llm = ChatGigaChat(model="GigaChat-2-Max", temperature=0, max_retries=2)
        ```

    Invoke:
        ```python
        messages = [
            ("system", "Ты — вежливый помощник банка."),
            ("human", "Как заблокировать карту?"),
        ]
        llm.invoke(messages)
        ```

    Stream:
        ```python
        for chunk in llm.stream(messages):
            print(chunk.text, end="", flush=True)
        ```

    Async:
        ```python
        await llm.ainvoke(messages)
        async for chunk in llm.astream(messages):
            ...
        await llm.abatch([messages, messages])
        ```
        One instance works across event loops (``asyncio.run`` twice, Jupyter).

    Tool calling:
        ```python
        from langchain_core.tools import tool


        @tool
        def get_exchange_rate(currency: str) -> float:
            '''Курс валюты к рублю.'''
            return 92.5


        llm.bind_tools([get_exchange_rate], tool_choice="any").invoke("Курс доллара?").tool_calls
        ```

    Structured output:
        ```python
        from pydantic import BaseModel


        class Ticket(BaseModel):
            topic: str
            urgent: bool


        llm.with_structured_output(Ticket).invoke("Карта украдена, срочно!")
        ```

    v2 chat API (built-in tools, several tool calls per answer, native formats):
        ```python
        v2 = ChatGigaChat(model="GigaChat-3-Ultra", api_version="v2")
        v2.bind_tools(["web_search"], tool_choice="web_search").invoke("Новости ЦБ")
        v2.with_structured_output(r"[A-Z]{3}-\d{4}", method="regex").invoke("Код заявки?")
        ```

    Token usage:
        ```python
        llm.invoke(messages).usage_metadata
        # {'input_tokens': 25, 'output_tokens': 12, 'total_tokens': 37,
        #  'input_token_details': {'cache_read': 0}}
        ```

    Response metadata:
        ```python
        llm.invoke(messages).response_metadata
        # {'model_provider': 'gigachat', 'model_name': 'GigaChat-2:2.0.28.2',
        #  'finish_reason': 'stop', 'gigachat_finish_reason': 'stop',
        #  'request_id': '…', 'session_id': '…'}
        ```

    Prompt caching:
        Set ``session_id`` (sent as ``X-Session-ID``), or run inside LangGraph with a
        ``thread_id``: a stable session id is derived from it automatically, and cache hits show up
        as ``usage_metadata["input_token_details"]["cache_read"]``.
    """

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
    api_version: Literal["v1", "v2"] = "v1"
    """Chat API contract. ``v1`` (default): ``/api/v1/chat/completions``, one function call per
    answer. ``v2``: ``/api/v2/chat/completions`` with content parts, several function calls per
    answer, built-in tools (``bind_tools(["web_search"])``), native ``json_schema`` and ``regex``
    structured output and ``top_logprobs``."""
    top_logprobs: int | None = Field(default=None, ge=1, strict=True)
    """v2 only: report this many alternatives per output token in
    ``response_metadata["logprobs"]``."""
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

    def _get_invocation_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        # BaseChatModel's result (``asdict()`` plus ``stop`` and the call's kwargs) without its
        # detour through the deprecated ``dict()`` inside ``warnings.catch_warnings()``: that
        # costs ~5 µs, twice per call (langchain-core 1.7 ``_get_invocation_params``).
        return {**self.asdict(), "stop": stop, **kwargs}

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
        profile = model_profile(self.model)
        if self.api_version == "v2":
            profile["image_outputs"] = True  # the image_generate built-in tool
        return profile

    # --- request building ----------------------------------------------------------------------
    def _plan(self, kwargs: dict[str, Any]) -> CallPlan:
        """Check the call's arguments: runs before anything (uploads too) is sent."""
        defaults = {key: getattr(self, key) for key in MODEL_DEFAULTS}
        return plan_call(kwargs, defaults=defaults, api_version=self.api_version)

    def _prepare(
        self,
        messages: list[BaseMessage],
        call: CallPlan,
        kwargs: dict[str, Any],
        run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
        attachments: ResolvedAttachments | None = None,
    ) -> ChatRequest:
        headers = self._headers(kwargs, run_manager)
        return build_request(messages, call, headers=headers, attachments=attachments)

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
    def invoke(
        self,
        input: LanguageModelInput,  # noqa: A002  # Runnable's parameter name
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Answer the input with one ``AIMessage`` (``BaseChatModel.invoke``).

        When no callback handler listens, core's bookkeeping for handlers is skipped (see
        :mod:`~langchain_gigachat_ext.chat.unheard_invoke`); the message is the same.
        """
        unheard = unheard_invoke(self, config, kwargs, async_api=False)
        if unheard is None:
            return super().invoke(input, config, stop=stop, **kwargs)
        return invoke_unheard(self, input, unheard, stop, kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,  # noqa: A002  # Runnable's parameter name
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        """Async :meth:`invoke` (``BaseChatModel.ainvoke``)."""
        unheard = unheard_invoke(self, config, kwargs, async_api=True)
        if unheard is None:
            return await super().ainvoke(input, config, stop=stop, **kwargs)
        return await ainvoke_unheard(self, input, unheard, stop, kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._plan(kwargs)
        attachments = self._resolve_attachments(messages)
        request = self._prepare(messages, call, kwargs, run_manager, attachments)
        dialect = request.dialect
        answer = self.transport.call(dialect.chat_op(request.payload, request.headers))
        return self._finish(dialect.chat_result(answer, request.plan.restore), stop, request.plan)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._plan(kwargs)
        attachments = await self._aresolve_attachments(messages)
        request = self._prepare(messages, call, kwargs, run_manager, attachments)
        dialect = request.dialect
        answer = await self.transport.acall(dialect.achat_op(request.payload, request.headers))
        return self._finish(dialect.chat_result(answer, request.plan.restore), stop, request.plan)

    def _finish(self, result: ChatResult, stop: list[str] | None, plan: ToolPlan) -> ChatResult:
        generation = result.generations[0]
        message = generation.message
        content, hit = cut_content_at_stop(message.content, stop or self.stop)
        if hit:
            message.content = content
            message.response_metadata["finish_reason"] = "stop"
        generation.message = with_generated_images(plan.finish_message(message))
        return result

    # --- stream --------------------------------------------------------------------------------
    def stream(
        self,
        input: LanguageModelInput,  # noqa: A002  # Runnable's parameter name
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> Iterator[AIMessageChunk]:
        """Stream the answer as ``AIMessageChunk`` objects (``BaseChatModel.stream``).

        When no callback handler listens, the chunks are not kept and merged at the end, so
        the stream's memory stays flat (see :mod:`~langchain_gigachat_ext.chat.unheard_stream`).
        """
        unheard = unheard_config(self, config, kwargs, async_api=False)
        if unheard is None:
            yield from super().stream(input, config, stop=stop, **kwargs)
        else:
            yield from stream_unheard(self, input, unheard, stop, kwargs)

    async def astream(
        self,
        input: LanguageModelInput,  # noqa: A002  # Runnable's parameter name
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """Async :meth:`stream` (``BaseChatModel.astream``)."""
        unheard = unheard_config(self, config, kwargs, async_api=True)
        chunks = (
            super().astream(input, config, stop=stop, **kwargs)
            if unheard is None
            else astream_unheard(self, input, unheard, stop, kwargs)
        )
        async for chunk in chunks:
            yield chunk

    def _assembler(self, request: ChatRequest, stop: list[str] | None) -> StreamAssembler:
        make_converter = request.dialect.chunk_converter
        convert = (
            make_converter(request.plan.restore, self.stream_usage) if make_converter else None
        )
        return StreamAssembler(stop or self.stop, request.plan, self.stream_usage, convert)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._plan(kwargs)
        attachments = self._resolve_attachments(messages)
        request = self._prepare(messages, call, kwargs, run_manager, attachments)
        assembler = self._assembler(request, stop)
        op = request.dialect.stream_op(request.payload, request.headers)
        try:
            for raw in self.transport.stream(op):
                for chunk in assembler.feed(raw):
                    if run_manager is not None:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        except GigaChatStreamInterruptedError as error:
            assembler.fill(error)
            raise

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = self._plan(kwargs)
        attachments = await self._aresolve_attachments(messages)
        request = self._prepare(messages, call, kwargs, run_manager, attachments)
        assembler = self._assembler(request, stop)
        op = request.dialect.astream_op(request.payload, request.headers)
        try:
            async for raw in self.transport.astream(op):
                for chunk in assembler.feed(raw):
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        except GigaChatStreamInterruptedError as error:
            assembler.fill(error)
            raise


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


# langchain-core inspects ``_generate``/``_agenerate`` on every call to see whether they take a
# ``run_manager`` (chat_models.py ``_generate_with_cache``); a precomputed ``__signature__`` turns
# that inspection into an attribute read (~10 µs per call).
for _method in (ChatGigaChat._generate, ChatGigaChat._agenerate):  # noqa: SLF001
    _method.__signature__ = inspect.signature(_method)  # type: ignore[union-attr]

GigaChat = ChatGigaChat
"""Alias matching the official ``langchain_gigachat.GigaChat`` name (one-line migration)."""
