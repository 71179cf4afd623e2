"""``make bench``: what users see, this package vs langchain-gigachat 0.5.1 and the raw SDK.

Run with any interpreter (the Makefile uses ``.venv``). The comparison packages go into a
separate ``.venv-bench`` (created on first use, reused afterwards, never into ``.venv``), and
the measurements run there: this script re-executes itself with ``.venv-bench/bin/python``.
Every contender talks to the same emulator processes on 127.0.0.1 in one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_VENV = ROOT / ".venv-bench"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
RESULTS = HERE / "results"
REQUIREMENTS = ("-e", f"{ROOT}[emulator,redis]", "langchain-gigachat==0.5.1")
PROBE = (
    "import importlib.metadata as m, langchain_gigachat_ext, langchain_gigachat, redis; "
    "assert m.version('langchain-gigachat') == '0.5.1'"
)
VERSIONS = ("langchain-gigachat-ext", "gigachat", "langchain-gigachat", "langchain-core", "httpx")


def _bench_venv_ready() -> bool:
    if not BENCH_PYTHON.exists():
        return False
    probe = subprocess.run([str(BENCH_PYTHON), "-c", PROBE], capture_output=True, check=False)
    return probe.returncode == 0


def ensure_bench_venv() -> None:
    """Create ``.venv-bench`` with the comparison packages unless it is already usable."""
    if _bench_venv_ready():
        return
    print(f"creating {BENCH_VENV} (langchain-gigachat 0.5.1 and this package)...")
    if not BENCH_PYTHON.exists():
        subprocess.run(["python3", "-m", "venv", str(BENCH_VENV)], check=True)
    pip = [str(BENCH_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *REQUIREMENTS], check=True, cwd=ROOT)


def _inside_bench_venv() -> bool:
    return Path(sys.prefix).resolve() == BENCH_VENV.resolve()


def _context(quick: bool, seconds: float) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.system()}",
        "versions": ", ".join(f"{name} {version(name)}" for name in VERSIONS),
        "quick": quick,
        "seconds": seconds,
    }


def _error_line(error: Exception) -> str:
    if isinstance(error, subprocess.CalledProcessError) and error.stderr:
        return str(error.stderr).strip().splitlines()[-1]
    return f"{type(error).__name__}: {error}"


def measure(quick: bool) -> int:
    """Run every measurement, print the table and write the result files."""
    sys.path.insert(0, str(HERE))
    import chat_rows
    import embed_rows
    import local_rows
    import quota_rows
    import report
    from bench_common import Row, emulator

    started = time.perf_counter()
    plan = chat_rows.QUICK if quick else chat_rows.FULL
    rows: list[Row] = []

    def run(label: str, measurement: Callable[[], list[Row]]) -> None:
        """Time one step; an error becomes a FAIL row, and the other steps still run."""
        print(f"[{time.perf_counter() - started:5.0f} s] {label}", flush=True)
        try:
            rows.extend(measurement())
        except Exception as error:
            traceback.print_exc()
            note = f"not measured: {_error_line(error)}"
            rows.append(Row(label, "", {}, target="(error)", passed=False, note=note))

    with emulator(latency=chat_rows.LATENCY, chunk_delay=chat_rows.CHUNK_DELAY) as realistic:
        run("wall time at a realistic latency", lambda: chat_rows.wall_rows(realistic, plan))
    with emulator() as instant:
        run("client CPU per call (latency 0)", lambda: chat_rows.cpu_rows(instant, plan))
        run("stream memory (2,000 and 10,000 chunks)", lambda: [local_rows.memory_row(instant)])
    with emulator(latency=embed_rows.LATENCY) as slow:
        run("embed_documents", lambda: [embed_rows.embeddings_row(slow, quick=quick)])
    run("import time", lambda: [local_rows.import_row(quick=quick)])
    run("quota: one process", lambda: [quota_rows.one_process_row()])
    run("quota: four processes through Redis", lambda: [quota_rows.four_processes_row()])
    run("quota: embeddings", lambda: [quota_rows.embeddings_row()])
    context = _context(quick, time.perf_counter() - started)
    report.write(rows, context, RESULTS)
    print()
    print(report.markdown(rows, context))
    print(f"written: {RESULTS / 'latest.md'}, {RESULTS / 'latest.json'}")
    return 1 if any(row.target == "(error)" for row in rows) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    args = parser.parse_args()
    if _inside_bench_venv():
        return measure(args.quick)
    ensure_bench_venv()
    command = [str(BENCH_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]]
    return subprocess.run(command, check=False, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
