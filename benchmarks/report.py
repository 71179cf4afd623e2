"""Render the results: one Markdown table, a JSON dump and an optional matplotlib chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench_common import Row


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "req":
        return f"{value:.0f}"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _context_line(context: dict[str, Any]) -> str:
    capacity = context["capacity"]
    return (
        f"Run at {context['when']} on {context['machine']}. Emulator in its own process on "
        f"127.0.0.1. Emulator capacity (latency 0): raw httpx gets "
        f"{capacity['client_rps']:.0f} req/s with 16 concurrent requests "
        f"({context['sequential_rps']:.0f} req/s sequential), while the emulator's own CPU is "
        f"{capacity['server_cpu_ms_per_request']:.2f} ms per chat request "
        f"(≈ {capacity['server_rps_per_core']:.0f} req/s per core; busy "
        f"{capacity['server_busy_share']:.0%} of that run), so the client side is the limit."
    )


def markdown(rows: list[Row], context: dict[str, Any]) -> str:
    """The results table with medians, the three ratios and a verdict per row."""
    lines = [
        "# Benchmark results",
        "",
        _context_line(context),
        "",
        (
            "| measurement | unit | ours | SDK | langchain-gigachat | httpx floor | ours/SDK "
            "| ours/official | ours/floor | target | verdict | note |"
        ),
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for row in rows:
        cells = [
            row.name,
            row.unit,
            _value(row.ours, row.unit),
            _value(row.sdk, row.unit),
            _value(row.official, row.unit),
            _value(row.floor, row.unit),
            _ratio(row.ratio(row.sdk)),
            _ratio(row.ratio(row.official)),
            _ratio(row.ratio(row.floor)),
            row.target,
            f"**{row.verdict}**" if row.verdict else "",
            row.note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"Total bench time: {context['seconds']:.0f} s.", ""]
    return "\n".join(lines)


def write(rows: list[Row], context: dict[str, Any], out_dir: Path) -> None:
    """Write ``latest.md``, ``latest.json`` and (when matplotlib is present) ``latest.png``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.md").write_text(markdown(rows, context), encoding="utf-8")
    data = {"context": context, "rows": [row.as_dict() for row in rows]}
    (out_dir / "latest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")
    chart(rows, out_dir / "latest.png")


def chart(rows: list[Row], path: Path) -> bool:
    """Bar chart of ours/SDK and ours/official ratios per row; False without matplotlib."""
    try:
        import matplotlib as mpl

        mpl.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    shown = [row for row in rows if row.unit != "req" and row.ours is not None]
    labels = [row.name for row in shown]
    series = {
        "ours / SDK": [row.ratio(row.sdk) or 0.0 for row in shown],
        "ours / langchain-gigachat": [row.ratio(row.official) or 0.0 for row in shown],
        "ours / httpx floor": [row.ratio(row.floor) or 0.0 for row in shown],
    }
    figure, axes = plt.subplots(figsize=(9, 0.45 * len(shown) + 1.5))
    height = 0.27
    for index, (name, values) in enumerate(series.items()):
        positions = [i + (index - 1) * height for i in range(len(shown))]
        axes.barh(positions, values, height=height, label=name)
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.set_yticks(range(len(shown)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("ratio (lower is better for ours; 1.0 = parity; 0 = not measured)")
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
