"""LangChain's standard integration suite with every multimodal test enabled (GigaChat-2-Max).

The suite downloads its fixtures from the internet (an image from raw.githubusercontent.com, a
PDF from w3.org, a WAV from wikimedia.org) and one image test hands the image's internet URL to
the model. Integration tests may only reach loopback, so:

* the fixtures are generated here (Pillow image, hand-written PDF, ``wave`` WAV) and served by
  the loopback ``file_server``;
* ``httpx`` inside ``langchain_tests.integration_tests.chat_models`` is replaced by a shim whose
  ``get`` maps those exact URLs to the loopback server (the suite exposes no URL attributes);
* the model is a subclass whose attachment fetcher gets an httpx transport that rewrites the
  same URLs to the loopback server, so the real download path (size cap, MIME check) runs.
Any other URL fails loudly instead of reaching the internet.
"""

from __future__ import annotations

import io
import types
import wave
from typing import Any

import httpx
import pytest
from langchain_tests.integration_tests import chat_models as standard_suite

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.attachments.fetch import AttachmentFetcher
from tests.integration_tests.attachments.conftest import FileServer, make_image, make_pdf
from tests.integration_tests.backend import connection_kwargs
from tests.integration_tests.chat import test_standard as chat_standard

INTERNET_FIXTURES = {
    "https://raw.githubusercontent.com/langchain-ai/docs/4d11d08b6b0e210bd456943f7a22febbd168b543"
    "/src/images/agentic-rag-output.png": "/agentic-rag-output.png",
    "https://www.w3.org/WAI/ER/tests/xhtml/testfiles/resources/pdf/dummy.pdf": "/dummy.pdf",
    "https://upload.wikimedia.org/wikipedia/commons/6/6a/Northern_Flicker_202280456.wav": (
        "/flicker.wav"
    ),
}
"""The suite's internet URLs → paths on the loopback file server."""

_LOCAL_BASE: dict[str, str] = {}


def _make_wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(bytes(1600))
    return out.getvalue()


def _local(url: str) -> str:
    path = INTERNET_FIXTURES.get(url)
    if path is None or "url" not in _LOCAL_BASE:
        msg = f"No local fixture for {url}; integration tests may not reach the internet."
        raise AssertionError(msg)
    return _LOCAL_BASE["url"] + path


class _Rewrite(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Sends requests for the suite's internet URLs to the loopback server instead."""

    def __init__(self) -> None:
        self._sync = httpx.HTTPTransport()
        self._async = httpx.AsyncHTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._sync.handle_request(httpx.Request("GET", _local(str(request.url))))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._async.handle_async_request(
            httpx.Request("GET", _local(str(request.url)))
        )


class LocalFixturesChatGigaChat(ChatGigaChat):
    """ChatGigaChat whose attachment downloads of the suite's URLs are served locally."""

    def _attachment_fetcher(self) -> AttachmentFetcher:
        fetcher = super()._attachment_fetcher()
        fetcher.transport = _Rewrite()
        fetcher.async_transport = _Rewrite()
        return fetcher


@pytest.fixture(autouse=True)
def _serve_suite_fixtures(file_server: FileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    file_server.files.update(
        {
            "/agentic-rag-output.png": (make_image("PNG", "navy", (64, 48)), "image/png"),
            "/dummy.pdf": (make_pdf(), "application/pdf"),
            "/flicker.wav": (_make_wav(), "audio/wav"),
        }
    )
    _LOCAL_BASE["url"] = file_server.base_url
    monkeypatch.setenv("LANGCHAIN_TESTS_USER_AGENT", "langchain-gigachat-ext tests (loopback only)")

    def get(url: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(_local(str(url)), **kwargs)

    monkeypatch.setattr(standard_suite, "httpx", types.SimpleNamespace(get=get))


class TestChatGigaChatMultimodal(chat_standard.TestChatGigaChatStandard):
    """The standard suite again, on the vision model with every multimodal test enabled."""

    @property
    def chat_model_class(self) -> type[ChatGigaChat]:
        return LocalFixturesChatGigaChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # The suite's URLs are served from loopback, which the SSRF guard refuses by default.
        return {
            **connection_kwargs(),
            "model": "GigaChat-2-Max",
            "allow_private_attachment_urls": True,
        }

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return True

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @property
    def supports_pdf_tool_message(self) -> bool:
        return True


class TestChatGigaChatMultimodalV2(TestChatGigaChatMultimodal):
    """The multimodal suite on the v2 chat API: attachments travel as ``files`` parts."""

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {**super().chat_model_params, "api_version": "v2"}
