"""An in-process fake of ``/embeddings`` and ``/tokens/count`` behind ``httpx.MockTransport``."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from langchain_gigachat_ext.embeddings.model import GigaChatEmbeddings

BASE_URL = "http://fake.test/api/v1"


def fake_vector(text: str) -> list[float]:
    """A deterministic 3-d vector that identifies ``text``."""
    return [float(len(text)), float(sum(map(ord, text)) % 9973), 1.0]


def word_count(text: str) -> int:
    """The fake tokenizer: one token per whitespace-separated word."""
    return len(text.split())


@dataclass
class FakeApi:
    """Records every request; can fail chosen embedding requests once."""

    fail_once_when_contains: str | None = None
    """The first ``/embeddings`` request whose input holds this text answers 503."""
    delay: float = 0.0
    """Seconds each ``/embeddings`` request takes (to observe concurrency)."""
    bad_indices: bool = False
    """Answer ``/embeddings`` with one item missing."""
    embedding_inputs: list[list[str]] = field(default_factory=list)
    """Inputs of every ``/embeddings`` request, in arrival order (failed ones included)."""
    count_requests: list[dict[str, Any]] = field(default_factory=list)
    """Bodies of every ``/tokens/count`` request."""
    peak_in_flight: int = 0
    """Most ``/embeddings`` requests seen in flight at once."""
    _in_flight: int = 0
    _failed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _begin(self, body: dict[str, Any]) -> httpx.Response | None:
        with self._lock:
            self.embedding_inputs.append(list(body["input"]))
            marker = self.fail_once_when_contains
            if marker is not None and not self._failed and marker in body["input"]:
                self._failed = True
                return httpx.Response(503, json={"status": 503, "message": "try later"})
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        return None

    def _end(self, body: dict[str, Any]) -> httpx.Response:
        with self._lock:
            self._in_flight -= 1
        texts = body["input"]
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": fake_vector(text),
                "usage": {"prompt_tokens": word_count(text) + 5},
            }
            for index, text in enumerate(texts)
        ]
        if self.bad_indices:
            data = data[1:]
        return httpx.Response(200, json={"object": "list", "model": body["model"], "data": data})

    def _count(self, body: dict[str, Any]) -> httpx.Response:
        with self._lock:
            self.count_requests.append(body)
        rows = [
            {"object": "tokens", "tokens": word_count(text), "characters": len(text)}
            for text in body["input"]
        ]
        return httpx.Response(200, json=rows)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("/tokens/count"):
            return self._count(body)
        failure = self._begin(body)
        if failure is not None:
            return failure
        if self.delay:
            time.sleep(self.delay)
        return self._end(body)

    async def ahandle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("/tokens/count"):
            return self._count(body)
        failure = self._begin(body)
        if failure is not None:
            return failure
        if self.delay:
            await asyncio.sleep(self.delay)
        return self._end(body)


def connect(api: FakeApi, **params: Any) -> GigaChatEmbeddings:
    """A ``GigaChatEmbeddings`` whose transport talks to ``api`` (no sockets, no OAuth)."""
    params.setdefault("max_concurrent", 10)  # an access token's scope is unknown (quota 1)
    embeddings = GigaChatEmbeddings(
        base_url=BASE_URL, access_token="test-token", retry_backoff_factor=0, **params
    )
    transport = embeddings.transport
    sync_client = httpx.Client(transport=httpx.MockTransport(api.handle), base_url=BASE_URL)
    async_clients: dict[int, httpx.AsyncClient] = {}

    def async_http() -> httpx.AsyncClient:
        loop = id(asyncio.get_running_loop())
        if loop not in async_clients:
            async_clients[loop] = httpx.AsyncClient(
                transport=httpx.MockTransport(api.ahandle), base_url=BASE_URL
            )
        return async_clients[loop]

    transport.sync_http = lambda: sync_client  # type: ignore[method-assign]
    transport.async_http = async_http  # type: ignore[method-assign]
    return embeddings
