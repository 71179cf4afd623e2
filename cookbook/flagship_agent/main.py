"""Flagship agent: GigaChat + three real tools, token streaming, memory and prompt caching.

Run ``python cookbook/flagship_agent/main.py`` (or ``make demo``). Without
``GIGACHAT_CREDENTIALS`` the embedded emulator answers. Pass ``-q "вопрос"`` (repeatable) to ask
your own questions instead of the scripted ones.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # started as a file: make `cookbook.*` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage
from langgraph.checkpoint.sqlite import SqliteSaver

from cookbook._shared.runtime import chat_model, gigachat_backend
from cookbook.flagship_agent.tools import TOOLS

SYSTEM_PROMPT = """Ты — ассистент Банка «Северный Ветер» (вымышленный банк). Отвечай по-русски, кратко и по делу.

Правила:
- Курсы и пересчёт валют — только через инструмент convert_currency, не называй курс по памяти.
- Любые вычисления (проценты, комиссии, суммы) — через инструмент calculate.
- Вопросы о картах, вкладах и кредитах — через инструмент find_bank_products; называй продукт и ключевые цифры.
- Если вопрос продолжает предыдущий («а в евро?», «а от этой суммы?»), возьми недостающие числа из истории диалога.
- Не выдумывай тарифы. Если инструмент вернул ошибку, объясни её клиенту одной фразой.
- Суммы в рублях пиши с пробелами между разрядами: 144 600 ₽."""

DEFAULT_TURNS = (
    "Сколько будет 1500 долларов в рублях?",
    "А сколько это будет в евро?",
    "Посчитай комиссию за перевод: 144600 * 0.015",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--question", action="append", help="вопрос (можно несколько раз)")
    parser.add_argument("--thread-id", default=None, help="id диалога (по умолчанию новый)")
    parser.add_argument("--db", type=Path, default=None, help="файл SQLite для памяти агента")
    parser.add_argument("--model", default=None, help="модель GigaChat (по умолчанию GigaChat-2)")
    return parser.parse_args(argv)


def build_agent(checkpointer: SqliteSaver, model_name: str | None = None) -> Any:
    """The agent: ChatGigaChat + tools + a SQLite checkpointer."""
    model = chat_model(model=model_name) if model_name else chat_model()
    return create_agent(model, TOOLS, system_prompt=SYSTEM_PROMPT, checkpointer=checkpointer)


def run_turn(agent: Any, question: str, config: dict[str, Any]) -> dict[str, Any]:
    """Stream one user turn: tokens as they arrive, tool calls and results as they happen.

    Returns:
        ``{"answer": str, "tool_calls": [...], "usage": {...}}`` for the turn.
    """
    print(f"\n👤 {question}")
    answer: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    usage: dict[str, Any] = {}
    streaming_line = False
    for mode, payload in agent.stream(
        {"messages": [{"role": "user", "content": question}]},
        config,
        stream_mode=["messages", "updates"],
    ):
        if mode == "messages":
            chunk, metadata = payload
            if metadata.get("langgraph_node") == "model" and isinstance(chunk, AIMessageChunk):
                text = chunk.text
                if text:
                    if not streaming_line:
                        print("🤖 ", end="", flush=True)
                        streaming_line = True
                    print(text, end="", flush=True)
                    answer.append(text)
            continue
        for node, update in payload.items():
            for message in (update or {}).get("messages", []):
                if isinstance(message, AIMessage):
                    usage = dict(message.usage_metadata or {}) or usage
                    for call in message.tool_calls:
                        tool_calls.append(dict(call))
                        arguments = json.dumps(call["args"], ensure_ascii=False)
                        print(f"🔧 {node}: вызываю {call['name']}({arguments})")
                    if message.tool_calls:
                        answer.clear()
                elif isinstance(message, ToolMessage):
                    preview = str(message.content).replace("\n", " ")
                    print(f"📎 {message.name} → {preview[:160]}")
    if streaming_line:
        print()
    details = usage.get("input_token_details") or {}
    print(
        f"📊 usage: input={usage.get('input_tokens', 0)} output={usage.get('output_tokens', 0)} "
        f"cache_read={details.get('cache_read', 0)}"
    )
    return {"answer": "".join(answer), "tool_calls": tool_calls, "usage": usage}


def main(argv: list[str] | None = None) -> int:
    """Run the scripted conversation (or the given questions); 0 on success."""
    args = parse_args(argv)
    questions = args.question or list(DEFAULT_TURNS)
    thread_id = args.thread_id or f"flagship-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="gigachat-flagship-") as tmp, gigachat_backend():
        db_path = args.db or Path(tmp) / "memory.sqlite"
        print(f"[memory] SQLite checkpointer: {db_path}, thread_id={thread_id}")
        connection = sqlite3.connect(db_path, check_same_thread=False)
        try:
            agent = build_agent(SqliteSaver(connection), args.model)
            config: dict[str, Any] = {"configurable": {"thread_id": thread_id}}
            # Turns run one after another: each one needs the memory of the previous ones.
            results = [run_turn(agent, question, config) for question in questions]
            history = agent.get_state(config).values.get("messages", [])
            print(f"\n[memory] в истории диалога {len(history)} сообщений")
        except Exception as error:
            print(f"Ошибка: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        finally:
            connection.close()
    empty = [
        question
        for question, result in zip(questions, results, strict=True)
        if not result["answer"].strip()
    ]
    if empty:
        print(f"Нет ответа на: {empty}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
