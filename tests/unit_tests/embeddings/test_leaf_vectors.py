"""Returned vectors are left out of CPython's cyclic garbage collector, and stay plain lists."""

from __future__ import annotations

import copy
import gc
import sys
import weakref
from collections.abc import Iterator

import pytest

from langchain_gigachat_ext.embeddings import leaf_vectors as _leaf_vectors
from langchain_gigachat_ext.embeddings.leaf_vectors import untrack_vectors
from tests.unit_tests.embeddings.fake_api import FakeApi, connect, fake_vector

cpython_only = pytest.mark.skipif(
    sys.implementation.name != "cpython", reason="untracking is a CPython collector detail"
)


@pytest.fixture
def fresh_lookup() -> Iterator[None]:
    _leaf_vectors._untrack_function.cache_clear()
    yield
    _leaf_vectors._untrack_function.cache_clear()


@cpython_only
def test_untracked_vectors_are_still_ordinary_lists() -> None:
    vectors = [[0.25, -1.0, 3], [1.5]]
    untrack_vectors(vectors)
    assert [gc.is_tracked(vector) for vector in vectors] == [False, False]
    first = vectors[0]
    assert type(first) is list
    assert first == [0.25, -1.0, 3]
    first.append(2.0)
    first[0] = 9.0
    assert first == [9.0, -1.0, 3, 2.0]
    assert gc.is_tracked(copy.copy(first))  # copies are new lists, tracked as usual


@cpython_only
def test_untracking_twice_is_harmless() -> None:
    vector = [0.5]
    untrack_vectors([vector, vector])
    untrack_vectors([vector])
    gc.collect()
    assert not gc.is_tracked(vector)
    assert vector == [0.5]


class _Vector(list[float]):
    """A list that can be weakly referenced, to watch it being freed."""


@cpython_only
def test_untracked_vectors_are_freed_by_reference_counting() -> None:
    vector = _Vector([0.5] * 8)
    untrack_vectors([vector])
    assert not gc.is_tracked(vector)
    watcher = weakref.ref(vector)
    del vector
    assert watcher() is None


@cpython_only
def test_nothing_is_done_outside_cpython(
    monkeypatch: pytest.MonkeyPatch, fresh_lookup: None
) -> None:
    del fresh_lookup
    monkeypatch.setattr(sys.implementation, "name", "pypy")
    vector = [0.5]
    untrack_vectors([vector])
    assert _leaf_vectors._untrack_function() is None
    assert gc.is_tracked(vector)


@cpython_only
def test_nothing_is_done_without_ctypes(
    monkeypatch: pytest.MonkeyPatch, fresh_lookup: None
) -> None:
    del fresh_lookup
    monkeypatch.setitem(sys.modules, "ctypes", None)  # import ctypes now raises ImportError
    vector = [0.5]
    untrack_vectors([vector])
    assert _leaf_vectors._untrack_function() is None
    assert gc.is_tracked(vector)


@cpython_only
def test_the_lookup_leaves_ctypes_shared_prototype_alone(fresh_lookup: None) -> None:
    del fresh_lookup
    import ctypes

    shared = ctypes.pythonapi.PyObject_GC_UnTrack
    before = (shared.argtypes, shared.restype)
    untrack_vectors([[1.0]])
    assert (shared.argtypes, shared.restype) == before


# --- through GigaChatEmbeddings ----------------------------------------------------------------
@cpython_only
def test_embed_documents_returns_untracked_vectors() -> None:
    texts = [f"t{i}" for i in range(30)]
    vectors = connect(FakeApi(), batch_size=7, max_concurrency=3).embed_documents(texts)
    assert vectors == [fake_vector(text) for text in texts]
    assert not any(gc.is_tracked(vector) for vector in vectors)


@cpython_only
async def test_aembed_query_returns_an_untracked_vector() -> None:
    vector = await connect(FakeApi()).aembed_query("q")
    assert not gc.is_tracked(vector)


@cpython_only
def test_split_and_averaged_vectors_are_untracked_too() -> None:
    embeddings = connect(FakeApi(), max_input_tokens=20, on_long_input="split_and_average")
    long_text = " ".join(f"w{i:03d}" for i in range(40))
    averaged, short = embeddings.embed_documents([long_text, "short"])
    assert short == fake_vector("short")
    assert not gc.is_tracked(averaged)
    assert not gc.is_tracked(short)
