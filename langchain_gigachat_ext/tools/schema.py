"""Compile any JSON Schema into GigaChat's narrower function-parameter dialect.

The v1 ``functions[].parameters`` dialect understands ``type``, ``description``, ``properties``,
``required``, ``items`` and string ``enum`` (PROTOCOL.md "Functions"; the SDK's ``Function`` model
keeps nothing else, §11 item 16). This module turns pydantic / TypedDict / OpenAI schemas into that
dialect without silently losing meaning, and remembers how to map the model's answer back.

Decisions (see also the README of the ``tools`` package):

* ``$ref`` / ``$defs`` / ``definitions`` are inlined; a recursive definition is expanded
  ``max_recursion`` times along one path, then the innermost occurrence becomes an object with no
  fixed properties (reported as a loss; ``restore`` passes such values through untouched).
* Constraints the dialect lacks (``minimum``, ``pattern``, unsupported ``format`` ...) move into the
  property description in readable form and are reported as losses. ``default``, ``examples`` and
  ``deprecated`` also move into the description but are *not* losses: they document, they do not
  constrain. ``title``, ``$schema``, ``$id``, ``$comment``, ``readOnly``, ``writeOnly`` and
  ``additionalProperties: false`` are noise and are dropped silently.
* The top level has no description in the dialect (the function carries it), so top-level
  constraints are dropped and reported.
* Unions of objects fold into one discriminated object; a discriminator that the variants already
  share (a property that is a distinct single-value enum/const in each variant, e.g. a pydantic
  ``Field(discriminator=...)``) is reused and kept on restore, otherwise a synthetic ``kind``
  property is added and dropped on restore. Any other union becomes a string, and ``restore`` tries
  the alternatives in their declared order (so ``int | str`` turns ``"3"`` into ``3``).
* Non-string enum values are stringified with JSON spelling (``1`` → ``"1"``, ``True`` →
  ``"true"``) and cast back by ``restore``.

Layout: this module holds the public API; the compiler proper and its parts live in the private
``tools._schema`` package (``compiler``, ``unions``, ``text``, ``restore``), function-name
sanitising in ``tools._names``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_gigachat_ext.errors import GigaChatInvalidInputError
from langchain_gigachat_ext.tools._names import sanitize_function_name
from langchain_gigachat_ext.tools._schema.compiler import SchemaCompiler
from langchain_gigachat_ext.tools._schema.restore import KeepPlan, RestorePlan, parse_container

__all__ = [
    "DEFAULT_MAX_RECURSION",
    "CompiledSchema",
    "RestorePlan",
    "SchemaCompilationError",
    "compile_schema",
    "sanitize_function_name",
]

DEFAULT_MAX_RECURSION = 2
"""How many times a recursive ``$ref`` is expanded along one path before it degrades."""


class SchemaCompilationError(GigaChatInvalidInputError):
    """The schema uses a construct the GigaChat dialect cannot express at all."""


@dataclass(frozen=True)
class CompiledSchema:
    """A schema in GigaChat's dialect plus what it took to get there."""

    parameters: dict[str, Any]
    """The dialect schema: ``{"type": "object", "properties": {...}, "required"?: [...]}``."""
    losses: tuple[str, ...] = ()
    """Path-qualified, human-readable notes on what could not be expressed exactly."""
    plan: RestorePlan = field(default_factory=KeepPlan, repr=False, compare=False)
    """How to map the model's arguments back to the original schema's shape."""

    def restore(self, arguments: Any) -> dict[str, Any]:
        """Map the model's ``arguments`` back to the original schema's shape.

        Args:
            arguments: What the model sent (normally a dict; a JSON string is parsed).

        Returns:
            The restored arguments. Odd input never raises: unknown keys are kept as they are and a
            value that is not an object yields ``{}``.
        """
        parsed = parse_container(arguments, dict)
        if not isinstance(parsed, Mapping):
            return {}
        try:
            restored = self.plan.restore(dict(parsed))
        except Exception:  # restore is best effort by contract; a plan bug must not break a call
            return dict(parsed)
        return restored if isinstance(restored, dict) else dict(parsed)


def compile_schema(
    schema: Mapping[str, Any], *, name: str = "", max_recursion: int = DEFAULT_MAX_RECURSION
) -> CompiledSchema:
    """Compile a JSON Schema into GigaChat's function-parameter dialect.

    Args:
        schema: Any JSON Schema whose top level describes an object: pydantic
            ``model_json_schema()``/``schema()``, a TypedDict's schema, OpenAI ``parameters``.
        name: The function name, used only to make error messages point at the right tool.
        max_recursion: How many times a recursive ``$ref`` is expanded along one path.

    Returns:
        The dialect schema, the losses, and the plan that maps answers back.

    Raises:
        SchemaCompilationError: The schema uses ``not``/``if``/``then``/``else``, a non-local or
            broken ``$ref``, incompatible ``allOf`` types, or its top level is not an object.
    """
    compiler = SchemaCompiler(schema, name, max(1, max_recursion), SchemaCompilationError)
    parameters, plan = compiler.compile_root()
    return CompiledSchema(parameters, tuple(compiler.losses), plan)
