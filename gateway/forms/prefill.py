"""A body JSON → the (name, value) pairs its compose form shows: the inverse of `posted.decode`.

Used to open a form filled in (a sample, a reply prefilled, a notice superseded). What the form
has no field for is kept in `leftover` (JSON paths), never dropped silently: a value of a district
that is not on the reference list, a key the schema does not have, a list where the form expects
one value. Times are shown as a `datetime-local` input holds them: UTC, without the `Z`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.forms.model import Field, Form, Kind, district_key


@dataclass(frozen=True)
class Prefill:
    pairs: tuple[tuple[str, str], ...]
    leftover: tuple[str, ...]  # JSON paths of values the form cannot show


def encode(form: Form, body: Mapping[str, Any]) -> Prefill:
    pairs: list[tuple[str, str]] = []
    leftover: list[str] = []
    _group(form, form.fields, body, "", pairs, leftover)
    return Prefill(tuple(pairs), tuple(leftover))


def _group(
    form: Form,
    fields: tuple[Field, ...],
    value: object,
    prefix: str,
    pairs: list[tuple[str, str]],
    leftover: list[str],
) -> None:
    if not isinstance(value, Mapping):
        leftover.append(prefix.rstrip(".") or "body")
        return
    by_key = {item.key: item for item in fields}
    for key, item_value in value.items():
        item = by_key.get(key)
        name = f"{prefix}{key}"
        if item is None:
            leftover.append(name)
        elif not item.many:
            _one(form, item, item_value, name, pairs, leftover)
        elif isinstance(item_value, list):
            for index, entry in enumerate(item_value):
                _one(form, item, entry, f"{name}.{index}", pairs, leftover)
        else:
            leftover.append(name)


def _one(
    form: Form, item: Field, value: object, name: str, pairs: list[tuple[str, str]], leftover: list[str]
) -> None:
    if item.kind is Kind.GROUP:
        _group(form, item.children, value, f"{name}.", pairs, leftover)
        return
    shown = _shown(form, item, value)
    if shown is None:
        leftover.append(name)
    else:
        pairs.append((name, shown))


def _shown(form: Form, item: Field, value: object) -> str | None:
    """The field's value as its input holds it (None: the form cannot show *value*)."""
    if item.kind is Kind.DISTRICT:
        if not isinstance(value, Mapping) or set(value) != {"Region", "Name"}:
            return None
        key = district_key(str(value["Region"]), str(value["Name"]))
        return key if form.district(key) is not None else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list) or value is None:
        return None
    text = str(value)
    if item.kind is Kind.DATETIME and text.endswith("Z"):
        return text[:-1]
    return text
