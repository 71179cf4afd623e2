"""The v2 chat API in an agent: two tool calls in one model turn, run in parallel; built-in tools.

Run ``python cookbook/parallel_tools_v2/main.py`` (add ``--draw`` for the image_generate built-in).

On v2 GigaChat may answer one turn with several function calls. ``ChatGigaChat(api_version="v2")``
returns them as several ``tool_calls``, and LangGraph's ToolNode (inside ``create_agent``) runs
them at the same time. Each tool here waits :data:`BACKEND_DELAY` seconds, like a slow core
banking system, so the wall time shows whether the two calls overlapped.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # started as a file: make `cookbook.*` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, tool

from cookbook._shared.runtime import chat_model, gigachat_backend
from cookbook.contact_centre.crm import Crm, crm_tools
from cookbook.data.loader import load_json

BACKEND_DELAY = 0.5
"""Seconds each tool "waits for the bank's backend"."""

SYSTEM = (
    "Ты — ассистент операциониста Банка «Северный Ветер» (вымышленный банк). Отвечай по-русски "
    "кратко. Если вопрос требует нескольких справок, запрашивай их одновременно."
)
QUESTION = "Какой курс USD и какой остаток на счёте ACC-100101?"


@tool(
    extras={
        "few_shot_examples": [
            {"request": "Какой курс доллара?", "params": {"currency": "USD"}},
            {"request": "почём юань", "params": {"currency": "CNY"}},
        ]
    }
)
def get_exchange_rate(currency: str) -> str:
    """Курс валюты Банка «Северный Ветер» к рублю по коду ISO (USD, EUR, CNY): покупка и продажа.

    Вызывай, когда спрашивают курс валюты. Не вызывай для пересчёта сумм.
    """
    time.sleep(BACKEND_DELAY)
    rates = {rate["code"]: rate for rate in load_json("exchange_rates.json")["rates"]}
    rate = rates.get(currency.strip().upper())
    if rate is None:
        return f"Нет курса для {currency}. Доступны: {', '.join(sorted(rates))}."
    return json.dumps(rate, ensure_ascii=False)


def agent_tools() -> list[BaseTool]:
    """The exchange-rate tool and the CRM balance tool, both slowed by :data:`BACKEND_DELAY`."""
    [balance] = [t for t in crm_tools(Crm()) if t.name == "get_account_balance"]

    @tool(balance.name, description=balance.description, extras=balance.extras)
    def get_account_balance(account_id: str) -> str:
        time.sleep(BACKEND_DELAY)
        return str(balance.invoke({"account_id": account_id}))

    return [get_exchange_rate, get_account_balance]


def run_agent(model: Any) -> tuple[int, float, str]:
    """Ask the two-part question; return (calls in one turn, tool wall time, final answer).

    The tool wall time of a turn runs from the model's message with the calls until the last
    of their ToolMessages: ``create_agent`` sends each call to the tools node separately, so
    ``stream_mode="updates"`` yields one ``tools`` update per call. The slowest turn counts; a
    turn whose calls are not all answered counts as infinitely slow.
    """
    agent = create_agent(model, agent_tools(), system_prompt=SYSTEM)
    started = time.perf_counter()
    widest = 0
    tool_started: float | None = None
    waiting = 0
    tool_time = 0.0
    final = ""
    for update in agent.stream({"messages": [HumanMessage(QUESTION)]}, stream_mode="updates"):
        for node, data in update.items():
            for message in data.get("messages", []):
                if isinstance(message, AIMessage) and message.tool_calls:
                    widest = max(widest, len(message.tool_calls))
                    calls = ", ".join(
                        f"{c['name']}({json.dumps(c['args'], ensure_ascii=False)})"
                        for c in message.tool_calls
                    )
                    print(f"🛠  один ход модели, {len(message.tool_calls)} вызова: {calls}")
                    tool_started, waiting = time.perf_counter(), len(message.tool_calls)
                elif isinstance(message, ToolMessage) and node == "tools":
                    print(f"   ↳ {message.name}: {message.text[:80]}")
                    waiting -= 1
                    if waiting == 0 and tool_started is not None:
                        tool_time = max(tool_time, time.perf_counter() - tool_started)
                        tool_started = None
                elif isinstance(message, AIMessage):
                    final = message.text
    if tool_started is not None:
        tool_time = math.inf
    print(f"💬 {final}")
    print(
        f"⏱  инструменты: {tool_time:.2f} с (последовательно было бы ≥ {2 * BACKEND_DELAY:.1f} с), "
        f"всего {time.perf_counter() - started:.2f} с"
    )
    return widest, tool_time, final


def draw(model: Any) -> bool:
    """Use the image_generate built-in and download the picture it made."""
    answer = model.bind_tools(["image_generate"], tool_choice="image_generate").invoke(
        "Нарисуй логотип Банка «Северный Ветер»: парус и ветер, синие тона"
    )
    images = [b for b in answer.content if isinstance(b, dict) and b.get("type") == "image"]
    for block in images:
        data = model.download_file(block["file_id"])
        print(f"🖼  {block['file_id']}: {block.get('mime_type')}, {len(data)} байт")
    print(f"💬 {answer.text}")
    return bool(images)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; 0 when one turn made two calls and they overlapped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="GigaChat-2-Max")
    parser.add_argument("--draw", action="store_true", help="also generate an image (built-in)")
    args = parser.parse_args(argv)
    with gigachat_backend():
        model = chat_model(model=args.model, api_version="v2", temperature=0)
        calls, tool_time, final = run_agent(model)
        ok = calls >= 2 and tool_time < 2 * BACKEND_DELAY and bool(final)
        if args.draw:
            ok = draw(model) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
