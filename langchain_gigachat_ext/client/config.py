"""Connection and authentication fields shared by the chat model and the embeddings.

Every field reads its ``GIGACHAT_*`` environment variable at construction, so what the object
will use is visible on it (``llm.base_url``, ``llm.credentials``). Secrets are ``SecretStr``.
The fields are configuration: they copy and pickle like data, while the
:class:`~langchain_gigachat_ext.client.transport.Transport` built from them (clients, token) is
per-process state that each copy builds again on first use.
"""

from __future__ import annotations

import ssl
import threading
import warnings
from typing import Any, Self

import httpx
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, model_validator

from langchain_gigachat_ext.client.auth import AuthSettings
from langchain_gigachat_ext.client.clients import HttpSettings
from langchain_gigachat_ext.client.config_env import env_bool, env_number, env_secret, env_str
from langchain_gigachat_ext.client.limiter import Limiter
from langchain_gigachat_ext.client.limits_config import CallLimits, scope_is_explicit
from langchain_gigachat_ext.client.local import Lazy
from langchain_gigachat_ext.client.retry import RETRY_STATUSES, RetryPolicy
from langchain_gigachat_ext.client.sdk import settings as sdk_settings
from langchain_gigachat_ext.client.transport import Transport
from langchain_gigachat_ext.errors import GigaChatPickleError


class InsecureTLSWarning(UserWarning):
    """``verify_ssl_certs=False``: the connection can be intercepted."""


_warned_insecure = threading.Event()

_TLS_FIELDS = {
    "cert_file": "GIGACHAT_CERT_FILE",
    "key_file": "GIGACHAT_KEY_FILE",
    "key_file_password": "GIGACHAT_KEY_FILE_PASSWORD",
    "ca_bundle_file": "GIGACHAT_CA_BUNDLE_FILE",
    "ssl_context": None,
}
"""Certificate fields a user's httpx client replaces, with the variables they come from."""

_LIVE_FIELDS = ("http_client", "http_async_client", "ssl_context")
"""Fields holding live objects: deep copies share them, pickling refuses them."""


class GigaChatConnection(CallLimits):
    """Fields and client construction shared by :class:`ChatGigaChat` and the embeddings.

    Copies: ``copy.deepcopy`` and ``pickle`` keep every field and start without the original's
    connections and access token; the copy opens its own and fetches its own token on its first
    call. Pickled bytes hold the configured credentials (``credentials``, ``password``,
    ``access_token``, ``key_file_password``) in clear, as any pickle of the configuration
    would: keep them as private as the credentials themselves. A model holding live objects
    (``http_client``, ``http_async_client``, ``ssl_context``) refuses to pickle with
    :class:`~langchain_gigachat_ext.errors.GigaChatPickleError`; its deep copies share those
    objects with the original.
    """

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
    also accepted as ``api_key``. Like every secret field it stays out of ``repr``, logs and
    ``dumpd``, but a pickled model holds it (see :class:`GigaChatConnection`)."""
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
    http_client: httpx.Client | None = Field(default=None, exclude=True, repr=False)
    """Your own ``httpx.Client`` for the sync API and OAuth requests: a corporate proxy, a custom
    transport, a test double. Its proxies, mounts, transport, TLS, auth and event hooks apply,
    and its default headers, query parameters and cookies are merged into each request; the
    model's ``base_url``, ``auth_url`` and timeouts still decide where requests go and how long
    they may take. The client owns TLS, so ``cert_file``, ``key_file``, ``key_file_password``,
    ``ca_bundle_file``, ``ssl_context`` and ``verify_ssl_certs=False`` cannot be set with it.
    The model never closes it; it is left out of ``repr``, ``dumpd`` and ``model_dump``; deep
    copies share it, and a model holding it cannot be pickled. Downloads of attachment URLs keep
    their own SSRF-guarded client.

    Example:
        ```python
        import ssl

        import httpx

        corporate = httpx.Client(
            proxy="http://proxy.corp.example:3128",
            verify=ssl.create_default_context(cafile="/etc/ssl/russian_trusted_root_ca.pem"),
        )
        llm = ChatGigaChat(http_client=corporate)
        ```
    """
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True, repr=False)
    """Your own ``httpx.AsyncClient`` for the async API and OAuth requests (as ``http_client``
    for sync calls; set both to send every call through your clients — without it, async calls
    use the model's own client, one per event loop). An ``httpx.AsyncClient`` belongs to the
    event loop that first sends through it from the model: a call from another loop raises
    :class:`~langchain_gigachat_ext.errors.GigaChatHTTPClientError` before sending anything.

    Example:
        ```python
        import httpx

        async def main() -> None:
            async with httpx.AsyncClient(proxy="http://proxy.corp.example:3128") as client:
                llm = ChatGigaChat(http_async_client=client)
                await llm.ainvoke("Hello")
        ```
    """
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
    retry_on_status_codes: tuple[int, ...] | None = None
    """HTTP statuses that are retried; None means ``(429, 500, 502, 503, 504)`` (the SDK's and
    ``langchain-gigachat``'s default), ``()`` retries no status (connection failures still
    are, up to ``max_retries``)."""
    max_connections: int | None = Field(default=None, gt=0)
    """Connection-pool size per client (default: httpx's, 100, as the SDK uses; httpcore's pool
    bookkeeping grows with the pool, so a bigger pool is slower under high concurrency)."""
    token_refresh_margin: float = Field(default=60.0, ge=0)
    """Refresh the access token this many seconds before it expires."""

    _transport: Lazy[Transport] = PrivateAttr(default_factory=Lazy)

    @model_validator(mode="after")
    def _user_client_owns_tls(self) -> GigaChatConnection:
        if self.http_client is None and self.http_async_client is None:
            return self
        clashing = [name for name in _TLS_FIELDS if getattr(self, name) is not None]
        if not self.verify_ssl_certs:
            clashing.append("verify_ssl_certs=False")
        if clashing:
            names = ", ".join(
                f"{name} (env {_TLS_FIELDS[name]})" if _TLS_FIELDS.get(name) else name
                for name in clashing
            )
            msg = (
                f"http_client / http_async_client own TLS, so {names} cannot be set with them: "
                "configure certificates and verification on the httpx client itself, e.g. "
                "httpx.Client(verify=ssl_context, ...)."
            )
            raise ValueError(msg)
        return self

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
            "shared_limiter_url": "GIGACHAT_SHARED_LIMITER_URL",
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
            user_client=self.http_client,
            user_async_client=self.http_async_client,
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
        statuses = self.retry_on_status_codes
        retry = RetryPolicy(
            max_retries=self.max_retries,
            backoff_factor=self.retry_backoff_factor,
            statuses=RETRY_STATUSES if statuses is None else frozenset(statuses),
        )
        return Transport(
            http, auth, retry, limiter=self._account_limiter(), budgets=self._budgets()
        )

    def _account_limiter(self) -> Limiter:
        # The account: OAuth credentials on their scope; otherwise the user or the token, whose
        # scope is known only when given explicitly.
        secret: str | None
        scope: str | None
        if self.credentials is not None:
            secret, scope = self.credentials.get_secret_value(), self.scope
        else:
            if self.user is not None:
                password = self.password.get_secret_value() if self.password else ""
                secret = f"{self.user}:{password}"
            else:
                secret = self.access_token.get_secret_value() if self.access_token else None
            scope = self.scope if scope_is_explicit(self.model_fields_set) else None
        return self._limiter(secret=secret, scope=scope, base_url=self.base_url)

    @property
    def transport(self) -> Transport:
        """The object's transport (built on first use, then shared by all calls)."""
        return self._transport.get(self._build_transport)

    def __copy__(self) -> Self:
        """A shallow copy whose per-process state (transport, caches) is its own, built anew.

        ``model_copy(update={"base_url": ...})`` starts from this copy, so a transport shared
        with the original would keep sending to the old address; every :class:`Lazy` private
        attribute (this class's and its subclasses') starts empty.
        """
        copied = super().__copy__()
        for name in type(self).__private_attributes__:
            if isinstance(getattr(copied, name, None), Lazy):
                setattr(copied, name, Lazy())
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """A deep copy that shares the live objects (user's clients, SSL context).

        A client or a TLS context is a resource, not data: the copy uses the same one (as a
        pickled model could not). Its own transport and token are built on its first call.
        """
        memo = {} if memo is None else memo
        for name in _LIVE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                memo.setdefault(id(value), value)
        return super().__deepcopy__(memo)

    def __getstate__(self) -> dict[Any, Any]:
        """The pickled state: every field, credentials included; no transport, no token.

        Raises:
            GigaChatPickleError: The model holds an injected httpx client or an SSL context.
        """
        live = [name for name in _LIVE_FIELDS if getattr(self, name) is not None]
        if live:
            msg = (
                f"A GigaChat model with {', '.join(live)} cannot be pickled: an httpx client or "
                "an SSL context belongs to the process that created it. Build the model in the "
                "receiving process, or copy it with copy.deepcopy within this one."
            )
            raise GigaChatPickleError(msg)
        return super().__getstate__()
