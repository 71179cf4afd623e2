"""During real calls, secrets stay out of logs, errors, tracing data and the emulator's log."""

from __future__ import annotations

import json
import logging
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from langchain_gigachat_ext import GigaChatAuthenticationError, GigaChatCertificateError
from tests.integration_tests.faults.helpers import chat_model, send


class _Recorder(BaseCallbackHandler):
    """Keeps everything a tracer would see at chat-model start."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.seen.append({"serialized": serialized, **kwargs})


def _secrets(emu: Any, llm: Any) -> list[str]:
    token = llm.transport.tokens.current()
    values = [emu.credentials, emu.password]
    if token is not None:
        values.append(token.value)
    return values


def _assert_absent(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


def test_debug_logs_callbacks_and_request_log_hold_no_secret(
    emu: Any, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = _Recorder()
    caplog.set_level(logging.DEBUG)  # root: every logger incl. httpx, httpcore, gigachat
    for name in ("httpx", "httpcore", "gigachat"):
        caplog.set_level(logging.DEBUG, logger=name)
    llm = chat_model(emu, callbacks=[recorder], metadata={"team": "faults"})
    password_llm = chat_model(emu, credentials=None, user=emu.user, password=emu.password)

    llm.invoke("Hi")
    list(llm.stream("Hi"))
    password_llm.invoke("Hi")

    secrets = [*_secrets(emu, llm), *_secrets(emu, password_llm)]
    assert len(caplog.records) > 0  # logging really was captured
    _assert_absent("\n".join(r.getMessage() for r in caplog.records), secrets)
    _assert_absent(caplog.text, secrets)
    assert len(recorder.seen) == 2
    _assert_absent(json.dumps(recorder.seen, default=str), secrets)
    _assert_absent(json.dumps(emu.request_log, default=str), secrets)


async def test_auth_failure_message_holds_no_secret(
    emu: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "V1JPTkctS0VZLVNFQ1JFVA=="
    llm = chat_model(emu, credentials=wrong)
    with pytest.raises(GigaChatAuthenticationError) as caught:
        await llm.ainvoke("Hi")
    rendered = f"{caught.value}\n{caught.value!r}\n{caught.value.args}"
    _assert_absent(rendered, [wrong, emu.credentials])
    _assert_absent(caplog.text, [wrong, emu.credentials])
    assert "GIGACHAT_CREDENTIALS" in str(caught.value)


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl CLI)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", str(key), "-out", str(cert),
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603
    except (OSError, subprocess.SubprocessError) as error:
        pytest.skip(f"openssl CLI unavailable: {error}")
    return cert, key


@pytest.fixture
def https_origin(self_signed: tuple[Path, Path]) -> Iterator[str]:
    """HTTPS on 127.0.0.1 answering every POST with a minimal chat completion."""
    body = json.dumps(
        {
            "choices": [
                {"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "secure hello"}}
            ],
            "created": 1, "model": "GigaChat-2", "object": "chat.completion",
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        }
    ).encode()  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            send(self, body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def _tls_model(origin: str, **overrides: Any) -> Any:
    from langchain_gigachat_ext import ChatGigaChat

    return ChatGigaChat(
        base_url=f"{origin}/api/v1",
        access_token="tls-token",
        max_retries=2,
        retry_backoff_factor=0.01,
        **overrides,
    )


def test_untrusted_certificate_explains_the_russian_root_ca(
    https_origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIGACHAT_CA_BUNDLE_FILE", raising=False)
    with pytest.raises(GigaChatCertificateError) as caught:
        _tls_model(https_origin).invoke("Hi")
    message = str(caught.value)
    assert "Russian Trusted Root CA" in message
    assert "GIGACHAT_CA_BUNDLE_FILE" in message


def test_trusting_the_bundle_makes_the_same_server_work(
    https_origin: str, self_signed: tuple[Path, Path]
) -> None:
    llm = _tls_model(https_origin, ca_bundle_file=str(self_signed[0]))
    assert llm.invoke("Hi").content == "secure hello"
