"""The OAuth endpoint's errors and the bearer checks: missing, bad and expired tokens."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext.emulator import GigaChatEmulator


@pytest.mark.parametrize(
    ("headers", "data", "status", "body"),
    [
        (
            {"RqUID": "8da54264-2463-42be-9aa7-c844d5e45180"},
            {"scope": ""},
            400,
            {"code": 5, "message": "scope is empty"},
        ),
        (
            {"RqUID": "8da54264-2463-42be-9aa7-c844d5e45180"},
            {"scope": "GIGACHAT_API_OTHER"},
            400,
            {"code": 7, "message": "scope from db not fully includes consumed scope"},
        ),
        ({"RqUID": "not-a-uuid"}, {"scope": "GIGACHAT_API_PERS"}, 400, None),
        ({}, {"scope": "GIGACHAT_API_PERS"}, 400, None),
    ],
    ids=["empty scope", "unknown scope", "bad rquid", "missing rquid"],
)
def test_oauth_errors(
    emu: GigaChatEmulator, headers: dict[str, str], data: dict[str, str], status: int, body: Any
) -> None:
    sent = {"Authorization": f"Basic {emu.credentials}", **headers}
    response = httpx.post(emu.auth_url, headers=sent, data=data)
    assert response.status_code == status
    assert set(response.json()) == {"code", "message"}
    if body is not None:
        assert response.json() == body
    assert "x-request-id" not in response.headers


def test_oauth_bad_credentials(emu: GigaChatEmulator) -> None:
    headers = {"Authorization": "Basic d3Jvbmc=", "RqUID": "8da54264-2463-42be-9aa7-c844d5e45180"}
    response = httpx.post(emu.auth_url, headers=headers, data={"scope": "GIGACHAT_API_PERS"})
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message"}


def test_missing_and_expired_token(emu: GigaChatEmulator) -> None:
    missing = httpx.get(f"{emu.base_url}/models")
    assert missing.status_code == 401
    assert missing.json() == {"status": 401, "message": "Unauthorized"}
    emu.faults.token_ttl = -1.0  # every new token is born expired
    headers = {
        "Authorization": f"Basic {emu.credentials}",
        "RqUID": "8da54264-2463-42be-9aa7-c844d5e45180",
    }
    token = httpx.post(emu.auth_url, headers=headers, data={"scope": "GIGACHAT_API_PERS"}).json()
    expired = httpx.get(
        f"{emu.base_url}/models", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert expired.status_code == 401
    assert expired.json() == {"status": 401, "message": "Token has expired"}


RQUID = "8da54264-2463-42be-9aa7-c844d5e45180"
NON_ASCII_KEY = "Basic кошка".encode()
"""A ``Basic`` value with raw UTF-8 bytes: the server sees characters past ASCII."""


def test_oauth_refuses_non_ascii_credentials_in_its_error_shape(emu: GigaChatEmulator) -> None:
    headers = {b"Authorization": NON_ASCII_KEY, b"RqUID": RQUID.encode()}
    response = httpx.post(emu.auth_url, headers=headers, data={"scope": "GIGACHAT_API_PERS"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"code": 6, "message": "credentials doesn't match db data"}


@pytest.mark.parametrize(
    "authorization",
    [NON_ASCII_KEY, b"Basic " + base64.b64encode("юзер:пароль".encode())],
    ids=["raw non-ascii", "base64 of non-ascii"],
)
def test_password_token_refuses_non_ascii_credentials_with_401(
    emu: GigaChatEmulator, authorization: bytes
) -> None:
    response = httpx.post(f"{emu.base_url}/token", headers={b"Authorization": authorization})
    assert response.status_code == 401
    assert response.json() == {"status": 401, "message": "Unauthorized"}


def test_oauth_malformed_form_gets_the_oauth_error_shape(emu: GigaChatEmulator) -> None:
    headers = {
        "Authorization": f"Basic {emu.credentials}",
        "RqUID": RQUID,
        "Content-Type": "multipart/form-data",  # no boundary: Starlette's parser gives up
    }
    response = httpx.post(emu.auth_url, headers=headers, content=b"--xyz\r\ngarbage")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    # A form that does not parse carries no scope (inferred).
    assert response.json() == {"code": 5, "message": "scope is empty"}
