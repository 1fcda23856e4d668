"""The compose form of a message type: a frozen tree of fields built from the type's body schema.

The schema is the one the codec compiles (`bodymodel.load_schema`), walked the same way, so each
field produces exactly the JSON key of bodymodel's shape: an element's local name, `@name` for an
attribute, `$` for simple content next to attributes; a field whose JSON value is a list
(`bodymodel.repeated`) is a repeated group. A `District` of a profile with a reference list
(Annex 7 of KZ–UZ, the element the content rules check) is one choice among the listed districts.

Names in a posted form follow the JSON: keys joined by dots, a list item by its index
(`District.0`, `Place.1.Point.0.Latitude`, `Quantity.@unit`); `path` is that name with `*` for
each index. Body keys start with a capital letter (the schemas' convention), so the header fields
and the form's buttons (lower case) never meet them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gateway.profiles import Profile
from gateway.profiles.reference import Districts
from gateway.wire import bodymodel

XSD = "{http://www.w3.org/2001/XMLSchema}"
MULTILINE_FROM = 1000  # a text longer than this may hold paragraphs: a textarea


class Kind(enum.StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "dateTime"
    TIME = "time"
    CHOICE = "choice"  # an enumeration
    DISTRICT = "district"  # a district of the profile's reference list
    GROUP = "group"  # fields of a complex element


@dataclass(frozen=True)
class Restrictions:
    """The facets a client may hint at and the decoder checks (lexical patterns of every step)."""

    patterns: tuple[re.Pattern[str], ...] = ()  # compiled (Python) for the check
    regexps: tuple[str, ...] = ()  # as the schema writes them, for the hint
    min_length: int | None = None
    max_length: int | None = None
    minimum: str | None = None
    maximum: str | None = None


@dataclass(frozen=True)
class Field:
    key: str  # the JSON key: element local name, "@attribute" or "$"
    path: str  # the posted name with "*" for each list index
    label: str  # key of config/labels (element or attribute local name)
    kind: Kind
    required: bool  # must be there whenever its group is (minOccurs ≥ 1, not one branch of a choice)
    many: bool  # a list in the JSON: one indexed slot per item
    min_occurs: int = 1
    max_occurs: int | None = 1  # None: unbounded
    simple: bodymodel.Simple | None = None
    restrictions: Restrictions = Restrictions()
    choices: tuple[str, ...] = ()  # enumeration values, or the district keys
    children: tuple[Field, ...] = ()

    def leaves(self) -> tuple[Field, ...]:
        if self.kind is not Kind.GROUP:
            return (self,)
        return tuple(leaf for child in self.children for leaf in child.leaves())


@dataclass(frozen=True)
class District:
    """One entry of the reference list: the posted key, and the JSON it stands for."""

    key: str
    side: str
    region: str
    name: str


@dataclass(frozen=True)
class Form:
    profile: str
    type: str
    element: str  # body root element
    fields: tuple[Field, ...]
    districts: tuple[District, ...] = ()

    def leaves(self) -> tuple[Field, ...]:
        return tuple(leaf for field in self.fields for leaf in field.leaves())

    @cached_property
    def _district_keys(self) -> Mapping[str, District]:
        return {entry.key: entry for entry in self.districts}

    def district(self, key: str) -> District | None:
        return self._district_keys.get(key)


def district_key(region: str, name: str) -> str:
    return f"{region} / {name}"


_FORMS: dict[tuple[str, str, str], Form] = {}


def form_of(profile: Profile, message_type: str) -> Form:
    """The compose form of *message_type*, built once per process (KeyError: not a type of *profile*)."""
    key = (profile.id, str(profile.schema), message_type)
    if key not in _FORMS:
        _FORMS[key] = _build(profile, message_type)
    return _FORMS[key]


def _build(profile: Profile, message_type: str) -> Form:
    spec = profile.types[message_type]
    schema = bodymodel.load_schema(profile.schema)
    root = bodymodel.body_element(schema, profile.namespace, spec.element)
    districts = _districts(profile)
    fields = _children(root.type, "", bool(districts))
    return Form(profile.id, message_type, spec.element, fields, districts)


def _districts(profile: Profile) -> tuple[District, ...]:
    if profile.districts is None:
        return ()
    entries = Districts.load(profile.districts).entries
    return tuple(
        District(district_key(region, name), side, region, name) for side, region, name in sorted(entries)
    )


def _children(xsd_type: Any, prefix: str, districts: bool) -> tuple[Field, ...]:
    fields = [
        _attribute(attribute, prefix) for attribute in xsd_type.attributes.values() if attribute.local_name
    ]
    if xsd_type.has_simple_content():
        content = xsd_type.content
        fields.append(_leaf("$", f"{prefix}$", _label_of(prefix), content, required=True))
        return tuple(fields)
    for child in xsd_type.content.iter_elements():
        fields.append(_element(child, prefix, districts))
    return tuple(fields)


def _label_of(prefix: str) -> str:
    """Simple content is labelled by its element: the last key of the prefix (`Area.` → Area)."""
    keys = [key for key in prefix.split(".") if key and key != "*"]
    return keys[-1] if keys else "$"


def _attribute(attribute: Any, prefix: str) -> Field:
    key = f"@{attribute.local_name}"
    return _leaf(key, f"{prefix}{key}", attribute.local_name, attribute.type, attribute.use == "required")


def _element(child: Any, prefix: str, districts: bool) -> Field:
    name = child.local_name
    if not name[:1].isupper():
        raise ValueError(f"{prefix}{name}: body element names start with a capital letter")
    many = bodymodel.repeated(child)
    path = f"{prefix}{name}.*" if many else f"{prefix}{name}"
    occurs = {"many": many, "min_occurs": child.min_occurs, "max_occurs": child.max_occurs}
    required = _required(child)
    xsd_type = child.type
    if districts and name == "District" and xsd_type.local_name == "District":
        return Field(name, path, name, Kind.DISTRICT, required, **occurs)  # choices: Form.districts
    if xsd_type.is_simple():
        return _leaf(name, path, name, xsd_type, required, **occurs)
    children = _children(xsd_type, f"{path}.", districts)
    return Field(name, path, name, Kind.GROUP, required, children=children, **occurs)


def _required(child: Any) -> bool:
    """minOccurs ≥ 1 and every enclosing group inside the type is required and not a choice."""
    if child.min_occurs == 0:
        return False
    group = child.parent
    while group is not None and hasattr(group, "model"):
        if group.min_occurs == 0 or (group.model == "choice" and len(group) > 1):
            return False
        group = group.parent
    return True


def _leaf(key: str, path: str, label: str, xsd_type: Any, required: bool, **occurs: Any) -> Field:
    occurs.setdefault("many", False)
    kind = _kind(xsd_type)
    choices = tuple(str(value) for value in xsd_type.enumeration or ()) if kind is Kind.CHOICE else ()
    return Field(
        key,
        path,
        label,
        kind,
        required,
        simple=bodymodel.simple_of(xsd_type),
        restrictions=_restrictions(xsd_type),
        choices=choices,
        **occurs,
    )


_BY_CONVERSION = {"int": Kind.INTEGER, "decimal": Kind.DECIMAL, "float": Kind.DECIMAL, "bool": Kind.BOOLEAN}
_BY_PRIMITIVE = {f"{XSD}date": Kind.DATE, f"{XSD}dateTime": Kind.DATETIME, f"{XSD}time": Kind.TIME}


def _kind(xsd_type: Any) -> Kind:
    if getattr(xsd_type, "enumeration", None):
        return Kind.CHOICE
    simple = bodymodel.simple_of(xsd_type)
    if simple.kind in _BY_CONVERSION:
        return _BY_CONVERSION[simple.kind]
    primitive = getattr(getattr(xsd_type, "primitive_type", None), "name", None) or ""
    if primitive in _BY_PRIMITIVE:
        return _BY_PRIMITIVE[primitive]
    longest = getattr(xsd_type, "max_length", None)
    if simple.collapse or (longest is not None and longest <= MULTILINE_FROM):
        return Kind.TEXT
    return Kind.MULTILINE


def _restrictions(xsd_type: Any) -> Restrictions:
    patterns: list[re.Pattern[str]] = []
    regexps: list[str] = []
    step = xsd_type
    while step is not None and not (getattr(step, "name", None) or "").startswith(XSD):
        facet = getattr(step, "patterns", None)
        if facet is not None:
            patterns.extend(facet.patterns)
            regexps.extend(facet.regexps)
        step = getattr(step, "base_type", None)
    minimum, maximum = getattr(xsd_type, "min_value", None), getattr(xsd_type, "max_value", None)
    return Restrictions(
        tuple(patterns),
        tuple(regexps),
        getattr(xsd_type, "min_length", None),
        getattr(xsd_type, "max_length", None),
        None if minimum is None else str(minimum),
        None if maximum is None else str(maximum),
    )
