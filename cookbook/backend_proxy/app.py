"""The proxy service: OpenAI-compatible SSE streaming of ChatGigaChat with server-side state.

``POST /v1/chat/completions`` with ``Authorization: Bearer <API key>`` and a JSON body
``{"conversation_id": "...", "messages": [{"role": "user", "content": "..."}]}`` streams
``data: {"object": "chat.completion.chunk", ...}`` frames and ends with ``data: [DONE]``. The
GigaChat credentials never leave the server; clients only hold the proxy's own API keys. The
conversation history lives in a LangGraph checkpointer (SQLite, or PostgreSQL so several
replicas share it), keyed by client and conversation id.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, SystemMessage
from langgraph.graph import START, MessagesState, StateGraph
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cookbook.backend_proxy.limits import RateLimiter, client_for_key

SYSTEM_PROMPT = "Ты — ассистент мобильного приложения Банка «Северный Ветер» (вымышленный банк). Отвечай по-русски, коротко."
MAX_MESSAGE_CHARS = 4000


@dataclass
class ProxySettings:
    """Everything the proxy needs to know."""

    api_keys: dict[str, str]
    """API key → client id."""
    max_body_bytes: int = 16_384
    """Requests larger than this get 413."""
    rate_capacity: float = 5
    """Burst size per client."""
    rate_per_second: float = 1.0
    """Sustained requests per second per client."""
    model_name: str = "GigaChat-2"
    """Model shown in the chunks."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form settings (for extensions)."""


def build_graph(model: BaseChatModel, checkpointer: Any) -> Any:
    """A one-node LangGraph conversation whose state persists in ``checkpointer``."""

    async def respond(state: MessagesState) -> dict[str, Any]:
        call = model.ainvoke([SystemMessage(SYSTEM_PROMPT), *state["messages"]])
        reply = await _unless_hung_up(call, CLIENT_GONE.get())
        return {"messages": [reply]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", respond)
    graph.add_edge(START, "model")
    return graph.compile(checkpointer=checkpointer)


def sse_chunk(
    chunk_id: str, model: str, delta: dict[str, Any], finish_reason: str | None = None
) -> str:
    """One OpenAI-compatible ``chat.completion.chunk`` SSE frame."""
    body = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An OpenAI-style error body."""
    return JSONResponse(
        {"error": {"message": message, "code": status}}, status_code=status, headers=headers
    )


def create_app(
    settings: ProxySettings,
    model_factory: Callable[[], BaseChatModel],
    checkpointer_factory: Callable[[], AbstractAsyncContextManager[Any]],
) -> Starlette:
    """The Starlette app; the checkpointer is opened on startup and closed on shutdown."""
    limiter = RateLimiter(settings.rate_capacity, settings.rate_per_second)
    holder: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with checkpointer_factory() as checkpointer:
            holder["graph"] = build_graph(model_factory(), checkpointer)
            yield

    async def chat_completions(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        client_id = (
            client_for_key(auth.removeprefix("Bearer ").strip(), settings.api_keys)
            if auth.startswith("Bearer ")
            else None
        )
        if client_id is None:
            return error_response(401, "invalid or missing API key", {"WWW-Authenticate": "Bearer"})
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return error_response(413, f"request body exceeds {settings.max_body_bytes} bytes")
        body = b""
        async for part in request.stream():
            body += part
            if len(body) > settings.max_body_bytes:
                return error_response(413, f"request body exceeds {settings.max_body_bytes} bytes")
        wait = limiter.check(client_id)
        if wait > 0:
            return error_response(
                429, "rate limit exceeded", {"Retry-After": str(max(1, round(wait)))}
            )
        try:
            payload = json.loads(body)
            messages = payload["messages"]
            text = str(messages[-1]["content"])
        except (ValueError, KeyError, IndexError, TypeError):
            return error_response(
                400, 'body must be JSON: {"messages": [{"role": "user", "content": "..."}]}'
            )
        if not text.strip() or len(text) > MAX_MESSAGE_CHARS:
            return error_response(400, f"message must be 1..{MAX_MESSAGE_CHARS} characters")
        conversation = str(payload.get("conversation_id") or uuid.uuid4().hex)
        # Only the newest user message is taken from the client: history is server-side state.
        config = {"configurable": {"thread_id": f"{client_id}:{conversation}"}}
        frames = _stream(holder["graph"], text, config, settings.model_name)
        stream = _until_hangup(request, frames)
        headers = {
            "X-Conversation-Id": conversation,
            "Cache-Control": "no-cache",
            "X-Proxy-Worker": str(os.getpid()),
        }
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    async def history(request: Request) -> Response:
        auth = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        client_id = client_for_key(auth, settings.api_keys)
        if client_id is None:
            return error_response(401, "invalid or missing API key")
        config = {
            "configurable": {"thread_id": f"{client_id}:{request.path_params['conversation']}"}
        }
        state = await holder["graph"].aget_state(config)
        messages = [{"role": m.type, "content": m.text} for m in state.values.get("messages", [])]
        return JSONResponse({"messages": messages})

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes = [
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/conversations/{conversation}", history, methods=["GET"]),
        Route("/healthz", health),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


CLIENT_GONE: contextvars.ContextVar[asyncio.Event | None] = contextvars.ContextVar(
    "client_gone", default=None
)
"""Set when the SSE client of the request being answered hangs up.

LangGraph runs a node in a task of its own and lets a running node finish when the graph's
stream is cancelled, so the model call would go on streaming from GigaChat (holding a
connection and a quota slot) for nobody. The node's task inherits this variable from the
request's producer task, and :func:`_unless_hung_up` cancels the model call when it is set.
"""


async def _unless_hung_up(call: Any, gone: asyncio.Event | None) -> Any:
    """Await ``call`` unless the client hangs up first; then cancel it (closing its stream)."""
    if gone is None:
        return await call
    answer = asyncio.ensure_future(call)
    hang_up = asyncio.ensure_future(gone.wait())
    try:
        await asyncio.wait({answer, hang_up}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hang_up.cancel()
        if not answer.done():
            answer.cancel()
    return await answer  # raises CancelledError when the client hung up


async def _stream(
    graph: Any, text: str, config: dict[str, Any], model_name: str
) -> AsyncIterator[str]:
    chunk_id = f"chatcmpl-{uuid.uuid4().hex}"
    yield sse_chunk(chunk_id, model_name, {"role": "assistant", "content": ""})
    messages = graph.astream(
        {"messages": [{"role": "user", "content": text}]}, config, stream_mode="messages"
    )
    try:
        async for message, metadata in messages:
            if (
                metadata.get("langgraph_node") == "model"
                and isinstance(message, AIMessageChunk)
                and message.text
            ):
                yield sse_chunk(chunk_id, model_name, {"content": message.text})
        yield sse_chunk(chunk_id, model_name, {}, "stop")
    except Exception as error:  # the status line is already sent: report in-band, then end
        body = {"error": {"message": f"{type(error).__name__}: {error}", "code": 502}}
        yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
    finally:
        await messages.aclose()  # a client that hung up closes the model's stream at once
    yield "data: [DONE]\n\n"


async def _until_hangup(request: Request, frames: AsyncIterator[str]) -> AsyncIterator[str]:
    """``frames`` until the client hangs up; then the upstream GigaChat stream closes at once.

    The frames are produced in a task of their own, and a second task waits for the client's
    ``http.disconnect``: when it comes, :data:`CLIENT_GONE` is set, which cancels the model
    call and so closes its stream (its connection and its quota slot) without waiting for the
    next frame to fail, and the producer is cancelled.
    """
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    gone = asyncio.Event()

    async def produce() -> None:
        CLIENT_GONE.set(gone)  # inherited by the graph's node tasks started from here
        # The loop body never waits, so a cancellation always lands inside the graph's stream;
        # the model call itself stops through CLIENT_GONE, and `aclosing` covers the rest.
        async with contextlib.aclosing(frames):
            async for frame in frames:
                queue.put_nowait(frame)
            queue.put_nowait(None)

    async def hangup() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    producer = asyncio.ensure_future(produce())
    watcher = asyncio.ensure_future(hangup())
    try:
        while True:
            taken = asyncio.ensure_future(queue.get())
            await asyncio.wait({taken, watcher, producer}, return_when=asyncio.FIRST_COMPLETED)
            if not taken.done():
                taken.cancel()
                if watcher.done() or producer.done():
                    break
                continue
            frame = taken.result()
            if frame is None:
                break
            yield frame
    finally:
        if not producer.done():
            gone.set()  # leaving before the answer ended: nobody will read the rest
        for task in (watcher, producer):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
