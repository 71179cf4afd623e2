"""Token counting for the chat model: the ``/tokens/count`` API (cached) or an offline estimate."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage

from langchain_gigachat_ext.chat.v1.messages import to_gigachat_messages
from langchain_gigachat_ext.client.sdk import TokensCount
from langchain_gigachat_ext.client.sdk import tools as sdk_tools

if TYPE_CHECKING:
    from collections.abc import Callable

    from langchain_gigachat_ext.client.local import Lazy
    from langchain_gigachat_ext.client.transport import Transport

MESSAGE_OVERHEAD_TOKENS = 4
"""Role and framing tokens per message in the estimate (inferred; the API does not say)."""

CACHE_SIZE = 4096
"""Distinct (model, text) counts a model remembers; the least recently added are forgotten."""

TokenCache = OrderedDict[tuple[str, str], int]
"""Counts the API returned, by (model, text)."""


def estimate_tokens(text: str) -> int:
    """Offline estimate: ~3 characters per token for Cyrillic, ~4 for Latin text.

    Calibrated against ``/tokens/count`` answers in the recordings ("First text" → 2 tokens,
    10 characters) and GigaChat's Russian-trained tokenizer; an estimate, not a contract.
    """
    if not text:
        return 0
    cyrillic = sum(1 for char in text if "\u0400" <= char <= "\u04ff")
    other = len(text) - cyrillic
    return max(1, math.ceil(cyrillic / 3 + other / 4))


def count_texts(
    texts: Sequence[str], *, model: str, transport: Transport | None, cache: Lazy[TokenCache]
) -> list[int]:
    """Tokens of each text: asked from ``/tokens/count`` (once per distinct text, cached).

    Args:
        texts: The texts to count.
        model: The model whose tokenizer counts.
        transport: The model's transport; None counts offline with :func:`estimate_tokens`.
        cache: The model's cache of earlier answers.
    """
    if transport is None:
        return [estimate_tokens(text) for text in texts]
    counts = cache.get(OrderedDict)
    with cache.lock:
        cached = {text: counts.get((model, text)) for text in texts}
    missing = sorted({text for text, count in cached.items() if count is None})
    if missing:
        answers = transport.call(
            lambda http, token: sdk_tools.tokens_count_sync(
                http, input_=missing, model=model, access_token=token
            )
        )
        with cache.lock:
            for text, answer in zip(missing, answers, strict=True):
                cached[text] = counts[(model, text)] = answer.tokens
            while len(counts) > CACHE_SIZE:
                counts.popitem(last=False)
    return [int(cached[text] or 0) for text in texts]


def count_request(
    messages: list[BaseMessage],
    tools: Sequence[Any] | None,
    count: Callable[[Sequence[str]], list[int]],
) -> int:
    """Tokens of a whole request: every message as sent, plus the tool schemas.

    Args:
        messages: The conversation.
        tools: Tools as ``bind_tools`` takes them, or None.
        count: Counts a list of texts (:func:`count_texts` bound to a model).
    """
    converted = to_gigachat_messages(messages) if messages else []
    texts = [
        message.get("content", "")
        + (
            json.dumps(message["function_call"], ensure_ascii=False)
            if "function_call" in message
            else ""
        )
        for message in converted
    ]
    if tools:
        from langchain_gigachat_ext.tools.functions import convert_tools

        tool_set = convert_tools(list(tools), warn=False)
        texts.extend(
            json.dumps(function.to_payload(), ensure_ascii=False) for function in tool_set.functions
        )
    return sum(count(texts)) + MESSAGE_OVERHEAD_TOKENS * len(converted)


def tokens_count(transport: Transport, texts: Sequence[str], model: str) -> list[TokensCount]:
    """``/tokens/count`` answers as they come (``tokens`` and ``characters`` per text), uncached.

    Args:
        transport: The model's transport.
        texts: The texts to count.
        model: The model whose tokenizer counts.
    """
    return transport.call(
        lambda http, token: sdk_tools.tokens_count_sync(
            http, input_=list(texts), model=model, access_token=token
        )
    )


async def atokens_count(
    transport: Transport, texts: Sequence[str], model: str
) -> list[TokensCount]:
    """Async :func:`tokens_count`."""

    async def op(http: Any, token: str | None) -> list[TokensCount]:
        return await sdk_tools.tokens_count_async(
            http, input_=list(texts), model=model, access_token=token
        )

    return await transport.acall(op)
