"""An optional tqdm progress bar over the texts of one embeddings call (the ``progress`` extra)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(enabled: bool, total: int) -> Iterator[Callable[[int], object]]:
    """Yield ``update(n)`` of a tqdm bar over embedded texts (a no-op when disabled)."""
    if not enabled:
        yield lambda _count: None
        return
    try:
        tqdm_auto = importlib.import_module("tqdm.auto")
    except ImportError as error:
        msg = (
            "show_progress=True needs tqdm: "
            "pip install 'langchain-gigachat-ext[progress]' (or pip install tqdm)"
        )
        raise ImportError(msg) from error
    bar = tqdm_auto.tqdm(total=total, desc="Embedding", unit="text")
    try:
        yield bar.update
    finally:
        bar.close()
