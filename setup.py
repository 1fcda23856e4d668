"""The build step pyproject.toml cannot express: ship the data beside the code.

The schemas (schemas/), the treaty profiles (config/profiles/) and the labels (config/labels/) live
at the repository's top, where the profiles name their schemas by path (`schemas/xsd/…`) and where
open branches edit them. A wheel copies them into the package as gateway/_data/, in the same layout,
and gateway/paths.py finds them there; an editable install keeps reading the repository. Everything
else is declared in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = ("schemas", "config/profiles", "config/labels")  # folders of the repository, copied whole


class BuildWithData(build_py):
    """build_py, then the data folders into gateway/_data/ of the build (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder in DATA:
            self.copy_tree(folder, str(Path(self.build_lib) / "gateway" / "_data" / folder))


setup(cmdclass={"build_py": BuildWithData})
