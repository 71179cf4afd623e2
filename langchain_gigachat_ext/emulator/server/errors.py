"""The one exception every handler raises to produce a wire error."""

from __future__ import annotations

from collections.abc import Mapping

from langchain_gigachat_ext.emulator.server.protocol import default_message


class ApiError(Exception):
    """An error answer in the API's ``{"status", "message"}`` shape."""

    def __init__(
        self, status: int, message: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Create the error.

        Args:
            status: HTTP status code.
            message: Body ``message``; the status' default text when omitted.
            headers: Extra response headers (e.g. ``Retry-After``).
        """
        self.status = status
        self.message = message if message is not None else default_message(status)
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.message}")


class OAuthError(Exception):
    """An OAuth error answer in the ``{"code", "message"}`` shape (DOC errors-description)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        """Create the error.

        Args:
            status: HTTP status code.
            code: Body ``code``.
            message: Body ``message``.
        """
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{status} {code} {message}")
