"""Fill a JSON schema from the user's text: function arguments and structured output.

The filler walks the schema (``$ref``, ``allOf``, unions, enums, objects, arrays, scalars) and
asks :mod:`.evidence` what the text says for each property; :mod:`.schema_kinds` names the
property's kind. It reads the schema's structure and the text only, never rules written in
descriptions. ``literal=True`` is the strict behaviour of :class:`~.core.Brain`: required properties
only, values from the text or typed defaults, minimal arrays.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_gigachat_ext.emulator.brain.evidence import (
    choose_option,
    choose_variant,
    entity,
    explicit_present,
    explicit_value,
    has_evidence,
    id_after_keyword,
    mentioned,
    negated_before,
    phrase,
)
from langchain_gigachat_ext.emulator.brain.facts import TextFacts, extract_facts
from langchain_gigachat_ext.emulator.brain.lang import (
    GENERIC_NAME_WORDS,
    Language,
    concept,
    keywords,
    words,
)
from langchain_gigachat_ext.emulator.brain.schema_kinds import (
    SPECIFIC_FIRST,
    clamp,
    description_of,
    formatted_value,
    minimal_value,
    property_category,
    schema_from_prompt,
    type_of,
)
from langchain_gigachat_ext.emulator.brain.text import joke

_MAX_DEPTH = 8


class SchemaFiller:
    """Builds one JSON value that validates against a schema, drawing values from the text."""

    def __init__(
        self,
        root: dict[str, Any],
        facts: TextFacts,
        lang: Language,
        seed: int,
        *,
        ignore_concepts: frozenset[str] = frozenset(),
        fill_optional: bool = False,
        avoid: frozenset[str] = frozenset(),
        literal: bool = False,
    ) -> None:
        """Prepare a filler.

        Args:
            root: The schema (``$defs``/``definitions`` for ``$ref`` are looked up here).
            facts: Facts extracted from the user's text (their ``used`` spans are updated).
            lang: Language for generated strings.
            seed: Deterministic seed.
            ignore_concepts: Concepts left out of free-text values (e.g. the tool's own topic).
            fill_optional: Fill optional properties even without evidence in the text.
            avoid: Enum options to pass over when another option is available.
            literal: Fill as the ``literal`` behaviour does (``fill_optional`` is then ignored).
        """
        self.root = root
        self.facts = facts
        self.lang = lang
        self.seed = seed
        self.ignore_concepts = ignore_concepts
        self.fill_optional = fill_optional
        self.avoid = avoid
        self.literal = literal
        self._text_concepts = {concept(word) for word in words(facts.text)}

    def instance(self) -> Any:
        """Fill the root schema."""
        return self.value(self.root, name="", description="", depth=0)

    def resolve(self, schema: Any) -> dict[str, Any]:
        """Follow ``$ref`` and merge ``allOf`` parts into one schema dict."""
        if not isinstance(schema, dict):
            return {}
        for _ in range(_MAX_DEPTH):
            ref = schema.get("$ref")
            if not isinstance(ref, str):
                break
            target: Any = self.root
            for part in ref.removeprefix("#/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        if isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                resolved = self.resolve(part)
                merged.setdefault("properties", {}).update(resolved.get("properties", {}))
                merged["required"] = [*merged.get("required", []), *resolved.get("required", [])]
                for key, item in resolved.items():
                    merged.setdefault(key, item)
            schema = merged
        return schema

    def value(self, schema: Any, *, name: str, description: str, depth: int) -> Any:
        """Fill any schema node.

        Args:
            schema: The node.
            name: Property name the node belongs to ("" at the root or in arrays).
            description: Best description known for the node.
            depth: Nesting depth (recursive schemas stop at a fixed depth).

        Returns:
            A JSON-compatible value valid for the node.
        """
        node = self.resolve(schema)
        description = str(node.get("description") or description or "")
        if "const" in node:
            return node["const"]
        variants = node.get("anyOf") or node.get("oneOf")
        if isinstance(variants, list) and variants:
            chosen = self._pick_variant(variants)
            merged = {k: v for k, v in node.items() if k not in {"anyOf", "oneOf"}}
            return self.value({**merged, **chosen}, name=name, description=description, depth=depth)
        if isinstance(node.get("enum"), list) and node["enum"]:
            return self._enum(node["enum"], name)
        kind = type_of(node)
        if depth > _MAX_DEPTH:
            return minimal_value(kind)
        if kind == "object":
            return self.fill_object(node, depth)
        if kind == "array":
            return self._array(node, name, description, depth)
        if kind in {"integer", "number"}:
            return self._number(node, name, integer=kind == "integer")
        if kind == "boolean":
            return self._boolean(node, name)
        if kind == "null":
            return None
        return self._string(node, name, description)

    def fill_object(self, node: dict[str, Any], depth: int) -> dict[str, Any]:
        """Fill every required property; helpful also fills optional ones the text speaks of."""
        properties = node.get("properties")
        if not isinstance(properties, dict):
            return {}
        required = [key for key in node.get("required", []) if key in properties]
        filled = self._fill_keys(properties, required, depth)
        if not self.literal:
            optional = [
                key
                for key in properties
                if key not in filled and (self.fill_optional or self._has_evidence(key))
            ]
            filled.update(self._fill_keys(properties, optional, depth))
        return {key: filled[key] for key in properties if key in filled}

    def _fill_keys(self, properties: dict[str, Any], keys: list[str], depth: int) -> dict[str, Any]:
        categories = {key: property_category(key, description_of(properties[key])) for key in keys}
        order = sorted(keys, key=lambda key: self._fill_rank(key, properties[key], categories[key]))
        return {
            key: self.value(
                properties[key],
                name=key,
                description=description_of(properties[key]),
                depth=depth + 1,
            )
            for key in order
        }

    # -- evidence and categories -------------------------------------------------------------

    def _has_evidence(self, name: str) -> bool:
        return has_evidence(self.facts, name, self._text_concepts)

    def _fill_rank(self, name: str, schema: Any, category: str) -> int:
        """Order of filling: explicit ``name=value`` first, then specific, non-text, free text."""
        if explicit_present(self.facts, name):
            return 0
        if category in SPECIFIC_FIRST:
            return 1 + SPECIFIC_FIRST.index(category)
        if type_of(self.resolve(schema)) != "string":
            return 1 + len(SPECIFIC_FIRST)
        return 2 + len(SPECIFIC_FIRST)

    def _pick_variant(self, variants: list[Any]) -> dict[str, Any]:
        return choose_variant(
            [self.resolve(variant) for variant in variants], self.facts, self.resolve
        )

    # -- scalars --------------------------------------------------------------------------------

    def _enum(self, options: list[Any], name: str) -> Any:
        return choose_option(options, self.facts, name, self.avoid)

    def _number(self, node: dict[str, Any], name: str, *, integer: bool) -> float:
        explicit = explicit_value(self.facts, name)
        value: float | None = None
        if explicit is not None:
            try:
                value = float(explicit.replace(",", "."))
            except ValueError:
                value = None
        if value is None:
            found = self.facts.take(self.facts.numbers)
            if found is not None:
                value = float(found.value)
        if value is None:
            default = node.get("default")
            value = float(default) if isinstance(default, (int, float)) else 1.0
            if self.literal:
                value = 0.0
        value = clamp(value, node, integer=integer)
        return round(value) if integer else value

    def _boolean(self, node: dict[str, Any], name: str) -> bool:
        explicit = explicit_value(self.facts, name)
        if explicit is not None:
            return explicit.lower() in {"true", "yes", "1", "да"}
        for word in words(name):
            if len(word) < 3 or word.lower() in GENERIC_NAME_WORDS:
                continue
            match = re.search(re.escape(word), self.facts.text, re.IGNORECASE)
            if match:
                return not negated_before(self.facts.text, match.start())
        default = node.get("default")
        return default if isinstance(default, bool) and not self.literal else False

    def _string(self, node: dict[str, Any], name: str, description: str) -> str:
        value = self._string_value(node, name, description)
        max_length = node.get("maxLength")
        if isinstance(max_length, int) and len(value) > max_length:
            value = value[:max_length]
        min_length = node.get("minLength")
        if isinstance(min_length, int) and len(value) < min_length:
            value = (value + " " + "x" * min_length)[:min_length] if value else "x" * min_length
        return value

    def _string_value(self, node: dict[str, Any], name: str, description: str) -> str:
        explicit = explicit_value(self.facts, name)
        if explicit is not None:
            return explicit
        formatted = formatted_value(node.get("format"), self.facts.text, self.seed)
        if formatted is not None:
            return formatted
        category = property_category(name, description)
        if self.literal:
            return self._literal_string(category, name, description)
        if category in {"setup", "punchline", "joke"}:
            setup, punchline = joke(self.facts.text, self.lang, self.seed)
            return {"setup": setup, "punchline": punchline}.get(category, f"{setup} {punchline}")
        if category == "currency":
            found = self.facts.take(self.facts.currencies)
            if found is not None:
                return str(found.value)
            return "RUB" if re.search(r"to|target|в|к", name, re.IGNORECASE) else "USD"
        if category == "expression" and self.facts.expression is not None:
            self.facts.used.append(self.facts.expression.span)
            return str(self.facts.expression.value)
        if category == "language":
            return self.lang
        if category == "id":
            found = id_after_keyword(self.facts, name, description) or self.facts.take(
                self.facts.id_tokens
            )
            if found is not None:
                return str(found.value)
        quoted = self.facts.take(self.facts.quotes)
        if quoted is not None:
            return str(quoted.value)
        if category == "id":
            return str(self.seed % 100_000).zfill(5)  # no id in the text: a stable placeholder
        found_entity = entity(self.facts, category)
        if found_entity is not None:
            return found_entity
        default = node.get("default")
        if isinstance(default, str):
            return default
        return phrase(self.facts, name, self.ignore_concepts, self.lang)

    def _literal_string(self, category: str, name: str, description: str) -> str:
        """A string taken from the text (code, id, quote, name, topical words) or ``""``."""
        if category == "currency":
            found = self.facts.take(self.facts.currencies)
            if found is not None:
                return str(found.value)
        if category == "expression" and self.facts.expression is not None:
            self.facts.used.append(self.facts.expression.span)
            return str(self.facts.expression.value)
        if category == "id":
            found = id_after_keyword(self.facts, name, description) or self.facts.take(
                self.facts.id_tokens
            )
            if found is not None:
                return str(found.value)
        quoted = self.facts.take(self.facts.quotes)
        if quoted is not None:
            return str(quoted.value)
        if category in {"id", "currency", "expression"}:
            return ""  # none in the text, and plain words are no id, code or expression
        found_entity = entity(self.facts, category)
        if found_entity is not None:
            return found_entity
        return phrase(self.facts, name, self.ignore_concepts, self.lang, fallback=False)

    # -- arrays ---------------------------------------------------------------------------------

    def _array(self, node: dict[str, Any], name: str, description: str, depth: int) -> list[Any]:
        items_schema = self.resolve(node.get("items", {}))
        kind = type_of(items_schema)
        items: list[Any]
        if self.literal:
            items = self._items_from_text(items_schema, kind)
        elif isinstance(items_schema.get("enum"), list) and items_schema["enum"]:
            text = self.facts.text.lower()
            items = [opt for opt in items_schema["enum"] if str(opt).lower() in text]
            items = items or [items_schema["enum"][0]]
        elif (
            kind == "string"
            and len([q for q in self.facts.quotes if self.facts.is_free(q.span)]) > 1
        ):
            items = []
            while (quoted := self.facts.take(self.facts.quotes)) is not None:
                items.append(quoted.value)
        elif kind in {"integer", "number"} and self.facts.numbers:
            items = []
            while (number := self.facts.take(self.facts.numbers)) is not None:
                items.append(clamp(float(number.value), items_schema, integer=kind == "integer"))
            items = [round(v) if kind == "integer" else v for v in items]
            items = items or [
                self.value(items_schema, name=name, description=description, depth=depth + 1)
            ]
        elif kind == "string" and not items_schema.get("format"):
            wanted = max(1, node.get("minItems", 1), min(3, node.get("maxItems", 3)))
            items = [
                keyword.text
                for keyword in keywords(self.facts.text, limit=wanted + 4)
                if self.facts.is_free((keyword.start, keyword.start + len(keyword.text)))
            ][:wanted]
            items = items or [
                self.value(items_schema, name=name, description=description, depth=depth + 1)
            ]
        else:
            items = [self.value(items_schema, name=name, description=description, depth=depth + 1)]
        min_items = node.get("minItems")
        while isinstance(min_items, int) and len(items) < min_items:
            items.append(
                self.value(items_schema, name=name, description=description, depth=depth + 1)
            )
        max_items = node.get("maxItems")
        if isinstance(max_items, int):
            items = items[:max_items]
        return items

    def _items_from_text(self, items_schema: dict[str, Any], kind: str) -> list[Any]:
        """Literal arrays: only the items the text gives (mentioned options, quotes, numbers)."""
        enum = items_schema.get("enum")
        if isinstance(enum, list):
            return [option for option in enum if mentioned(str(option), self.facts.text)]
        items: list[Any] = []
        if kind == "string" and not items_schema.get("format"):
            while (quoted := self.facts.take(self.facts.quotes)) is not None:
                items.append(quoted.value)
        elif kind in {"integer", "number"}:
            while (number := self.facts.take(self.facts.numbers)) is not None:
                value = clamp(float(number.value), items_schema, integer=kind == "integer")
                items.append(round(value) if kind == "integer" else value)
        return items


def structured_answer(
    response_format: dict[str, Any], question: str, lang: Language, seed: int, *, literal: bool
) -> str:
    """JSON text for ``response_format``, pretty-printed with a 4-space indent as recorded."""
    schema = response_format.get("schema")
    if not isinstance(schema, dict):
        schema = schema_from_prompt(question)
    filler = SchemaFiller(schema, extract_facts(question), lang, seed, literal=literal)
    return json.dumps(filler.instance(), ensure_ascii=False, indent=4)
