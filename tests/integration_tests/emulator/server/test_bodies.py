"""Body caps: 413 in the API's error shape past them, and a big body never stalls other requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext.emulator import GigaChatEmulator
from langchain_gigachat_ext.emulator.server.bodies import MAX_BODY_BYTES, BodyLimits
from tests.integration_tests.emulator.emu_helpers import oauth_token

SMALL_CAP = 64 * 1024
"""Caps of the :func:`small_caps` emulator."""


@pytest.fixture(scope="module")
def small_caps() -> Iterator[GigaChatEmulator]:
    limits = BodyLimits(body_bytes=SMALL_CAP, upload_bytes=SMALL_CAP)
    with GigaChatEmulator(body_limits=limits) as emulator:
        yield emulator


def bearer(emu: GigaChatEmulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {oauth_token(emu)}"}


def chat_body(size: int) -> bytes:
    """A valid chat body of exactly ``size`` bytes (one long user message)."""
    empty = json.dumps({"model": "GigaChat", "messages": [{"role": "user", "content": ""}]})
    words = ("word " * size)[: size - len(empty)]
    return json.dumps(
        {"model": "GigaChat", "messages": [{"role": "user", "content": words}]}
    ).encode()


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text[:200]
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-request-id"]
    body = response.json()
    assert set(body) == {"status", "message"}
    assert body["status"] == 413


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/chat/completions",
        "/api/v2/chat/completions",
        "/api/v1/embeddings",
        "/api/v1/tokens/count",
    ],
)
def test_a_body_over_the_default_cap_gets_413(emu: GigaChatEmulator, path: str) -> None:
    body = chat_body(MAX_BODY_BYTES + 1)
    response = httpx.post(emu.origin + path, headers=bearer(emu), content=body, timeout=30)
    assert_too_large(response)


def test_a_chunked_body_is_refused_once_it_passes_the_cap(small_caps: GigaChatEmulator) -> None:
    body = chat_body(16 * SMALL_CAP)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    url = f"{small_caps.base_url}/chat/completions"
    response = httpx.post(url, headers=bearer(small_caps), content=chunks(), timeout=30)
    assert_too_large(response)
    assert "content-length" not in response.request.headers


def test_a_body_under_the_cap_is_answered(small_caps: GigaChatEmulator) -> None:
    url = f"{small_caps.base_url}/chat/completions"
    response = httpx.post(url, headers=bearer(small_caps), content=chat_body(SMALL_CAP))
    assert response.status_code == 200, response.text


def test_an_upload_over_its_cap_gets_413(small_caps: GigaChatEmulator) -> None:
    url = f"{small_caps.base_url}/files"
    files = {"file": ("big.png", b"\x89PNG" + bytes(SMALL_CAP), "image/png")}
    assert_too_large(httpx.post(url, headers=bearer(small_caps), files=files))
    files = {"file": ("small.png", b"\x89PNG" + bytes(SMALL_CAP // 2), "image/png")}
    assert httpx.post(url, headers=bearer(small_caps), files=files).status_code == 200


def test_an_oauth_body_over_the_cap_gets_413_in_the_oauth_shape(
    small_caps: GigaChatEmulator,
) -> None:
    headers = {
        "Authorization": f"Basic {small_caps.credentials}",
        "RqUID": "8da54264-2463-42be-9aa7-c844d5e45180",
    }
    data = {"scope": "GIGACHAT_API_PERS", "padding": "x" * SMALL_CAP}
    response = httpx.post(small_caps.auth_url, headers=headers, data=data)
    assert response.status_code == 413
    assert set(response.json()) == {"code", "message"}


def test_other_requests_are_answered_while_a_big_body_is_worked_on(
    real_emu: GigaChatEmulator,
) -> None:
    """The real brain needs about a second for 2 MB of text; ``/models`` must not wait for it."""
    headers = bearer(real_emu)
    big = chat_body(2 * 2**20)
    finished: dict[str, Any] = {}

    def send_big() -> None:
        started = time.monotonic()
        url = f"{real_emu.base_url}/chat/completions"
        finished["status"] = httpx.post(url, headers=headers, content=big, timeout=60).status_code
        finished["seconds"] = time.monotonic() - started

    sender = threading.Thread(target=send_big)
    waits = []
    with httpx.Client(base_url=real_emu.base_url, headers=headers, timeout=60) as client:
        assert client.get("/models").status_code == 200  # connection up before timing
        sender.start()
        time.sleep(0.05)
        while sender.is_alive():
            started = time.monotonic()
            assert client.get("/models").status_code == 200
            waits.append(time.monotonic() - started)
            time.sleep(0.01)
    sender.join()
    assert finished["status"] == 200
    # A blocked loop answers one /models call, after about as long as the big request took.
    # Served alongside, they keep coming; each can still wait for the GIL while the worker
    # thread is inside one long regex call (tens of ms), hence the loose bound.
    assert len(waits) >= 5, (waits, finished)
    assert max(waits) < finished["seconds"] / 2, (max(waits), finished)
