"""The unit the schema compiler works in, and the compiler interface its helpers rely on."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_gigachat_ext.tools._schema.restore import RestorePlan

__all__ = ["NodeCompiler", "SchemaNode"]


@dataclass(frozen=True)
class SchemaNode:
    """One compiled schema node: the dialect schema plus how to restore its values."""

    schema: dict[str, Any]
    """The node in GigaChat's dialect."""
    plan: RestorePlan
    """How to map the model's value for this node back to the original shape."""
    kind: str
    """The original JSON type: a scalar type, object, array, null, enum, union or any."""
    nullable: bool = False
    """The original schema also allowed ``null``."""
    label: str | None = None
    """A name for the node (``$ref`` name or ``title``), used to name union variants."""


class NodeCompiler(Protocol):
    """What the shape helpers (e.g. union folding) need from the schema compiler."""

    def node(self, schema: Any, path: str) -> SchemaNode:
        """Compile the schema node at ``path``."""
        ...

    def loss(self, path: str, message: str) -> None:
        """Record that something at ``path`` could not be expressed exactly."""
        ...

    def quiet(self) -> AbstractContextManager[None]:
        """Compile without recording losses (the caller reports one summary loss instead)."""
        ...

    def describe(
        self,
        schema: Mapping[str, Any],
        path: str,
        handled: frozenset[str] | set[str],
        notes: list[str] | None = None,
    ) -> str | None:
        """Build the description, moving unexpressed keywords into it (and reporting them)."""
        ...

    def finish(self, out: dict[str, Any], description: str | None) -> dict[str, Any]:
        """Place ``description`` right after ``type`` in the dialect schema ``out``."""
        ...
