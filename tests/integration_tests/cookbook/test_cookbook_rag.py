"""cookbook/rag end to end on the emulator: each store, reuse on a second run, clear store errors."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from cookbook.data.loader import load_bank_docs
from cookbook.rag import main as rag
from cookbook.rag.pipeline import split_bank_docs
from cookbook.rag.stores import (
    PGVECTOR_URL_ENV,
    StoreUnavailableError,
    _ensure_own_files,
    check_store,
    chroma_client,
    open_index,
    sqlalchemy_url,
)
from langchain_gigachat_ext.embeddings.model import GigaChatEmbeddings

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(autouse=True)
def no_pgvector_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PGVECTOR_URL_ENV, raising=False)


def test_default_store_is_chroma_and_second_run_embeds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rag.main(["--cache-dir", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert "[split] 97 фрагментов (langchain-text-splitters)" in first
    assert f"[index] chroma: индекс построен и сохранён: {tmp_path / 'chroma'}" in first
    assert "токенов на эмбеддинги" in first
    assert "[eval] recall@3 = 0.900 на 15 вопросах" in first
    assert "[LCEL] Источники: credit_card_uragan.md" in first
    assert "[agent] Источники: credit_card_uragan.md" in first
    assert "[done] OK" in first

    assert rag.main(["--cache-dir", str(tmp_path)]) == 0
    second = capsys.readouterr().out
    assert "[index] chroma: индекс загружен без эмбеддингов" in second
    assert "токенов на эмбеддинги" not in second
    assert "[eval] recall@3 = 0.900" in second


def test_memory_store_needs_no_extra_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rag.main(["--store", "memory", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "[index] memory: индекс построен и сохранён" in out
    assert "[eval] recall@3 = 0.900" in out
    assert len(list(tmp_path.glob("bank_docs_*.json"))) == 1


def test_missing_store_package_fails_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)  # `import faiss` now raises ImportError
    assert rag.main(["--store", "faiss", "--cache-dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "[backend]" not in captured.out  # no emulator started, nothing embedded
    assert "--store faiss needs the Python package that provides 'faiss'" in captured.err
    assert 'pip install -e ".[rag-faiss]"' in captured.err
    assert "--store memory" in captured.err
    assert not list(tmp_path.iterdir())


def test_pgvector_without_url_fails_before_any_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rag.main(["--store", "pgvector", "--cache-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--pgvector-url" in err
    assert PGVECTOR_URL_ENV in err


@pytest.mark.parametrize(
    ("kind", "present", "missing", "hint"),
    [
        ("chroma", [], "chromadb", '".[rag]"'),
        ("chroma", ["chromadb"], "langchain_chroma", '".[rag]"'),
        ("faiss", [], "faiss", '".[rag-faiss]"'),
        ("faiss", ["faiss"], "langchain_community.vectorstores", '".[rag-faiss]"'),
        ("pgvector", [], "langchain_postgres", '".[rag-pgvector]"'),
    ],
)
def test_check_store_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, kind: str, present: list[str], missing: str, hint: str
) -> None:
    for name in present:  # stand-ins, so that the check reaches `missing` whatever is installed
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(StoreUnavailableError, match=r"Install it with: pip install -e") as error:
        check_store(kind, pgvector_url="postgresql://localhost/db")
    assert hint in str(error.value)
    assert repr(missing) in str(error.value)


def test_check_store_rejects_unknown_kind() -> None:
    with pytest.raises(StoreUnavailableError, match="choose one of chroma, faiss, pgvector"):
        check_store("qdrant")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db:5432/rag", "postgresql+psycopg://u:p@db:5432/rag"),
        ("postgres://u@db/rag", "postgresql+psycopg://u@db/rag"),
        ("postgresql+psycopg://u@db/rag", "postgresql+psycopg://u@db/rag"),
        ("postgresql+asyncpg://u@db/rag", "postgresql+asyncpg://u@db/rag"),
    ],
)
def test_sqlalchemy_url(url: str, expected: str) -> None:
    assert sqlalchemy_url(url) == expected


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file ownership")
@pytest.mark.parametrize(("mode", "refused"), [(0o600, False), (0o644, False), (0o664, True)])
def test_faiss_pickle_is_loaded_only_from_private_files(
    tmp_path: Path, mode: int, refused: bool
) -> None:
    pickle_file = tmp_path / "index.pkl"
    pickle_file.write_bytes(b"")
    pickle_file.chmod(mode)
    if refused:
        with pytest.raises(StoreUnavailableError, match="will not be loaded"):
            _ensure_own_files(pickle_file)
    else:
        _ensure_own_files(pickle_file)


def _is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return True  # a Unix socket path
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def test_chroma_talks_to_nobody_but_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma telemetry is off: no name lookup or connection beyond loopback, even swallowed."""
    contacted: list[Any] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> Any:
        contacted.append(address[0] if isinstance(address, tuple) else address)
        return real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        contacted.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    from cookbook._shared.runtime import gigachat_backend

    with gigachat_backend(announce=False) as backend:
        chunks, _ = split_bank_docs(load_bank_docs())
        embedder = GigaChatEmbeddings(**backend.client_kwargs)
        index = open_index("chroma", chunks, embedder, cache_dir=tmp_path, fingerprint="net")
        assert index.store.similarity_search("ставка по вкладу", k=3)
    assert contacted, "the emulator itself must have been reached"
    assert [host for host in contacted if not _is_loopback(host)] == []
    assert chroma_client(tmp_path / "chroma").get_settings().anonymized_telemetry is False


def test_faiss_store_end_to_end_when_installed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        check_store("faiss")
    except StoreUnavailableError as error:
        pytest.skip(f"optional store: {error}")
    args = ["--store", "faiss", "--cache-dir", str(tmp_path)]
    assert rag.main(args) == 0
    assert "[index] faiss: индекс построен и сохранён" in capsys.readouterr().out
    assert rag.main(args) == 0
    out = capsys.readouterr().out
    assert "[index] faiss: индекс загружен без эмбеддингов" in out
    assert "[eval] recall@3 = 0.900" in out
