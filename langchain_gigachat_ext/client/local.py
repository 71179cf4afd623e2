"""Per-process state of a model (clients, locks, caches): built on first use, never copied.

A model's configuration is data and copies, pickles and deep-copies like data; its open clients,
locks and caches belong to the process and object that built them. Each such piece lives in a
:class:`Lazy` holder, whose copies (``copy``, ``deepcopy``, ``pickle``, ``model_copy``) start
empty, so the copy builds its own on first use and never shares sockets or locks with the
original, nor carries an access token across a pickle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """A value built once on first use, under a lock; copies and unpickled twins start empty.

    Example:
        ```python
        import copy
        import pickle

        holder: Lazy[list[int]] = Lazy()
        first = holder.get(list)
        assert holder.get(list) is first
        assert copy.deepcopy(holder).peek() is None
        assert pickle.loads(pickle.dumps(holder)).peek() is None
        ```
    """

    def __init__(self) -> None:
        """Create an empty holder."""
        self._value: T | None = None
        self.lock = threading.Lock()
        """Guards building the value; callers may also hold it to mutate the value."""

    def get(self, build: Callable[[], T]) -> T:
        """The value, built by ``build()`` the first time (once, even from many threads)."""
        value = self._value
        if value is None:
            with self.lock:
                value = self._value
                if value is None:
                    value = self._value = build()
        return value

    def peek(self) -> T | None:
        """The value if it was built, else None; builds nothing."""
        return self._value

    def clear(self) -> T | None:
        """Forget the value (the next :meth:`get` builds a new one) and return the old one."""
        with self.lock:
            value, self._value = self._value, None
        return value

    def __copy__(self) -> Lazy[T]:
        """An empty holder: a copy builds its own value."""
        return type(self)()

    def __deepcopy__(self, memo: dict[int, Any]) -> Lazy[T]:
        """An empty holder: a copy builds its own value."""
        return type(self)()

    def __reduce__(self) -> tuple[type[Lazy[T]], tuple[()]]:
        """Pickle as an empty holder: the value (clients, tokens) stays in this process."""
        return (type(self), ())
