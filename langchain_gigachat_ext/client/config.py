"""Connection and authentication fields shared by the chat model and the embeddings.

Every field reads its ``GIGACHAT_*`` environment variable at construction, so what the object
will use is visible on it (``llm.base_url``, ``llm.credentials``). Secrets are ``SecretStr``.
One :class:`~langchain_gigachat_ext.client.transport.Transport` is built lazily per object.
"""

from __future__ import annotations

import os
import ssl
import threading
import warnings
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, model_validator

from langchain_gigachat_ext.client.auth import AuthSettings
from langchain_gigachat_ext.client.retry import RetryPolicy
from langchain_gigachat_ext.client.sdk import settings as sdk_settings
from langchain_gigachat_ext.client.transport import HttpSettings, Transport

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str | None = None) -> Callable[[], Any]:
    """Default factory: the environment variable, else ``default``."""

    def factory() -> str | None:
        value = os.environ.get(name)
        return value if value not in (None, "") else default

    return factory


def env_secret(name: str) -> Callable[[], Any]:
    """Default factory: the environment variable as ``SecretStr``, else None."""

    def factory() -> SecretStr | None:
        value = os.environ.get(name)
        return SecretStr(value) if value else None

    return factory


def env_bool(name: str, default: bool | None) -> Callable[[], Any]:
    """Default factory: a boolean environment variable (1/0, true/false, yes/no, on/off)."""

    def factory() -> bool | None:
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        msg = f"{name}={raw!r} is not a boolean (use true/false)."
        raise ValueError(msg)

    return factory


def env_number(name: str, default: float | None, cast: type = float) -> Callable[[], Any]:
    """Default factory: a numeric environment variable."""

    def factory() -> float | None:
        raw = os.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        return cast(raw)  # type: ignore[no-any-return]

    return factory


class InsecureTLSWarning(UserWarning):
    """``verify_ssl_certs=False``: the connection can be intercepted."""


_warned_insecure = threading.Event()


class GigaChatConnection(BaseModel):
    """Fields and client construction shared by :class:`ChatGigaChat` and the embeddings."""

    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, extra="forbid", protected_namespaces=()
    )

    base_url: str = Field(
        default_factory=env_str("GIGACHAT_BASE_URL", sdk_settings.BASE_URL), validate_default=True
    )
    """API base URL. Env ``GIGACHAT_BASE_URL``; default the SDK's (``https://api.giga.chat/v1``).
    The classic host is ``https://gigachat.devices.sberbank.ru/api/v1`` (needed for password auth).
    """
    auth_url: str = Field(
        default_factory=env_str("GIGACHAT_AUTH_URL", sdk_settings.AUTH_URL), validate_default=True
    )
    """OAuth URL. Env ``GIGACHAT_AUTH_URL``; default ``https://ngw.devices.sberbank.ru:9443/api/v2/oauth``."""
    credentials: SecretStr | None = Field(
        default_factory=env_secret("GIGACHAT_CREDENTIALS"), alias="api_key"
    )
    """Authorization key (base64 of ``client_id:client_secret``). Env ``GIGACHAT_CREDENTIALS``;
    also accepted as ``api_key``."""
    scope: str = Field(
        default_factory=env_str("GIGACHAT_SCOPE", sdk_settings.SCOPE), validate_default=True
    )
    """OAuth scope: ``GIGACHAT_API_PERS`` (default), ``GIGACHAT_API_B2B`` or ``GIGACHAT_API_CORP``.
    Env ``GIGACHAT_SCOPE``."""
    user: str | None = Field(default_factory=env_str("GIGACHAT_USER"))
    """User for password authentication. Env ``GIGACHAT_USER``."""
    password: SecretStr | None = Field(default_factory=env_secret("GIGACHAT_PASSWORD"))
    """Password for password authentication. Env ``GIGACHAT_PASSWORD``."""
    access_token: SecretStr | None = Field(default_factory=env_secret("GIGACHAT_ACCESS_TOKEN"))
    """A pre-issued access token (not refreshed). Env ``GIGACHAT_ACCESS_TOKEN``."""
    cert_file: str | None = Field(default_factory=env_str("GIGACHAT_CERT_FILE"))
    """mTLS client certificate path. Env ``GIGACHAT_CERT_FILE``."""
    key_file: str | None = Field(default_factory=env_str("GIGACHAT_KEY_FILE"))
    """mTLS client key path. Env ``GIGACHAT_KEY_FILE``."""
    key_file_password: SecretStr | None = Field(
        default_factory=env_secret("GIGACHAT_KEY_FILE_PASSWORD")
    )
    """Password of the mTLS key. Env ``GIGACHAT_KEY_FILE_PASSWORD``."""
    ca_bundle_file: str | None = Field(default_factory=env_str("GIGACHAT_CA_BUNDLE_FILE"))
    """CA bundle with the Russian Trusted Root CA. Env ``GIGACHAT_CA_BUNDLE_FILE``."""
    verify_ssl_certs: bool = Field(
        default_factory=env_bool("GIGACHAT_VERIFY_SSL_CERTS", default=True), validate_default=True
    )
    """Verify TLS certificates (default True; False warns). Env ``GIGACHAT_VERIFY_SSL_CERTS``."""
    ssl_context: ssl.SSLContext | None = Field(default=None, exclude=True)
    """A custom SSL context (takes precedence over ``ca_bundle_file``)."""
    timeout: float = Field(
        default_factory=env_number("GIGACHAT_TIMEOUT", 60.0),
        alias="request_timeout",
        gt=0,
        validate_default=True,
    )
    """Read timeout in seconds (default 60). Env ``GIGACHAT_TIMEOUT``."""
    connect_timeout: float = Field(
        default_factory=env_number("GIGACHAT_CONNECT_TIMEOUT", 10.0), gt=0, validate_default=True
    )
    """Connect timeout in seconds (default 10). Env ``GIGACHAT_CONNECT_TIMEOUT``."""
    max_retries: int = Field(
        default_factory=env_number("GIGACHAT_MAX_RETRIES", 2, int), ge=0, validate_default=True
    )
    """Retries of 429/500/502/503/504 and connection failures (default 2). The SDK's own retry
    stays off, so there is exactly one retry layer. Env ``GIGACHAT_MAX_RETRIES``."""
    retry_backoff_factor: float = Field(default=0.5, ge=0)
    """First backoff in seconds, doubled per attempt, with jitter; 429 ``Retry-After`` wins."""
    max_connections: int | None = Field(default=None, gt=0)
    """Connection-pool size per client (default: httpx's, 100, as the SDK uses; httpcore's pool
    bookkeeping grows with the pool, so a bigger pool is slower under high concurrency)."""
    token_refresh_margin: float = Field(default=60.0, ge=0)
    """Refresh the access token this many seconds before it expires."""

    _transport_cache: Transport | None = PrivateAttr(default=None)
    _transport_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @model_validator(mode="after")
    def _warn_insecure(self) -> GigaChatConnection:
        if not self.verify_ssl_certs and not _warned_insecure.is_set():
            _warned_insecure.set()
            warnings.warn(
                "verify_ssl_certs=False disables TLS verification for GigaChat: credentials and "
                "data can be intercepted. Install the Russian Trusted Root CA and set "
                "GIGACHAT_CA_BUNDLE_FILE instead.",
                InsecureTLSWarning,
                stacklevel=2,
            )
        return self

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and the environment variables they come from."""
        return {
            "credentials": "GIGACHAT_CREDENTIALS",
            "password": "GIGACHAT_PASSWORD",
            "access_token": "GIGACHAT_ACCESS_TOKEN",
            "key_file_password": "GIGACHAT_KEY_FILE_PASSWORD",
        }

    def _verify_setting(self) -> bool | str | ssl.SSLContext:
        if self.ssl_context is not None:
            return self.ssl_context
        if not self.verify_ssl_certs:
            return False
        if self.ca_bundle_file:
            return self.ca_bundle_file
        return True

    def _build_transport(self) -> Transport:
        cert = None
        if self.cert_file:
            key_password = (
                self.key_file_password.get_secret_value() if self.key_file_password else None
            )
            cert = (self.cert_file, self.key_file, key_password)
        http = HttpSettings(
            base_url=self.base_url,
            timeout=self.timeout,
            connect_timeout=self.connect_timeout,
            verify=self._verify_setting(),
            cert=cert,
            max_connections=self.max_connections,
        )
        auth = AuthSettings(
            auth_url=self.auth_url,
            scope=self.scope,
            credentials=self.credentials,
            user=self.user,
            password=self.password,
            access_token=self.access_token,
            refresh_margin_s=self.token_refresh_margin,
        )
        retry = RetryPolicy(max_retries=self.max_retries, backoff_factor=self.retry_backoff_factor)
        return Transport(http, auth, retry)

    @property
    def transport(self) -> Transport:
        """The object's transport (built on first use, then shared by all calls)."""
        if self._transport_cache is None:
            with self._transport_lock:
                if self._transport_cache is None:
                    self._transport_cache = self._build_transport()
        return self._transport_cache
