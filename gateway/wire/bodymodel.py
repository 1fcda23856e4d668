"""A body schema compiled into a small element model, for fast XML ↔ JSON of validated bodies.

xmlschema builds the model once per profile (child order, repetition, simple-type conversion,
whitespace); converting a body is then a plain walk of the tree. The JSON shape is exactly
xmlschema's default converter with `decimal_type=str` (a test compares both on every sample):
repeated elements are lists, attributes are `@name`, simple content next to attributes is `$`,
xs:boolean is a JSON boolean, integer types are numbers, decimals are strings.
Validation is not done here: bodies are validated by the wire validator (lxml) before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from gateway.errors import WireError
from gateway.reasons import Reason

XSD = "{http://www.w3.org/2001/XMLSchema}"
_INTEGERS = {
    f"{XSD}{name}"
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOATS = {f"{XSD}double", f"{XSD}float"}


@dataclass(frozen=True)
class Simple:
    kind: str  # str | int | bool | float | decimal
    collapse: bool  # whitespace facet: collapse (tokens, numbers, dates …) or preserve (xs:string)


@dataclass(frozen=True)
class Element:
    name: str  # local name
    many: bool
    simple: Simple | None  # text content (None: element-only content)
    children: tuple[Element, ...] = ()
    attributes: tuple[tuple[str, Simple], ...] = ()

    def child(self, name: str) -> Element | None:
        return next((child for child in self.children if child.name == name), None)


def simple_of(xsd_type: Any) -> Simple:
    """The JSON conversion of a simple type (its primitive's kind and whitespace facet)."""
    primitive = xsd_type
    while getattr(primitive, "base_type", None) is not None and primitive.name not in _INTEGERS | _FLOATS | {
        f"{XSD}boolean",
        f"{XSD}decimal",
        f"{XSD}string",
    }:
        primitive = primitive.base_type
    name = primitive.name or ""
    kind = (
        "int"
        if name in _INTEGERS
        else "float"
        if name in _FLOATS
        else "bool"
        if name == f"{XSD}boolean"
        else "decimal"
        if name == f"{XSD}decimal"
        else "str"
    )
    return Simple(kind, getattr(xsd_type, "white_space", None) == "collapse" or kind != "str")


def _compile(xsd_element: Any, many: bool) -> Element:
    xsd_type = xsd_element.type
    name = xsd_element.local_name
    if xsd_type.is_simple():
        return Element(name, many, simple_of(xsd_type))
    attributes = tuple(
        (attr.local_name, simple_of(attr.type)) for attr in xsd_type.attributes.values() if attr.local_name
    )
    if xsd_type.has_simple_content():
        return Element(name, many, simple_of(xsd_type.content), (), attributes)
    children = []
    names: set[str] = set()
    for child in xsd_type.content.iter_elements():
        if child.local_name in names:
            raise ValueError(
                f"{name}: child {child.local_name} declared twice; the fast model cannot order it"
            )
        names.add(child.local_name)
        children.append(_compile(child, repeated(child)))
    return Element(name, many, None, tuple(children), attributes)


def repeated(xsd_element: Any) -> bool:
    """Whether the element's JSON value is a list: it, or the group it sits in, may occur twice."""
    return bool(
        xsd_element.max_occurs is None or xsd_element.max_occurs > 1 or not xsd_element.parent.is_single()
    )


@cache
def load_schema(path: Path) -> xmlschema.XMLSchema:
    """A profile's body schema, compiled by xmlschema once per process (codec and forms share it)."""
    return xmlschema.XMLSchema(str(path))


def body_element(schema: xmlschema.XMLSchema, namespace: str, local_name: str) -> Any:
    """The xmlschema declaration of a body root element."""
    if local_name in schema.elements:
        return schema.elements[local_name]
    return schema.maps.elements[f"{{{namespace}}}{local_name}"]


def compile_body(schema: xmlschema.XMLSchema, namespace: str, local_name: str) -> Element:
    return _compile(body_element(schema, namespace, local_name), False)


# -- XML → JSON ----------------------------------------------------------------------------------


def _value(text: str | None, simple: Simple) -> Any:
    raw = text or ""
    if simple.collapse:
        raw = " ".join(raw.split())
    if simple.kind == "int":
        return _integer(raw)
    if simple.kind == "bool":
        return raw in ("true", "1")
    if simple.kind == "float":
        return float(raw)
    return raw


MAX_DIGITS = 4000  # below Python's int/str conversion cap (4300), which json.dumps meets too


def _integer(raw: str) -> int:
    """A schema-valid xs:integer lexical form as an int: sign, leading zeros (any number) and digits."""
    sign, digits = (raw[0], raw[1:]) if raw[:1] in ("+", "-") else ("", raw)
    digits = digits.lstrip("0") or "0"
    if not (digits.isascii() and digits.isdigit()):
        raise WireError(f"{raw[:40]!r} is not an integer", reason=Reason.SCHEMA_INVALID)
    if len(digits) > MAX_DIGITS:
        raise WireError(
            f"an integer of {len(digits)} digits; the JSON form carries at most {MAX_DIGITS}",
            reason=Reason.SCHEMA_INVALID,
        )
    return int(sign + digits)


def decode(node: etree._Element, model: Element) -> Any:
    if model.simple is not None and not model.attributes:
        return _value(node.text, model.simple)
    result: dict[str, Any] = {}
    for attr_name, simple in model.attributes:
        if attr_name in node.attrib:
            result[f"@{attr_name}"] = _value(node.get(attr_name), simple)
    if model.simple is not None:
        result["$"] = _value(node.text, model.simple)
        return result
    for child in node.iterchildren(etree.Element):
        local = etree.QName(child).localname
        child_model = model.child(local)
        if child_model is None:
            raise WireError(f"{model.name}/{local}: not in the schema", reason=Reason.SCHEMA_INVALID)
        value = decode(child, child_model)
        if child_model.many:
            result.setdefault(local, []).append(value)
        else:
            result[local] = value
    return result


# -- JSON → XML ----------------------------------------------------------------------------------


def _text(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise WireError(
        f"{path}: expected a value, found {type(value).__name__}", reason=Reason.SCHEMA_INVALID, field=path
    )


def encode(value: Any, model: Element, namespace: str) -> etree._Element:
    """The body element for *value* (its JSON form); a key the schema does not have is refused."""
    root = etree.Element(f"{{{namespace}}}{model.name}", nsmap={None: namespace})  # type: ignore[dict-item]
    _fill(root, value, model, model.name)
    return root


def _fill(node: etree._Element, value: Any, model: Element, here: str) -> None:
    if model.simple is not None and not model.attributes:
        node.text = _text(value, here)
        return
    if not isinstance(value, Mapping):
        raise WireError(f"{here}: expected an object", reason=Reason.SCHEMA_INVALID, field=here)
    known = {f"@{name}" for name, _ in model.attributes} | {child.name for child in model.children}
    if model.simple is not None:
        known.add("$")
    unknown = sorted(set(value) - known)
    if unknown:
        raise WireError(
            f"{here}/{unknown[0]}: no such field in the schema",
            reason=Reason.SCHEMA_INVALID,
            field=f"{here}/{unknown[0]}",
        )
    for name, _ in model.attributes:
        if f"@{name}" in value:
            node.set(name, _text(value[f"@{name}"], f"{here}/@{name}"))
    if model.simple is not None:
        node.text = _text(value.get("$"), here)
        return
    namespace = etree.QName(node).namespace
    for child in model.children:
        items = value.get(child.name)
        if items is None:
            continue
        for item in items if child.many and isinstance(items, list) else [items]:
            _fill(etree.SubElement(node, f"{{{namespace}}}{child.name}"), item, child, f"{here}/{child.name}")
