"""Where the project's data lives: schemas, treaty profiles, labels.

The data ships beside the package in the repository; BGW_HOME points elsewhere when needed.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("BGW_HOME") or Path(__file__).resolve().parent.parent)
SCHEMAS = ROOT / "schemas"
XSD = SCHEMAS / "xsd"
SAMPLES = SCHEMAS / "samples"
CONFIG = ROOT / "config"
PROFILES = CONFIG / "profiles"
LABELS = CONFIG / "labels"
