"""``ChatGigaChat``: the LangChain chat model for GigaChat (v1 and v2 chat APIs).

The data path reads in one pass: LangChain messages → ``chat.request`` (``plan_call`` checks the
arguments and plans the tools; ``build_request`` normalises the messages and builds the v1 or v2
body) → ``client.transport`` (auth, retries, the SDK) → the dialect's result builder, or
``chat.streaming`` for streams → ``AIMessage``, each answer checked by ``chat.attempts`` (tool
calls and structured answers validated against the caller's schema, re-asked when they fail).
Public methods are defined on the class and delegate to ``tools.binding``,
``tools.structured``, ``chat.tokens`` and ``files``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables.config import var_child_runnable_config
from pydantic import ConfigDict, Field, PrivateAttr, model_validator

from langchain_gigachat_ext import files, models
from langchain_gigachat_ext._catalog import MAX_FILE_BYTES
from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher
from langchain_gigachat_ext.attachments.media import DEFAULT_MAX_CONVERTED_PIXELS
from langchain_gigachat_ext.attachments.output import with_generated_images
from langchain_gigachat_ext.attachments.resolved import ResolvedAttachments
from langchain_gigachat_ext.attachments.sources import scan_attachments
from langchain_gigachat_ext.attachments.uploads import AttachmentUploader
from langchain_gigachat_ext.chat import tokens
from langchain_gigachat_ext.chat.attempts import DEFAULT_MAX_REPAIRS, AttemptPlanner
from langchain_gigachat_ext.chat.request import (
    MODEL_DEFAULTS,
    CallPlan,
    ChatRequest,
    attachment_limit_check,
    build_request,
    plan_call,
    session_headers,
)
from langchain_gigachat_ext.chat.stop import cut_content_at_stop
from langchain_gigachat_ext.chat.streaming import StreamAssembler, TextTail
from langchain_gigachat_ext.chat.tokens import TokenCache
from langchain_gigachat_ext.chat.v1.payload import GENERATION_PARAMS
from langchain_gigachat_ext.client.config import GigaChatConnection
from langchain_gigachat_ext.client.config_env import env_bool, env_str
from langchain_gigachat_ext.client.limiter import CallStats
from langchain_gigachat_ext.client.local import Lazy
from langchain_gigachat_ext.client.sdk import Image, Model, Models, TokensCount, UploadedFile
from langchain_gigachat_ext.compat import api_version_from, call_api_version, check_v2_options
from langchain_gigachat_ext.errors import GigaChatStreamInterruptedError
from langchain_gigachat_ext.files import FileInput, FileList, Purpose
from langchain_gigachat_ext.profiles import model_profile
from langchain_gigachat_ext.tools.binding import ToolPlan, tool_bindings

DEFAULT_MODEL = "GigaChat-2"

RunManager = CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun


class ChatGigaChat(GigaChatConnection, BaseChatModel):
    r"""GigaChat chat model (Sber), over the official ``gigachat`` SDK.

    Setup:
        ``pip install langchain-gigachat-ext``; export ``GIGACHAT_CREDENTIALS`` (the base64
        authorization key) and ``GIGACHAT_CA_BUNDLE_FILE`` (the Russian Trusted Root CA). Every
        connection field reads its ``GIGACHAT_*`` variable. No credentials? Run offline against
        the bundled emulator (``pip install "langchain-gigachat-ext[emulator]"``)::

            from langchain_gigachat_ext.emulator import GigaChatEmulator

            with GigaChatEmulator() as emu:
                llm = ChatGigaChat(**emu.client_kwargs())
                print(llm.invoke("Привет!").text)

    Invoke, stream, async (one instance works across event loops, e.g. in Jupyter):
        ```python
        from langchain_gigachat_ext import ChatGigaChat

        llm = ChatGigaChat(model="GigaChat-2-Max", temperature=0, max_retries=2)
        messages = [
            ("system", "Ты — вежливый помощник банка."),
            ("human", "Как заблокировать карту?"),
        ]
        llm.invoke(messages)
        for chunk in llm.stream(messages):
            print(chunk.text, end="", flush=True)
        await llm.ainvoke(messages)
        await llm.abatch([messages, messages])
        ```

    Tools and structured output (v2: built-in tools, several tool calls per answer, regex):
        ```python
        from langchain_core.tools import tool
        from pydantic import BaseModel


        @tool
        def get_exchange_rate(currency: str) -> float:
            '''Курс валюты к рублю.'''
            return 92.5


        class Ticket(BaseModel):
            topic: str
            urgent: bool


        llm.bind_tools([get_exchange_rate], tool_choice="any").invoke("Курс доллара?").tool_calls
        llm.with_structured_output(Ticket).invoke("Карта украдена, срочно!")
        v2 = ChatGigaChat(model="GigaChat-3-Ultra", api_version="v2")
        v2.bind_tools(["web_search"], tool_choice="web_search").invoke("Новости ЦБ")
        v2.with_structured_output(r"[A-Z]{3}-\d{4}", method="regex").invoke("Код заявки?")
        ```

    Usage and metadata:
        ``usage_metadata`` is ``{'input_tokens': 25, 'output_tokens': 12, 'total_tokens': 37,
        'input_token_details': {'cache_read': 0}}``; ``response_metadata`` holds
        ``model_provider`` (``gigachat``), ``model_name`` (``GigaChat-2:2.0.28.2``),
        ``finish_reason``, ``gigachat_finish_reason``, ``request_id`` and ``session_id``.

    Prompt caching:
        Set ``session_id`` (sent as ``X-Session-ID``), or run inside LangGraph with a
        ``thread_id``: a stable session id is derived from it, and cache hits show up as
        ``usage_metadata["input_token_details"]["cache_read"]``.
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
    api_version: Literal["v1", "v2"] = "v1"
    """Chat API contract. ``v1`` (default): ``/api/v1/chat/completions``, one function call per
    answer. ``v2``: ``/api/v2/chat/completions`` with content parts, several function calls per
    answer, built-in tools (``bind_tools(["web_search"])``), native ``json_schema`` and ``regex``
    structured output and ``top_logprobs``."""
    use_api_v2: bool | None = None
    """langchain-gigachat's switch: ``True`` is ``api_version="v2"``, ``False`` is ``"v1"``
    (env ``GIGACHAT_USE_API_V2`` when neither is given). Per call: ``llm.bind(use_api_v2=True)``.
    ``use_api_v2`` and ``api_version`` that disagree are an error."""
    parallel_tool_calls: bool | None = None
    """Accepted from langchain-gigachat 0.5.2a1 on the v2 API, where ``True`` is what happens
    anyway (several function calls per answer); ``False`` and any value on v1 are refused."""
    reasoning_max_tokens: int | None = None
    """Accepted from langchain-gigachat 0.5.2a1 only as None: the API documents no reasoning
    budget, so a value is refused (use ``reasoning_effort``)."""
    top_logprobs: int | None = Field(default=None, ge=1, strict=True)
    """v2 only: report this many alternatives per output token in
    ``response_metadata["logprobs"]``."""
    allow_any_tool_choice_fallback: bool = False
    """Accepted for migration from ``langchain-gigachat``; unnecessary here, because
    ``tool_choice="any"`` is always supported (see ``bind_tools``)."""
    auto_upload_attachments: bool = True
    """Upload images/documents/audio found in messages through the Files API."""
    attachment_download_timeout: float = Field(default=30.0, gt=0)
    """Seconds allowed for downloading one attachment URL in total (connect, redirects, read)."""
    attachment_max_download_bytes: int = Field(default=max(MAX_FILE_BYTES.values()), gt=0)
    """Largest attachment downloaded from a URL or read from a local path (bytes)."""
    attachment_cache_size: int = Field(default=256, ge=0)
    """Distinct contents (sha256) remembered so that repeated attachments upload once; 0
    disables the cache."""
    convert_unsupported_images: bool = True
    """Convert images the API rejects (webp, gif, ...) to PNG; needs the ``images`` extra."""
    max_converted_image_pixels: int = Field(default=DEFAULT_MAX_CONVERTED_PIXELS, gt=0)
    """Largest image (width × height) decoded to convert it to PNG. Decoding costs memory and
    CPU by the canvas, not the file (a 125 KB GIF can declare 13000×13000 px: 4 s, 700 MB), so
    the size is read from the header first and a larger image is refused with
    ``GigaChatInvalidInputError`` before anything is sent. Images sent as they are (JPEG, PNG,
    TIFF, BMP) are never decoded."""
    allow_local_attachment_paths: bool = False
    """Let ``file://`` URLs and ``path`` blocks in messages read local files. Off by default:
    message content may come from end users."""
    allow_private_attachment_urls: bool = False
    """Let attachment URLs (and their redirects) point to loopback, private, link-local and other
    non-public addresses. Off by default: a URL in an end user's message would otherwise make
    the server fetch internal hosts (SSRF). Turn on only for URLs from a trusted source."""
    max_repair_requests: int = Field(default=DEFAULT_MAX_REPAIRS, ge=0)
    """Extra requests one call may make when a tool call or structured answer does not validate
    against the caller's schema (the model is re-asked with the error; see ``chat.attempts``).
    0 never re-asks: such answers come back as ``invalid_tool_calls`` at once."""

    # Per-process state: copies and pickles start empty and build their own (client/local.py).
    _token_cache: Lazy[TokenCache] = PrivateAttr(default_factory=Lazy)
    _uploader: Lazy[AttachmentUploader] = PrivateAttr(default_factory=Lazy)

    @model_validator(mode="before")
    @classmethod
    def _use_api_v2(cls, values: Any) -> Any:
        return api_version_from(values)

    @model_validator(mode="after")
    def _v2_options(self) -> ChatGigaChat:
        check_v2_options(
            api_version=self.api_version,
            parallel_tool_calls=self.parallel_tool_calls,
            reasoning_max_tokens=self.reasoning_max_tokens,
        )
        return self

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
        profile = model_profile(self.model)
        if self.api_version == "v2":
            profile["image_outputs"] = True  # the image_generate built-in tool
        return profile

    # --- tools and structured output (tools.binding, tools.structured) -------------------------
    def bind_functions(
        self, functions: Sequence[Any], function_call: Any = None, **kwargs: Any
    ) -> Any:
        """langchain-gigachat's legacy binding: :meth:`bind_tools` with ``function_call``.

        Args:
            functions: Functions in any form ``bind_tools`` takes.
            function_call: ``None``, ``"auto"``, ``"none"``, a function name or
                ``{"name": ...}``; it becomes the ``tool_choice``.
            **kwargs: Further call arguments to bind.
        """
        if isinstance(function_call, dict) and "name" in function_call:
            function_call = function_call["name"]
        return self.bind_tools(functions, tool_choice=function_call, **kwargs)

    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        response_format: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Bind tools (any LangChain form) with a ``tool_choice`` in any LangChain form.

        Args:
            tools: ``BaseTool``s, ``@tool`` functions, callables, pydantic models, TypedDicts,
                OpenAI-format dicts or JSON schemas; on the v2 API also built-in tools
                (``"web_search"``, :func:`~langchain_gigachat_ext.tools.builtin.web_search`,
                ...). GigaChat extras ``few_shot_examples`` and ``return_parameters`` are read
                from ``BaseTool.extras`` or dict keys.
            tool_choice: ``None``/``"auto"``, ``"none"``, a tool or built-in tool name,
                ``{"type": "function", "function": {"name": ...}}``, ``True``, ``"any"`` or
                ``"required"`` (a call is then guaranteed; see :mod:`~.tools.binding`).
            response_format: A JSON-schema ``response_format`` (OpenAI or GigaChat shape), as
                ``create_agent``'s ``ProviderStrategy`` sends it.
            **kwargs: Further call arguments to bind.

        Returns:
            A runnable that calls the model with the tools.

        Example:
            ```python
            from langchain_core.tools import tool


            @tool
            def get_weather(city: str) -> str:
                \"\"\"Current weather in a city.\"\"\"
                return "sunny"


            llm.bind_tools([get_weather], tool_choice="any").invoke("Weather in Kazan?")
            ```
        """
        bound = tool_bindings(
            tools,
            tool_choice=tool_choice,
            response_format=response_format,
            api_version=self.api_version,
        )
        return self.bind(**{**kwargs, **bound})

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: str | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        """Structured output; see :mod:`langchain_gigachat_ext.tools.structured`.

        ``method`` defaults to ``function_calling`` on the v1 API and ``json_schema`` on v2.
        """
        from langchain_gigachat_ext.tools.structured import structured_output_runnable

        if method is None:
            method = "json_schema" if self.api_version == "v2" else "function_calling"
        return structured_output_runnable(
            self, schema, method=method, include_raw=include_raw, strict=strict, **kwargs
        )

    # --- token counting (chat.tokens) ----------------------------------------------------------
    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text`` (API when ``use_api_for_tokens``, else the offline estimate)."""
        return self._count_tokens([text])[0]

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Tokens of a whole request: every message as sent, plus the tool schemas."""
        return tokens.count_request(messages, tools, self._count_tokens)

    def tokens_count(self, input_: list[str], model: str | None = None) -> list[TokensCount]:
        """``/tokens/count`` per text (``tokens``, ``characters``), as langchain-gigachat's.

        Args:
            input_: The texts.
            model: The tokenizer's model (default: this model's).
        """
        return tokens.tokens_count(self.transport, input_, model or self.model)

    async def atokens_count(self, input_: list[str], model: str | None = None) -> list[TokensCount]:
        """Async :meth:`tokens_count`."""
        return await tokens.atokens_count(self.transport, input_, model or self.model)

    # --- models listing -----------------------------------------------------------------------
    def get_models(self) -> Models:
        """The models this account may call (``.data``: ``id_``, ``owned_by``)."""
        return models.get_models(self.transport)

    async def aget_models(self) -> Models:
        """Async :meth:`get_models`."""
        return await models.aget_models(self.transport)

    def get_model(self, model: str) -> Model:
        """One model's card; raises ``GigaChatNotFoundError`` for an unknown id."""
        return models.get_model(self.transport, model)

    async def aget_model(self, model: str) -> Model:
        """Async :meth:`get_model`."""
        return await models.aget_model(self.transport, model)

    def _count_tokens(self, texts: Sequence[str]) -> list[int]:
        transport = self.transport if self.use_api_for_tokens else None
        return tokens.count_texts(
            texts, model=self.model, transport=transport, cache=self._token_cache
        )

    # --- attachments in messages (attachments.uploads) -----------------------------------------
    @property
    def attachment_uploader(self) -> AttachmentUploader:
        """The uploader (built on first use; holds the content-hash cache)."""
        uploader = self._uploader.get(
            lambda: AttachmentUploader(
                self._attachment_fetcher(),
                cache_size=self.attachment_cache_size,
                convert_images=self.convert_unsupported_images,
                max_pixels=self.max_converted_image_pixels,
            )
        )
        uploader.upload = self.auto_upload_attachments
        uploader.convert_images = self.convert_unsupported_images
        uploader.max_pixels = self.max_converted_image_pixels
        return uploader

    def _attachment_fetcher(self) -> AttachmentFetcher:
        """The downloader for URL/path attachments (tests override it to serve fixtures)."""
        return AttachmentFetcher(
            max_bytes=self.attachment_max_download_bytes,
            timeout=self.attachment_download_timeout,
            allow_local_paths=self.allow_local_attachment_paths,
            allow_private_urls=self.allow_private_attachment_urls,
        )

    def _resolve_attachments(self, messages: list[BaseMessage]) -> ResolvedAttachments:
        sources = scan_attachments(messages)
        if not sources:
            return ResolvedAttachments()
        check = attachment_limit_check(messages, v2=self.api_version == "v2")
        return self.attachment_uploader.resolve(sources, self.transport, check)

    async def _aresolve_attachments(self, messages: list[BaseMessage]) -> ResolvedAttachments:
        sources = scan_attachments(messages)
        if not sources:
            return ResolvedAttachments()
        check = attachment_limit_check(messages, v2=self.api_version == "v2")
        return await self.attachment_uploader.aresolve(sources, self.transport, check)

    def delete_uploaded_files(self) -> list[str]:
        """Delete every file this model uploaded for message attachments.

        Returns:
            The deleted ids (files already gone on the server count as deleted).
        """
        return files.delete_uploaded_files(self.transport, self.attachment_uploader)

    async def adelete_uploaded_files(self) -> list[str]:
        """Async :meth:`delete_uploaded_files`."""
        return await files.adelete_uploaded_files(self.transport, self.attachment_uploader)

    # --- Files API (files) ---------------------------------------------------------------------
    def upload_file(
        self,
        file: FileInput,
        purpose: Purpose = "general",
        *,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> UploadedFile:
        """Upload a file (format checked, unsupported images converted) and return its card.

        Args:
            file: Bytes, a path, a binary file object, or the SDK's tuple
                ``(filename, content)`` / ``(filename, content, mime_type)``.
            filename: Name to send (default: the path's name).
            mime_type: Content type (default: detected from content, then name).
            purpose: ``general`` (chat attachments) or ``assistant``.

        Raises:
            GigaChatInvalidInputError: Unsupported format or too large.
        """
        return files.upload_file(
            self.transport,
            self.attachment_uploader,
            file,
            filename=filename,
            mime_type=mime_type,
            purpose=purpose,
        )

    async def aupload_file(
        self,
        file: FileInput,
        purpose: Purpose = "general",
        *,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> UploadedFile:
        """Async :meth:`upload_file` (file reading and conversion run in a thread)."""
        return await files.aupload_file(
            self.transport,
            self.attachment_uploader,
            file,
            filename=filename,
            mime_type=mime_type,
            purpose=purpose,
        )

    def list_files(self) -> FileList:
        """Every file of the account."""
        return files.list_files(self.transport)

    async def alist_files(self) -> FileList:
        """Async :meth:`list_files`."""
        return await files.alist_files(self.transport)

    def get_file(self, file_id: str) -> UploadedFile:
        """One file's card."""
        return files.get_file(self.transport, file_id)

    async def aget_file(self, file_id: str) -> UploadedFile:
        """Async :meth:`get_file`."""
        return await files.aget_file(self.transport, file_id)

    def download_file(self, file_id: str) -> bytes:
        """A file's content, e.g. an image the model generated (``image`` block ``file_id``)."""
        return files.download_file(self.transport, file_id)

    async def adownload_file(self, file_id: str) -> bytes:
        """Async :meth:`download_file`."""
        return await files.adownload_file(self.transport, file_id)

    def get_file_content(self, file_id: str) -> Image:
        """A file's content as the SDK's ``Image`` (base64 ``content``), as langchain-gigachat."""
        return files.get_file_content(self.transport, file_id)

    async def aget_file_content(self, file_id: str) -> Image:
        """Async :meth:`get_file_content`."""
        return await files.aget_file_content(self.transport, file_id)

    def delete_file(self, file_id: str) -> bool:
        """Delete a file; returns the server's ``deleted`` flag."""
        return files.delete_file(self.transport, self.attachment_uploader, file_id)

    async def adelete_file(self, file_id: str) -> bool:
        """Async :meth:`delete_file`."""
        return await files.adelete_file(self.transport, self.attachment_uploader, file_id)

    # --- generation (BaseChatModel's documented hooks) -----------------------------------------
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._plan(kwargs, stop)
        attachments = self._resolve_attachments(messages)
        attempts = self._attempts(messages, call, kwargs, run_manager, attachments)
        request: ChatRequest | None = attempts.request
        stats = CallStats()
        while request is not None:
            op = request.dialect.chat_op(request.payload, request.headers)
            answer = self.transport.call(op, stats)
            built = request.dialect.chat_result(answer, attempts.restore)
            result = _with_quota(self._finish(built, call.stop, request.plan), stats)
            request = attempts.review(result.generations[0].message)
        return self._final(result, attempts)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        call = self._plan(kwargs, stop)
        attachments = await self._aresolve_attachments(messages)
        attempts = self._attempts(messages, call, kwargs, run_manager, attachments)
        request: ChatRequest | None = attempts.request
        stats = CallStats()
        while request is not None:
            op = request.dialect.achat_op(request.payload, request.headers)
            answer = await self.transport.acall(op, stats)
            built = request.dialect.chat_result(answer, attempts.restore)
            result = _with_quota(self._finish(built, call.stop, request.plan), stats)
            request = attempts.review(result.generations[0].message)
        return self._final(result, attempts)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = self._plan(kwargs, stop)
        attachments = self._resolve_attachments(messages)
        attempts = self._attempts(messages, call, kwargs, run_manager, attachments)
        request: ChatRequest | None = attempts.request
        delivered = TextTail()  # what the caller received, across the call's attempts
        while request is not None:
            assembler = self._assembler(request, call.stop, attempts, delivered)
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
            request = attempts.review(assembler.answer())
        for chunk in assembler.release(attempts.final_chunk):
            if run_manager is not None:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        call = self._plan(kwargs, stop)
        attachments = await self._aresolve_attachments(messages)
        attempts = self._attempts(messages, call, kwargs, run_manager, attachments)
        request: ChatRequest | None = attempts.request
        delivered = TextTail()  # what the caller received, across the call's attempts
        while request is not None:
            assembler = self._assembler(request, call.stop, attempts, delivered)
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
            request = attempts.review(assembler.answer())
        for chunk in assembler.release(attempts.final_chunk):
            if run_manager is not None:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    def _plan(self, kwargs: dict[str, Any], stop: Any) -> CallPlan:
        """Check the call's arguments: runs before anything (uploads too) is sent."""
        defaults = {key: getattr(self, key) for key in (*MODEL_DEFAULTS, "stop")}
        api_version = call_api_version(kwargs, self.api_version)
        return plan_call(kwargs, defaults=defaults, api_version=api_version, stop=stop)

    def _attempts(
        self,
        messages: list[BaseMessage],
        call: CallPlan,
        kwargs: dict[str, Any],
        run_manager: RunManager | None,
        attachments: ResolvedAttachments,
    ) -> AttemptPlanner:
        """The planner of this call's requests: the first, and re-asks (``chat.attempts``)."""
        headers = session_headers(
            kwargs.get("session_id") or self.session_id,
            thread_id=_thread_id(run_manager),
            derive=self.auto_session_id,
        )

        def build(conversation: list[BaseMessage], planned: CallPlan) -> ChatRequest:
            return build_request(conversation, planned, headers=headers, attachments=attachments)

        return AttemptPlanner(messages, call, build, max_repairs=self.max_repair_requests)

    @staticmethod
    def _final(result: ChatResult, attempts: AttemptPlanner) -> ChatResult:
        generation = result.generations[0]
        message = generation.message
        if isinstance(message, AIMessage):
            generation.message = attempts.final_message(message)
        return result

    def _finish(self, result: ChatResult, stop: Sequence[str], plan: ToolPlan) -> ChatResult:
        generation = result.generations[0]
        message = generation.message
        content, hit = cut_content_at_stop(message.content, stop)
        if hit:
            message.content = content
            message.response_metadata["finish_reason"] = "stop"
        generation.message = with_generated_images(plan.finish_message(message))
        return result

    def _assembler(
        self,
        request: ChatRequest,
        stop: Sequence[str],
        attempts: AttemptPlanner,
        delivered: TextTail,
    ) -> StreamAssembler:
        make_converter = request.dialect.chunk_converter
        convert = make_converter(attempts.restore, self.stream_usage) if make_converter else None
        return StreamAssembler(
            stop,
            request.plan,
            self.stream_usage,
            convert,
            attempts.restore,
            delivered=delivered,
        )


def _with_quota(result: ChatResult, stats: CallStats) -> ChatResult:
    """``response_metadata["quota"]``: the call's wait for quota slots and absorbed 429s."""
    result.generations[0].message.response_metadata["quota"] = stats.as_metadata()
    return result


def _thread_id(run_manager: RunManager | None) -> str | None:
    """LangGraph's ``thread_id``: from the run's metadata, else from the run config."""
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
