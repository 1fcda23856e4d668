#!/usr/bin/env python3
"""Take the README's screenshot of a running console (e.g. the one `make demo` left running):
log in, open the log, and save a PNG of the page.

    echo "$PASSWORD" | .venv/bin/python scripts/console-screenshot.py http://127.0.0.1:8082/ demo \\
        docs/console-log.png [--lang en]

Uses Debian's /usr/bin/chromium through Playwright, as the browser tests do; the password is one
line of standard input (never an argument, which `ps` would show)."""

from __future__ import annotations

import argparse
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the console's URL, e.g. http://127.0.0.1:8082/")
    parser.add_argument("user")
    parser.add_argument("out", help="the PNG to write")
    parser.add_argument("--lang", default="ru", help="the page's language (default ru)")
    args = parser.parse_args()
    password = sys.stdin.readline().rstrip("\r\n")
    base = args.base.rstrip("/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.goto(f"{base}/login")
        if args.lang != "ru":
            page.select_option("#lang-choice", args.lang)
            page.click("form.lang button[type=submit]")
        page.fill("#name", args.user)
        page.fill("#password", password)
        page.click("form.login button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.screenshot(path=args.out, full_page=False)
        browser.close()
    print(f"screenshot: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
