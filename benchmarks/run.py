"""``make bench``: this package vs langchain-gigachat 0.5.1, the raw SDK and raw httpx.

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
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_VENV = ROOT / ".venv-bench"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
RESULTS = HERE / "results"
REQUIREMENTS = ("-e", f"{ROOT}[emulator]", "langchain-gigachat==0.5.1", "matplotlib")
PROBE = (
    "import importlib.metadata as m, matplotlib, langchain_gigachat_ext.emulator.runner; "
    "assert m.version('langchain-gigachat') == '0.5.1'"
)
LATENCY = 0.05


def _bench_venv_ready() -> bool:
    if not BENCH_PYTHON.exists():
        return False
    probe = subprocess.run([str(BENCH_PYTHON), "-c", PROBE], capture_output=True, check=False)
    return probe.returncode == 0


def ensure_bench_venv() -> None:
    """Create ``.venv-bench`` with the comparison packages unless it is already usable."""
    if _bench_venv_ready():
        return
    print(f"creating {BENCH_VENV} (langchain-gigachat 0.5.1, matplotlib, this package)...")
    if not BENCH_PYTHON.exists():
        subprocess.run(["python3", "-m", "venv", str(BENCH_VENV)], check=True)
    pip = [str(BENCH_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *REQUIREMENTS], check=True, cwd=ROOT)


def _inside_bench_venv() -> bool:
    return Path(sys.prefix).resolve() == BENCH_VENV.resolve()


def measure(quick: bool) -> int:
    """Run every measurement, print the table and write the result files."""
    sys.path.insert(0, str(HERE))
    import chat_bench
    import embed_rows
    import local_bench
    import report
    from bench_common import Row, emulator

    started = time.perf_counter()
    rows: list[Row] = []
    RESULTS.mkdir(parents=True, exist_ok=True)

    def step(label: str) -> None:
        print(f"[{time.perf_counter() - started:5.0f} s] {label}", flush=True)

    with emulator() as fast:
        step("emulator capacity")
        capacity = chat_bench.capacity(fast)
        step("invoke")
        rows += chat_bench.invoke_row(fast)
        step("stream")
        rows += chat_bench.stream_rows(fast, runs=50 if quick else 150)
        step("stream memory (2,000 and 10,000 chunks)")
        rows += local_bench.memory_rows(fast)
    with emulator(latency=LATENCY, request_log=RESULTS / "request-log.jsonl") as slow:
        step("abatch 200 at max_concurrency " + ", ".join(map(str, chat_bench.ABATCH_CONCURRENCY)))
        rows += chat_bench.abatch_rows(slow, LATENCY, runs=2 if quick else 3)
        step("cold start")
        rows.append(chat_bench.cold_start_row(slow))
    # The embeddings run gets its own emulator: the request log would record 10,000 texts.
    with emulator(latency=LATENCY) as slow:
        step("embed_documents 10,000")
        rows.append(embed_rows.embeddings_row(slow, LATENCY))
    step("message conversion")
    rows.append(local_bench.conversion_row())
    step("import time")
    rows += local_bench.import_rows(runs=5 if quick else local_bench.IMPORT_RUNS)
    sequential = 1000.0 / rows[0].floor if rows[0].floor else 0.0
    context = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.system()}",
        "capacity": capacity,
        "sequential_rps": sequential,
        "seconds": time.perf_counter() - started,
    }
    (RESULTS / "request-log.jsonl").unlink(missing_ok=True)
    report.write(rows, context, RESULTS)
    print()
    print(report.markdown(rows, context))
    print(f"written: {RESULTS / 'latest.md'}, latest.json, latest.png")
    return 0


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
