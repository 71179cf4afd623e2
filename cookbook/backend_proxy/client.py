"""A tiny client for the proxy: sends one message and prints the streamed answer.

``python cookbook/backend_proxy/client.py --url http://127.0.0.1:8000 --api-key KEY "Привет"``
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from typing import Any

import httpx

MAX_FRAMES = 10_000
"""Stop reading after this many SSE frames (a bound on a misbehaving server)."""


class ProxyError(RuntimeError):
    """The proxy answered with an HTTP error."""

    def __init__(self, status: int, body: str) -> None:
        """Keep the status and body."""
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class ChatReply:
    """What one streamed request returned."""

    text: str
    """The assembled answer."""
    conversation_id: str
    """Conversation id to send with the next message."""
    frames: list[dict[str, Any]] = field(default_factory=list)
    """Every parsed ``data:`` JSON frame, in order."""
    done: bool = False
    """Whether ``data: [DONE]`` arrived."""


def stream_chat(
    base_url: str,
    api_key: str,
    text: str,
    conversation_id: str | None = None,
    *,
    timeout: float = 30.0,
    on_token: Any = None,
) -> ChatReply:
    """POST one message and read the SSE stream to the end.

    Raises:
        ProxyError: On any non-200 answer (401, 413, 429, ...).
    """
    body: dict[str, Any] = {"messages": [{"role": "user", "content": text}], "stream": True}
    if conversation_id:
        body["conversation_id"] = conversation_id
    headers = {"Authorization": f"Bearer {api_key}", "Accept": "text/event-stream"}
    with (
        httpx.Client(base_url=base_url, timeout=timeout) as client,
        client.stream("POST", "/v1/chat/completions", json=body, headers=headers) as response,
    ):
        if response.status_code != httpx.codes.OK:
            raise ProxyError(response.status_code, response.read().decode("utf-8", "replace"))
        reply = ChatReply(text="", conversation_id=response.headers.get("x-conversation-id", ""))
        parts: list[str] = []
        for count, line in enumerate(response.iter_lines()):
            if count > MAX_FRAMES:
                break
            if not line.startswith("data:"):
                continue
            data = line.removeprefix("data:").strip()
            if data == "[DONE]":
                reply.done = True
                break
            frame = json.loads(data)
            reply.frames.append(frame)
            if "error" in frame:
                raise ProxyError(502, json.dumps(frame["error"], ensure_ascii=False))
            token = frame["choices"][0]["delta"].get("content") or ""
            if token and on_token is not None:
                on_token(token)
            parts.append(token)
        reply.text = "".join(parts)
        return reply


def main(argv: list[str] | None = None) -> int:
    """Send the message(s) in one conversation and print the answers."""
    parser = argparse.ArgumentParser(description="Клиент прокси GigaChat (SSE)")
    parser.add_argument("message", nargs="+")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--conversation-id", default=None)
    args = parser.parse_args(argv)
    conversation = args.conversation_id
    try:
        for message in args.message:
            print(f"👤 {message}\n🤖 ", end="", flush=True)
            reply = stream_chat(
                args.url,
                args.api_key,
                message,
                conversation,
                on_token=lambda t: print(t, end="", flush=True),
            )
            conversation = reply.conversation_id
            print(f"\n   [{len(reply.frames)} SSE-кадров, conversation_id={conversation}]")
    except (ProxyError, httpx.HTTPError) as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
