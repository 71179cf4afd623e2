"""Fault knobs: failures first or at a seeded rate."""

from __future__ import annotations

from typing import Any

from langchain_gigachat_ext.emulator.faults import Faults


def test_faults_fail_first_then_clean() -> None:
    faults = Faults()
    faults.fail_first(2, status=500)
    assert [faults.draw_failure() for _ in range(3)] == [(500, {}), (500, {}), None]


def test_faults_random_failures_are_reproducible() -> None:
    def draws() -> list[Any]:
        faults = Faults(failure_rate=0.5, seed=7)
        return [faults.draw_failure() for _ in range(30)]

    first = draws()
    assert first == draws()
    assert None in first
    assert any(first)
