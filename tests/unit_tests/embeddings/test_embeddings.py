"""GigaChatEmbeddings behaviour over a mocked HTTP boundary (httpx.MockTransport, no sockets)."""

from __future__ import annotations

import copy
import math
import pickle
import sys
import types
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from langchain_gigachat_ext._catalog import EMBEDDING_MODELS
from langchain_gigachat_ext.embeddings.model import GigaChatEmbeddings, GigaChatInputTooLongError
from langchain_gigachat_ext.errors import GigaChatMalformedResponseError, GigaChatServerError
from tests.unit_tests.embeddings.fake_api import FakeApi, connect, fake_vector

TEXTS = [f"t{i}" for i in range(250)]


def words(n: int) -> str:
    return " ".join(f"w{i:03d}" for i in range(n))


# --- batching and order ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("batch_size", "sizes"), [(100, [100, 100, 50]), (7, [7] * 35 + [5]), (84, [84, 84, 82])]
)
def test_batches_by_count_and_keeps_order(batch_size: int, sizes: list[int]) -> None:
    api = FakeApi()
    embeddings = connect(api, batch_size=batch_size, max_concurrency=3)
    vectors = embeddings.embed_documents(TEXTS)
    assert vectors == [fake_vector(text) for text in TEXTS]
    assert sorted(len(batch) for batch in api.embedding_inputs) == sorted(sizes)
    assert sorted(text for batch in api.embedding_inputs for text in batch) == sorted(TEXTS)


async def test_async_batches_by_count_and_keeps_order() -> None:
    api = FakeApi(delay=0.001)
    embeddings = connect(api, batch_size=10, max_concurrency=4)
    vectors = await embeddings.aembed_documents(TEXTS)
    assert vectors == [fake_vector(text) for text in TEXTS]
    assert len(api.embedding_inputs) == 25


def test_batch_size_cannot_exceed_the_catalog_cap() -> None:
    with pytest.raises(ValueError, match="less than or equal to 100"):
        GigaChatEmbeddings(access_token="t", batch_size=101)


def test_batches_by_token_budget() -> None:
    api = FakeApi()
    texts = ["aaaa"] * 10  # 4 bytes + 5 special tokens = 9 tokens each (byte bound)
    embeddings = connect(api, max_batch_tokens=30)
    embeddings.embed_documents(texts)
    assert [len(batch) for batch in api.embedding_inputs] == [3, 3, 3, 1]
    assert api.count_requests == []


def test_counted_sizes_feed_the_budget() -> None:
    api = FakeApi()
    text = words(10)  # 49 bytes: over the byte bound of a 20-token limit, 10 words counted
    embeddings = connect(api, max_input_tokens=20, max_batch_tokens=30)
    embeddings.embed_documents([text] * 4)
    assert [body["model"] for body in api.count_requests] == ["GigaChat"]
    assert [len(batch) for batch in api.embedding_inputs] == [2, 2]


def test_empty_input_makes_no_request() -> None:
    api = FakeApi()
    assert connect(api).embed_documents([]) == []
    assert api.embedding_inputs == []


# --- retries -----------------------------------------------------------------------------------
def test_sync_retry_resends_only_the_failed_batch() -> None:
    api = FakeApi(fail_once_when_contains="t150")
    embeddings = connect(api, batch_size=50, max_concurrency=2)
    vectors = embeddings.embed_documents(TEXTS)
    assert vectors == [fake_vector(text) for text in TEXTS]
    sent = Counter(tuple(batch) for batch in api.embedding_inputs)
    assert len(api.embedding_inputs) == 6
    assert [batch for batch, times in sent.items() if times == 2] == [tuple(TEXTS[150:200])]


async def test_async_retry_resends_only_the_failed_batch() -> None:
    api = FakeApi(fail_once_when_contains="t0")
    embeddings = connect(api, batch_size=50, max_concurrency=5)
    vectors = await embeddings.aembed_documents(TEXTS)
    assert vectors == [fake_vector(text) for text in TEXTS]
    sent = Counter(tuple(batch) for batch in api.embedding_inputs)
    assert [batch for batch, times in sent.items() if times == 2] == [tuple(TEXTS[:50])]
    assert sum(sent.values()) == 6


def test_a_batch_that_keeps_failing_raises_without_resending_others() -> None:
    api = FakeApi(fail_once_when_contains="t60")
    embeddings = connect(api, batch_size=50, max_concurrency=1, max_retries=0)
    with pytest.raises(GigaChatServerError):
        embeddings.embed_documents(TEXTS)
    assert [batch[0] for batch in api.embedding_inputs] == ["t0", "t50"]


def test_malformed_response_is_a_typed_error() -> None:
    embeddings = connect(FakeApi(bad_indices=True))
    with pytest.raises(GigaChatMalformedResponseError, match="expected 3 items in `data`, got 2"):
        embeddings.embed_documents(["a", "b", "c"])


# --- concurrency -------------------------------------------------------------------------------
def test_sync_concurrency_is_bounded_by_the_thread_pool() -> None:
    api = FakeApi(delay=0.02)
    connect(api, batch_size=10, max_concurrency=3).embed_documents(TEXTS[:90])
    assert 1 < api.peak_in_flight <= 3


async def test_async_concurrency_is_bounded_by_the_semaphore() -> None:
    api = FakeApi(delay=0.02)
    await connect(api, batch_size=10, max_concurrency=4).aembed_documents(TEXTS[:90])
    assert api.peak_in_flight == 4


# --- over-limit policies -----------------------------------------------------------------------
def test_error_policy_raises_before_embedding() -> None:
    api = FakeApi()
    embeddings = connect(api, max_input_tokens=20)
    with pytest.raises(GigaChatInputTooLongError) as caught:
        embeddings.embed_documents(["short", words(40)])
    assert (caught.value.index, caught.value.excess) == (1, 25)
    assert api.embedding_inputs == []


async def test_error_policy_async() -> None:
    embeddings = connect(FakeApi(), max_input_tokens=20)
    with pytest.raises(GigaChatInputTooLongError, match="Input 0 is 45 tokens, 25 over"):
        await embeddings.aembed_documents([words(40)])


def test_truncate_policy_sends_a_fitting_prefix(caplog: pytest.LogCaptureFixture) -> None:
    api = FakeApi()
    embeddings = connect(api, max_input_tokens=20, on_long_input="truncate")
    text = words(40)
    vectors = embeddings.embed_documents(["short", text])
    (sent,) = [t for batch in api.embedding_inputs for t in batch if t != "short"]
    assert text.startswith(sent)
    assert len(sent.split()) + 5 <= 20
    assert vectors[1] == fake_vector(sent)
    assert "truncated 1 input(s)" in caplog.text


def test_split_and_average_policy_returns_the_weighted_mean() -> None:
    api = FakeApi()
    embeddings = connect(api, max_input_tokens=20, on_long_input="split_and_average")
    text = words(40)
    vectors = embeddings.embed_documents([text, "short"])
    parts = [t for batch in api.embedding_inputs for t in batch if t != "short"]
    assert len(parts) >= 3
    assert " ".join(parts).split() == text.split()
    weights = [len(part.encode()) + 5 if len(part.encode()) + 5 <= 20 else 0 for part in parts]
    assert all(weight == 0 for weight in weights)  # every part was counted, not byte-bounded
    counted = [len(part.split()) + 5 for part in parts]
    mean = [
        sum(fake_vector(part)[d] * w for part, w in zip(parts, counted, strict=True)) / sum(counted)
        for d in range(3)
    ]
    norm = math.sqrt(sum(value * value for value in mean))
    assert vectors[0] == pytest.approx([value / norm for value in mean])
    assert vectors[1] == fake_vector("short")


async def test_split_and_average_async() -> None:
    api = FakeApi()
    embeddings = connect(api, max_input_tokens=20, on_long_input="split_and_average")
    (vector,) = await embeddings.aembed_documents([words(40)])
    assert math.sqrt(sum(v * v for v in vector)) == pytest.approx(1.0)
    assert len(api.embedding_inputs[0]) >= 3


@pytest.mark.parametrize(
    ("model", "limit"), [("Embeddings", 512), ("EmbeddingsGigaR", 4096), ("Unknown-X", 512)]
)
def test_input_limit_comes_from_the_catalog_unless_overridden(model: str, limit: int) -> None:
    assert GigaChatEmbeddings(access_token="t", model=model).input_token_limit == limit
    override = GigaChatEmbeddings(access_token="t", model=model, max_input_tokens=100)
    assert override.input_token_limit == 100


# --- query instruction -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "prefix"),
    [
        ({"model": "Embeddings"}, ""),
        ({"model": "EmbeddingsGigaR"}, EMBEDDING_MODELS["EmbeddingsGigaR"].query_instruction),
        ({"model": "GigaEmbeddings-3B-2025-09", "query_instruction": ""}, ""),
        ({"model": "Embeddings", "query_instruction": "query: "}, "query: "),
    ],
)
async def test_query_and_documents_differ_only_by_the_instruction(
    params: dict[str, Any], prefix: str
) -> None:
    api = FakeApi()
    embeddings = connect(api, **params)
    query = embeddings.embed_query("Как заблокировать карту?")
    document = embeddings.embed_documents(["Как заблокировать карту?"])[0]
    async_query = await embeddings.aembed_query("Как заблокировать карту?")
    assert api.embedding_inputs == [
        [prefix + "Как заблокировать карту?"],
        ["Как заблокировать карту?"],
        [prefix + "Как заблокировать карту?"],
    ]
    assert async_query == query
    assert (query == document) == (prefix == "")


def test_instruct_models_carry_an_instruction_in_the_catalog() -> None:
    assert GigaChatEmbeddings(access_token="t", model="EmbeddingsGigaR").dimensions == 2560
    assert GigaChatEmbeddings(access_token="t", model="EmbeddingsGigaR").effective_query_instruction


# --- usage -------------------------------------------------------------------------------------
async def test_usage_sums_per_item_prompt_tokens() -> None:
    api = FakeApi()
    embeddings = connect(api, batch_size=2)
    assert embeddings.last_usage is None
    embeddings.embed_documents(["one", "two words", "three more words"])  # 6 words + 3 x 5
    assert embeddings.last_usage == {"input_tokens": 21, "output_tokens": 0, "total_tokens": 21}
    await embeddings.aembed_query("x")
    assert embeddings.last_usage == {"input_tokens": 6, "output_tokens": 0, "total_tokens": 6}
    assert embeddings.total_usage["total_tokens"] == 27
    embeddings.reset_usage()
    assert embeddings.total_usage["total_tokens"] == 0
    assert embeddings.last_usage is None


def test_usage_of_completed_batches_is_kept_when_a_call_fails() -> None:
    api = FakeApi(fail_once_when_contains="t60")
    embeddings = connect(api, batch_size=50, max_concurrency=1, max_retries=0)
    with pytest.raises(GigaChatServerError):
        embeddings.embed_documents(TEXTS)
    assert embeddings.total_usage["input_tokens"] == 50 * 6


# --- progress ----------------------------------------------------------------------------------
class _FakeBar:
    instances: list[_FakeBar] = []  # noqa: RUF012

    def __init__(self, *, total: int, **_: Any) -> None:
        self.total = total
        self.updates: list[int] = []
        self.closed = False
        _FakeBar.instances.append(self)

    def update(self, count: int) -> None:
        self.updates.append(count)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_tqdm(monkeypatch: pytest.MonkeyPatch) -> type[_FakeBar]:
    module = types.ModuleType("tqdm.auto")
    module.tqdm = _FakeBar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm.auto", module)
    _FakeBar.instances = []
    return _FakeBar


async def test_progress_bar_counts_every_text(fake_tqdm: type[_FakeBar]) -> None:
    embeddings = connect(FakeApi(), batch_size=100, show_progress=True)
    embeddings.embed_documents(TEXTS)
    await embeddings.aembed_documents(TEXTS[:30])
    first, second = fake_tqdm.instances
    assert (first.total, sorted(first.updates), first.closed) == (250, [50, 100, 100], True)
    assert (second.total, second.updates, second.closed) == (30, [30], True)


def test_progress_is_off_by_default(fake_tqdm: type[_FakeBar]) -> None:
    connect(FakeApi()).embed_documents(TEXTS[:3])
    assert fake_tqdm.instances == []


def test_progress_without_tqdm_explains_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    embeddings = connect(FakeApi(), show_progress=True)
    with pytest.raises(ImportError, match=r"langchain-gigachat-ext\[progress\]"):
        embeddings.embed_documents(["a"])


# --- copies ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "duplicate",
    [copy.deepcopy, lambda model: pickle.loads(pickle.dumps(model))],  # noqa: S301 - own bytes
)
def test_usage_travels_with_copies_and_each_copy_counts_on_its_own(
    duplicate: Callable[[GigaChatEmbeddings], GigaChatEmbeddings],
) -> None:
    original = connect(FakeApi())
    original.embed_documents(["one", "two words"])  # 3 words + 2 x 5
    twin = duplicate(original)
    assert twin.total_usage["total_tokens"] == original.total_usage["total_tokens"] == 13
    assert twin.last_usage == original.last_usage
    twin.reset_usage()
    assert twin.total_usage["total_tokens"] == 0
    assert original.total_usage["total_tokens"] == 13
