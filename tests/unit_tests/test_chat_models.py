"""``ChatGigaChat``'s own surface: token counting, and public methods defined on the class."""

from __future__ import annotations

import json

import httpx
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool

from langchain_gigachat_ext import ChatGigaChat
from langchain_gigachat_ext.chat.tokens import MESSAGE_OVERHEAD_TOKENS, estimate_tokens
from tests.unit_tests.chat.test_chat_model import make_llm


def count_words(request: httpx.Request) -> httpx.Response:
    """A fake ``/tokens/count``: one token per word."""
    assert request.url.path.endswith("/tokens/count")
    body = json.loads(request.content)
    return httpx.Response(
        200,
        json=[
            {"object": "tokens", "tokens": len(text.split()), "characters": len(text)}
            for text in body["input"]
        ],
    )


@tool
def get_exchange_rate(currency: str) -> float:
    """Курс валюты к рублю."""
    return 92.5


def test_get_num_tokens_asks_the_api_once_per_distinct_text() -> None:
    llm, seen = make_llm(count_words)
    assert llm.get_num_tokens("один два три") == 3
    assert llm.get_num_tokens("один два три") == 3
    assert len(seen) == 1
    assert json.loads(seen[0].content) == {"model": "GigaChat-2", "input": ["один два три"]}
    llm.model = "GigaChat-2-Max"  # another tokenizer: counted again
    assert llm.get_num_tokens("один два три") == 3
    assert len(seen) == 2


def test_get_num_tokens_from_messages_counts_every_message_and_the_tools() -> None:
    llm, seen = make_llm(count_words)
    messages = [HumanMessage("сколько стоит доллар"), AIMessage("девяносто два")]
    plain = llm.get_num_tokens_from_messages(messages)
    assert plain == 3 + 2 + 2 * MESSAGE_OVERHEAD_TOKENS
    with_tools = llm.get_num_tokens_from_messages(messages, tools=[get_exchange_rate])
    assert with_tools > plain
    sent = json.loads(seen[-1].content)["input"]
    assert any("get_exchange_rate" in text for text in sent)


def test_offline_estimate_sends_nothing() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    llm, seen = make_llm(refuse, use_api_for_tokens=False)
    assert llm.get_num_tokens("Привет, мир") == estimate_tokens("Привет, мир") > 0
    assert llm.get_num_tokens_from_messages([HumanMessage("")]) == MESSAGE_OVERHEAD_TOKENS
    assert seen == []


@pytest.mark.parametrize(
    "name",
    [
        "bind_tools",
        "with_structured_output",
        "get_num_tokens",
        "get_num_tokens_from_messages",
        "attachment_uploader",
        "upload_file",
        "aupload_file",
        "list_files",
        "alist_files",
        "get_file",
        "aget_file",
        "download_file",
        "adownload_file",
        "delete_file",
        "adelete_file",
        "delete_uploaded_files",
        "adelete_uploaded_files",
    ],
)
def test_public_methods_are_defined_on_the_class(name: str) -> None:
    assert name in vars(ChatGigaChat), f"{name} is inherited, not defined on ChatGigaChat"


def test_the_class_has_no_helper_bases() -> None:
    from langchain_gigachat_ext.client.config import GigaChatConnection

    assert ChatGigaChat.__bases__ == (GigaChatConnection, BaseChatModel)
