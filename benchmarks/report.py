"""Render the results: one Markdown table (PASS/FAIL per target row) and a JSON dump."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench_common import OFFICIAL, OURS, SDK, Row


def _value(row: Row, contender: str) -> str:
    value = row.values.get(contender)
    if value is None:
        return "—"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def _ratio(row: Row) -> str:
    if row.ratio is None:
        return "—"
    shown = f"{row.ratio:.1%}" if row.percent else f"{row.ratio:.3f}"
    return f"{row.ratio_label} {shown}"


def markdown(rows: list[Row], context: dict[str, Any]) -> str:
    """The results table: the medians, the judged ratio and a verdict per row."""
    lines = [
        "# Benchmark results",
        "",
        (
            f"Run at {context['when']} on {context['machine']}; {context['versions']}. "
            "Emulators in their own processes on 127.0.0.1; contenders take turns within a row."
        ),
        "",
        "| measurement | unit | ours | SDK | langchain-gigachat | ratio | target | verdict | note |",
        "|---|---|---:|---:|---:|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            row.name,
            row.unit,
            _value(row, OURS),
            _value(row, SDK),
            _value(row, OFFICIAL),
            _ratio(row),
            row.target,
            f"**{row.verdict}**" if row.verdict else "",
            row.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    passed = sum(1 for row in rows if row.passed)
    judged = sum(1 for row in rows if row.passed is not None)
    lines += [
        "",
        (
            f"{passed} of {judged} targets met{' (quick run)' if context['quick'] else ''}. "
            f"Total bench time: {context['seconds']:.0f} s."
        ),
        "",
    ]
    return "\n".join(lines)


def write(rows: list[Row], context: dict[str, Any], out_dir: Path) -> None:
    """Write ``latest.md`` and ``latest.json``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.md").write_text(markdown(rows, context), encoding="utf-8")
    data = {"context": context, "rows": [row.as_dict() for row in rows]}
    (out_dir / "latest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")
