"""A tiny in-process GigaChat (OAuth, chat, streamed chat, embeddings) for ``httpx.MockTransport``."""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass, field

import httpx

BASE_URL = "https://gigachat.test/api/v1"
AUTH_URL = "https://auth.test/api/v2/oauth"
CREDENTIALS = "Y2xpZW50OnNlY3JldA=="  # base64("client:secret"), a fake key
WORDS = ["Hello", " from", " the", " fake"]


def _completion() -> dict[str, object]:
    return {
        "choices": [
            {
                "message": {"role": "assistant", "content": "".join(WORDS)},
                "index": 0,
                "finish_reason": "stop",
            }
        ],
        "created": 1,
        "model": "GigaChat",
        "object": "chat.completion",
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }


def _sse() -> bytes:
    events = [
        {
            "choices": [{"delta": {"role": "assistant", "content": word}, "index": 0}],
            "created": 1,
            "model": "GigaChat",
            "object": "chat.completion",
        }
        for word in WORDS
    ]
    events[-1]["choices"][0]["finish_reason"] = "stop"  # type: ignore[index]
    lines = [f"data: {json.dumps(event)}\n\n" for event in events] + ["data: [DONE]\n\n"]
    return "".join(lines).encode()


@dataclass
class FakeGigaChat:
    """Answers like GigaChat and records each request; ``gzip`` compresses JSON answers."""

    gzip: bool = False
    """Send JSON bodies with ``Content-Encoding: gzip``."""
    requests: list[httpx.Request] = field(default_factory=list)
    """Every request received, in order."""
    tokens_issued: int = 0
    """How many OAuth tokens were handed out."""

    def paths(self) -> list[str]:
        """The URL of each request, without the query."""
        return [str(r.url.copy_with(query=None)) for r in self.requests]

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The answer to ``request`` (``httpx.MockTransport`` handler)."""
        request.read()
        self.requests.append(request)
        url = str(request.url.copy_with(query=None))
        if url == AUTH_URL:
            self.tokens_issued += 1
            expires_ms = int((time.time() + 1800) * 1000)
            return self._json(
                {"access_token": f"token-{self.tokens_issued}", "expires_at": expires_ms}
            )
        if url == f"{BASE_URL}/chat/completions":
            if json.loads(request.content).get("stream"):
                return httpx.Response(
                    200, headers={"content-type": "text/event-stream"}, content=_sse()
                )
            return self._json(_completion())
        if url == f"{BASE_URL}/embeddings":
            texts = json.loads(request.content)["input"]
            data = [
                {
                    "object": "embedding",
                    "embedding": [float(len(t)), 1.0],
                    "index": i,
                    "usage": {"prompt_tokens": 1},
                }
                for i, t in enumerate(texts)
            ]
            return self._json({"object": "list", "data": data, "model": "Embeddings"})
        return httpx.Response(404, json={"status": 404, "message": f"no route {url}"})

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        """Async twin of :meth:`handle`."""
        return self.handle(request)

    def _json(self, body: object) -> httpx.Response:
        raw = json.dumps(body).encode()
        headers = {"content-type": "application/json", "x-request-id": "req-1"}
        if self.gzip:
            raw = gzip.compress(raw)
            headers["content-encoding"] = "gzip"
        return httpx.Response(200, headers=headers, content=raw)
