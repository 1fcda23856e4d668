"""A posted compose form → the notice's body JSON (bodymodel's shape), with every error named.

The browser posts flat (name, value) pairs; names are those of `model` (`District.0`,
`Place.1.Point.0.Latitude`). What counts as absent: an empty value, an omitted name. An optional
group whose fields are all absent is left out; a list item whose fields are all absent is dropped
(the form always shows one spare slot), and the items keep the order of their indices. A boolean
is a choice of `true` / `false` (and a blank when optional: the schema's optional boolean has three
states, which a checkbox cannot carry). Dates and times are UTC: a `datetime-local` value
(`2026-11-20T06:30`) gets its seconds and its `Z`.

Nothing raises and nothing is lost: each problem is a `Problem` naming the field (its posted name
and label key) and the rule; a posted body name the form does not have is a problem too. Names
starting with a lower-case letter belong to the header and the form's buttons, not to the body.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.forms.model import Field, Form, Kind


class Rule(enum.StrEnum):
    REQUIRED = "required"
    PATTERN = "pattern"
    TOO_SHORT = "too-short"
    TOO_LONG = "too-long"
    NOT_INTEGER = "not-integer"
    NOT_NUMBER = "not-number"
    BELOW_MINIMUM = "below-minimum"
    ABOVE_MAXIMUM = "above-maximum"
    NOT_CHOICE = "not-choice"
    NOT_DATE = "not-date"
    NOT_TIME = "not-time"
    TOO_MANY = "too-many"
    DUPLICATE = "duplicate"
    UNKNOWN = "unknown-field"


@dataclass(frozen=True)
class Problem:
    name: str  # the posted name, e.g. Place.0.Point.1.Latitude
    label: str  # label key of the field (config/labels)
    rule: Rule
    value: str = ""  # what was posted (kept, so the page can show it again)


@dataclass(frozen=True)
class Decoded:
    body: dict[str, Any]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2})(:[0-9]{2}(\.[0-9]+)?)?Z?")
_SPARE = object()


@dataclass
class _Node:
    """The posted names as a tree: a value, and the keys under it."""

    value: str | None = None
    children: dict[str, _Node] = field(default_factory=dict)
    used: bool = False


def decode(form: Form, pairs: Iterable[tuple[str, str]]) -> Decoded:
    root = _Node()
    problems: list[Problem] = []
    for name, value in pairs:
        if name[:1].isupper() and not _insert(root, name, value):
            problems.append(Problem(name, name.rsplit(".", 1)[-1], Rule.DUPLICATE, value))
    body = _group(form, form.fields, root, "", problems)
    problems.extend(_unused(root, ""))
    return Decoded(body, tuple(problems))


def _insert(root: _Node, name: str, value: str) -> bool:
    """Add one pair; False when the name was posted already (the first value is the field's)."""
    node = root
    for key in name.split("."):
        node = node.children.setdefault(key, _Node())
    if node.value is not None:
        return False
    node.value = value
    return True


def _unused(node: _Node, name: str) -> list[Problem]:
    problems = []
    for key, child in node.children.items():
        here = f"{name}.{key}" if name else key
        if not child.used and _filled(child):
            problems.append(Problem(here, key, Rule.UNKNOWN, child.value or ""))
        elif child.used:
            problems.extend(_unused(child, here))
    return problems


def _filled(node: _Node) -> bool:
    return bool(node.value and node.value.strip()) or any(_filled(c) for c in node.children.values())


def _group(
    form: Form, fields: tuple[Field, ...], node: _Node, prefix: str, out: list[Problem]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in fields:
        child = node.children.get(item.key)
        if child is not None:
            child.used = True
        name = f"{prefix}{item.key}"
        if item.many:
            _no_value_here(item, child, name, out)
        value = _many(form, item, child, name, out) if item.many else _one(form, item, child, name, out)
        if value is not _SPARE:
            result[item.key] = value
    return result


def _many(form: Form, item: Field, node: _Node | None, name: str, out: list[Problem]) -> Any:
    indexed = node.children if node is not None else {}
    slots = sorted((int(key), key) for key in indexed if key.isdigit() and _filled(indexed[key]))
    for key in indexed:
        indexed[key].used = key.isdigit()
    values = [_one(form, item, indexed[key], f"{name}.{key}", out, present=True) for _, key in slots]
    for missing in range(len(values), item.min_occurs):
        values.append(_one(form, item, None, f"{name}.{missing}", out, present=True))
    values = [value for value in values if value is not _SPARE]  # a required value left empty
    if item.max_occurs is not None and len(values) > item.max_occurs:
        out.append(Problem(name, item.label, Rule.TOO_MANY, str(len(values))))
    return values if values else _SPARE


def _one(
    form: Form, item: Field, node: _Node | None, name: str, out: list[Problem], present: bool = False
) -> Any:
    if not (node is not None and _filled(node)) and not (present or item.required):
        return _SPARE
    if item.kind is Kind.GROUP:
        _no_value_here(item, node, name, out)
        return _group(form, item.children, node or _Node(), f"{name}.", out)
    raw = node.value if node is not None and node.value is not None else ""
    if node is not None:
        node.used = True  # keys posted under a leaf stay unused: reported unknown
    if not raw.strip():
        out.append(Problem(name, item.label, Rule.REQUIRED))
        return _SPARE
    value, rule = _leaf(form, item, raw)
    if rule is not None:
        out.append(Problem(name, item.label, rule, raw))
    return value


def _no_value_here(item: Field, node: _Node | None, name: str, out: list[Problem]) -> None:
    """A list or a group holds no value of its own: one posted under its name is unknown."""
    if node is not None and node.value is not None and node.value.strip():
        out.append(Problem(name, item.label, Rule.UNKNOWN, node.value))


def _leaf(form: Form, item: Field, raw: str) -> tuple[Any, Rule | None]:
    """The JSON value of one filled field, and the rule it breaks (None: none)."""
    if item.kind is Kind.DISTRICT:
        entry = form.district(raw.strip())
        if entry is None:
            return raw, Rule.NOT_CHOICE
        return {"Region": entry.region, "Name": entry.name}, None
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if item.simple is not None and item.simple.collapse:
        text = " ".join(text.split())
    converter = _CONVERTERS.get(item.kind, _text)
    return converter(item, text)


def _text(item: Field, text: str) -> tuple[Any, Rule | None]:
    limits = item.restrictions
    if limits.min_length is not None and len(text) < limits.min_length:
        return text, Rule.TOO_SHORT
    if limits.max_length is not None and len(text) > limits.max_length:
        return text, Rule.TOO_LONG
    if not all(pattern.match(text) for pattern in limits.patterns):
        return text, Rule.PATTERN
    return text, None


def _choice(item: Field, text: str) -> tuple[Any, Rule | None]:
    return text, None if text in item.choices else Rule.NOT_CHOICE


def _boolean(item: Field, text: str) -> tuple[Any, Rule | None]:
    if text in ("true", "false"):
        return text == "true", None
    return text, Rule.NOT_CHOICE


def _integer(item: Field, text: str) -> tuple[Any, Rule | None]:
    if not _INTEGER.fullmatch(text) or len(text) > 40:
        return text, Rule.NOT_INTEGER
    return int(text), _range(item, Decimal(text))


def _decimal(item: Field, text: str) -> tuple[Any, Rule | None]:
    if not _DECIMAL.fullmatch(text) or len(text) > 60:
        return text, Rule.NOT_NUMBER
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text, Rule.NOT_NUMBER
    value: Any = float(text) if item.simple is not None and item.simple.kind == "float" else text
    return value, _range(item, number)


def _range(item: Field, number: Decimal) -> Rule | None:
    limits = item.restrictions
    if limits.minimum is not None and number < Decimal(limits.minimum):
        return Rule.BELOW_MINIMUM
    if limits.maximum is not None and number > Decimal(limits.maximum):
        return Rule.ABOVE_MAXIMUM
    return None


def _date(item: Field, text: str) -> tuple[Any, Rule | None]:
    return text, None if _DATE.fullmatch(text) else Rule.NOT_DATE


def _datetime(item: Field, text: str) -> tuple[Any, Rule | None]:
    """UTC: `2026-11-20T06:30` (a datetime-local input) reads as 2026-11-20T06:30:00Z."""
    match = _DATETIME.fullmatch(text)
    if match is None:
        return text, Rule.NOT_DATE
    return f"{match.group(1)}{match.group(2) or ':00'}Z", None


def _time(item: Field, text: str) -> tuple[Any, Rule | None]:
    value, rule = _text(item, text)
    return value, Rule.NOT_TIME if rule is not None else None


_CONVERTERS = {
    Kind.CHOICE: _choice,
    Kind.BOOLEAN: _boolean,
    Kind.INTEGER: _integer,
    Kind.DECIMAL: _decimal,
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
    Kind.TIME: _time,
}
