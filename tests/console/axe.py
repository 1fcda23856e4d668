"""axe-core in the browser tests: `assert_accessible(page, name)` runs the vendored engine
(tests/console/vendor, see its README) on the page as it is and fails on any violation of impact
serious or critical, naming rule, impact and the elements.

Injection: the console's CSP (`script-src 'self'`) refuses an inline <script>, which is what
Playwright's `add_script_tag(path=...)` adds, and the engine is not one of the console's own files.
Rather than switch the CSP off (`bypass_csp`, which would also hide a page that needs an inline script
or style to work), the engine's text is evaluated through the DevTools protocol (`page.evaluate`),
which the page's CSP does not govern: the page is checked exactly as a user gets it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
ENGINE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = frozenset({"serious", "critical"})


@cache
def _engine() -> str:
    text = ENGINE.read_text(encoding="utf-8")
    assert text.startswith(f"/*! axe v{AXE_VERSION}"), (
        "tests/console/vendor/axe.min.js is not the pinned version"
    )
    return text


def violations(page: Page) -> list[dict[str, Any]]:
    """Every violation axe finds on *page*, as axe reports them."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_engine())
    result: dict[str, Any] = page.evaluate("async () => await window.axe.run(document)")
    found: list[dict[str, Any]] = result["violations"]
    return found


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        targets = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page, name: str) -> None:
    """Fail if axe finds a serious or critical violation on *page* (its *name* in the message);
    lesser findings are printed."""
    found = violations(page)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    minor = [v for v in found if v["impact"] not in BLOCKING]
    if minor:
        print(f"axe on {name}, minor:\n{describe(minor)}")
    assert not blocking, f"axe on {name}: serious or critical violations:\n{describe(blocking)}"
    print(f"axe on {name}: no serious or critical violation")
