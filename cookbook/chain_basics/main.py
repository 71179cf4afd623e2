"""Chain basics with GigaChat: prompt | model | parser, batch, fallbacks, tool calling without an agent.

Run ``python cookbook/chain_basics/main.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in {None, ""}:  # started as a file: make `cookbook.*` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from cookbook._shared.runtime import chat_model, gigachat_backend
from cookbook.flagship_agent.tools import convert_currency

PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Ты — консультант Банка «Северный Ветер» (вымышленный банк). Отвечай по-русски одним-двумя предложениями.",
        ),
        ("human", "Объясни простыми словами, что такое {term}."),
    ]
)
TERMS = ("кешбэк", "льготный период по кредитной карте", "накопительный счёт")


def main(argv: list[str] | None = None) -> int:
    """Run the four demos; 0 when each produced its expected kind of output."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="GigaChat-2")
    args = parser.parse_args(argv)
    checks: dict[str, bool] = {}
    with gigachat_backend():
        try:
            model = chat_model(model=args.model, temperature=0)
            chain = PROMPT | model | StrOutputParser()

            print("\n1) prompt | model | parser")
            answer = chain.invoke({"term": "эквайринг"})
            print(f"   {answer}")
            checks["chain"] = bool(answer.strip())

            print("\n2) batch с max_concurrency=3")
            answers = chain.batch([{"term": term} for term in TERMS], config={"max_concurrency": 3})
            for term, text in zip(TERMS, answers, strict=True):
                print(f"   {term}: {text}")
            checks["batch"] = len(answers) == len(TERMS) and all(a.strip() for a in answers)

            print("\n3) with_fallbacks: несуществующая модель → GigaChat-2")
            broken = chat_model(model="GigaChat-Nonexistent", max_retries=0)
            resilient = PROMPT | broken.with_fallbacks([model])
            fallback_reply = resilient.invoke({"term": "овердрафт"})
            answered_by = fallback_reply.response_metadata.get("model_name", "?")
            print(f"   ответила модель {answered_by}: {fallback_reply.text}")
            checks["fallbacks"] = (
                bool(fallback_reply.text.strip()) and "Nonexistent" not in answered_by
            )

            print("\n4) вызов инструмента без агента")
            with_tools = model.bind_tools([convert_currency])
            question = HumanMessage("Сколько будет 200 евро в рублях?")
            reply = with_tools.invoke([question])
            for call in reply.tool_calls:
                print(f"   модель просит: {call['name']}({call['args']})")
            results = [
                ToolMessage(str(convert_currency.invoke(call["args"])), tool_call_id=call["id"])
                for call in reply.tool_calls
            ]
            for result in results:
                print(f"   результат: {result.content}")
            final = with_tools.invoke([question, reply, *results])
            print(f"   ответ: {final.text}")
            checks["tools"] = bool(reply.tool_calls) and bool(final.text.strip())
        except Exception as error:
            print(f"Ошибка: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    failed = [name for name, ok in checks.items() if not ok]
    summary = ", ".join(f"{name}={'ok' if ok else 'FAIL'}" for name, ok in checks.items())
    print(f"\nпроверки: {summary}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
