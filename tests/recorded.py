"""Access to the real GigaChat traffic recorded by the SDK's tests (kept in ../shared, never copied)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

RECORDED_DIR = Path(
    os.environ.get(
        "GIGACHAT_RECORDED_DIR",
        Path(__file__).resolve().parents[1].parent / "shared" / "gigachat-api" / "recorded",
    )
)


def recorded_dir() -> Path:
    """The recordings folder, or skip the test with the reason."""
    if not RECORDED_DIR.is_dir():
        pytest.skip(
            f"recorded GigaChat traffic not found at {RECORDED_DIR} "
            "(set GIGACHAT_RECORDED_DIR to the shared/gigachat-api/recorded folder)"
        )
    return RECORDED_DIR


def interactions(cassette: str) -> list[dict[str, Any]]:
    """The interactions of one cassette (``cassettes/<name>.yaml``)."""
    path = recorded_dir() / "cassettes" / f"{cassette}.yaml"
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"])


def api_response(cassette: str, path_part: str) -> tuple[int, dict[str, str], str]:
    """Status, headers (first values) and body of the first interaction whose URI has ``path_part``."""
    for interaction in interactions(cassette):
        if path_part in interaction["request"]["uri"]:
            response = interaction["response"]
            headers = {key: values[0] for key, values in response["headers"].items()}
            return response["status"]["code"], headers, response["body"]["string"]
    msg = f"{cassette} has no request to {path_part}"
    raise LookupError(msg)
