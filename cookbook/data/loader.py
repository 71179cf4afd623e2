"""Load the fictional bank data shipped with the cookbook examples.

Everything under ``cookbook/data`` is fictional and written for this project; see README.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BANK_DOCS_DIR = "bank_docs"
EVAL_FILE = "rag_eval.jsonl"


def data_dir() -> Path:
    """Return the directory holding the cookbook data files.

    Returns:
        Absolute path of ``cookbook/data``.
    """
    return Path(__file__).resolve().parent


def load_bank_docs() -> list[tuple[str, str]]:
    """Load the bank FAQ documents sorted by file name.

    Returns:
        Pairs of ``(file name, Markdown text)``, e.g. ``("mortgage.md", "# Ипотека...")``.
    """
    docs_dir = data_dir() / BANK_DOCS_DIR
    return [(path.name, path.read_text(encoding="utf-8")) for path in sorted(docs_dir.glob("*.md"))]


def load_eval() -> list[dict[str, Any]]:
    """Load the labelled retrieval questions.

    Returns:
        One dict per non-empty line with keys ``question``, ``relevant`` (document file
        names) and ``answer_contains`` (short facts the answer should mention).
    """
    lines = (data_dir() / EVAL_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_json(name: str) -> Any:
    """Load a JSON file from the data directory.

    Args:
        name: File name relative to ``cookbook/data``, e.g. ``"products.json"``.

    Returns:
        The parsed JSON value.
    """
    return json.loads((data_dir() / name).read_text(encoding="utf-8"))
