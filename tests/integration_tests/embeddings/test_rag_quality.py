"""Retrieval quality of the cookbook RAG index (cookbook/rag) on the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cookbook.data.loader import load_bank_docs, load_eval
from cookbook.rag.pipeline import load_or_build_index, recall_at_k, split_bank_docs
from langchain_gigachat_ext.embeddings import GigaChatEmbeddings

PINNED_RECALL_AT_3 = 0.9
"""Measured on the emulator (built-in splitter, ``Embeddings``): 13.5 of 15 relevant docs found."""


def test_recall_at_3_does_not_regress(emu: Any, tmp_path: Path) -> None:
    chunks, splitter = split_bank_docs(load_bank_docs(), prefer_library=False)
    assert splitter == "built-in"
    embedder = GigaChatEmbeddings(**emu.client_kwargs(), model="Embeddings")
    store, loaded = load_or_build_index(chunks, embedder, cache_dir=tmp_path, fingerprint="t")
    assert not loaded
    assert recall_at_k(store, load_eval(), k=3) >= PINNED_RECALL_AT_3


def test_persisted_index_is_reused_without_embedding_again(emu: Any, tmp_path: Path) -> None:
    chunks, _ = split_bank_docs(load_bank_docs(), prefer_library=False)
    embedder = GigaChatEmbeddings(**emu.client_kwargs())
    load_or_build_index(chunks, embedder, cache_dir=tmp_path, fingerprint="t")
    emu.reset()
    store, loaded = load_or_build_index(chunks, embedder, cache_dir=tmp_path, fingerprint="t")
    assert loaded
    assert not [e for e in emu.request_log if e["path"].endswith("/embeddings")]
    assert len(store.store) == len(chunks)
