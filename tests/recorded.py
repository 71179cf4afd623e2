"""Access to the real GigaChat traffic recorded by the SDK's tests (kept in ../shared, never copied).

Without the recordings a local run skips the tests that read them, with the reason; in CI
(``CI=true``, set by the runner that starts ``.ci/run``) those tests fail instead, so CI cannot go
green without them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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


def in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment says this is a CI run (``CI=true``; ``1`` and ``yes`` too)."""
    return environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_recordings(
    folder: Path = RECORDED_DIR, environ: Mapping[str, str] = os.environ
) -> Path:
    """``folder`` when it exists; otherwise skip the calling test, or fail it in CI.

    Raises:
        pytest.skip.Exception: The recordings are absent on a local run (the reason says where
            they were looked for).
        pytest.fail.Exception: The recordings are absent in CI.
    """
    if folder.is_dir():
        return folder
    reason = (
        f"recorded GigaChat traffic not found at {folder} "
        "(set GIGACHAT_RECORDED_DIR to the shared/gigachat-api/recorded folder)"
    )
    if in_ci(environ):
        pytest.fail(
            f"{reason}; CI=true requires the recordings, tests must not skip", pytrace=False
        )
    pytest.skip(reason)


def recorded_dir() -> Path:
    """The recordings folder (skips the test without it locally, fails it in CI)."""
    return require_recordings()


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
