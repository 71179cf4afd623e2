"""A tiny in-memory CRM over ``crm_accounts.json`` and the contact centre's tools.

State-changing tools (``block_card``) only run after a human operator approves them
(``HumanInTheLoopMiddleware`` in ``main.py``).
"""

from __future__ import annotations

import copy
import json
from typing import Any, Literal

from langchain_core.tools import BaseTool, tool

from cookbook.data.loader import load_json

BlockReason = Literal["lost", "stolen", "suspicious_operations", "other"]


class Crm:
    """Customers, accounts and cards (a private copy of the sample data)."""

    def __init__(self) -> None:
        """Load a fresh copy of ``crm_accounts.json``."""
        self.customers: list[dict[str, Any]] = copy.deepcopy(
            load_json("crm_accounts.json")["customers"]
        )
        self.audit_log: list[str] = []

    def account(self, account_id: str) -> dict[str, Any] | None:
        """The account with ``account_id`` (case-insensitive) and its owner's name."""
        for customer in self.customers:
            for account in customer["accounts"]:
                if account["account_id"].lower() == account_id.strip().lower():
                    return {**account, "owner": customer["full_name"]}
        return None

    def cards_ending(self, last4: str) -> list[dict[str, Any]]:
        """Cards whose number ends with ``last4``."""
        digits = "".join(ch for ch in last4 if ch.isdigit())[-4:]
        return [
            card
            for customer in self.customers
            for card in customer["cards"]
            if card["last4"] == digits
        ]

    def block(self, last4: str, reason: str) -> dict[str, Any]:
        """Block the card ending with ``last4``; returns what happened."""
        cards = self.cards_ending(last4)
        if len(cards) != 1:
            return {"status": "error", "message": f"карта *{last4} не найдена или не однозначна"}
        card = cards[0]
        if card["status"] in {"blocked_lost", "blocked"}:
            return {"status": "already_blocked", "card": card["masked_number"]}
        card["status"] = "blocked_lost" if reason in {"lost", "stolen"} else "temporarily_blocked"
        self.audit_log.append(f"block {card['card_id']} reason={reason}")
        return {"status": card["status"], "card": card["masked_number"], "reason": reason}


def crm_tools(crm: Crm) -> list[BaseTool]:
    """The CRM tools bound to ``crm``, with GigaChat ``few_shot_examples``."""

    @tool(
        parse_docstring=True,
        extras={
            "few_shot_examples": [
                {
                    "request": "Какой остаток на счёте ACC-100101?",
                    "params": {"account_id": "ACC-100101"},
                },
                {
                    "request": "сколько денег на счету acc-100202",
                    "params": {"account_id": "ACC-100202"},
                },
            ]
        },
    )
    def get_account_balance(account_id: str) -> str:
        """Покажи остаток на счёте клиента по номеру счёта. Только чтение, ничего не меняет.

        Вызывай, когда клиент спрашивает баланс или остаток и назвал номер счёта.
        Если номер счёта не назван, не вызывай: сначала попроси его.

        Args:
            account_id: Номер счёта в формате ACC-XXXXXX (6 цифр), например ACC-100101.
        """
        account = crm.account(account_id)
        if account is None:
            return (
                f"Счёт {account_id} не найден. Попроси клиента проверить номер (формат ACC-XXXXXX)."
            )
        return json.dumps(account, ensure_ascii=False)

    @tool(
        parse_docstring=True,
        extras={
            "few_shot_examples": [
                {
                    "request": "Я потерял карту 4821, заблокируйте её",
                    "params": {"card_last4": "4821", "reason": "lost"},
                },
                {
                    "request": "У меня украли карту, последние цифры 3315",
                    "params": {"card_last4": "3315", "reason": "stolen"},
                },
            ]
        },
    )
    def block_card(card_last4: str, reason: BlockReason) -> str:
        """Заблокируй банковскую карту клиента. Действие меняет состояние и требует подтверждения оператора.

        Вызывай, только когда клиент прямо просит заблокировать карту или сообщает о потере,
        краже или подозрительных операциях. Не вызывай для вопросов о том, как блокировать.

        Args:
            card_last4: Последние 4 цифры номера карты, ровно 4 цифры, например 4821.
            reason: Причина: lost — потеряна, stolen — украдена, suspicious_operations — подозрительные операции, other — другое.
        """
        return json.dumps(crm.block(card_last4, reason), ensure_ascii=False)

    return [get_account_balance, block_card]
