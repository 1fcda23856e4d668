"""Reading a profile's TOML: a node of the document that names its dotted key in every error, and the
parts every profile section uses (spans, titles)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from gateway import paths
from gateway.errors import ConfigError
from gateway.profiles.model import Source, Span, Unit

LANGUAGES = ("ru", "kk", "en")
E = TypeVar("E", bound=enum.Enum)


@dataclass(frozen=True)
class Node:
    """A TOML table and where it is, so that every error can name the file and key."""

    data: Mapping[str, Any]
    file: Path
    path: str

    def fail(self, key: str, problem: str) -> ConfigError:
        where = f"{self.path}.{key}" if self.path else key
        return ConfigError(f"{display(self.file)}: {where}: {problem}")

    def child(self, key: str) -> Node:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(key, "missing table" if value is None else "must be a table")
        return Node(value, self.file, f"{self.path}.{key}" if self.path else key)

    def opt_child(self, key: str) -> Node | None:
        return self.child(key) if key in self.data else None

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        if key not in self.data:
            if required:
                raise self.fail(key, "missing")
            return None
        value = self.data[key]
        if kind is int and isinstance(value, bool):
            raise self.fail(key, "must be an integer")
        if not isinstance(value, kind):
            expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(key, f"must be {expected}, not {type(value).__name__}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(key, "must not be empty")
        return value

    def enum(self, key: str, kind: type[E], *, required: bool = True) -> E | None:
        raw = self.get(key, str, required=required)
        if raw is None:
            return None
        try:
            return kind(raw)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in kind)
            raise self.fail(key, f"{raw!r} is not one of {allowed}") from None

    def only(self, allowed: Iterable[str]) -> None:
        unknown = sorted(set(self.data) - set(allowed))
        if unknown:
            raise self.fail(unknown[0], "unknown key")


def display(file: Path) -> str:
    try:
        return str(file.relative_to(paths.ROOT))
    except ValueError:
        return str(file)


def span(node: Node) -> Span:
    node.only({"value", "unit", "source", "field"})
    value = node.get("value", int)
    if value < 0:
        raise node.fail("value", "must not be negative")
    unit = node.enum("unit", Unit)
    source = node.enum("source", Source)
    assert unit is not None and source is not None
    return Span(value, unit, source)


def opt_span(node: Node, key: str) -> Span | None:
    child = node.opt_child(key)
    return span(child) if child else None


def titles(node: Node, key: str = "title") -> Mapping[str, str]:
    table = node.child(key)
    table.only(LANGUAGES)
    return MappingProxyType({lang: table.get(lang, str) for lang in LANGUAGES})
