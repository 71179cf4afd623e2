"""GigaChat v2 responses → ``AIMessage`` / ``AIMessageChunk`` (pure functions).

The v2 answer is a list of content parts (PROTOCOL §7.2, REC ``test_primary_*``):

* ``text`` parts → the message text; ``inline_data.sources`` of a web search → ``citation``
  annotations on that text block (the ``[sources=[n]]`` markers stay in the text);
* ``function_call`` parts (several allowed) → ``tool_calls``; the id is the part's own ``id``
  when the API sends one (inferred: seen with several calls), else ``call_<tool_state_id>_<n>``;
* ``files`` parts (generated images, ``target: "image"``) → ``image``/``file`` blocks with the
  ``file_id`` (download with ``ChatGigaChat.download_file``);
* ``tool_execution`` (built-in tool status; streamed as ``response.tool.completed`` inside a
  ``role: "reasoning"`` message, as the SDK's unit-test fixture shows) → ``server_tool_call`` +
  ``server_tool_result`` blocks;
* ``reasoning`` messages → ``additional_kwargs["reasoning_content"]``; progress messages of a
  running tool (``role: "function_in_progress"``, DOC) are status, not answer text, and are
  skipped.

The content stays a plain string when the answer is only text, as on v1.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import InputTokenDetails, UsageMetadata
from langchain_core.messages.tool import tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gigachat_ext.client.sdk import (
    ChatCompletionChunk,
    ChatCompletionResponse,
    ChatContentPart,
    ChatFunctionCall,
    ChatMessage,
    ChatMessageChunk,
    ChatToolExecution,
    ChatUsage,
    function_call_id,
)

if TYPE_CHECKING:
    from langchain_gigachat_ext.client.sdk import ChatLogprob

from langchain_gigachat_ext.chat.v1.response import (
    PROVIDER,
    CallRestorer,
    message_id,
    normalise_finish_reason,
    response_metadata,
)
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError

DONE_EVENT = "response.message.done"
"""The final SSE event: ``finish_reason`` and ``usage`` (PROTOCOL §7.3, REC)."""


def usage_metadata_v2(usage: ChatUsage) -> UsageMetadata:
    """v2 usage → LangChain ``UsageMetadata`` (cache reads from ``cached_tokens``)."""
    input_tokens = usage.input_tokens or 0
    output_tokens = usage.output_tokens or 0
    metadata = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=usage.total_tokens or input_tokens + output_tokens,
    )
    details = usage.input_tokens_details
    if details is not None and details.cached_tokens is not None:
        metadata["input_token_details"] = InputTokenDetails(cache_read=details.cached_tokens)
    return metadata


def v2_call_id(state_id: str | None, index: int) -> str:
    """The id of the ``index``-th function call of one answer (same for stream and invoke)."""
    return f"call_{state_id}_{index}" if state_id else f"call_{uuid.uuid4().hex}"


def _citations(part: ChatContentPart | ChatMessage | ChatMessageChunk) -> list[dict[str, Any]]:
    sources = part.inline_data.sources if part.inline_data is not None else None
    citations: list[dict[str, Any]] = []
    for key, source in (sources or {}).items():
        citation: dict[str, Any] = {"type": "citation", "extras": {"source_id": key}}
        if source.url:
            citation["url"] = source.url
        if source.title:
            citation["title"] = source.title
        citations.append(citation)
    return citations


def _file_blocks(part: ChatContentPart) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for file in part.files or ():
        mime = file.mime or ""
        kind = "image" if file.target == "image" or mime.startswith("image/") else "file"
        block: dict[str, Any] = {"type": kind, "file_id": file.id_}
        if mime:
            block["mime_type"] = mime
        if file.target:
            block["extras"] = {"target": file.target}
        blocks.append(block)
    return blocks


def tool_execution_blocks(execution: ChatToolExecution, call_id: str) -> list[dict[str, Any]]:
    """A built-in tool's execution state → ``server_tool_call`` and ``server_tool_result``."""
    name = execution.name or "builtin_tool"
    extras = {
        key: value
        for key, value in (
            ("status", execution.status),
            ("censored", execution.censored),
            ("seconds_left", execution.seconds_left),
        )
        if value is not None
    }
    call = {"type": "server_tool_call", "id": call_id, "name": name, "args": {}}
    result: dict[str, Any] = {
        "type": "server_tool_result",
        "tool_call_id": call_id,
        "status": "success" if execution.status in (None, "success") else "error",
    }
    if extras:
        result["extras"] = extras
    return [call, result]


def _arguments(call: ChatFunctionCall, request_id: str | None) -> dict[str, Any]:
    """A call's arguments as an object (PROTOCOL §11 item 1); a JSON-object string is accepted."""
    arguments = call.arguments
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            arguments = None
    if not isinstance(arguments, dict):
        msg = f"Malformed v2 function call {call.name!r}: arguments are not a JSON object"
        raise GigaChatMalformedResponseError(msg, request_id=request_id)
    return arguments


class _Parts:
    """What the messages of one answer (or one stream event) amount to."""

    def __init__(self, request_id: str | None) -> None:
        self.request_id = request_id
        self.items: list[str | dict[str, Any]] = []
        """Content in order: plain text as strings, everything else as blocks."""
        self.calls: list[tuple[str, dict[str, Any], str | None]] = []
        self.reasoning: list[str] = []
        self.logprobs: list[dict[str, Any]] = []

    @property
    def rich(self) -> bool:
        return any(isinstance(item, dict) for item in self.items)

    @property
    def text(self) -> str:
        return "".join(item for item in self.items if isinstance(item, str))

    def add_message(self, message: ChatMessage | ChatMessageChunk, state_id: str | None) -> None:
        """Everything one message contributes (reasoning text is collected apart)."""
        if message.role == "function_in_progress":
            return  # a running tool's progress text (DOC), not the answer
        reasoning = message.role == "reasoning"
        for part in message.content or ():
            if reasoning and part.text:
                self.reasoning.append(part.text)
            else:
                self._add_part(part)
            if part.tool_execution is not None:
                self.add_execution(part.tool_execution, state_id)
        # The SDK models these on the message too (PROTOCOL §7.1 message fields).
        if message.function_call is not None:
            self._add_call(message.function_call)
        if message.inline_data is not None and message.inline_data.sources:
            self.items.append({"type": "text", "text": "", "annotations": _citations(message)})
        if message.tool_execution is not None:
            self.add_execution(message.tool_execution, state_id)
        self.logprobs += _dumped(message.logprobs)

    def _add_part(self, part: ChatContentPart) -> None:
        if part.text is not None:
            citations = _citations(part)
            if citations:
                self.items.append({"type": "text", "text": part.text, "annotations": citations})
            elif part.text:
                self.items.append(part.text)
        self.items.extend(_file_blocks(part))
        if part.function_call is not None:
            self._add_call(part.function_call)

    def _add_call(self, call: ChatFunctionCall) -> None:
        wire_id = function_call_id(call)
        self.calls.append((call.name, _arguments(call, self.request_id), wire_id))

    def add_execution(self, execution: ChatToolExecution, state_id: str | None) -> None:
        call_id = f"srv_{state_id}_{execution.name}" if state_id else f"srv_{uuid.uuid4().hex}"
        self.items.extend(tool_execution_blocks(execution, call_id))

    def content(self) -> str | list[str | dict[str, Any]]:
        """A string when the answer is only text (as on v1), else the items in order."""
        return list(self.items) if self.rich else self.text

    def check_calls(self, finish_reason: str | None) -> None:
        if finish_reason == "function_call" and not self.calls:
            msg = "Malformed v2 answer: finish_reason is function_call but no call was sent"
            raise GigaChatMalformedResponseError(msg, request_id=self.request_id)


def _extra_metadata(source: ChatCompletionResponse | ChatCompletionChunk) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if source.thread_id:
        extra["thread_id"] = source.thread_id
    if source.message_id:
        extra["message_id"] = source.message_id
    return extra


def _dumped(logprobs: list[ChatLogprob] | None) -> list[dict[str, Any]]:
    return [entry.model_dump(exclude_none=True) for entry in logprobs or ()]


def _logprobs(parts: _Parts, source: ChatCompletionResponse | ChatCompletionChunk) -> list[Any]:
    return [*parts.logprobs, *_dumped(source.logprobs)]


def v2_chat_result(response: ChatCompletionResponse, restore: CallRestorer) -> ChatResult:
    """A non-streaming v2 response → ``ChatResult`` with one generation."""
    parts = _Parts((response.x_headers or {}).get("x-request-id"))
    state_id: str | None = None
    finish_reason = response.finish_reason
    for message in response.messages:
        state_id = message.tools_state_id or state_id
        parts.add_message(message, state_id)
        finish_reason = finish_reason or message.finish_reason
    if response.tool_execution is not None:
        parts.add_execution(response.tool_execution, state_id)
    parts.check_calls(finish_reason)
    additional: dict[str, Any] = {}
    if state_id:
        additional["tools_state_id"] = state_id
    if parts.reasoning:
        additional["reasoning_content"] = "".join(parts.reasoning)
    calls = []
    for index, (name, args, wire_id) in enumerate(parts.calls):
        restored_name, restored_args = restore(name, args)
        call_id = wire_id or v2_call_id(state_id, index)
        calls.append(tool_call(name=restored_name, args=restored_args, id=call_id))
    metadata = response_metadata(
        model=response.model, finish_reason=finish_reason, x_headers=response.x_headers
    )
    metadata.update(_extra_metadata(response))
    logprobs = _logprobs(parts, response)
    if logprobs:
        metadata["logprobs"] = logprobs
    ai = AIMessage(
        content=parts.content(),
        additional_kwargs=additional,
        tool_calls=calls,
        usage_metadata=usage_metadata_v2(response.usage) if response.usage else None,
        response_metadata=metadata,
        id=message_id(response.x_headers),
    )
    info = {"finish_reason": normalise_finish_reason(finish_reason)}
    token_usage = response.usage.model_dump(exclude_none=True) if response.usage else {}
    return ChatResult(
        generations=[ChatGeneration(message=ai, generation_info=info)],
        llm_output={"model_name": response.model, "token_usage": token_usage},
    )


class V2ChunkConverter:
    """Turns v2 stream events into generation chunks, numbering tool calls across events.

    Aggregated with ``+``, the chunks give the message an invoke returns: plain text stays
    strings, other blocks carry an ``index`` so they are not merged into each other, and the
    ``tools_state_id`` is sent once, on the last chunk (string values of ``additional_kwargs`` are
    concatenated when chunks are added). Logprobs of every event are reported on the last chunk.
    """

    def __init__(self, restore: CallRestorer, *, stream_usage: bool) -> None:
        """Convert the events of one stream whose calls ``restore`` maps back."""
        self._restore = restore
        self._usage = stream_usage
        self._calls = 0
        self._blocks = 0
        self._state_id: str | None = None
        self._logprobs: list[Any] = []

    def __call__(self, chunk: ChatCompletionChunk) -> ChatGenerationChunk | None:
        """One named SSE event → a generation chunk (None when it carries nothing)."""
        parts = _Parts((chunk.x_headers or {}).get("x-request-id"))
        for message in chunk.messages or ():
            self._state_id = message.tools_state_id or chunk.tools_state_id or self._state_id
            parts.add_message(message, self._state_id)
        if chunk.tool_execution is not None:
            parts.add_execution(chunk.tool_execution, self._state_id)
        final = chunk.event == DONE_EVENT
        self._logprobs += _logprobs(parts, chunk)
        additional: dict[str, Any] = {}
        if final and self._state_id:
            # Once, on the last chunk (it is never dropped, even after a stop sequence).
            additional["tools_state_id"] = self._state_id
        if parts.reasoning:
            additional["reasoning_content"] = "".join(parts.reasoning)
        call_chunks = []
        for name, args, wire_id in parts.calls:
            restored_name, restored_args = self._restore(name, args)
            call_chunks.append(
                tool_call_chunk(
                    name=restored_name,
                    args=json.dumps(restored_args, ensure_ascii=False),
                    id=wire_id or v2_call_id(self._state_id, self._calls),
                    index=self._calls,
                )
            )
            self._calls += 1
        content: str | list[str | dict[str, Any]] = parts.text
        if parts.rich:
            content = []
            for item in parts.items:
                if isinstance(item, dict):
                    self._blocks += 1
                    item = {**item, "index": self._blocks}  # noqa: PLW2901
                content.append(item)
        if not (content or call_chunks or additional or final):
            return None
        usage = usage_metadata_v2(chunk.usage) if (final and chunk.usage and self._usage) else None
        if final:
            if self._calls == 0:
                parts.check_calls(chunk.finish_reason)
            metadata = response_metadata(
                model=chunk.model, finish_reason=chunk.finish_reason, x_headers=chunk.x_headers
            )
            metadata.update(_extra_metadata(chunk))
            if self._logprobs:
                metadata["logprobs"] = self._logprobs
        else:
            metadata = {"model_provider": PROVIDER}
        ai = AIMessageChunk(
            content=content,
            additional_kwargs=additional,
            tool_call_chunks=call_chunks,
            usage_metadata=usage,
            response_metadata=metadata,
            id=message_id(chunk.x_headers),
            chunk_position="last" if final else None,
        )
        info = {"finish_reason": normalise_finish_reason(chunk.finish_reason)} if final else None
        return ChatGenerationChunk(message=ai, generation_info=info)
