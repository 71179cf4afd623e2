"""The attempts of one call: every answer is checked, and a rejected one is re-asked (sans I/O).

:class:`AttemptPlanner` decides, and the chat model's four paths (invoke and stream, sync and
async) only send what it plans and show it what came back, so the repair logic exists once:

* a tool call is valid when it names an offered tool and its restored arguments validate against
  that tool's own schema (``ToolPlan.check_call``); a structured answer (``response_format``)
  when its text is JSON that validates against the caller's schema;
* a rejected answer is re-asked, at most ``max_repairs`` times: the conversation gets a note with
  the validation error, and the function the model meant is forced (when it named one); a
  structured answer that does not validate falls back to the schema as a forced function, whose
  arguments become the answer's JSON text;
* when the repairs are used up, the answer is returned with its rejected calls moved to
  ``invalid_tool_calls`` (error included) and structured text as it came, for the parser to
  raise ``OutputParserException``;
* every request counts: ``usage_metadata`` sums them all, and ``response_metadata`` gets
  ``gigachat_requests`` and ``gigachat_rejected`` (what was rejected, and why) when it took more
  than one request.

Streams hold back function calls and the final chunk until the attempt is checked
(:class:`~langchain_gigachat_ext.chat.streaming.StreamAssembler`), and release them through
:meth:`AttemptPlanner.final_chunk`, so a rejected attempt never reaches the caller.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.messages.ai import UsageMetadata, add_usage
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.utils.json import parse_json_markdown

from langchain_gigachat_ext.chat.request import CallPlan, ChatRequest
from langchain_gigachat_ext.tools.binding import ToolPlan, plan_tools

DEFAULT_MAX_REPAIRS = 2
"""Extra requests one call may make to repair an answer that does not validate."""

BuildRequest = Callable[[list[BaseMessage], CallPlan], ChatRequest]
"""The one request builder, bound to a call's headers and attachments."""


@dataclass(frozen=True)
class _Problem:
    call_id: str | None
    name: str
    args: Any
    error: str
    wire_name: str | None


class AttemptPlanner:
    """Plans the requests of one call and turns the last answer into the call's result."""

    def __init__(
        self,
        messages: list[BaseMessage],
        call: CallPlan,
        build: BuildRequest,
        *,
        max_repairs: int = DEFAULT_MAX_REPAIRS,
    ) -> None:
        """Plan the first request.

        Args:
            messages: The conversation as the caller gave it.
            call: The checked call (``chat.request.plan_call``).
            build: Builds a request from messages and a call plan.
            max_repairs: Extra requests allowed for repairs.
        """
        self._messages = messages
        self._call = call
        self._build = build
        self._left = max_repairs
        self._requests = 0
        self._spent: UsageMetadata | None = None
        self._rejected: list[dict[str, Any]] = []
        self._problems: list[_Problem] = []
        self._structured_fallback = False
        self._wire_names: list[str | None] = []
        self.request = build(messages, call)
        """The request to send now."""

    # --- what the paths call -------------------------------------------------------------------
    def restore(self, name: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The result builders' call restorer: also notes which function the model meant."""
        plan = self.request.plan
        self._wire_names.append(plan.chosen_function(name, args))
        return plan.restore(name, args)

    def review(self, message: BaseMessage) -> ChatRequest | None:
        """Check the answer of the request just sent.

        Args:
            message: The complete answer (a streamed one merged).

        Returns:
            The next request to send, or None when the answer is final (valid, or no repairs
            left): then build the result with :meth:`final_message` or :meth:`final_chunk`.
        """
        self._requests += 1
        problems, structured_error = self._check(message)
        wire_names, self._wire_names = self._wire_names, []
        if not problems and structured_error is None:
            self._problems = []
            return None
        for problem in problems:
            self._rejected.append(
                {"name": problem.name, "args": problem.args, "error": problem.error}
            )
        if structured_error is not None:
            self._rejected.append({"answer": _text(message)[:500], "error": structured_error})
        if self._left <= 0:
            self._problems = problems
            return None
        self._left -= 1
        self._spend(message)
        if structured_error is not None:
            return self._fall_back(structured_error)
        first = problems[0]
        wire = first.wire_name
        index = next(
            (i for i, c in enumerate(_calls(message)) if c.get("id") == first.call_id), None
        )
        if wire is None and index is not None and index < len(wire_names):
            wire = wire_names[index]
        return self._reask(first, wire)

    def final_message(self, message: AIMessage) -> AIMessage:
        """The call's result from its last answer (invoke)."""
        calls, invalid = self._split_calls(message.tool_calls)
        content: Any = message.content
        if self._structured_fallback and calls:
            content, calls = json.dumps(calls[0]["args"], ensure_ascii=False), []
        message.content = content
        message.tool_calls = [tool_call(name=c["name"], args=c["args"], id=c["id"]) for c in calls]
        message.invalid_tool_calls = [*message.invalid_tool_calls, *invalid]
        if self._spent is not None and message.usage_metadata is not None:
            message.usage_metadata = add_usage(self._spent, message.usage_metadata)
        message.response_metadata.update(self._metadata())
        if self._structured_fallback and not message.tool_calls:
            message.response_metadata["finish_reason"] = "stop"
        return message

    def final_chunk(self, chunk: AIMessageChunk) -> AIMessageChunk:
        """The released part of a stream (held chunks merged), as :meth:`final_message` would.

        Rejected calls keep their arguments as text that core cannot parse as an object, so the
        merged message lists them under ``invalid_tool_calls`` (their errors are in
        ``response_metadata["gigachat_rejected"]``).
        """
        rejected = {p.call_id: p.error for p in self._problems}
        chunks = []
        content: Any = chunk.content
        for item in chunk.tool_call_chunks:
            if item["id"] in rejected:
                args = f"rejected ({rejected[item['id']]}): {item['args'] or ''}"
                chunks.append(
                    tool_call_chunk(
                        name=item["name"], args=args, id=item["id"], index=item["index"]
                    )
                )
            else:
                chunks.append(item)
        if self._structured_fallback and chunks and chunks[0]["id"] not in rejected:
            args = json.loads(chunks[0]["args"] or "{}")
            content, chunks = json.dumps(args, ensure_ascii=False), []
        usage = chunk.usage_metadata
        if self._spent is not None and usage is not None:
            usage = add_usage(self._spent, usage)
        metadata = {**chunk.response_metadata, **self._metadata()}
        if self._structured_fallback and not chunks:
            metadata["finish_reason"] = "stop"
        fields: dict[str, Any] = {
            "content": content,
            "additional_kwargs": chunk.additional_kwargs,
            "response_metadata": metadata,
            "tool_call_chunks": chunks,
            "id": chunk.id,
        }
        if usage is not None:
            fields["usage_metadata"] = usage
        if chunk.chunk_position is not None:
            fields["chunk_position"] = chunk.chunk_position
        return AIMessageChunk(**fields)

    # --- checking ------------------------------------------------------------------------------
    def _check(self, message: BaseMessage) -> tuple[list[_Problem], str | None]:
        plan = self.request.plan
        calls = _calls(message)
        problems = []
        for call in calls:
            error = plan.check_call(call["name"], call["args"])
            if error is not None:
                wire = None
                if plan.tool_set is not None and call["name"] in plan.tool_set.by_original_name:
                    variants = plan.tool_set.variants(call["name"])
                    wire = variants[0].name if len(variants) == 1 else None
                problems.append(_Problem(call.get("id"), call["name"], call["args"], error, wire))
        if calls or plan.response_validator is None:
            return problems, None
        return problems, _structured_error(_text(message), plan.response_validator)

    def _split_calls(self, calls: list[Any]) -> tuple[list[Any], list[Any]]:
        rejected = {p.call_id: p.error for p in self._problems}
        valid = [c for c in calls if c.get("id") not in rejected]
        invalid = [
            invalid_tool_call(
                name=c["name"],
                args=json.dumps(c["args"], ensure_ascii=False, default=str),
                id=c.get("id"),
                error=rejected[c.get("id")],
            )
            for c in calls
            if c.get("id") in rejected
        ]
        return valid, invalid

    def _spend(self, message: BaseMessage) -> None:
        usage = getattr(message, "usage_metadata", None)
        if usage is not None:
            self._spent = usage if self._spent is None else add_usage(self._spent, usage)

    def _metadata(self) -> dict[str, Any]:
        if self._requests <= 1 and not self._rejected:
            return {}
        return {"gigachat_requests": self._requests, "gigachat_rejected": list(self._rejected)}

    # --- re-asking -----------------------------------------------------------------------------
    def _reask(self, problem: _Problem, wire_name: str | None) -> ChatRequest:
        plan = self.request.plan
        if wire_name is not None and plan.tool_set is not None:
            forced = plan.forcing(wire_name)
            note = (
                f"The call of {wire_name} was rejected: {problem.error}. Call {wire_name} again "
                "with every required argument, taking the values from the conversation."
            )
            call = replace(self._call, plan=forced, tool_choice={"name": wire_name})
        else:
            note = (
                f"The previous answer was rejected: {problem.error}. Call one of the offered "
                "functions by its exact name."
            )
            call = replace(self._call, plan=plan)
        self.request = self._build([*self._messages, HumanMessage(note)], call)
        return self.request

    def _fall_back(self, error: str) -> ChatRequest:
        """A structured answer that does not validate: ask for the schema as a forced function."""
        plan = self.request.plan
        schema = plan.response_original or {}
        from langchain_gigachat_ext.tools.functions import convert_tools

        name = schema.get("title") if isinstance(schema.get("title"), str) else None
        tool = {
            "name": name or "structured_answer",
            "description": schema.get("description") or "The answer, as structured data.",
            "parameters": schema,
        }
        tool_set = convert_tools([tool], warn=False)
        fallback: ToolPlan = plan_tools(
            tool_set=tool_set,
            tool_choice="any",
            functions=None,
            function_call=None,
            response_format=None,
        )
        self._structured_fallback = True
        note = (
            f"The previous answer was rejected: {error}. Call the offered function with the "
            "answer's data, taking the values from the conversation."
        )
        call = replace(self._call, plan=fallback, tool_choice="any", function_call=None)
        self.request = self._build([*self._messages, HumanMessage(note)], call)
        return self.request


def _calls(message: BaseMessage) -> list[Any]:
    return list(getattr(message, "tool_calls", None) or [])


def _text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.content)


def _structured_error(text: str, validate: Callable[[Any], str | None]) -> str | None:
    try:
        value = parse_json_markdown(text.strip())
    except ValueError:
        return "the answer is not JSON; it must be a JSON object for the schema"
    return validate(value)
