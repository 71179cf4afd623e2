"""Token counting for the chat model: the ``/tokens/count`` API (cached) or an offline estimate."""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage

from langchain_gigachat_ext.chat.v1.messages import to_gigachat_messages
from langchain_gigachat_ext.client.sdk import tools as sdk_tools

if TYPE_CHECKING:
    from langchain_gigachat_ext.client.transport import Transport

MESSAGE_OVERHEAD_TOKENS = 4
"""Role and framing tokens per message in the estimate (inferred; the API does not say)."""

_CACHE_SIZE = 4096


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


class TokenCountingMixin:
    """``get_num_tokens`` / ``get_num_tokens_from_messages`` for :class:`ChatGigaChat`."""

    if TYPE_CHECKING:
        model: str
        use_api_for_tokens: bool
        transport: Transport
        _token_cache: OrderedDict[tuple[str, str], int]
        _token_cache_lock: threading.Lock

    def _count(self, texts: Sequence[str]) -> list[int]:
        if not self.use_api_for_tokens:
            return [estimate_tokens(text) for text in texts]
        model = self.model
        with self._token_cache_lock:
            cached = {text: self._token_cache.get((model, text)) for text in texts}
        missing = sorted({text for text, count in cached.items() if count is None})
        if missing:
            counts = self.transport.call(
                lambda http, token: sdk_tools.tokens_count_sync(
                    http, input_=missing, model=model, access_token=token
                )
            )
            with self._token_cache_lock:
                for text, result in zip(missing, counts, strict=True):
                    cached[text] = result.tokens
                    self._token_cache[(model, text)] = result.tokens
                while len(self._token_cache) > _CACHE_SIZE:
                    self._token_cache.popitem(last=False)
        return [int(cached[text] or 0) for text in texts]

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text`` (API when ``use_api_for_tokens``, else the offline estimate)."""
        return self._count([text])[0]

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Tokens of a whole request: every message as sent, plus the tool schemas."""
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
                json.dumps(function.to_payload(), ensure_ascii=False)
                for function in tool_set.functions
            )
        counts = self._count(texts)
        return sum(counts) + MESSAGE_OVERHEAD_TOKENS * len(converted)
