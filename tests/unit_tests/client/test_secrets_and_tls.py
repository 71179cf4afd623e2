"""Secrets never show in repr/str/serialisation or copies; TLS verification defaults on; mTLS
reaches httpx."""

from __future__ import annotations

import copy
import pickle
import ssl
import threading
import warnings

import pytest
from langchain_core.load import dumpd, dumps

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.client import config as _config
from langchain_gigachat_ext.client.config import InsecureTLSWarning

SECRETS = {
    "credentials": "Q1JFRF9TRUNSRVRfMTIzNDU2",
    "password": "pw-SECRET-987654",
    "access_token": "tok-SECRET-abcdef",
    "key_file_password": "keypw-SECRET-555",
}

OFFLINE = {"base_url": "https://gigachat.example.invalid/api/v1", "user": "someone"}


def _model(**overrides: object) -> ChatGigaChat:
    return ChatGigaChat(**OFFLINE, cert_file="/c.pem", key_file="/k.pem", **SECRETS, **overrides)


def _assert_clean(text: str) -> None:
    for name, value in SECRETS.items():
        assert value not in text, f"{name} leaked"


@pytest.mark.parametrize(
    "render",
    [
        repr,
        str,
        lambda llm: repr(llm.transport),
        lambda llm: repr(llm.transport.http_settings),
        lambda llm: repr(llm.transport.tokens.current()),
        lambda llm: repr(copy.deepcopy(llm)),
        lambda llm: repr(pickle.loads(pickle.dumps(llm))),  # noqa: S301
        lambda llm: str(dumpd(copy.deepcopy(llm))),
        lambda llm: str(llm.model_dump()),
        lambda llm: llm.model_dump_json(),
        dumps,
        lambda llm: str(dumpd(llm)),
        lambda llm: str(llm._identifying_params),
        lambda llm: str(llm._get_invocation_params()),
        lambda llm: str(llm._get_ls_params()),
    ],
    ids=[
        "repr",
        "str",
        "transport",
        "http_settings",
        "token",
        "deepcopy_repr",
        "unpickled_repr",
        "deepcopy_dumpd",
        "model_dump",
        "model_dump_json",
        "dumps",
        "dumpd",
        "identifying_params",
        "invocation_params",
        "ls_params",
    ],
)
def test_secrets_do_not_render(render: object) -> None:
    llm = _model()
    _assert_clean(render(llm))  # type: ignore[operator]


def test_dumpd_refers_to_secrets_by_env_name() -> None:
    kwargs = dumpd(_model())["kwargs"]
    assert kwargs["credentials"] == {"lc": 1, "type": "secret", "id": ["GIGACHAT_CREDENTIALS"]}
    assert kwargs["password"]["id"] == ["GIGACHAT_PASSWORD"]


def test_tls_verification_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIGACHAT_VERIFY_SSL_CERTS", "GIGACHAT_CA_BUNDLE_FILE"):
        monkeypatch.delenv(name, raising=False)
    llm = ChatGigaChat(**OFFLINE, access_token="x")
    assert llm.verify_ssl_certs is True
    assert llm.transport.http_settings.verify is True
    context = llm.transport.http_settings.client_kwargs()["verify"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.get_ca_certs()  # a CA bundle is loaded (certifi unless SSL_CERT_FILE/DIR)


def test_every_client_shares_one_tls_context() -> None:
    """The CA bundle is loaded once, not again for the sync client and each event loop's."""
    settings = ChatGigaChat(**OFFLINE, access_token="x").transport.http_settings
    assert settings.client_kwargs()["verify"] is settings.client_kwargs()["verify"]


def test_ca_bundle_becomes_the_verify_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIGACHAT_CA_BUNDLE_FILE", "/etc/ssl/russian_trusted_root_ca.pem")
    llm = ChatGigaChat(**OFFLINE, access_token="x")
    assert llm.transport.http_settings.verify == "/etc/ssl/russian_trusted_root_ca.pem"


def test_disabling_verification_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_config, "_warned_insecure", threading.Event())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = ChatGigaChat(**OFFLINE, access_token="x", verify_ssl_certs=False)
        ChatGigaChat(**OFFLINE, access_token="x", verify_ssl_certs=False)
    insecure = [w for w in caught if issubclass(w.category, InsecureTLSWarning)]
    assert len(insecure) == 1
    assert "GIGACHAT_CA_BUNDLE_FILE" in str(insecure[0].message)
    context = first.transport.http_settings.client_kwargs()["verify"]
    assert context.verify_mode == ssl.CERT_NONE
    assert context.check_hostname is False


def test_mtls_settings_reach_the_transport() -> None:
    # Loading them into the httpx SSL context is exercised end to end in
    # tests/integration_tests/faults/test_secret_leaks.py (a server that demands a client cert).
    settings = _model().transport.http_settings
    assert settings.cert == ("/c.pem", "/k.pem", SECRETS["key_file_password"])
    assert settings.verify is True


def test_pickled_bytes_hold_the_configured_credentials() -> None:
    """As documented: a pickle is the configuration, credentials included (keep it private)."""
    llm = _model()
    clone = pickle.loads(pickle.dumps(llm))  # noqa: S301
    for name, value in SECRETS.items():
        assert getattr(clone, name).get_secret_value() == value
        assert value not in repr(getattr(clone, name))  # still a SecretStr
