"""Retrieval over the bank's product documents for the contact centre.

Uses ``GigaChatEmbeddings`` (an in-memory vector store) when the package provides it and falls
back to a small lexical retriever (word-stem overlap, BM25-like weighting) otherwise, so the
example runs either way.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from cookbook.data.loader import load_bank_docs

_WORD = re.compile(r"[^\W_]+")
_MIN_WORD = 3
_STEM = 5


@dataclass(frozen=True)
class Passage:
    """One section of a bank document."""

    source: str
    """Document file name, e.g. ``card_blocking.md``."""
    title: str
    """The section heading (or the document title)."""
    text: str
    """Section text."""


def split_sections(source: str, markdown: str) -> list[Passage]:
    """Split a Markdown document into passages at ``##`` headings."""
    title = markdown.splitlines()[0].lstrip("# ").strip() if markdown else source
    passages: list[Passage] = []
    for block in re.split(r"\n(?=## )", markdown):
        heading = block.splitlines()[0].lstrip("# ").strip() if block.strip() else title
        if block.strip():
            passages.append(Passage(source, f"{title} — {heading}", block.strip()))
    return passages


def stems(text: str) -> list[str]:
    """Lower-cased 5-letter stems of the words longer than two letters."""
    return [
        word.lower().replace("ё", "е")[:_STEM]
        for word in _WORD.findall(text)
        if len(word) >= _MIN_WORD
    ]


class LexicalRetriever:
    """BM25-style ranking of passages by shared word stems (no network, no model)."""

    def __init__(self, passages: list[Passage]) -> None:
        """Index ``passages``."""
        self.passages = passages
        self._counts = [Counter(stems(f"{p.title} {p.text}")) for p in passages]
        frequency: Counter[str] = Counter()
        for counts in self._counts:
            frequency.update(counts.keys())
        total = len(passages)
        self._idf = {term: math.log(1 + total / df) for term, df in frequency.items()}
        self._avg_length = sum(sum(c.values()) for c in self._counts) / max(total, 1)

    def search(self, query: str, k: int = 3) -> list[Passage]:
        """The ``k`` best passages for ``query``."""
        terms = set(stems(query))
        scored = []
        for passage, counts in zip(self.passages, self._counts, strict=True):
            length = sum(counts.values())
            score = 0.0
            for term in terms & counts.keys():
                tf = counts[term]
                score += (
                    self._idf[term]
                    * tf
                    * 2.2
                    / (tf + 1.2 * (0.25 + 0.75 * length / self._avg_length))
                )
            if score > 0:
                scored.append((score, passage))
        scored.sort(key=lambda pair: -pair[0])
        return [passage for _, passage in scored[:k]]


class EmbeddingRetriever:
    """Cosine-similarity search over GigaChat embeddings of the passages."""

    def __init__(self, passages: list[Passage], embeddings: object) -> None:
        """Embed ``passages`` once with ``embeddings`` (a LangChain ``Embeddings``)."""
        from langchain_core.documents import Document
        from langchain_core.vectorstores import InMemoryVectorStore

        self._store = InMemoryVectorStore(embeddings)  # type: ignore[arg-type]
        self._store.add_documents(
            [Document(p.text, metadata={"source": p.source, "title": p.title}) for p in passages]
        )

    def search(self, query: str, k: int = 3) -> list[Passage]:
        """The ``k`` nearest passages to ``query``."""
        found = self._store.similarity_search(query, k=k)
        return [Passage(d.metadata["source"], d.metadata["title"], d.page_content) for d in found]


def build_retriever(
    *, prefer_embeddings: bool = True
) -> tuple[LexicalRetriever | EmbeddingRetriever, str]:
    """The best available retriever over ``cookbook/data/bank_docs`` and its description."""
    passages = [p for name, text in load_bank_docs() for p in split_sections(name, text)]
    if prefer_embeddings:
        try:
            from cookbook._shared.runtime import embeddings

            return EmbeddingRetriever(
                passages, embeddings()
            ), "GigaChatEmbeddings + InMemoryVectorStore"
        except RuntimeError:
            pass
    return LexicalRetriever(passages), "лексический поиск (GigaChatEmbeddings недоступен)"
