"""Labels of body fields and enumeration values in Russian, Kazakh, Uzbek, Azerbaijani and English
(config/labels/*.toml). Every entry has all five: a missing language is refused, by name, at load."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

from gateway import paths
from gateway.errors import ConfigError

LANGUAGES = ("ru", "kk", "uz", "az", "en")  # Russian, the prevailing text, first
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


def _check(entry: object, where: str) -> None:
    """An entry is a table of exactly the LANGUAGES, each a non-empty string; else ConfigError naming
    the file, the key and the language."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table of {', '.join(LANGUAGES)}")
    missing = [lang for lang in LANGUAGES if lang not in entry]
    if missing:
        raise ConfigError(f"{where}: missing language {', '.join(missing)}")
    unknown = sorted(set(entry) - set(LANGUAGES))
    if unknown:
        raise ConfigError(f"{where}: unknown language {', '.join(unknown)}")
    for lang in LANGUAGES:
        if not isinstance(entry[lang], str) or not entry[lang].strip():
            raise ConfigError(f"{where}: {lang}: must be non-empty text")


def _merge(target: dict[str, dict[str, str]], table: object, file: Path, section: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {section}: must be a table")
    for key, entry in table.items():
        _check(entry, f"{file}: {section}.{key}")
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
