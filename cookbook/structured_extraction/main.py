"""Structured extraction: bank documents → validated pydantic records, in a parallel batch.

Run ``python cookbook/structured_extraction/main.py``. Every document in
``cookbook/data/extraction_docs/`` is first classified (``DocumentKind``), then extracted with
``ChatGigaChat.with_structured_output`` into the matching record (nested models, optionals,
unions), both steps through ``batch`` with ``max_concurrency`` and a tqdm bar. Records are
validated by pydantic and compared field by field with ``extraction_expected.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

if __package__ in {None, ""}:  # started as a file: make `cookbook.*` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from langchain_core.messages import HumanMessage, SystemMessage
from tqdm import tqdm

from cookbook._shared.runtime import chat_model, gigachat_backend
from cookbook.data.loader import data_dir, load_json
from cookbook.structured_extraction.schema import (
    RECORD_TYPES,
    CardBlockRequest,
    Complaint,
    DocumentKind,
    LoanApplication,
)

SYSTEM_PROMPT = """Ты извлекаешь данные из документов Банка «Северный Ветер» (вымышленный банк).

Правила:
- Сначала определи тип документа: заявка на кредит (loan_application), жалоба (complaint) или обращение о блокировке карты (card_block_request).
- Бери значения только из текста документа. Если поля нет в тексте, ставь null; ничего не придумывай.
- Суммы — числа без пробелов и знака валюты: «1 250 000 ₽» → 1250000.
- Даты — YYYY-MM-DD, дата и время — ISO 8601 с часовым поясом (+03:00 для МСК).
- Срок кредита — в месяцах: «4 года» → 48.
- ФИО пиши полностью, как в документе."""


def load_documents() -> list[tuple[str, str]]:
    """``(file name, text)`` for every extraction document, sorted by name."""
    folder = data_dir() / "extraction_docs"
    return [(path.name, path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.txt"))]


def normalise(value: Any) -> Any:
    """Comparable form: dates as ISO text, strings case- and space-insensitive, numbers as float."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return "".join(value.lower().replace("ё", "е").split())
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items()}
    return value


def compare(record: dict[str, Any], expected: dict[str, Any]) -> tuple[int, int]:
    """``(matching fields, expected fields)`` for one document."""
    matched = sum(normalise(record.get(key)) == normalise(value) for key, value in expected.items())
    return matched, len(expected)


def run_batch(runnable: Any, inputs: list[Any], max_concurrency: int, desc: str) -> list[Any]:
    """``runnable.batch`` with a progress bar; results in input order, exceptions in place."""
    results: list[Any] = [None] * len(inputs)
    config: Any = {"max_concurrency": max_concurrency}
    with tqdm(total=len(inputs), desc=desc, unit="док", file=sys.stdout) as progress:
        for index, result in runnable.batch_as_completed(
            inputs, config=config, return_exceptions=True
        ):
            results[index] = result
            progress.update(1)
    return results


def prompt_for(name: str, text: str, task: str) -> list[Any]:
    """Messages asking to ``task`` for one document."""
    return [SystemMessage(SYSTEM_PROMPT), HumanMessage(f"{task}\n\nДокумент «{name}»:\n\n{text}")]


def extract_all(documents: list[tuple[str, str]], max_concurrency: int) -> list[Any]:
    """Classify, then extract; one record (or exception) per document, in order."""
    model = chat_model(temperature=0)
    classifier = model.with_structured_output(DocumentKind)
    kinds = run_batch(
        classifier,
        [prompt_for(name, text, "Определи тип документа.") for name, text in documents],
        max_concurrency,
        "классификация",
    )
    results: list[Any] = list(kinds)
    for doc_type, record_type in RECORD_TYPES.items():
        picked = [
            i
            for i, kind in enumerate(kinds)
            if isinstance(kind, DocumentKind) and kind.doc_type == doc_type
        ]
        if not picked:
            continue
        extractor = model.with_structured_output(record_type)
        inputs = [prompt_for(*documents[i], "Извлеки поля документа.") for i in picked]
        for index, record in zip(
            picked, run_batch(extractor, inputs, max_concurrency, doc_type), strict=True
        ):
            results[index] = record
    return results


def main(argv: list[str] | None = None) -> int:
    """Extract every document; 0 when all records validate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-concurrency", type=int, default=3)
    args = parser.parse_args(argv)
    documents = load_documents()
    expected = load_json("extraction_expected.json")["documents"]
    with gigachat_backend() as backend:
        try:
            results = extract_all(documents, args.max_concurrency)
        except Exception as error:
            print(f"Ошибка: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    valid = matched = total = 0
    for (name, _), result in zip(documents, results, strict=True):
        if not isinstance(result, (LoanApplication, Complaint, CardBlockRequest)):
            print(f"❌ {name}: {type(result).__name__}: {result}")
            continue
        valid += 1
        record = result.model_dump()
        got, out_of = compare(record, expected.get(name, {}))
        matched, total = matched + got, total + out_of
        print(f"✅ {name}: {record['doc_type']}, совпало полей {got}/{out_of}")
        print(f"   {result.model_dump_json()}")
    rate = matched / total if total else 0.0
    print(f"\nвалидных записей: {valid}/{len(documents)}; совпадение с эталоном: {rate:.0%}")
    if backend.kind == "emulator":
        print(
            "(эмулятор отвечает синтетическими значениями: проверяется валидность, а не точность)"
        )
    return 0 if valid == len(documents) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
