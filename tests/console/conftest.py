"""Console tests use the node tests' world (a private vhost and PKI per test, nodes stopped after) and
one headless Chromium per test module: Debian's /usr/bin/chromium driven by Playwright's Python package
(`executable_path`; no browser is downloaded), with the flags a closed network needs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.node.conftest import world

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "browser", "world"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
