"""Pydantic records extracted from bank documents: nested models, optionals and a union.

Field descriptions are in Russian and say exactly which format GigaChat must use.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field

Channel = Literal["chat", "branch", "phone", "app", "email"]


class CoBorrower(BaseModel):
    """Созаёмщик по кредиту."""

    name: str = Field(description="ФИО созаёмщика полностью")
    """Full name."""
    relation: str = Field(
        description="Кем приходится заявителю, одним словом: супруг, супруга, отец…"
    )
    """Relation to the applicant."""
    monthly_income_rub: int | None = Field(
        default=None, description="Ежемесячный доход в рублях, целое число"
    )
    """Monthly income, RUB."""


class LoanApplication(BaseModel):
    """Заявка на кредит или ипотеку."""

    doc_type: Literal["loan_application"] = Field(description="Всегда loan_application")
    """Discriminator."""
    applicant_name: str = Field(description="ФИО заявителя полностью")
    """Applicant's full name."""
    product: str = Field(
        description="Название продукта банка, например Потребительский кредит «Попутный»"
    )
    """Requested product."""
    monthly_income_rub: int = Field(
        description="Ежемесячный доход заявителя в рублях, целое число без пробелов"
    )
    """Monthly income, RUB."""
    requested_amount_rub: int = Field(
        description="Запрошенная сумма в рублях, целое число без пробелов"
    )
    """Requested amount, RUB."""
    term_months: int = Field(description="Срок в месяцах (годы умножь на 12)")
    """Loan term in months."""
    purpose: str = Field(description="Цель кредита, 1–5 слов")
    """Purpose of the loan."""
    co_borrower: CoBorrower | None = Field(
        default=None, description="Созаёмщик, если он указан; иначе null"
    )
    """Co-borrower, if any."""
    application_date: dt.date = Field(description="Дата заявки в формате YYYY-MM-DD")
    """Application date."""


class Complaint(BaseModel):
    """Жалоба клиента."""

    doc_type: Literal["complaint"] = Field(description="Всегда complaint")
    """Discriminator."""
    customer_name: str = Field(description="ФИО клиента полностью")
    """Customer's full name."""
    channel: Channel = Field(description="Канал обращения: chat, branch, phone, app или email")
    """Where the complaint came from."""
    product: str = Field(description="Продукт банка, к которому относится жалоба")
    """Product concerned."""
    disputed_amount_rub: float | None = Field(
        default=None, description="Оспариваемая сумма в рублях, число; null если нет"
    )
    """Disputed amount, RUB."""
    operation_date: dt.date | None = Field(
        default=None, description="Дата спорной операции YYYY-MM-DD; null если не указана"
    )
    """Date of the disputed operation."""
    complaint_date: dt.date = Field(description="Дата жалобы YYYY-MM-DD")
    """Date of the complaint."""
    reason: str = Field(description="Суть жалобы, 2–6 слов")
    """What the complaint is about."""


class Money(BaseModel):
    """Сумма с валютой."""

    value: float = Field(description="Сумма числом")
    """Amount."""
    currency: str = Field(description="Код валюты ISO 4217, например RUB, USD, TRY")
    """ISO 4217 code."""


class CardBlockRequest(BaseModel):
    """Обращение о блокировке карты."""

    doc_type: Literal["card_block_request"] = Field(description="Всегда card_block_request")
    """Discriminator."""
    customer_name: str = Field(description="ФИО клиента полностью")
    """Customer's full name."""
    channel: Channel = Field(description="Канал обращения: chat, branch, phone, app или email")
    """Where the request came from."""
    card_last4: str = Field(description="Последние 4 цифры карты, ровно 4 цифры")
    """Last four digits of the card."""
    product: str = Field(description="Название карты")
    """Card product."""
    reason: str = Field(description="Причина блокировки одним словом: кража, утеря, мошенничество")
    """Why the card is blocked."""
    block_type: Literal["temporary", "permanent"] = Field(
        description="temporary — временная, permanent — постоянная"
    )
    """Kind of block."""
    reissue_requested: bool = Field(description="true, если клиент просит перевыпуск карты")
    """Whether a reissue was requested."""
    disputed_amount: Money | None = Field(
        default=None, description="Оспариваемая операция, если есть"
    )
    """Disputed operation, if any."""
    request_datetime: dt.datetime = Field(
        description="Дата и время обращения ISO 8601 с часовым поясом"
    )
    """When the request was made."""


class DocumentKind(BaseModel):
    """Тип документа банка."""

    doc_type: Literal["loan_application", "complaint", "card_block_request"] = Field(
        description="loan_application — заявка на кредит или ипотеку, complaint — жалоба, card_block_request — блокировка карты"
    )
    """Which record kind to extract."""


ExtractedRecord = Annotated[
    LoanApplication | Complaint | CardBlockRequest, Field(discriminator="doc_type")
]
"""Any extracted record; ``doc_type`` tells which."""

RECORD_TYPES: dict[str, type[LoanApplication | Complaint | CardBlockRequest]] = {
    "loan_application": LoanApplication,
    "complaint": Complaint,
    "card_block_request": CardBlockRequest,
}
"""The record model for each document kind."""
