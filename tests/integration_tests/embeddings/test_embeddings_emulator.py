"""GigaChatEmbeddings against the emulator: its limits, retries and concurrency."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from langchain_gigachat_ext._catalog import MAX_EMBEDDING_BATCH_ITEMS
from langchain_gigachat_ext.embeddings.model import GigaChatEmbeddings, GigaChatInputTooLongError
from langchain_gigachat_ext.emulator import GigaChatEmulator
from langchain_gigachat_ext.emulator.brain.core import Brain
from langchain_gigachat_ext.emulator.server.protocol import dumps
from langchain_gigachat_ext.errors import GigaChatUnprocessableEntityError
from tests.integration_tests.emulator.emu_helpers import oauth_token

LONG = "слово " * 600  # about 600 emulator tokens, over the 512-token limit of Embeddings


def embeddings(emu: Any, **params: Any) -> GigaChatEmbeddings:
    return GigaChatEmbeddings(**emu.client_kwargs(), retry_backoff_factor=0, **params)


def embedding_requests(emu: Any, status: int | None = None) -> list[list[str]]:
    """Inputs of the logged ``/embeddings`` requests (injected faults log no body)."""
    return [
        list((entry["body"] or {}).get("input", []))
        for entry in emu.request_log
        if entry["path"].endswith("/embeddings") and status in (None, entry["status"])
    ]


def test_client_rejects_an_oversize_input_before_sending(emu: Any) -> None:
    with pytest.raises(GigaChatInputTooLongError) as caught:
        embeddings(emu).embed_documents(["ok", LONG])
    assert caught.value.index == 1
    assert embedding_requests(emu) == []


def test_server_rejects_an_oversize_input_when_the_client_check_is_bypassed(emu: Any) -> None:
    bypassed = embeddings(emu, max_input_tokens=100_000)
    with pytest.raises(GigaChatUnprocessableEntityError, match="too long"):
        bypassed.embed_documents(["ok", LONG])
    assert len(embedding_requests(emu)) == 1


@pytest.mark.parametrize("policy", ["truncate", "split_and_average"])
def test_long_input_policies_are_accepted_by_the_server(emu: Any, policy: str) -> None:
    model = embeddings(emu, on_long_input=policy)
    vectors = model.embed_documents(["ok", LONG, LONG * 4])
    assert [len(vector) for vector in vectors] == [1024, 1024, 1024]
    assert all(entry["status"] == 200 for entry in emu.request_log if "/api/v1/" in entry["path"])


def test_gigar_has_its_catalog_dimensions(emu: Any) -> None:
    model = embeddings(emu, model="EmbeddingsGigaR")
    assert len(model.embed_query("вклад")) == model.dimensions == 2560


def test_requests_never_exceed_the_item_cap(emu: Any) -> None:
    texts = [f"текст номер {i}" for i in range(250)]
    vectors = embeddings(emu).embed_documents(texts)
    assert len(vectors) == 250
    sizes = [len(batch) for batch in embedding_requests(emu)]
    assert sorted(sizes) == [50, MAX_EMBEDDING_BATCH_ITEMS, MAX_EMBEDDING_BATCH_ITEMS]


def test_one_failed_batch_is_resent_alone(emu: Any) -> None:
    texts = [f"документ {i}" for i in range(200)]
    reference = embeddings(emu).embed_documents(texts)
    emu.reset()
    emu.faults.fail_first(1, status=503)
    model = embeddings(emu, batch_size=40, max_concurrency=3)
    assert model.embed_documents(texts) == reference
    assert len(embedding_requests(emu)) == 6
    assert len(embedding_requests(emu, status=503)) == 1
    served = Counter(tuple(batch) for batch in embedding_requests(emu, status=200))
    assert sorted(served.values()) == [1, 1, 1, 1, 1]
    assert sorted(text for batch in served for text in batch) == sorted(texts)


async def test_async_concurrency_keeps_order_and_matches_sync(emu: Any) -> None:
    texts = [f"вопрос про карту {i}" for i in range(300)]
    model = embeddings(emu, batch_size=20, max_concurrency=5)
    expected = model.embed_documents(texts)
    emu.reset()
    emu.faults.latency = 0.02
    assert await model.aembed_documents(texts) == expected
    assert len(embedding_requests(emu)) == 15
    assert model.last_usage is not None
    assert model.last_usage["input_tokens"] > 0


# --- the emulator's answer on the wire -----------------------------------------------------------
WIRE_TEXTS = ["Hello, world!", "Как заблокировать карту?", "!!!", ""]


def test_emulator_body_is_the_recorded_shape_with_the_brains_vectors(emu: Any) -> None:
    brain = Brain()
    with httpx.Client(
        base_url=emu.base_url, headers={"Authorization": f"Bearer {oauth_token(emu)}"}
    ) as http:
        response = http.post("/embeddings", json={"model": "Embeddings", "input": WIRE_TEXTS})
    assert response.status_code == 200
    expected = {
        "object": "list",
        "model": "Embeddings",
        "data": [
            {
                "object": "embedding",
                "index": index,
                "embedding": brain.embed(text, 1024),
                "usage": {"prompt_tokens": brain.count_tokens(text)},
            }
            for index, text in enumerate(WIRE_TEXTS)
        ],
    }
    assert response.content == dumps(expected)


def test_client_returns_the_emulators_vectors_in_order(emu: Any) -> None:
    texts = [f"документ {i} про вклад" for i in range(250)]
    vectors = embeddings(emu, batch_size=30, max_concurrency=3).embed_documents(texts)
    assert vectors == [Brain().embed(text, 1024) for text in texts]


class _ConstantBrain(Brain):
    def embed(self, text: str, dimensions: int) -> list[float]:
        return [float(len(text))] + [0.5] * (dimensions - 1)


def test_a_brain_overriding_embed_keeps_its_vectors_on_the_wire() -> None:
    with GigaChatEmulator(brain=_ConstantBrain()) as emu:
        vectors = embeddings(emu).embed_documents(["ab", "abcd"])
    assert vectors == [[2.0] + [0.5] * 1023, [4.0] + [0.5] * 1023]
