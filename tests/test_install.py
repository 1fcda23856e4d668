"""A non-editable install (`pip install .` into a fresh virtual environment), run from another
folder, finds its schemas, profiles and labels: they ship inside the package as gateway/_data/
(setup.py), and gateway/paths.py reads them there.

The environment is made in seconds and offline: `venv --without-pip`, the project's dependencies
taken from this test's own environment through a .pth file (that folder is only appended to sys.path,
so the editable install's finder in it is never run), and pip, run from here, installing into it with
`--no-deps --no-build-isolation`. The project is built from a copy of the repository, so that the
build leaves nothing in the working tree and nothing of the repository is beside the install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SAMPLE = REPOSITORY / "schemas" / "samples" / "kz-uz-border-2024" / "marker-incident.xml"
NOT_SHIPPED = (
    ".git",
    ".venv",
    "var",
    "build",
    "dist",
    "tests",
    "deploy",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
)


def run(command: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, f"{' '.join(map(str, command))}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def fresh_environment(folder: Path) -> Path:
    """A virtual environment without pip whose only outside path is this one's dependencies."""
    run([sys.executable, "-m", "venv", "--without-pip", folder], folder.parent, dict(os.environ))
    python = folder / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], folder, {})
    Path(purelib.strip(), "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_an_installed_wheel_run_elsewhere_finds_its_schemas_profiles_and_labels(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(REPOSITORY, source, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    python = fresh_environment(tmp_path / "env")
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(tmp_path)}  # no BGW_HOME, no PYTHONPATH
    install = ["-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-build-isolation"]
    run([sys.executable, *install, source], tmp_path, env)
    shutil.rmtree(source)  # nothing of the repository is left to read
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    notice = shutil.copy(SAMPLE, elsewhere / "notice.xml")

    root = run([python, "-c", "from gateway import paths; print(paths.ROOT)"], elsewhere, env).strip()
    assert Path(root).parts[-2:] == ("gateway", "_data") and root.startswith(str(tmp_path / "env")), root
    bgw = python.parent / "bgw"
    valid = run([bgw, "validate", notice], elsewhere, env)
    assert valid.startswith("valid: kz-uz-border-2024 marker-incident"), valid
    rendered = run([bgw, "render", notice, "--lang", "kk"], elsewhere, env)
    title = "Шекара белгісінің бүлінуі, орын ауыстырылуы, бұзылуы немесе жоғалуы туралы хабарлама"
    assert rendered.startswith(title), "the profile's Kazakh title (config/profiles)"
    assert "Шекара белгісі №" in rendered and "Анықталған уақыты" in rendered, "labels (config/labels)"
    moved = run(
        [python, "-c", "from gateway import paths; print(paths.ROOT)"], elsewhere, env | {"BGW_HOME": "/x"}
    )
    assert moved.strip() == "/x", "BGW_HOME still wins"
