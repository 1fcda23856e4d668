"""Where the project's data lives: schemas, treaty profiles, labels.

In the repository (and an editable install) the data is at the repository's top, beside the package.
An installed wheel carries it inside the package, as gateway/_data/ in the same layout (setup.py
copies it there). BGW_HOME, when set, points elsewhere and wins.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHIPPED = PACKAGE / "_data"  # present only in an installed wheel


def _root() -> Path:
    home = os.environ.get("BGW_HOME")
    if home:
        return Path(home)
    return SHIPPED if SHIPPED.is_dir() else PACKAGE.parent


ROOT = _root()
SCHEMAS = ROOT / "schemas"
XSD = SCHEMAS / "xsd"
SAMPLES = SCHEMAS / "samples"
CONFIG = ROOT / "config"
PROFILES = CONFIG / "profiles"
LABELS = CONFIG / "labels"
