"""Helpers for the emulator's integration tests: a fake brain and token fetching."""

from __future__ import annotations

import hashlib
import math

import httpx

from langchain_gigachat_ext.emulator import GigaChatEmulator
from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Reply


class FakeBrain(Brain):
    """Tiny deterministic stand-in: echoes the last turn, calls a function when forced."""

    def reply(self, conversation: Conversation) -> Reply:
        last = conversation.turns[-1]
        prompt = sum(self.count_tokens(t.content) for t in conversation.turns)
        reasoning = "thinking it over" if conversation.reasoning_effort else None
        forced = conversation.function_call
        if isinstance(forced, dict) and last.role != "function":
            return Reply(
                function_call={"name": forced["name"], "arguments": {"query": last.content}},
                finish_reason="function_call",
                prompt_tokens=prompt,
                completion_tokens=3,
                reasoning_content=reasoning,
            )
        words = f"echo {last.content} and some more words".split()
        finish = "stop"
        if conversation.max_tokens is not None and len(words) > conversation.max_tokens:
            words, finish = words[: conversation.max_tokens], "length"
        text = " ".join(words)
        chunks = (*(w + " " for w in words[:-1]), words[-1])
        return Reply(
            content=text,
            finish_reason=finish,  # type: ignore[arg-type]
            prompt_tokens=prompt,
            completion_tokens=len(words),
            chunks=chunks,
            reasoning_content=reasoning,
        )

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def embed(self, text: str, dimensions: int) -> list[float]:
        seed = hashlib.sha256(text.encode()).digest()
        raw = [seed[i % len(seed)] - 127.5 for i in range(dimensions)]
        norm = math.sqrt(sum(v * v for v in raw))
        return [v / norm for v in raw]


def oauth_token(emu: GigaChatEmulator) -> str:
    response = httpx.post(
        emu.auth_url,
        headers={
            "Authorization": f"Basic {emu.credentials}",
            "RqUID": "8da54264-2463-42be-9aa7-c844d5e45180",
        },
        data={"scope": "GIGACHAT_API_PERS"},
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
