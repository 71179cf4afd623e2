"""langchain-gigachat 0.5.1 and 0.5.2a1 README examples, run with only the import changed.

Each test is one documented example: the code is theirs (prints dropped), with
``from langchain_gigachat import ...`` replaced by ``from langchain_gigachat_ext import ...``.
The connection comes from ``GIGACHAT_*`` variables, as their examples assume ("authentication
is configured via environment variables"); here they point at the emulator. The assertions
check what each example relies on. Where this package deliberately differs, the test pins the
error that says so (README, "Migrating from langchain-gigachat").
"""

from __future__ import annotations

import asyncio
import base64
import io
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from gigachat.exceptions import AuthenticationError, GigaChatException, RateLimitError
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from PIL import Image as PILImage
from pydantic import BaseModel, Field

from langchain_gigachat_ext import GigaChat, GigaChatEmbeddings, GigaChatInvalidInputError
from langchain_gigachat_ext.client import config as client_config
from langchain_gigachat_ext.client.config import InsecureTLSWarning
from tests.integration_tests.backend import LIVE, emulator

pytestmark = pytest.mark.skipif(LIVE, reason="the examples run against the emulator")


@pytest.fixture(autouse=True)
def gigachat_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``export GIGACHAT_CREDENTIALS=...`` (and the emulator's URLs), as their README says."""
    server = emulator()
    server.reset()
    kwargs = server.client_kwargs()
    monkeypatch.setenv("GIGACHAT_BASE_URL", kwargs["base_url"])
    monkeypatch.setenv("GIGACHAT_AUTH_URL", kwargs["auth_url"])
    monkeypatch.setenv("GIGACHAT_CREDENTIALS", kwargs["credentials"])
    monkeypatch.setenv("GIGACHAT_SCOPE", "GIGACHAT_API_PERS")
    for name in ("GIGACHAT_MODEL", "GIGACHAT_USE_API_V2", "GIGACHAT_VERIFY_SSL_CERTS"):
        monkeypatch.delenv(name, raising=False)
    yield
    server.reset()


def _png() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@tool
def get_weather(city: str) -> str:
    """Get current weather for a city."""
    return f"{city}: sunny, 22C"


# --- Usage examples ---------------------------------------------------------------------------
def test_chat() -> None:
    llm = GigaChat()
    msg = llm.invoke("Hello, GigaChat!")
    assert isinstance(msg.content, str)
    assert msg.content


def test_streaming() -> None:
    llm = GigaChat()
    chunks = [chunk.content for chunk in llm.stream("Write a short poem about programming")]
    assert "".join(str(c) for c in chunks)


def test_async() -> None:
    async def main() -> Any:
        llm = GigaChat()
        return await llm.ainvoke("Explain quantum computing in simple terms.")

    assert asyncio.run(main()).content


@pytest.mark.parametrize("text", ["Hello!", "Привет!"])
def test_embeddings(text: str) -> None:
    emb = GigaChatEmbeddings(model="Embeddings")
    vector = emb.embed_query(text)
    assert len(vector) > 0


def test_embeddings_query_prefix_options() -> None:
    plain = GigaChatEmbeddings(model="Embeddings")
    prefixed = GigaChatEmbeddings(model="Embeddings", use_prefix_query=True)
    custom = GigaChatEmbeddings(model="Embeddings", use_prefix_query=True, prefix_query="q: ")
    text = "Столица России"
    assert prefixed.embed_query(text) == plain.embed_documents([prefixed.prefix_query + text])[0]
    assert custom.embed_query(text) == plain.embed_documents(["q: " + text])[0]
    assert prefixed.embed_query(text) != plain.embed_query(text)


def test_reasoning_model() -> None:
    llm = GigaChat(model="GigaChat-2-Reasoning", reasoning_effort="high")
    msg = llm.invoke("How many r's are in the word 'strawberry'?")
    assert msg.content is not None
    msg.additional_kwargs.get("reasoning_content")  # documented access: must not fail


# --- API v2 -----------------------------------------------------------------------------------
def _chat_paths() -> list[str]:
    return [r["path"] for r in emulator().request_log if r["path"].endswith("/chat/completions")]


def test_api_v2_on_the_model_and_through_bind() -> None:
    llm = GigaChat(model="GigaChat-3-Ultra", use_api_v2=True)
    assert llm.invoke("Hello!").content
    assert "".join(c.text for c in llm.stream("Write one sentence about Lake Baikal."))
    primary_once = GigaChat().bind(use_api_v2=True)
    assert primary_once.invoke("Hello!").content
    assert GigaChat().invoke("Hello!").content
    assert [path.split("/")[-3] for path in _chat_paths()] == ["v2", "v2", "v2", "v1"]


def test_api_v2_tool_round_trip() -> None:
    llm = GigaChat(model="GigaChat-3-Ultra", use_api_v2=True)
    with_tools = llm.bind_tools([get_weather], tool_choice="get_weather")
    question = HumanMessage("What is the weather in Moscow?")
    assistant = with_tools.invoke([question])
    call = assistant.tool_calls[0]
    result = ToolMessage(
        content=get_weather.invoke(call["args"]), tool_call_id=call["id"], name=call["name"]
    )
    answer = llm.bind_tools([get_weather], tool_choice="auto").invoke([question, assistant, result])
    assert "sunny" in str(answer.content)


def test_api_v2_provider_tool() -> None:
    llm = GigaChat(model="GigaChat-3-Ultra", use_api_v2=True)
    with_search = llm.bind_tools([{"type": "web_search"}], tool_choice="web_search")
    response = with_search.invoke("Find recent GigaChat news.")
    assert isinstance(response, AIMessage)


class City(BaseModel):
    name: str
    population: int


def test_api_v2_native_json_schema_and_json_mode() -> None:
    llm = GigaChat(model="GigaChat-3-Ultra", use_api_v2=True)
    structured = llm.with_structured_output(City, method="json_schema")
    city = structured.invoke("Return information about Kazan.")
    assert isinstance(city, City)
    json_llm = llm.with_structured_output(None, method="json_mode")
    value = json_llm.invoke("Return a JSON object with a short answer.")
    assert isinstance(value, dict)


def test_api_v2_session_id() -> None:
    llm = GigaChat(use_api_v2=True, session_id="my-conversation", max_tokens=256)
    assert llm.invoke("Hello!").content
    assert emulator().request_log[-1]["session_id"] == "my-conversation"


def test_use_api_v2_and_api_version_that_disagree_are_an_error() -> None:
    with pytest.raises(ValueError, match="disagree"):
        GigaChat(use_api_v2=True, api_version="v1")
    with pytest.raises(GigaChatInvalidInputError, match="disagree"):
        GigaChat(api_version="v2").bind(use_api_v2=False, api_version="v2").invoke("Hi")


def test_gigachat_use_api_v2_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIGACHAT_USE_API_V2", "true")
    assert GigaChat().api_version == "v2"
    assert GigaChat(api_version="v1").api_version == "v1", "an explicit argument wins"


@pytest.mark.parametrize(
    "kwargs", [{"assistant_id": "asst-1"}, {"storage": {"thread_id": "thread-1"}}]
)
def test_server_side_threads_are_refused_before_sending(kwargs: dict[str, Any]) -> None:
    llm = GigaChat(use_api_v2=True)
    before = len(emulator().request_log)
    with pytest.raises(GigaChatInvalidInputError, match="client"):
        llm.bind(**kwargs).invoke("Hello!")
    assert len(emulator().request_log) == before


@pytest.mark.parametrize(
    ("field", "advice"),
    [
        ("model_options", "temperature"),
        ("tool_config", "tool_choice"),
        ("additional_fields", "report"),
    ],
)
def test_raw_v2_fields_are_refused_with_what_to_use_instead(field: str, advice: str) -> None:
    value = {"x": 1}
    with pytest.raises(ValueError, match=f"{field}.*{advice}"):
        GigaChat(use_api_v2=True, **{field: value})
    llm = GigaChat(use_api_v2=True)
    before = len(emulator().request_log)
    with pytest.raises(GigaChatInvalidInputError, match=f"{field}.*{advice}"):
        llm.bind(**{field: value}).invoke("Hello!")
    assert len(emulator().request_log) == before


# --- Tool calling, legacy functions, structured output ----------------------------------------
def test_tool_calling_with_extras_and_function_ranker() -> None:
    @tool(
        extras={"few_shot_examples": [{"request": "weather in Tokyo", "params": {"city": "Tokyo"}}]}
    )
    def get_weather(city: str) -> str:
        """Get current weather for a city."""
        return f"{city}: sunny, 22C"

    llm = GigaChat()
    msg = llm.bind_tools([get_weather], tool_choice="auto").invoke("What's the weather in Tokyo?")
    assert msg.tool_calls[0]["args"] == {"city": "Tokyo"}
    llm = GigaChat(function_ranker={"enabled": False})
    assert llm.bind_tools([get_weather], tool_choice="auto").invoke("Weather in Tokyo?")


def test_bind_functions() -> None:
    def get_weather(city: str) -> str:
        """Get current weather for a city."""
        return f"{city}: sunny, 22C"

    llm = GigaChat()
    llm_with_functions = llm.bind_functions([get_weather], function_call="auto")
    assert llm_with_functions.invoke("What's the weather in Paris?").tool_calls


class Answer(BaseModel):
    """An answer with confidence score."""

    text: str = Field(description="Final answer")
    confidence: float = Field(ge=0, le=1, description="Confidence 0..1")


def test_structured_output() -> None:
    llm = GigaChat()
    parsed = llm.with_structured_output(Answer).invoke(
        "What is the capital of France? Rate your confidence."
    )
    assert isinstance(parsed, Answer)
    native = llm.with_structured_output(Answer, method="json_schema")
    assert isinstance(native.invoke("Capital of France?"), Answer)


# --- Attachments and files --------------------------------------------------------------------
def test_attachments_by_uploaded_file_id() -> None:
    llm = GigaChat(model="GigaChat-2-Max")
    uploaded = llm.upload_file(("image.png", _png()))
    msg = HumanMessage(
        content_blocks=[
            {"type": "text", "text": "Describe the image."},
            {"type": "image", "file_id": uploaded.id_},
        ]
    )
    reply = llm.invoke([msg])
    assert reply.content


def test_upload_file_in_every_form(tmp_path: Any) -> None:
    llm = GigaChat()
    png = _png()
    path = tmp_path / "red.png"
    path.write_bytes(png)
    cards = [
        llm.upload_file(("red.png", png, "image/png")),  # the SDK's 3-tuple
        llm.upload_file(("red.png", png)),
        llm.upload_file(("red.png", io.BytesIO(png))),
        llm.upload_file(png),
        llm.upload_file(str(path)),
        llm.upload_file(path),
        llm.upload_file(path.open("rb"), "general"),  # their positional purpose
    ]
    assert all(card.id_ for card in cards)
    assert asyncio.run(llm.aupload_file(("red.png", png, "image/png"))).id_


def test_file_operations() -> None:
    llm = GigaChat()
    uploaded = llm.upload_file(("document.pdf", b"%PDF-1.4\n%%EOF\n"))
    files = llm.list_files()
    assert [f.id_ for f in files.data] == [uploaded.id_]
    metadata = llm.get_file(uploaded.id_)
    content = llm.get_file_content(uploaded.id_)
    assert metadata.filename == "document.pdf"
    assert base64.b64decode(content.content).startswith(b"%PDF")
    llm.delete_file(uploaded.id_)
    assert llm.list_files().data == []


def test_async_file_operations() -> None:
    async def main() -> None:
        llm = GigaChat()
        uploaded = await llm.aupload_file(("image.png", _png()))
        assert [f.id_ for f in (await llm.alist_files()).data] == [uploaded.id_]
        assert (await llm.aget_file(uploaded.id_)).id_ == uploaded.id_
        assert (await llm.aget_file_content(uploaded.id_)).content
        await llm.adelete_file(uploaded.id_)

    asyncio.run(main())


# --- Tokens and models ------------------------------------------------------------------------
def test_tokens_count_and_models() -> None:
    llm = GigaChat(use_api_for_tokens=True)
    counts = llm.tokens_count(["Hello!", "Привет, мир!"])
    assert [c.characters for c in counts] == [6, 12]
    assert all(c.tokens > 0 for c in counts)
    assert llm.get_num_tokens("Hello!") == counts[0].tokens
    models = llm.get_models()
    assert "GigaChat-2" in [m.id_ for m in models.data]
    assert llm.get_model("GigaChat-2").id_ == "GigaChat-2"

    async def main() -> None:
        assert [c.tokens for c in await llm.atokens_count(["Hello!"])] == [counts[0].tokens]
        assert (await llm.aget_models()).data
        assert (await llm.aget_model("GigaChat-2")).id_ == "GigaChat-2"

    asyncio.run(main())


def test_unknown_model_error_points_at_get_models() -> None:
    llm = GigaChat(model="No-Such-Model")
    with pytest.raises(GigaChatException, match=r"get_models\(\)") as caught:
        llm.invoke("Hello!")
    names = [m.id_ for m in llm.get_models().data]
    assert "No-Such-Model" not in names
    assert caught.value.status_code == 404  # type: ignore[attr-defined]


# --- Configuration and errors -----------------------------------------------------------------
def test_retry_configuration() -> None:
    llm = GigaChat(max_retries=3, retry_backoff_factor=0.5, retry_on_status_codes=(429, 503))
    server = emulator()
    server.script.reply_error(503, "Service Unavailable")
    assert llm.invoke("Hello!").content
    server.script.reply_error(500, "Internal Server Error")
    with pytest.raises(GigaChatException):
        llm.invoke("Hello!")  # 500 is not in retry_on_status_codes
    emb = GigaChatEmbeddings(retry_on_status_codes=(429,))
    assert emb.embed_query("Hello!")


def test_verify_ssl_certs_false_keeps_working_with_a_warning() -> None:
    client_config._warned_insecure.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        llm = GigaChat(verify_ssl_certs=False)
    assert any(issubclass(w.category, InsecureTLSWarning) for w in caught)
    assert llm.invoke("Hello!").content


def test_sdk_exceptions_are_caught_as_documented() -> None:
    llm = GigaChat(credentials="bm90LWEta2V5Om5vcGU=")
    try:
        llm.invoke("Hello!")
    except AuthenticationError:
        caught = "auth"
    except RateLimitError:
        caught = "rate"
    except GigaChatException:
        caught = "other"
    assert caught == "auth"
