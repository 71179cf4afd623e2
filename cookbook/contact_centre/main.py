"""Bank contact centre: RAG over product documents, CRM tools, human approval, structured tickets.

Run ``python cookbook/contact_centre/main.py``. State-changing actions (``block_card``) stop the
agent and wait for an operator decision: ``--operator auto`` approves well-formed requests and
rejects the rest (default), ``--operator ask`` asks on the terminal, ``--operator reject``
rejects everything.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # started as a file: make `cookbook.*` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.types import Command

from cookbook._shared.runtime import chat_model, gigachat_backend
from cookbook.contact_centre.crm import Crm, crm_tools
from cookbook.contact_centre.knowledge import build_retriever
from cookbook.contact_centre.ticket import Ticket

SYSTEM_PROMPT = """Ты — оператор контактного центра Банка «Северный Ветер» (вымышленный банк). Отвечай по-русски, вежливо и коротко.

Правила:
- Вопросы об условиях, тарифах и лимитах: сначала вызови search_bank_documents и отвечай только по найденным фрагментам; укажи файлы-источники в поле sources.
- Баланс: вызови get_account_balance, только если клиент назвал номер счёта ACC-XXXXXX; иначе попроси номер.
- Блокировка карты: вызови block_card, только если клиент просит заблокировать карту или сообщает о потере или краже; нужны последние 4 цифры карты. Блокировку подтверждает оператор-человек.
- Никогда не проси полный номер карты, CVV или коды из SMS.
- Если не можешь помочь, поставь escalate_to_human = true."""

DEFAULT_TURNS = (
    "Какой лимит на снятие наличных в банкоматах по дебетовой карте?",
    "Какой остаток на счёте ACC-100101?",
    "Я потерял карту 4821, заблокируйте её, пожалуйста",
)
MAX_RESUMES = 5
"""Upper bound on approval rounds per turn (each state-changing call is one round)."""

_LAST4 = re.compile(r"^\d{4}$")


def docs_tool(retriever: Any) -> BaseTool:
    """The RAG tool over the bank documents."""

    @tool(
        parse_docstring=True,
        extras={
            "few_shot_examples": [
                {
                    "request": "Какой лимит на снятие наличных по карте?",
                    "params": {"question": "лимит снятия наличных по карте"},
                },
                {
                    "request": "Сколько стоит обслуживание карты «Ветер»?",
                    "params": {"question": "стоимость обслуживания карты Ветер"},
                },
            ]
        },
    )
    def search_bank_documents(question: str) -> str:
        """Найди в документах банка условия по картам, вкладам и кредитам: тарифы, лимиты, снятие наличных, комиссии, сроки.

        Вызывай перед любым ответом об условиях продуктов. Не вызывай для баланса и блокировки карты.

        Args:
            question: Вопрос клиента своими словами, 3–12 слов, например «лимит снятия наличных по дебетовой карте».
        """
        passages = retriever.search(question, k=3)
        if not passages:
            return "В документах ничего не найдено."
        return "\n\n".join(f"[{p.source}] {p.title}\n{p.text[:700]}" for p in passages)

    return search_bank_documents


def operator_decision(action: dict[str, Any], policy: str) -> dict[str, Any]:
    """A human operator's decision on one pending action (``approve`` or ``reject``)."""
    args = action.get("args", {})
    print(f"🧑‍💼 на подтверждение: {action['name']}({json.dumps(args, ensure_ascii=False)})")
    if policy == "ask":
        answer = input("   Подтвердить? [y/N] ").strip().lower()
        approved = answer in {"y", "yes", "д", "да"}
    elif policy == "reject":
        approved = False
    else:
        approved = bool(_LAST4.match(str(args.get("card_last4", ""))))
    print(f"   решение оператора: {'одобрено' if approved else 'отклонено'}")
    if approved:
        return {"type": "approve"}
    return {
        "type": "reject",
        "message": "Оператор отклонил действие: уточните у клиента последние 4 цифры карты.",
    }


def run_turn(agent: Any, question: str, config: dict[str, Any], policy: str) -> dict[str, Any]:
    """One customer turn, including operator approvals; returns the final agent state."""
    print(f"\n👤 {question}")
    seen = len(agent.get_state(config).values.get("messages", [])) + 1
    state: Any = agent.invoke({"messages": [{"role": "user", "content": question}]}, config)
    for _ in range(MAX_RESUMES):
        interrupts = state.get("__interrupt__") if isinstance(state, dict) else None
        if not interrupts:
            break
        requests = interrupts[0].value["action_requests"]
        decisions = [operator_decision(action, policy) for action in requests]
        state = agent.invoke(Command(resume={"decisions": decisions}), config)
    for message in state["messages"][seen:]:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                print(f"🔧 {call['name']}({json.dumps(call['args'], ensure_ascii=False)})")
        elif isinstance(message, ToolMessage):
            print(f"📎 {message.name} → {str(message.content).replace(chr(10), ' ')[:140]}")
    ticket = state.get("structured_response")
    if isinstance(ticket, Ticket):
        print("🎫 " + ticket.model_dump_json(indent=None))
    return state


def build_agent(crm: Crm, retriever: Any) -> Any:
    """The contact-centre agent with human approval for ``block_card``."""
    serde = JsonPlusSerializer(
        allowed_msgpack_modules=[("cookbook.contact_centre.ticket", "Ticket")]
    )
    return create_agent(
        chat_model(temperature=0),
        [docs_tool(retriever), *crm_tools(crm)],
        system_prompt=SYSTEM_PROMPT,
        middleware=[
            HumanInTheLoopMiddleware(
                interrupt_on={"block_card": {"allowed_decisions": ["approve", "reject"]}},
                description_prefix="Блокировка карты требует подтверждения оператора",
            )
        ],
        response_format=Ticket,
        checkpointer=InMemorySaver(serde=serde),
    )


def main(argv: list[str] | None = None) -> int:
    """Run the scripted customer conversation; 0 when every turn produced a valid ticket."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-q", "--question", action="append", help="реплика клиента (можно несколько)"
    )
    parser.add_argument("--operator", choices=["auto", "ask", "reject"], default="auto")
    parser.add_argument("--lexical", action="store_true", help="не использовать эмбеддинги")
    args = parser.parse_args(argv)
    questions = args.question or list(DEFAULT_TURNS)
    crm = Crm()
    with gigachat_backend():
        try:
            retriever, how = build_retriever(prefer_embeddings=not args.lexical)
            print(f"[rag] {how}")
            agent = build_agent(crm, retriever)
            config: dict[str, Any] = {"configurable": {"thread_id": f"cc-{uuid.uuid4().hex[:8]}"}}
            tickets = [
                run_turn(agent, q, config, args.operator).get("structured_response")
                for q in questions
            ]
        except Exception as error:
            print(f"Ошибка: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    print(f"\n[crm] журнал изменений: {crm.audit_log or 'пусто'}")
    if not all(isinstance(ticket, Ticket) for ticket in tickets):
        print("Не на каждую реплику получен тикет", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
