"""The shape the code keeps (issue 11): one concept per module, no module over 400 lines, no function
over 50 (the Alembic migrations aside: each is one upgrade, written out). A longer function is two
ideas; a longer module is two concepts."""

from __future__ import annotations

import ast
from pathlib import Path

from gateway import paths

PACKAGE = Path(paths.__file__).resolve().parent
MODULE_LINES, FUNCTION_LINES = 400, 50


def sources() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py")) if "migrations" not in path.parts]


def test_no_module_over_400_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in sources()
        if (n := len(p.read_text().splitlines())) > MODULE_LINES
    }
    assert long == {}


def test_no_function_over_50_lines() -> None:
    long = {}
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE)}:{node.name}"] = length
    assert long == {}
