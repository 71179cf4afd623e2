"""The structured ticket the contact-centre agent returns after every customer turn."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Topic = Literal["product_question", "balance", "card_block", "complaint", "other"]


class Ticket(BaseModel):
    """Обращение клиента в контактный центр: ответ и разметка для CRM."""

    reply: str = Field(description="Ответ клиенту по-русски, 1–3 предложения, без выдуманных цифр")
    """The answer shown to the customer."""
    topic: Topic = Field(
        description="Тема: product_question — вопрос о продукте, balance — баланс, card_block — блокировка карты, complaint — жалоба, other — другое"
    )
    """Routing label for the CRM."""
    account_id: str | None = Field(
        default=None, description="Номер счёта ACC-XXXXXX, если клиент его назвал"
    )
    """Account the request is about, when named."""
    card_last4: str | None = Field(
        default=None, description="Последние 4 цифры карты, если клиент их назвал"
    )
    """Card the request is about, when named."""
    escalate_to_human: bool = Field(description="true, если нужен живой оператор")
    """Whether a human operator must take over."""
    sources: list[str] = Field(
        default_factory=list, description="Файлы документов банка, на которых основан ответ"
    )
    """Bank documents the reply relies on."""
