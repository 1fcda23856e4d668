"""The console's words: one TOML catalogue per language (messages/<lang>.toml), Russian first.

TOML like the label catalogues of config/labels: a translator reads and edits one plain file per
language, no compilation step, and a test checks every catalogue has exactly Russian's keys. A key
is `table.name`; a text may name values in braces, filled with str.format.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gateway.errors import ConfigError

LANGUAGES = ("ru", "kk", "uz", "az", "en")  # Russian, the prevailing text, is the default
DEFAULT = "ru"
FOLDER = Path(__file__).resolve().parent / "messages"


def _flatten(table: Mapping[str, Any], file: Path, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, file, f"{name}."))
        elif isinstance(value, str) and value.strip():
            flat[name] = value
        else:
            raise ConfigError(f"{file}: {name}: must be a non-empty string")
    return flat


@dataclass(frozen=True)
class Catalogue:
    lang: str
    texts: Mapping[str, str]

    def __call__(self, key: str, **values: object) -> str:
        text = self.texts[key]  # a missing key is a defect the catalogue test catches
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.texts


@cache
def catalogue(lang: str) -> Catalogue:
    if lang not in LANGUAGES:
        raise ConfigError(f"console: no catalogue for language {lang!r}")
    file = FOLDER / f"{lang}.toml"
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from exc
    return Catalogue(lang, MappingProxyType(_flatten(data, file)))


def chosen(value: str | None) -> str:
    """The language a request asked for, or Russian."""
    return value if value in LANGUAGES else DEFAULT
