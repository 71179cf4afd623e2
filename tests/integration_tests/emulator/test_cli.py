"""The console script and ``python -m`` entry point, run in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from langchain_gigachat_ext.emulator.runner import DEFAULT_CREDENTIALS

SCRIPT = Path(sys.executable).with_name("gigachat-emulator")
COMMANDS = [
    pytest.param([sys.executable, "-m", "langchain_gigachat_ext.emulator"], id="python-m"),
    pytest.param(
        [str(SCRIPT)],
        id="console-script",
        marks=pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed"),
    ),
]


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_serves(command: list[str], tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    args = [
        *command,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--request-log",
        str(log),
        "--latency",
        "0",
    ]
    with subprocess.Popen(args, stdout=subprocess.PIPE, text=True) as process:  # noqa: S603
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            match = re.fullmatch(
                r"GigaChat emulator listening on http://127\.0\.0\.1:(\d+)\n", first
            )
            assert match, first
            origin = f"http://127.0.0.1:{match.group(1)}"
            headers = {
                "Authorization": f"Basic {DEFAULT_CREDENTIALS}",
                "RqUID": "8da54264-2463-42be-9aa7-c844d5e45180",
            }
            token = httpx.post(
                f"{origin}/api/v2/oauth",
                headers=headers,
                data={"scope": "GIGACHAT_API_PERS"},
                timeout=10,
            ).json()["access_token"]
            models = httpx.get(
                f"{origin}/v1/models", headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            assert models.status_code == 200
            assert models.json()["data"][0]["id"] == "GigaChat"
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert len(log.read_text(encoding="utf-8").splitlines()) == 2


def test_cli_fault_flags() -> None:
    from langchain_gigachat_ext.emulator.cli import build_parser, faults_from_args

    args = build_parser().parse_args(
        [
            "--fail-first",
            "2",
            "--fail-status",
            "429",
            "--retry-after",
            "3",
            "--failure-statuses",
            "500,503",
            "--cut-stream-after",
            "4",
            "--malformed-chunk-at",
            "1",
            "--unauthorized-after",
            "5",
            "--token-ttl",
            "60",
            "--chunk-delay",
            "0.5",
        ]
    )
    faults = faults_from_args(args)
    assert faults.failure_statuses == (500, 503)
    assert (faults.cut_stream_after, faults.malformed_chunk_at, faults.unauthorized_after) == (
        4,
        1,
        5,
    )
    assert faults.token_ttl == 60
    assert faults.chunk_delay == 0.5
    assert faults.draw_failure() == (429, {"Retry-After": "3"})


EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - bound for a moment, to see the warning it earns
"""A ``--host`` other machines can reach."""


@pytest.mark.parametrize(
    ("host", "warned"), [(EVERY_INTERFACE, True), ("127.0.0.1", False)], ids=["all", "loopback"]
)
def test_cli_warns_loudly_when_reachable_from_other_machines(host: str, warned: bool) -> None:
    args = [sys.executable, "-m", "langchain_gigachat_ext.emulator", "--host", host, "--port", "0"]
    with subprocess.Popen(  # noqa: S603
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith("GigaChat emulator listening on")
        finally:
            process.terminate()
            _, errors = process.communicate(timeout=10)
    assert ("NO real security" in errors) is warned, errors
    if warned:
        assert f"listening on {host}" in errors
