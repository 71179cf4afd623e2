"""What the attachment uploader remembers across calls, and which call owns each fresh upload.

One model serves many calls, from many threads and event loops, so its uploader keeps, under one
lock:

* the content cache: ``(sha256, MIME type)`` → the file uploaded for it (least recently used
  forgotten past ``cache_size``), so the same bytes upload once per model;
* the card memo: file id → kind and size, so ids named in messages need one lookup only;
* the uploaded list: every id this uploader created, for ``delete_uploaded_files``;
* ownership: while a call is still resolving, the files it uploaded are *its own*, and a call
  that fails deletes them (:meth:`UploadMemory.disown`) — unless another call has meanwhile taken
  one from the cache or the memo, which makes that file *shared*: it stays. Once a call
  succeeds (:meth:`UploadMemory.settle`) its files are ordinary cached files.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_gigachat_ext.attachments.resolved import ResolvedFile

__all__ = ["CallToken", "UploadMemory"]

ContentKey = tuple[str, str]
"""``(sha256 hex, normalised declared MIME type)`` of one content."""


class CallToken:
    """Identity of one resolving call (compared by identity only)."""

    __slots__ = ()


class UploadMemory:
    """The uploader's thread-safe memory (see the module docstring)."""

    def __init__(self, cache_size: int) -> None:
        """Remember up to ``cache_size`` contents and cards (0 remembers none)."""
        self.cache_size = cache_size
        self._cache: OrderedDict[ContentKey, ResolvedFile] = OrderedDict()
        self._cards: OrderedDict[str, ResolvedFile] = OrderedDict()
        self._uploaded: dict[str, None] = {}
        self._owner: dict[str, CallToken] = {}
        self._shared: set[str] = set()
        self._lock = threading.Lock()

    @property
    def uploaded_file_ids(self) -> list[str]:
        """Ids of every file uploaded and not forgotten, oldest first."""
        with self._lock:
            return list(self._uploaded)

    def forget(self, file_ids: Iterable[str]) -> None:
        """Drop deleted files from the cache, the memo and the uploaded list."""
        with self._lock:
            self._forget(set(file_ids))

    def _forget(self, gone: set[str]) -> None:
        for file_id in gone:
            self._uploaded.pop(file_id, None)
            self._cards.pop(file_id, None)
            self._owner.pop(file_id, None)
            self._shared.discard(file_id)
        for key in [k for k, v in self._cache.items() if v.file_id in gone]:
            del self._cache[key]

    def keep_uploaded(self, file_ids: Iterable[str]) -> None:
        """List files again as uploaded (a clean-up could not delete them)."""
        with self._lock:
            self._uploaded.update(dict.fromkeys(file_ids))

    # --- lookups (each marks a fresh upload of another call as shared) -------------------------
    def _take(self, found: ResolvedFile | None, call: CallToken | None) -> ResolvedFile | None:
        if found is not None and self._owner.get(found.file_id, call) is not call:
            self._shared.add(found.file_id)
        return found

    def cached(self, key: ContentKey, call: CallToken | None = None) -> ResolvedFile | None:
        """The file uploaded for ``key``, if remembered."""
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return self._take(found, call)

    def known_card(self, file_id: str, call: CallToken | None = None) -> ResolvedFile | None:
        """Kind and size of ``file_id``, if remembered."""
        with self._lock:
            found = self._cards.get(file_id)
            if found is not None:
                self._cards.move_to_end(file_id)
            return self._take(found, call)

    # --- remembering ---------------------------------------------------------------------------
    def remember_card(self, resolved: ResolvedFile) -> None:
        """Note a file's kind and size."""
        with self._lock:
            self._remember_card(resolved)

    def _remember_card(self, resolved: ResolvedFile) -> None:
        if self.cache_size <= 0:
            return
        self._cards[resolved.file_id] = resolved
        self._cards.move_to_end(resolved.file_id)
        while len(self._cards) > self.cache_size:
            self._cards.popitem(last=False)

    def remember_upload(self, key: ContentKey, resolved: ResolvedFile, call: CallToken) -> None:
        """Note a file ``call`` has just uploaded for ``key`` (owned by ``call`` until settled)."""
        with self._lock:
            self._uploaded[resolved.file_id] = None
            self._owner[resolved.file_id] = call
            if self.cache_size > 0:
                self._cache[key] = resolved
                self._cache.move_to_end(key)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            self._remember_card(resolved)

    # --- the end of a call ---------------------------------------------------------------------
    def _owned(self, call: CallToken) -> list[str]:
        return [file_id for file_id, owner in self._owner.items() if owner is call]

    def settle(self, call: CallToken) -> None:
        """``call`` succeeded: its uploads become ordinary cached files."""
        with self._lock:
            for file_id in self._owned(call):
                del self._owner[file_id]
                self._shared.discard(file_id)

    def disown(self, call: CallToken) -> list[str]:
        """``call`` failed: forget its uploads no other call took, and return their ids.

        The caller deletes the returned files; no other call can take them any more.
        """
        with self._lock:
            owned = self._owned(call)
            doomed = [file_id for file_id in owned if file_id not in self._shared]
            for file_id in owned:
                del self._owner[file_id]
                self._shared.discard(file_id)
            self._forget(set(doomed))
            return doomed
