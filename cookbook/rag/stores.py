"""Vector stores for the cookbook RAG index: Chroma (default), FAISS, pgvector and in-memory.

Each store is keyed by :func:`cookbook.rag.pipeline.index_fingerprint` (chunks, embedding model,
backend): a second run with the same inputs reuses the stored vectors without a single embedding
request, and a change of any input builds a new index beside the old one. Every store ranks by
cosine similarity, so the same embeddings give the same top chunks whichever store holds them.

==========  ==================================================  ======================================
``kind``    where the vectors live                              packages
==========  ==================================================  ======================================
chroma      ``<cache-dir>/chroma/`` (SQLite + HNSW files),      ``langchain-chroma``, ``chromadb``
            collection ``bank_docs_<fingerprint>``              (extra ``rag``)
faiss       ``<cache-dir>/faiss_bank_docs_<fingerprint>/``      ``faiss-cpu``, ``langchain-community``
                                                                (extra ``rag-faiss``)
pgvector    PostgreSQL with the ``vector`` extension,           ``langchain-postgres``
            collection ``bank_docs_<fingerprint>``              (extra ``rag-pgvector``)
memory      ``<cache-dir>/bank_docs_<fingerprint>.json``        none (langchain-core)
==========  ==================================================  ======================================
"""

from __future__ import annotations

import importlib
import os
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import InMemoryVectorStore, VectorStore

STORE_KINDS = ("chroma", "faiss", "pgvector", "memory")
"""Values of ``--store``; the first is the default."""
PGVECTOR_URL_ENV = "PGVECTOR_URL"
"""Environment variable read for the pgvector connection string when no URL is passed."""
CHROMA_COSINE = {"hnsw:space": "cosine"}
"""Chroma's distance is L2 unless the collection is created with this metadata."""

_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "chroma": (("chromadb", "langchain_chroma"), 'pip install -e ".[rag]"'),
    "faiss": (("faiss", "langchain_community.vectorstores"), 'pip install -e ".[rag-faiss]"'),
    "pgvector": (("langchain_postgres",), 'pip install -e ".[rag-pgvector]"'),
    "memory": ((), ""),
}


class StoreUnavailableError(RuntimeError):
    """The chosen store cannot be used here: a package or a connection setting is missing."""


@dataclass(frozen=True)
class Index:
    """An opened vector index."""

    store: VectorStore
    """The LangChain vector store (queries are embedded with the same embeddings)."""
    loaded: bool
    """True when the vectors were already stored and no document was embedded."""
    location: str
    """Where the vectors live, for humans (never contains a password)."""


def check_store(kind: str, *, pgvector_url: str | None = None) -> None:
    """Fail early, before any embedding request, when ``kind`` cannot be used.

    Args:
        kind: One of :data:`STORE_KINDS`.
        pgvector_url: Connection string (required for ``pgvector``).

    Raises:
        StoreUnavailableError: Unknown kind, a missing package (the message says what to
            install) or a missing pgvector URL.
    """
    if kind not in _NEEDS:
        msg = f"unknown store {kind!r}; choose one of {', '.join(STORE_KINDS)}"
        raise StoreUnavailableError(msg)
    if kind == "pgvector" and not pgvector_url:
        msg = (
            f"--store pgvector needs a PostgreSQL server with the vector extension: pass "
            f"--pgvector-url postgresql://user:password@host:5432/db or set {PGVECTOR_URL_ENV}"
        )
        raise StoreUnavailableError(msg)
    modules, install = _NEEDS[kind]
    for module in modules:
        error = _import_error(module)
        if error is not None:
            msg = (
                f"--store {kind} needs the Python package that provides {module!r} "
                f"({error}). Install it with: {install}. "
                "Or use --store memory, which needs no extra package."
            )
            raise StoreUnavailableError(msg) from error


def _import_error(module: str) -> ImportError | None:
    try:
        importlib.import_module(module)
    except ImportError as error:
        return error
    return None


def open_index(
    kind: str,
    chunks: Sequence[Document],
    embeddings: Embeddings,
    *,
    cache_dir: Path,
    fingerprint: str,
    pgvector_url: str | None = None,
) -> Index:
    """Open the stored index for ``fingerprint``, or embed ``chunks`` into a new one.

    Args:
        kind: One of :data:`STORE_KINDS`.
        chunks: Documents to index (ids: :func:`chunk_ids`).
        embeddings: The embedding model (GigaChatEmbeddings) for documents and queries.
        cache_dir: Directory for the on-disk stores (created when missing).
        fingerprint: :func:`cookbook.rag.pipeline.index_fingerprint` of the chunks and model.
        pgvector_url: PostgreSQL connection string for ``pgvector``.

    Returns:
        The store, whether it was reused, and where it lives.

    Raises:
        StoreUnavailableError: As :func:`check_store`.
    """
    check_store(kind, pgvector_url=pgvector_url)
    name, ids = collection_name(fingerprint), chunk_ids(fingerprint, len(chunks))
    if kind == "chroma":
        path = cache_dir / "chroma"
        store = _chroma(embeddings, path=path, name=name)
        loaded = _reuse_or_add(store, chunks, ids)
        return Index(store, loaded=loaded, location=f"{path} (collection {name})")
    if kind == "faiss":
        return _faiss(chunks, ids, embeddings, folder=cache_dir / f"faiss_{name}")
    if kind == "pgvector":
        store = _pgvector(embeddings, url=str(pgvector_url), name=name)
        loaded = _reuse_or_add(store, chunks, ids)
        return Index(store, loaded=loaded, location=f"PostgreSQL (collection {name})")
    return _memory(chunks, ids, embeddings, path=cache_dir / f"{name}.json")


def collection_name(fingerprint: str) -> str:
    """The collection (or file) name for one fingerprint."""
    return f"bank_docs_{fingerprint}"


def chunk_ids(fingerprint: str, count: int) -> list[str]:
    """Stable ids of the chunks, unique across indexes.

    pgvector keeps every collection in one table whose primary key is the id, so ids repeated
    in two collections would overwrite each other's rows.
    """
    return [f"{fingerprint}-{position}" for position in range(count)]


def sqlalchemy_url(url: str) -> str:
    """A ``postgresql://`` URL with the psycopg 3 driver that ``langchain-postgres`` uses.

    Args:
        url: ``postgresql://…``, ``postgres://…`` or an URL that already names a driver.

    Returns:
        The URL with the ``postgresql+psycopg`` scheme (other schemes are returned unchanged).
    """
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def chroma_client(path: Path) -> Any:
    """A persistent Chroma client at ``path`` with anonymized telemetry off.

    Chroma enables telemetry unless told otherwise; the setting is passed explicitly so that
    neither the environment nor a Chroma default can make the cookbook talk to a third party.
    """
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))


def _chroma(embeddings: Embeddings, *, path: Path, name: str) -> VectorStore:
    from langchain_chroma import Chroma

    # The embedding function is ours: langchain-chroma embeds texts itself and creates the
    # collection without Chroma's default one (which would download a model).
    return Chroma(
        collection_name=name,
        embedding_function=embeddings,
        client=chroma_client(path),
        collection_metadata=CHROMA_COSINE,
    )


def _pgvector(embeddings: Embeddings, *, url: str, name: str) -> VectorStore:
    from langchain_postgres import PGVector
    from langchain_postgres.vectorstores import DistanceStrategy

    return PGVector(
        embeddings=embeddings,
        connection=sqlalchemy_url(url),
        collection_name=name,
        distance_strategy=DistanceStrategy.COSINE,
        use_jsonb=True,
    )


def _reuse_or_add(store: VectorStore, chunks: Sequence[Document], ids: list[str]) -> bool:
    """True when every chunk is already stored; otherwise embed and upsert all of them.

    A run that died half-way leaves only part of the ids: they are embedded again, and the
    upsert by id replaces the partial rows rather than duplicating them.
    """
    if len(store.get_by_ids(ids)) == len(ids):
        return True
    store.add_documents(list(chunks), ids=ids)
    return False


def _faiss(
    chunks: Sequence[Document], ids: list[str], embeddings: Embeddings, *, folder: Path
) -> Index:
    from langchain_community.vectorstores import FAISS

    # Vectors normalised to unit length and compared by L2 rank exactly as by cosine.
    if (folder / "index.faiss").is_file() and (folder / "index.pkl").is_file():
        _ensure_own_files(folder, folder / "index.pkl")
        store = FAISS.load_local(
            str(folder), embeddings, allow_dangerous_deserialization=True, normalize_L2=True
        )
        return Index(store, loaded=True, location=str(folder))
    store = FAISS.from_documents(list(chunks), embeddings, ids=ids, normalize_L2=True)
    temporary = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    store.save_local(str(temporary))
    shutil.rmtree(folder, ignore_errors=True)  # an incomplete folder from a crashed run
    temporary.replace(folder)
    return Index(store, loaded=False, location=str(folder))


def _ensure_own_files(*paths: Path) -> None:
    """Refuse to unpickle files someone else could have written (the default cache is in /tmp).

    Raises:
        StoreUnavailableError: A path is owned by another user or writable by group/others.
    """
    if not hasattr(os, "getuid"):  # Windows: per-user temp directories
        return
    for path in paths:
        info = path.stat()
        if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            msg = (
                f"{path} is not owned by you or is writable by others; the FAISS index is a "
                "pickle and will not be loaded from it. Delete it or pass another --cache-dir."
            )
            raise StoreUnavailableError(msg)


def _memory(
    chunks: Sequence[Document], ids: list[str], embeddings: Embeddings, *, path: Path
) -> Index:
    if path.is_file():
        store = InMemoryVectorStore.load(str(path), embeddings)
        return Index(store, loaded=True, location=str(path))
    store = InMemoryVectorStore(embeddings)
    store.add_documents(list(chunks), ids=ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    store.dump(str(temporary))
    temporary.replace(path)  # atomic: a crashed run never leaves a half-written index
    return Index(store, loaded=False, location=str(path))
