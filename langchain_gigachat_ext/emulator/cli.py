"""``gigachat-emulator`` command line: serve the emulator in the foreground."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from collections.abc import Sequence
from typing import Final

from langchain_gigachat_ext.emulator.brain.core import BEHAVIOURS, DEFAULT_BEHAVIOUR, Brain
from langchain_gigachat_ext.emulator.faults import Faults
from langchain_gigachat_ext.emulator.runner import (
    DEFAULT_CREDENTIALS,
    DEFAULT_PASSWORD,
    DEFAULT_USER,
    bind_socket,
    uvicorn_server,
)
from langchain_gigachat_ext.emulator.server.app import OAUTH_PATH
from langchain_gigachat_ext.emulator.server.auth import TokenStore
from langchain_gigachat_ext.emulator.server.bodies import (
    MAX_BODY_BYTES,
    MAX_UPLOAD_BYTES,
    BodyLimits,
)
from langchain_gigachat_ext.emulator.server.quota import ConcurrencyQuota
from langchain_gigachat_ext.emulator.server.requestlog import RequestLog
from langchain_gigachat_ext.emulator.server.state import EmulatorState


def _statuses(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every fault knob is a flag)."""
    parser = argparse.ArgumentParser(
        prog="gigachat-emulator", description="Local, wire-faithful GigaChat v1 emulator."
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    add("--port", type=int, default=8090, help="TCP port; 0 picks a free one (default 8090)")
    add("--credentials", default=DEFAULT_CREDENTIALS, help="authorization key OAuth accepts")
    add("--user", default=DEFAULT_USER, help="user for POST /token")
    add("--password", default=DEFAULT_PASSWORD, help="password for POST /token")
    add("--token-ttl", type=float, default=1800.0, help="token lifetime, seconds")
    add("--latency", type=float, default=0.0, help="seconds from a request to its API response")
    add("--chunk-delay", type=float, default=0.0, help="seconds between SSE chunks")
    add("--fail-first", type=int, default=0, help="fail the next N API requests")
    add("--fail-status", type=int, default=503, help="status for --fail-first (default 503)")
    add("--retry-after", type=float, default=None, help="Retry-After seconds for --fail-first")
    add("--failure-rate", type=float, default=0.0, help="probability of a random failure")
    add("--failure-statuses", type=_statuses, default=(500, 502, 503), help="e.g. 500,503")
    add("--seed", type=int, default=0, help="seed of the failure RNG")
    add("--cut-stream-after", type=int, default=None, help="drop streams after N chunks")
    add("--stall-seconds", type=float, default=0.0, help="stall before answering / mid-stream")
    add("--malformed-chunk-at", type=int, default=None, help="invalid JSON at chunk index N")
    add("--unauthorized-after", type=int, default=None, help="401 after N calls per token")
    add("--request-log", default=None, metavar="PATH", help="append JSON-lines request log")
    add("--max-body-bytes", type=int, default=MAX_BODY_BYTES, help="413 for longer JSON bodies")
    add("--max-upload-bytes", type=int, default=MAX_UPLOAD_BYTES, help="413 for longer uploads")
    add(
        "--max-concurrent",
        type=int,
        default=None,
        metavar="N",
        help="429 beyond N API requests in flight (the account's quota; default: none)",
    )
    add(
        "--behaviour",
        choices=BEHAVIOURS,
        default=DEFAULT_BEHAVIOUR,
        help="helpful (default) or literal: required fields only, values from the conversation",
    )
    return parser


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # any other host name may resolve to a public interface
        return False


EXPOSED_WARNING: Final = (
    "WARNING: the GigaChat emulator is listening on {host}, which is reachable from other "
    "machines, and it has NO real security: its credentials are well-known test values, its "
    "tokens and files are open to anyone who can connect, and nothing is encrypted. Bind it "
    "to 127.0.0.1 unless this network is yours alone.\n"
)
"""Printed to stderr when ``--host`` is not a loopback address."""


def faults_from_args(args: argparse.Namespace) -> Faults:
    """A :class:`Faults` object configured from parsed flags."""
    faults = Faults(
        latency=args.latency,
        chunk_delay=args.chunk_delay,
        failure_rate=args.failure_rate,
        failure_statuses=args.failure_statuses,
        seed=args.seed,
        token_ttl=args.token_ttl,
        cut_stream_after=args.cut_stream_after,
        stall_seconds=args.stall_seconds,
        malformed_chunk_at=args.malformed_chunk_at,
        unauthorized_after=args.unauthorized_after,
    )
    if args.fail_first:
        faults.fail_first(args.fail_first, args.fail_status, args.retry_after)
    return faults


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted. The first stdout line announces the bound address."""
    args = build_parser().parse_args(argv)
    if not is_loopback(args.host):
        sys.stderr.write(EXPOSED_WARNING.format(host=args.host))
        sys.stderr.flush()
    faults = faults_from_args(args)
    tokens = TokenStore(
        credentials=args.credentials, user=args.user, password=args.password, ttl=args.token_ttl
    )
    limits = BodyLimits(body_bytes=args.max_body_bytes, upload_bytes=args.max_upload_bytes)
    state = EmulatorState(
        brain=Brain(behaviour=args.behaviour),
        tokens=tokens,
        faults=faults,
        log=RequestLog(args.request_log),
        limits=limits,
        quota=ConcurrencyQuota(args.max_concurrent),
    )
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    origin = f"http://{host}:{port}"
    out = sys.stdout
    out.write(f"GigaChat emulator listening on {origin}\n")
    out.write(f"  base_url={origin}/api/v1 auth_url={origin}{OAUTH_PATH}\n")
    out.write(f"  credentials={args.credentials} user={args.user}\n")
    out.write(f"  behaviour={args.behaviour}\n")
    out.flush()
    uvicorn_server(state).run(sockets=[sock])
    return 0
