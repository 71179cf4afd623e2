"""RAG over the bank FAQ: split, embed with GigaChatEmbeddings, persist, retrieve, answer.

The building blocks of ``cookbook/rag/main.py`` (and of the retrieval-quality test):

* :func:`split_bank_docs` — Markdown-aware chunks with their source file in the metadata
  (``langchain-text-splitters`` when installed, else a small built-in splitter);
* :func:`index_fingerprint` — the key under which ``cookbook/rag/stores.py`` keeps the vectors
  (Chroma on disk by default; FAISS, pgvector or a JSON dump), so that they are embedded again
  only when the documents, the splitter, the embedding model or the backend change;
* :func:`recall_at_k` — the share of labelled relevant documents found in the top ``k`` chunks;
* :func:`build_rag_chain` (LCEL) and :func:`build_rag_agent` (``langchain.agents.create_agent``
  with a retriever tool) — answers that cite their sources as ``[file.md]``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel, RunnablePassthrough
from langchain_core.tools import BaseTool, tool
from langchain_core.vectorstores import VectorStore

CHUNK_CHARS = 700
"""Target chunk length in characters (well under 512 tokens of ``Embeddings`` for Russian)."""
CHUNK_OVERLAP = 100
"""Characters repeated between neighbouring chunks of one section."""
SOURCE_PATTERN = re.compile(r"\[([\w.-]+\.md)\]")
"""How answers cite a source: ``[mortgage.md]``."""

SYSTEM_PROMPT = (
    "Ты — консультант Банка «Северный Ветер» (вымышленный банк). Отвечай по-русски, кратко, "
    "только по найденным фрагментам. После каждого факта укажи источник в квадратных скобках, "
    "например [mortgage.md]. Если ответа во фрагментах нет, так и скажи."
)

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [("system", SYSTEM_PROMPT), ("human", "Фрагменты:\n{context}\n\nВопрос: {question}")]
)


@dataclass(frozen=True)
class RagAnswer:
    """An answer and the documents it rests on."""

    answer: str
    """The model's text."""
    sources: list[str]
    """File names of the retrieved (chain) or tool-returned (agent) documents, first seen first."""


# --- splitting ---------------------------------------------------------------------------------
def split_bank_docs(
    docs: Sequence[tuple[str, str]], *, prefer_library: bool = True
) -> tuple[list[Document], str]:
    """Split ``(file name, Markdown)`` pairs into chunks that keep their heading as context.

    Args:
        docs: Output of ``cookbook.data.loader.load_bank_docs()``.
        prefer_library: Use ``langchain-text-splitters`` when it is installed.

    Returns:
        The chunks (metadata ``source``, ``title``, ``section``) and the splitter's name.
    """
    splitter = _library_splitter() if prefer_library else None
    name = "langchain-text-splitters" if splitter is not None else "built-in"
    chunks: list[Document] = []
    for source, text in docs:
        title, sections = _sections(text)
        for heading, body in sections:
            pieces = splitter(body) if splitter is not None else _pack(body)
            prefix = f"{title}. {heading}\n" if heading else f"{title}\n"
            chunks.extend(
                Document(
                    page_content=prefix + piece,
                    metadata={"source": source, "title": title, "section": heading},
                )
                for piece in pieces
            )
    return chunks, name


def _library_splitter() -> Any:
    try:
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError:
        return None
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_CHARS, chunk_overlap=CHUNK_OVERLAP, separators=["\n\n", "\n", ". ", " "]
    )
    return splitter.split_text


def _sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The ``# title`` and the ``##``/``###`` sections of a Markdown document."""
    lines = text.splitlines()
    title = lines[0].lstrip("# ").strip() if lines and lines[0].startswith("#") else ""
    sections: list[tuple[str, str]] = []
    heading = ""
    body: list[str] = []
    for line in lines[1:] if title else lines:
        if line.startswith(("## ", "### ")):
            if "".join(body).strip():
                sections.append((heading, "\n".join(body).strip()))
            heading, body = line.lstrip("# ").strip(), []
        else:
            body.append(line)
    if "".join(body).strip():
        sections.append((heading, "\n".join(body).strip()))
    return title, sections


def _pack(body: str) -> list[str]:
    """Pack paragraphs (then lines) into chunks of about ``CHUNK_CHARS`` with a small overlap."""
    units = [part.strip() for part in re.split(r"\n\s*\n|\n(?=[-|*\d])", body) if part.strip()]
    chunks: list[str] = []
    current = ""
    for unit in units:
        while len(unit) > CHUNK_CHARS:  # a very long paragraph: cut at a space
            cut = unit.rfind(" ", 0, CHUNK_CHARS)
            cut = cut if cut > CHUNK_CHARS // 2 else CHUNK_CHARS
            if current:
                chunks.append(current)
                current = ""
            chunks.append(unit[:cut])
            unit = unit[max(0, cut - CHUNK_OVERLAP) :].lstrip()  # noqa: PLW2901
        if current and len(current) + 1 + len(unit) > CHUNK_CHARS:
            chunks.append(current)
            tail = current[-CHUNK_OVERLAP:]
            current = tail[tail.find(" ") + 1 :] + "\n" + unit if " " in tail else unit
        else:
            current = f"{current}\n{unit}" if current else unit
    if current:
        chunks.append(current)
    return chunks


# --- index -------------------------------------------------------------------------------------
def index_fingerprint(chunks: Sequence[Document], *, model: str, backend: str) -> str:
    """A short hash of everything the stored vectors depend on."""
    digest = hashlib.sha256(f"{model}|{backend}".encode())
    for chunk in chunks:
        digest.update(json.dumps([chunk.page_content, chunk.metadata], sort_keys=True).encode())
    return digest.hexdigest()[:16]


# --- evaluation --------------------------------------------------------------------------------
def recall_at_k(store: VectorStore, questions: Sequence[dict[str, Any]], *, k: int = 3) -> float:
    """Mean share of each question's relevant documents found among its top ``k`` chunks.

    Args:
        store: The index.
        questions: Rows of ``rag_eval.jsonl`` (``question``, ``relevant``).
        k: Chunks retrieved per question.

    Returns:
        Recall@k in [0, 1].
    """
    if not questions:
        return 0.0
    total = 0.0
    for row in questions:
        found = {doc.metadata["source"] for doc in store.similarity_search(row["question"], k=k)}
        relevant = set(row["relevant"])
        total += len(found & relevant) / len(relevant)
    return total / len(questions)


# --- answering ---------------------------------------------------------------------------------
def format_docs(docs: Sequence[Document]) -> str:
    """Chunks as ``[source] text`` blocks for the prompt."""
    return "\n\n".join(f"[{doc.metadata['source']}] {doc.page_content}" for doc in docs)


def build_rag_chain(store: VectorStore, llm: BaseChatModel, *, k: int = 3) -> Runnable:
    """LCEL: retrieve ``k`` chunks, answer from them; returns ``{"question", "docs", "answer"}``."""
    retriever = store.as_retriever(search_kwargs={"k": k})
    answer: Runnable = (
        RunnableLambda(lambda x: {"context": format_docs(x["docs"]), "question": x["question"]})
        | ANSWER_PROMPT
        | llm
        | StrOutputParser()
    )
    return RunnableParallel(docs=retriever, question=RunnablePassthrough()).assign(answer=answer)


def ask_chain(chain: Runnable, question: str) -> RagAnswer:
    """Run the chain and collect the sources of the retrieved chunks."""
    result = chain.invoke(question)
    sources = list(dict.fromkeys(doc.metadata["source"] for doc in result["docs"]))
    return RagAnswer(answer=result["answer"], sources=sources)


def retriever_tool(store: VectorStore, *, k: int = 3) -> BaseTool:
    """A tool that searches the bank documents and returns ``[source] text`` blocks."""

    @tool
    def search_bank_documents(query: str) -> str:
        """Найти фрагменты документов Банка «Северный Ветер» по вопросу клиента.

        Темы: карты и кешбэк, кредитная карта, кредит, ипотека, вклад и ставка, перевод,
        обмен валюты, расчётный счёт для бизнеса, безопасность, блокировка, претензии.

        Args:
            query: Вопрос или ключевые слова на русском языке.
        """
        return format_docs(store.similarity_search(query, k=k))

    return search_bank_documents


def build_rag_agent(store: VectorStore, llm: BaseChatModel, *, k: int = 3) -> Any:
    """A LangGraph agent (``create_agent``) that answers with the retriever tool."""
    from langchain.agents import create_agent

    return create_agent(
        llm,
        tools=[retriever_tool(store, k=k)],
        system_prompt=SYSTEM_PROMPT
        + " Сначала найди фрагменты инструментом search_bank_documents.",
    )


def ask_agent(agent: Any, question: str) -> RagAnswer:
    """Run the agent; sources are the documents its tool calls returned."""
    state = agent.invoke({"messages": [("user", question)]})
    messages = state["messages"]
    sources: list[str] = []
    for message in messages:
        if message.type == "tool":
            sources.extend(SOURCE_PATTERN.findall(str(message.content)))
    return RagAnswer(answer=str(messages[-1].text), sources=list(dict.fromkeys(sources)))
