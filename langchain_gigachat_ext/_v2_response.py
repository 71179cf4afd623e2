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
from collections.abc import Iterable
from typing import Any

from gigachat.models.chat_completions import (
    ChatCompletionChunk,
    ChatCompletionResponse,
    ChatContentPart,
    ChatMessage,
    ChatMessageChunk,
    ChatToolExecution,
    ChatUsage,
)
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import InputTokenDetails, UsageMetadata
from langchain_core.messages.tool import tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_gigachat_ext._response import (
    PROVIDER,
    CallRestorer,
    normalise_finish_reason,
    response_metadata,
)

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


def _citations(part: ChatContentPart) -> list[dict[str, Any]]:
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


class _Parts:
    """What the content parts of one answer (or one stream event) amount to."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.blocks: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any], str | None]] = []
        self.rich = False
        self.reasoning: list[str] = []

    def add(self, parts: Iterable[ChatContentPart], state_id: str | None) -> None:
        for part in parts:
            if part.text is not None:
                citations = _citations(part)
                block: dict[str, Any] = {"type": "text", "text": part.text}
                if citations:
                    block["annotations"] = citations
                    self.rich = True
                self.text.append(part.text)
                self.blocks.append(block)
            if part.files:
                self.blocks.extend(_file_blocks(part))
                self.rich = True
            if part.function_call is not None:
                arguments = part.function_call.arguments
                args = dict(arguments) if isinstance(arguments, dict) else {"value": arguments}
                wire_id = (part.function_call.model_extra or {}).get("id")
                self.calls.append((part.function_call.name, args, wire_id))
            if part.tool_execution is not None:
                self.add_execution(part.tool_execution, state_id)

    def add_message(self, message: ChatMessage | ChatMessageChunk, state_id: str | None) -> None:
        """Everything one message contributes (reasoning text is collected apart)."""
        if message.role == "reasoning":
            for part in message.content or ():
                if part.text:
                    self.reasoning.append(part.text)
                if part.tool_execution is not None:
                    self.add_execution(part.tool_execution, state_id)
            return
        if message.role == "function_in_progress":
            return
        self.add(message.content or (), state_id)
        if message.tool_execution is not None:
            self.add_execution(message.tool_execution, state_id)

    def add_execution(self, execution: ChatToolExecution, state_id: str | None) -> None:
        call_id = f"srv_{state_id}_{execution.name}" if state_id else f"srv_{uuid.uuid4().hex}"
        self.blocks.extend(tool_execution_blocks(execution, call_id))
        self.rich = True

    def content(self) -> str | list[str | dict[str, Any]]:
        return list(self.blocks) if self.rich else "".join(self.text)


def _message_id(x_headers: dict[str, Any] | None) -> str | None:
    request_id = (x_headers or {}).get("x-request-id")
    return f"gigachat-{request_id}" if request_id else None


def _extra_metadata(source: ChatCompletionResponse | ChatCompletionChunk) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if source.thread_id:
        extra["thread_id"] = source.thread_id
    if source.message_id:
        extra["message_id"] = source.message_id
    if source.logprobs:
        extra["logprobs"] = [entry.model_dump(exclude_none=True) for entry in source.logprobs]
    return extra


def v2_chat_result(response: ChatCompletionResponse, restore: CallRestorer) -> ChatResult:
    """A non-streaming v2 response → ``ChatResult`` with one generation."""
    parts = _Parts()
    state_id: str | None = None
    finish_reason = response.finish_reason
    for message in response.messages:
        state_id = message.tools_state_id or state_id
        parts.add_message(message, state_id)
        finish_reason = finish_reason or message.finish_reason
    if response.tool_execution is not None:
        parts.add_execution(response.tool_execution, state_id)
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
    ai = AIMessage(
        content=parts.content(),
        additional_kwargs=additional,
        tool_calls=calls,
        usage_metadata=usage_metadata_v2(response.usage) if response.usage else None,
        response_metadata=metadata,
        id=_message_id(response.x_headers),
    )
    info = {"finish_reason": normalise_finish_reason(finish_reason)}
    token_usage = response.usage.model_dump(exclude_none=True) if response.usage else {}
    return ChatResult(
        generations=[ChatGeneration(message=ai, generation_info=info)],
        llm_output={"model_name": response.model, "token_usage": token_usage},
    )


class V2ChunkConverter:
    """Turns v2 stream events into generation chunks, numbering tool calls across events."""

    def __init__(self, restore: CallRestorer, *, stream_usage: bool) -> None:
        self._restore = restore
        self._usage = stream_usage
        self._calls = 0
        self._blocks = 0
        self._state_id: str | None = None

    def __call__(self, chunk: ChatCompletionChunk) -> ChatGenerationChunk | None:
        """One named SSE event → a generation chunk (None when it carries nothing)."""
        parts = _Parts()
        for message in chunk.messages or ():
            self._state_id = message.tools_state_id or chunk.tools_state_id or self._state_id
            parts.add_message(message, self._state_id)
        if chunk.tool_execution is not None:
            parts.add_execution(chunk.tool_execution, self._state_id)
        final = chunk.event == DONE_EVENT
        additional: dict[str, Any] = {}
        if self._state_id and (parts.calls or final):
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
        content: str | list[str | dict[str, Any]] = "".join(parts.text)
        if parts.rich:
            # Blocks other than text get their own aggregation index, after the text.
            content = []
            for block in parts.blocks:
                if block["type"] == "text" and "annotations" not in block:
                    content.append(block["text"])
                    continue
                self._blocks += 1
                content.append({**block, "index": self._blocks})
        if not (content or call_chunks or additional or final):
            return None
        usage = usage_metadata_v2(chunk.usage) if (final and chunk.usage and self._usage) else None
        if final:
            metadata = response_metadata(
                model=chunk.model, finish_reason=chunk.finish_reason, x_headers=chunk.x_headers
            )
            metadata.update(_extra_metadata(chunk))
        else:
            metadata = {"model_provider": PROVIDER}
        ai = AIMessageChunk(
            content=content,
            additional_kwargs=additional,
            tool_call_chunks=call_chunks,
            usage_metadata=usage,
            response_metadata=metadata,
            id=_message_id(chunk.x_headers),
            chunk_position="last" if final else None,
        )
        info = {"finish_reason": normalise_finish_reason(chunk.finish_reason)} if final else None
        return ChatGenerationChunk(message=ai, generation_info=info)
