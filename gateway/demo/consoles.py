"""The demo's consoles: each node's address (its configuration's `[console] listen`) and a login.

Each run gives the user `demo` (role admin) of each node a new random password, through
`bgw user add` (or `bgw user passwd` when the user is there from an earlier run) — the same command
an operator uses — and prints where to log in with it. Nothing is stored beside the node's own
database, and the consoles listen on 127.0.0.1 only.
"""

from __future__ import annotations

import secrets
import tomllib

from gateway.demo.common import SIDES, DemoError, config_of, say
from gateway.demo.nodes import bgw

USER = "demo"
ROLE = "admin"


def address(side: str) -> str:
    """The console's URL from the side's configuration."""
    config = tomllib.loads(config_of(side).read_text(encoding="utf-8"))
    listen = config.get("console", {}).get("listen")
    if not isinstance(listen, str):
        raise DemoError(f"{config_of(side)}: no [console] listen: the demo's consoles need one")
    return f"http://{listen}/"


def _login(side: str) -> str:
    """A fresh password for the side's demo user; returns it."""
    password = secrets.token_urlsafe(12)
    config = str(config_of(side))
    try:
        bgw("user", "add", USER, "--role", ROLE, "--config", config, "--password-stdin", stdin=password)
    except DemoError as exc:
        if "user-exists" not in str(exc):
            raise
        bgw("user", "passwd", USER, "--config", config, "--password-stdin", stdin=password)
    return password


def prepare() -> dict[str, str]:
    """{side: password} of the demo user on each node, set before the nodes start."""
    return {side: _login(side) for side in SIDES}


def show(passwords: dict[str, str]) -> None:
    say()
    say(f"Consoles (user {USER}, role {ROLE}, a new password each run; more users: `bgw user add`):")
    for side in SIDES:
        say(f"  {side}  {address(side):<24} user {USER}  password {passwords[side]}")
