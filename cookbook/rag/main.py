"""RAG over the bank FAQ with GigaChatEmbeddings: LCEL chain and LangGraph agent, cited sources.

Run ``python cookbook/rag/main.py`` (offline on the embedded emulator unless ``GIGACHAT_*``
credentials are set). The vectors go to Chroma on disk unless ``--store`` says otherwise
(``faiss``, ``pgvector``, ``memory``). Exits 1 when a step fails, 2 when the store is unusable.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

if __package__ in {None, ""}:  # started as a file: make `cookbook.*` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cookbook._shared.runtime import chat_model, current_backend, embeddings, gigachat_backend
from cookbook.data.loader import load_bank_docs, load_eval
from cookbook.rag.pipeline import (
    RagAnswer,
    ask_agent,
    ask_chain,
    build_rag_agent,
    build_rag_chain,
    index_fingerprint,
    recall_at_k,
    split_bank_docs,
)
from cookbook.rag.stores import (
    PGVECTOR_URL_ENV,
    STORE_KINDS,
    StoreUnavailableError,
    check_store,
    open_index,
)

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "langchain-gigachat-ext" / "rag-index"
DEMO_QUESTIONS = 2


def _show(kind: str, question: str, answer: RagAnswer) -> bool:
    print(f"\n[{kind}] Вопрос: {question}")
    print(f"[{kind}] Ответ: {answer.answer[:400]}")
    print(f"[{kind}] Источники: {', '.join(answer.sources) or '—'}")
    return bool(answer.answer.strip()) and bool(answer.sources)


def main(argv: list[str] | None = None) -> int:
    """Index, evaluate recall@3, answer demo questions; 0 when every step succeeded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings-model", default="Embeddings")
    parser.add_argument("--chat-model", default="GigaChat-2")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--store", choices=STORE_KINDS, default=STORE_KINDS[0])
    parser.add_argument(
        "--pgvector-url",
        default=os.environ.get(PGVECTOR_URL_ENV),
        help=f"PostgreSQL with pgvector for --store pgvector (default: ${PGVECTOR_URL_ENV})",
    )
    args = parser.parse_args(argv)
    try:
        check_store(args.store, pgvector_url=args.pgvector_url)
    except StoreUnavailableError as error:
        print(f"[error] {error}", file=sys.stderr)
        return 2
    with gigachat_backend():
        try:
            chunks, splitter = split_bank_docs(load_bank_docs())
            print(f"[split] {len(chunks)} фрагментов ({splitter})")
            embedder = embeddings(model=args.embeddings_model)
            fingerprint = index_fingerprint(
                chunks, model=args.embeddings_model, backend=current_backend().kind
            )
            index = open_index(
                args.store,
                chunks,
                embedder,
                cache_dir=args.cache_dir,
                fingerprint=fingerprint,
                pgvector_url=args.pgvector_url,
            )
            store = index.store
            action = "загружен без эмбеддингов" if index.loaded else "построен и сохранён"
            print(f"[index] {args.store}: индекс {action}: {index.location}")
            if not index.loaded:
                print(f"[index] токенов на эмбеддинги: {embedder.last_usage}")  # type: ignore[attr-defined]
            questions = load_eval()
            recall = recall_at_k(store, questions, k=3)
            print(f"[eval] recall@3 = {recall:.3f} на {len(questions)} вопросах")
            llm = chat_model(model=args.chat_model, temperature=0)
            chain, agent = build_rag_chain(store, llm), build_rag_agent(store, llm)
            ok = True
            for row in questions[:DEMO_QUESTIONS]:
                ok &= _show("LCEL", row["question"], ask_chain(chain, row["question"]))
                ok &= _show("agent", row["question"], ask_agent(agent, row["question"]))
        except Exception as error:
            print(f"[error] {type(error).__name__}: {error}", file=sys.stderr)
            return 1
    if not ok:
        print("[error] an answer came back empty or without sources", file=sys.stderr)
        return 1
    print("\n[done] OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
