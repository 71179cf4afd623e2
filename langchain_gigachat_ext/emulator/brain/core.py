"""The brain's contract and its top decision: a :class:`Conversation` in, a :class:`Reply` out.

:class:`Brain` chooses between text, function calls, structured output and a built-in tool and
hands the details to its faculties (:mod:`.functions`, :mod:`.schema`, :mod:`.text`, ...).
Its :data:`Behaviour` (``helpful`` or ``literal``) says how generously schemas are filled.

INTERFACE CONTRACT (shared by the server and the brain; keep signatures stable):
the server turns a validated wire request (v1 or v2) into a :class:`Conversation`,
asks :meth:`Brain.reply` for a :class:`Reply`, and renders it in the wire format. The brain
never sees HTTP, JSON framing or auth.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from langchain_gigachat_ext.emulator.brain import text as text_answers
from langchain_gigachat_ext.emulator.brain.builtins import ToolUse, builtin_answer, choose_builtin
from langchain_gigachat_ext.emulator.brain.calls import any_call, several_calls
from langchain_gigachat_ext.emulator.brain.facts import (
    answer_language,
    called_since_last_user,
    evidence_text,
    extract_facts,
    function_result_pending,
    latest_user_text,
    pending_function_results,
)
from langchain_gigachat_ext.emulator.brain.functions import (
    build_arguments,
    choose_function,
    find_function,
)
from langchain_gigachat_ext.emulator.brain.lang import Language
from langchain_gigachat_ext.emulator.brain.regex import generate_matching
from langchain_gigachat_ext.emulator.brain.schema import structured_answer
from langchain_gigachat_ext.emulator.brain.tokens import (
    count_tokens,
    split_chunks,
    truncate_to_tokens,
)
from langchain_gigachat_ext.emulator.brain.tokens import prompt_tokens as count_prompt_tokens
from langchain_gigachat_ext.emulator.brain.vectors import embed

Role = Literal["system", "user", "assistant", "function"]

Behaviour = Literal["helpful", "literal"]
"""How the brain fills schemas and chooses functions (see :class:`Brain`)."""

BEHAVIOURS: Final[tuple[Behaviour, ...]] = get_args(Behaviour)
"""Every behaviour name, the default first."""

DEFAULT_BEHAVIOUR: Final[Behaviour] = "helpful"
"""The behaviour of a :class:`Brain` made without arguments."""


def check_behaviour(value: str) -> Behaviour:
    """Return ``value`` as a :data:`Behaviour`.

    Raises:
        ValueError: If ``value`` names no behaviour.
    """
    for behaviour in BEHAVIOURS:
        if value == behaviour:
            return behaviour
    msg = f"Unknown emulator behaviour {value!r}; expected one of {', '.join(BEHAVIOURS)}."
    raise ValueError(msg)


@dataclass(frozen=True)
class Turn:
    """One message of the conversation, protocol-neutral."""

    role: Role
    """Who spoke: system, user, assistant, or function (a function result)."""
    content: str = ""
    """Text content; for ``function`` turns the JSON text of the result."""
    name: str | None = None
    """Function name on ``function`` turns."""
    function_call: dict[str, Any] | None = None
    """``{"name": ..., "arguments": {...}}`` on assistant turns that called a function."""
    attachments: tuple[str, ...] = ()
    """Ids of uploaded files attached to this turn."""
    function_calls: tuple[dict[str, Any], ...] = ()
    """Every call of an assistant turn (v2 may carry several); the first is ``function_call``."""


@dataclass(frozen=True)
class Conversation:
    """Everything the brain needs to answer one chat request."""

    model: str
    """Requested model id (unversioned, e.g. ``GigaChat-2``)."""
    turns: tuple[Turn, ...]
    """The history, oldest first (already validated by the server)."""
    functions: tuple[dict[str, Any], ...] = ()
    """Function specs as sent: name, description, parameters, few_shot_examples, ..."""
    function_call: str | dict[str, Any] | None = None
    """``"auto"``, ``"none"``, ``"any"`` (some call is required), ``{"name": ...}`` (forced) or
    None (auto when functions exist)."""
    response_format: dict[str, Any] | None = None
    """``{"type": "json_schema", "schema": {...}, "strict"?: bool}``,
    ``{"type": "regex", "regex": "..."}`` or None."""
    max_tokens: int | None = None
    """Output token cap; when the reply is longer, it is cut and finish_reason is ``length``."""
    reasoning_effort: str | None = None
    """``low``/``medium``/``high``; reasoning models then also return reasoning text."""
    temperature: float | None = None
    """Sampling temperature (the brain is deterministic; kept for completeness)."""
    parallel_calls: bool = False
    """Several function calls may share one answer (v2; rules in :mod:`.calls`)."""
    builtin_tools: tuple[str, ...] = ()
    """Built-in tools offered (v2 ``tools``: ``web_search``, ``image_generate``, ...)."""
    forced_tool: str | None = None
    """The built-in tool ``tool_config`` forces, if any."""


@dataclass(frozen=True)
class Reply:
    """What the model says back."""

    content: str = ""
    """Assistant text (empty when a function is called)."""
    function_call: dict[str, Any] | None = None
    """``{"name": ..., "arguments": {...}}`` (arguments is an object) or None."""
    reasoning_content: str | None = None
    """Reasoning text for reasoning models / when reasoning_effort is set."""
    finish_reason: Literal["stop", "length", "function_call"] = "stop"
    """Why generation ended."""
    prompt_tokens: int = 0
    """Tokens in the prompt (history + functions)."""
    completion_tokens: int = 0
    """Tokens in the reply."""
    chunks: tuple[str, ...] = field(default=())
    """The content split into stream deltas (several words each); joined they equal content."""
    function_calls: tuple[dict[str, Any], ...] = ()
    """Every call of the answer (v2 may carry several); ``function_call`` is the first."""
    tool_use: ToolUse | None = None
    """The built-in tool the answer used (v2), if any."""

    @property
    def calls(self) -> tuple[dict[str, Any], ...]:
        """Every function call, also for replies that only set ``function_call``."""
        if self.function_calls:
            return self.function_calls
        return (self.function_call,) if self.function_call is not None else ()


class Brain:
    """Deterministic model: same conversation in, same reply out.

    It reads only what a model receives: the JSON schemas (types, ``required``, enums, formats,
    nested objects and arrays, ``anyOf``/``oneOf``, ``$ref``) and the conversation; it knows no
    client's encodings (function names, description phrases, prompt tables). Two behaviours:

    * ``helpful`` (default): fills every required property and the optional ones the
      conversation speaks of; invents plausible text where the conversation gives none (a joke
      for a joke-shaped schema, a stable placeholder id, the answer language).
    * ``literal``: a constrained decoder that takes the schema as given. It fills exactly the
      ``required`` properties and omits optional ones; takes values from the conversation
      (``name=value``, numbers, quoted strings, dates/emails/URLs, capitalised names, the
      user's topical words, and the pending function results), otherwise a typed default
      (``""``, ``0`` moved inside ``minimum``/``maximum``, ``false``, the first enum option, a
      valid placeholder for a string ``format``, ``minItems`` items); keeps arrays to the items
      the conversation gives; chooses among offered functions by how well their names and
      descriptions match the conversation, ties by name, never by position; reads no rules
      from descriptions; fills a forced ``function_call`` the same way.

    The server calls it from worker threads, several requests at a time: a subclass keeps no
    mutable state (or guards it with a lock).
    """

    def __init__(self, behaviour: Behaviour = DEFAULT_BEHAVIOUR) -> None:
        """Create a brain.

        Args:
            behaviour: ``"helpful"`` (fills optional properties the conversation speaks of and
                invents plausible text) or ``"literal"`` (required properties only, values from
                the conversation or typed defaults); see the class docstring.

        Raises:
            ValueError: If ``behaviour`` names no behaviour.
        """
        self.behaviour: Behaviour = check_behaviour(behaviour)
        """How schemas are filled and functions chosen."""

    @property
    def literal(self) -> bool:
        """Whether this brain fills schemas literally."""
        return getattr(self, "behaviour", DEFAULT_BEHAVIOUR) == "literal"

    def reply(self, conversation: Conversation) -> Reply:
        """Answer one chat request.

        Decides between a function call (forced, or matched to the latest user message), a
        JSON instance of ``response_format``'s schema, a summary of a function result and a
        plain answer; then applies ``max_tokens`` and adds reasoning for reasoning models.
        """
        seed = _seed(conversation)
        question = latest_user_text(conversation.turns)
        lang = answer_language(conversation.turns, question)
        prompt_tokens = count_prompt_tokens(conversation)
        calls = self._function_calls(conversation, question, lang, seed)
        wants_reasoning = _wants_reasoning(conversation)
        if calls:
            described = [
                (call["name"], json.dumps(call["arguments"], ensure_ascii=False)) for call in calls
            ]
            thinking = None
            if wants_reasoning:
                action = "; ".join(f"call {name} with {arguments}" for name, arguments in described)
                thinking = text_answers.reasoning(
                    question, lang, conversation.reasoning_effort, action
                )
            return Reply(
                function_call=calls[0],
                function_calls=calls,
                reasoning_content=thinking,
                finish_reason="function_call",
                prompt_tokens=prompt_tokens,
                completion_tokens=sum(
                    count_tokens(name + arguments) for name, arguments in described
                )
                + (count_tokens(thinking) if thinking else 0),
            )
        content, action, tool_use = self._content(conversation, question, lang, seed)
        finish_reason: Literal["stop", "length"] = "stop"
        if conversation.max_tokens is not None and count_tokens(content) > conversation.max_tokens:
            content = truncate_to_tokens(content, conversation.max_tokens)
            finish_reason = "length"
        thinking = None
        if wants_reasoning:
            thinking = text_answers.reasoning(question, lang, conversation.reasoning_effort, action)
        return Reply(
            content=content,
            reasoning_content=thinking,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
            completion_tokens=count_tokens(content) + (count_tokens(thinking) if thinking else 0),
            chunks=split_chunks(content),
            tool_use=tool_use,
        )

    def count_tokens(self, text: str) -> int:
        """Deterministic token count of ``text`` (used for usage and ``/tokens/count``)."""
        return count_tokens(text)

    def embed(self, text: str, dimensions: int) -> list[float]:
        """Unit-length vector whose cosine similarity reflects shared words."""
        return embed(text, dimensions)

    def _function_calls(
        self, conversation: Conversation, question: str, lang: Language, seed: int
    ) -> tuple[dict[str, Any], ...]:
        """Every call of the answer: forced, required (``any``), several (v2) or one matched."""
        mode = conversation.function_call
        functions = conversation.functions
        pending = function_result_pending(conversation.turns)
        several: tuple[dict[str, Any], ...] = ()
        if (
            conversation.parallel_calls
            and not pending
            and not isinstance(mode, dict)
            and mode != "none"
        ):
            several = several_calls(functions, question, lang, seed, literal=self.literal)
        if len(several) > 1:
            return several
        if mode == "any" and functions:
            required = any_call(
                functions,
                question,
                lang,
                seed,
                avoid=called_since_last_user(conversation.turns),
                evidence=self._evidence(conversation.turns, question),
                literal=self.literal,
            )
            return (required,)
        call = self._function_call(conversation, question, lang, seed)
        return (call,) if call is not None else ()

    def _function_call(
        self, conversation: Conversation, question: str, lang: Language, seed: int
    ) -> dict[str, Any] | None:
        mode = conversation.function_call
        if isinstance(mode, dict) and isinstance(mode.get("name"), str):
            function = find_function(conversation.functions, mode["name"])
            partial = mode.get("partial_arguments")
            arguments = build_arguments(
                function,
                self._evidence(conversation.turns, question),
                lang,
                seed,
                partial if isinstance(partial, dict) else None,
                avoid=called_since_last_user(conversation.turns),
                literal=self.literal,
            )
            return {"name": mode["name"], "arguments": arguments}
        if mode == "none" or not conversation.functions:
            return None
        if function_result_pending(conversation.turns):
            # Never loop: after a function result the model answers with it (unforced modes).
            return None
        chosen = choose_function(conversation.functions, question, extract_facts(question))
        if chosen is None:
            return None
        arguments = build_arguments(chosen, question, lang, seed, literal=self.literal)
        return {"name": str(chosen.get("name", "")), "arguments": arguments}

    def _evidence(self, turns: tuple[Turn, ...], question: str) -> str:
        """The text arguments are filled from: literal also reads the pending function results."""
        return evidence_text(turns, question) if self.literal else question

    def _content(
        self, conversation: Conversation, question: str, lang: Language, seed: int
    ) -> tuple[str, str, ToolUse | None]:
        """The reply text, a short description of what was done (for reasoning), the tool used.

        Order: a forced built-in tool, ``response_format``, a built-in tool the question asks for
        (not right after function results), the function results, a plain answer.
        """
        response_format = conversation.response_format or {}
        forced = conversation.forced_tool
        if forced is not None or not (
            response_format or function_result_pending(conversation.turns)
        ):
            tool = choose_builtin(conversation.builtin_tools, forced, question)
            if tool is not None:
                text, used = builtin_answer(tool, question, lang, seed)
                return text, f"use {tool}", used
        if response_format.get("type") == "regex":
            pattern = str(response_format.get("regex", ""))
            return generate_matching(pattern, seed), "match the regex", None
        if response_format:
            evidence = self._evidence(conversation.turns, question)
            content = structured_answer(response_format, evidence, lang, seed, literal=self.literal)
            return content, "return JSON", None
        results = pending_function_results(conversation.turns)
        if results:
            if not conversation.parallel_calls:
                results = results[-1:]
            answer = " ".join(
                text_answers.function_result_answer(name, payload, lang)
                for name, payload in results
            )
            names = ", ".join(name for name, _ in results)
            return answer, f"answer with the result of {names}", None
        last_user = next((t for t in reversed(conversation.turns) if t.role == "user"), None)
        has_attachments = bool(last_user and last_user.attachments)
        answer = text_answers.plain_answer(question, lang, seed, has_attachments=has_attachments)
        return answer, "answer briefly", None


def _seed(conversation: Conversation) -> int:
    canonical = json.dumps(
        {
            "model": conversation.model,
            "turns": [
                [turn.role, turn.content, turn.name, turn.function_call, list(turn.attachments)]
                for turn in conversation.turns
            ],
            "functions": list(conversation.functions),
            "function_call": conversation.function_call,
            "response_format": conversation.response_format,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    return int.from_bytes(hashlib.blake2b(canonical.encode(), digest_size=8).digest(), "big")


def _wants_reasoning(conversation: Conversation) -> bool:
    """Reasoning text when asked for (``reasoning_effort``) or from a dedicated reasoning model.

    Models that merely *support* reasoning (GigaChat-3-Ultra) answer without it by default: the
    recorded Ultra replies carry no ``reasoning_content`` (REC test_primary_*, json_schema).
    """
    return bool(conversation.reasoning_effort) or "Reasoning" in conversation.model
