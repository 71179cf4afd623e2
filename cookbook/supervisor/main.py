"""Supervisor multi-agent: a supervisor routes each question to a "cards" or a "loans" agent.

Run ``python cookbook/supervisor/main.py``. Both specialists are ``create_agent`` agents with
their own tools and prompts; the supervisor sees them as two tools ("tools as agents") and
decides which one to ask.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # started as a file: make `cookbook.*` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from langchain.agents import create_agent
from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, tool

from cookbook._shared.runtime import chat_model, gigachat_backend
from cookbook.contact_centre.knowledge import LexicalRetriever, split_sections
from cookbook.data.loader import load_bank_docs

CARD_DOCS = frozenset({"debit_card_veter.md", "credit_card_uragan.md", "card_blocking.md"})
LOAN_DOCS = frozenset({"consumer_loan.md", "mortgage.md"})

SUPERVISOR_PROMPT = """Ты — диспетчер Банка «Северный Ветер» (вымышленный банк). Сам на вопросы не отвечай.

- Вопросы о дебетовых и кредитных картах, кешбэке, лимитах, блокировке карт — передай в ask_cards_expert.
- Вопросы о кредитах, ипотеке, ставках и ежемесячных платежах — передай в ask_loans_expert.
- Передавай вопрос клиента целиком, своими словами не сокращай.
- Ответ эксперта перескажи клиенту по-русски, коротко."""

CARDS_PROMPT = """Ты — эксперт по картам Банка «Северный Ветер». Отвечай только по документам из search_card_documents, по-русски, 2–4 предложения."""

LOANS_PROMPT = """Ты — кредитный эксперт Банка «Северный Ветер». Условия кредитов бери из search_loan_documents, ежемесячный платёж считай инструментом calculate_annuity_payment. Отвечай по-русски, 2–4 предложения."""

DEFAULT_QUESTIONS = (
    "Как заблокировать карту, если я её потерял?",
    "Какой будет платёж по кредиту: сумма 600000, ставка 19.9, срок 36 месяцев?",
)


def docs_search_tool(name: str, description: str, sources: frozenset[str]) -> BaseTool:
    """A document-search tool limited to ``sources``."""
    passages = [
        p for doc, text in load_bank_docs() if doc in sources for p in split_sections(doc, text)
    ]
    retriever = LexicalRetriever(passages)

    def search(query: str) -> str:
        found = retriever.search(query, k=2)
        return "\n\n".join(f"[{p.source}] {p.text[:600]}" for p in found) or "Ничего не найдено."

    return tool(name, description=description)(search)


def annuity_payment(amount: float, annual_rate_pct: float, term_months: int) -> float:
    """Monthly annuity payment, rounded to kopecks."""
    if term_months <= 0:
        raise ValueError("срок должен быть больше нуля")
    rate = annual_rate_pct / 100 / 12
    if rate == 0:
        return round(amount / term_months, 2)
    return round(amount * rate / (1 - (1 + rate) ** -term_months), 2)


@tool(parse_docstring=True)
def calculate_annuity_payment(amount: float, annual_rate_pct: float, term_months: int) -> str:
    """Рассчитай ежемесячный аннуитетный платёж по кредиту.

    Вызывай, когда клиент называет сумму, ставку и срок и спрашивает о платеже.

    Args:
        amount: Сумма кредита в рублях, число, например 600000.
        annual_rate_pct: Годовая ставка в процентах, число, например 19.9.
        term_months: Срок кредита в месяцах, целое число, например 36.
    """
    try:
        payment = annuity_payment(amount, annual_rate_pct, term_months)
    except ValueError as error:
        return f"Ошибка: {error}"
    return json.dumps(
        {
            "monthly_payment_rub": payment,
            "overpayment_rub": round(payment * term_months - amount, 2),
        }
    )


def build_specialists() -> dict[str, Any]:
    """The two specialised agents."""
    cards = create_agent(
        chat_model(temperature=0),
        [
            docs_search_tool(
                "search_card_documents",
                "Найди условия по картам банка: блокировка, лимиты, кешбэк, комиссии.",
                CARD_DOCS,
            )
        ],
        system_prompt=CARDS_PROMPT,
        name="cards_expert",
    )
    loans = create_agent(
        chat_model(temperature=0),
        [
            docs_search_tool(
                "search_loan_documents",
                "Найди условия кредитов и ипотеки банка: ставки, сроки, документы.",
                LOAN_DOCS,
            ),
            calculate_annuity_payment,
        ],
        system_prompt=LOANS_PROMPT,
        name="loans_expert",
    )
    return {"cards": cards, "loans": loans}


def build_supervisor(specialists: dict[str, Any], trace: list[str]) -> Any:
    """The supervisor agent whose tools call the specialists."""

    def ask(kind: str, question: str, runtime: ToolRuntime) -> str:
        # Pass the customer's own words along with the supervisor's summary: paraphrases lose
        # numbers and details the specialist needs.
        original = next(
            (m.text for m in reversed(runtime.state["messages"]) if isinstance(m, HumanMessage)), ""
        )
        trace.append(kind)
        print(f"   ↪ {kind}-агент получает: {question!r} (+ исходный вопрос клиента)")
        request = f"{original}\n\nКомментарий диспетчера: {question}" if original else question
        result = specialists[kind].invoke({"messages": [{"role": "user", "content": request}]})
        for message in result["messages"]:
            if isinstance(message, AIMessage):
                for call in message.tool_calls:
                    print(f"     🔧 {call['name']}({json.dumps(call['args'], ensure_ascii=False)})")
        return str(result["messages"][-1].content)

    @tool(parse_docstring=True)
    def ask_cards_expert(question: str, runtime: ToolRuntime) -> str:
        """Передай вопрос эксперту по банковским картам: дебетовые и кредитные карты, кешбэк, лимиты, блокировка карты.

        Args:
            question: Вопрос клиента целиком, по-русски.
        """
        return ask("cards", question, runtime)

    @tool(parse_docstring=True)
    def ask_loans_expert(question: str, runtime: ToolRuntime) -> str:
        """Передай вопрос кредитному эксперту: кредит, ипотека, ставка, ежемесячный платёж, переплата.

        Args:
            question: Вопрос клиента целиком, по-русски.
        """
        return ask("loans", question, runtime)

    return create_agent(
        chat_model(temperature=0),
        [ask_cards_expert, ask_loans_expert],
        system_prompt=SUPERVISOR_PROMPT,
        name="supervisor",
    )


def main(argv: list[str] | None = None) -> int:
    """Route the scripted questions; 0 when each one reached a specialist and got an answer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-q", "--question", action="append", help="вопрос клиента (можно несколько)"
    )
    args = parser.parse_args(argv)
    questions = args.question or list(DEFAULT_QUESTIONS)
    routed: list[list[str]] = []
    with gigachat_backend():
        try:
            specialists = build_specialists()
            for question in questions:
                trace: list[str] = []
                supervisor = build_supervisor(specialists, trace)
                print(f"\n👤 {question}")
                result = supervisor.invoke({"messages": [{"role": "user", "content": question}]})
                for message in result["messages"]:
                    if isinstance(message, ToolMessage):
                        print(
                            f"   📎 {message.name} вернул ответ ({len(str(message.content))} симв.)"
                        )
                print(f"🤖 {str(result['messages'][-1].content)[:400]}")
                print(
                    f"[route] {' → '.join(['supervisor', *trace]) if trace else 'supervisor (без эксперта)'}"
                )
                routed.append(trace)
        except Exception as error:
            print(f"Ошибка: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    return 0 if all(routed) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
