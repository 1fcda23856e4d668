"""What `bgw` writes about a failure: exactly one line, whatever the message holds.

Messages carry text from outside — a peer's header, an algorithm attribute, libxml2's or a
database driver's own wording (SQLAlchemy appends its "Background on this error" on a line of its
own). A line break or a control character in them must not start a second line or act on the
operator's terminal.
"""

from __future__ import annotations

import sys

MAX_MESSAGE = 2000


def one_line(text: str) -> str:
    """*text* on one line: every run of whitespace (line breaks included) becomes one space, every
    other invisible or control character its escape (``\\x1b``, ``\\u202e``); cut at MAX_MESSAGE."""
    collapsed = " ".join(text.split())
    if not collapsed.isprintable():
        collapsed = "".join(char if char.isprintable() else ascii(char)[1:-1] for char in collapsed)
    return collapsed if len(collapsed) <= MAX_MESSAGE else collapsed[: MAX_MESSAGE - 1] + "…"


def error_line(code: str, message: str) -> None:
    """Write ``error <code>: <message>`` as one line on standard error."""
    print(f"error {code}: {one_line(message)}", file=sys.stderr)
