"""Labels of body fields and enumeration values in Russian, Kazakh and English (config/labels/*.toml)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from gateway import paths
from gateway.errors import ConfigError

LANGUAGES = ("ru", "kk", "en")
_SECTIONS = ("fields", "values")


@dataclass(frozen=True)
class Labels:
    fields: Mapping[str, Mapping[str, str]]
    values: Mapping[str, Mapping[str, str]]

    def field(self, name: str, lang: str) -> str:
        entry = self.fields.get(name)
        return entry[lang] if entry else name

    def value(self, value: str, lang: str) -> str:
        entry = self.values.get(value)
        return entry[lang] if entry else value


def _merge(target: dict[str, dict[str, str]], table: object, file: Path, section: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {section}: must be a table")
    for key, entry in table.items():
        if (
            not isinstance(entry, dict)
            or set(entry) != set(LANGUAGES)
            or not all(isinstance(text, str) and text.strip() for text in entry.values())
        ):
            raise ConfigError(f"{file}: {section}.{key}: needs non-empty ru, kk and en")
        if key in target and target[key] != entry:
            raise ConfigError(f"{file}: {section}.{key}: defined differently in another labels file")
        target[key] = entry


@cache
def load_labels(folder: Path | None = None) -> Labels:
    folder = folder or paths.LABELS
    merged: dict[str, dict[str, dict[str, str]]] = {section: {} for section in _SECTIONS}
    for file in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{file}: {exc}") from exc
        unknown = set(data) - set(_SECTIONS)
        if unknown:
            raise ConfigError(f"{file}: {sorted(unknown)[0]}: unknown section")
        for section in _SECTIONS:
            _merge(merged[section], data.get(section, {}), file, section)
    return Labels(MappingProxyType(merged["fields"]), MappingProxyType(merged["values"]))
