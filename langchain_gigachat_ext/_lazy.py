"""PEP 562 lazy exports: a package names its public objects, their modules load on first use."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str], public: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    Args:
        package: The package's ``__name__``.
        homes: Public name → submodule (relative to ``package``) that defines it.
        public: The package's ``__all__``.

    Returns:
        The two module-level functions; the first caches each name in the package once loaded.
    """
    names = sorted(public)

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook's own name
        home = homes.get(name)
        if home is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook's own name
        return names

    return __getattr__, __dir__
