"""A real ``redis-server`` on a free loopback port for the tests of the shared limiter.

``.ci/run`` installs Debian's ``redis-server``; where the binary or the ``redis`` client is
missing, the tests that need it skip and say which one.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def skip_reason() -> str | None:
    """Why a Redis test cannot run here, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (Debian package redis-server; .ci/run installs it)"
    try:
        import redis  # noqa: F401
    except ImportError:
        return "the redis client is not installed (pip install 'langchain-gigachat-ext[redis]')"
    return None


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Start ``redis-server`` on 127.0.0.1 (no persistence); yields ``redis://127.0.0.1:PORT/0``."""
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    import redis

    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [  # noqa: S607
            "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("redis-server did not start")
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
