"""`bgw user add NAME --role R | passwd NAME | disable NAME`: the console's local users.

The password is read without echo from the terminal, twice; with --password-stdin, one line from
standard input (scripts, tests). Each change is an entry of the hash-chained log naming who made it
(the system user running the command); changing a password or disabling ends the user's sessions.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.console.passwords import hash_password
from gateway.errors import InputError
from gateway.node.clock import clock_for
from gateway.node.config import load_database_url
from gateway.reasons import Reason
from gateway.roles import Role
from gateway.store import Store, Tx, audit, users

NAME_MAX = 64
PASSWORD_MIN = 12


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="the console's local users")
    user_sub = user.add_subparsers(dest="user_command", required=True, parser_class=parser_class)
    for name, text in (
        ("add", "create a user"),
        ("passwd", "set a new password"),
        ("disable", "refuse logins"),
    ):
        command = user_sub.add_parser(name, help=text)
        command.add_argument("name")
        command.add_argument("--config", required=True, type=Path, help="node configuration")
        if name == "add":
            command.add_argument("--role", required=True, choices=[role.value for role in Role])
        if name != "disable":
            command.add_argument(
                "--password-stdin",
                action="store_true",
                help="read the password as one line of standard input",
            )
        command.set_defaults(run=run)


def _name(text: str) -> str:
    if not text or len(text) > NAME_MAX or not text.isprintable() or text != text.strip():
        raise InputError(
            f"user name {text!r}: 1 to {NAME_MAX} printable characters", reason=Reason.USAGE_INVALID
        )
    return text


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise InputError("the two passwords differ", reason=Reason.USAGE_INVALID)
    if len(password) < PASSWORD_MIN:
        raise InputError(f"a password has at least {PASSWORD_MIN} characters", reason=Reason.USAGE_INVALID)
    return password


def _act(args: argparse.Namespace) -> Callable[[Tx, Any], None]:
    name, actor = _name(args.name), getpass.getuser()
    if args.user_command == "add":
        role, digest = Role(args.role), hash_password(read_password(args.password_stdin))

        def added(tx: Tx, at: Any) -> None:
            users.add(tx, name, role, digest, at)
            audit.record(tx, at, actor, "user-added", detail={"user": name, "role": role.value})

        return added
    if args.user_command == "passwd":
        digest = hash_password(read_password(args.password_stdin))

        def changed(tx: Tx, at: Any) -> None:
            users.set_password(tx, name, digest, at)
            audit.record(tx, at, actor, "user-password-set", detail={"user": name})

        return changed

    def disabled(tx: Tx, at: Any) -> None:
        users.disable(tx, name, at)
        audit.record(tx, at, actor, "user-disabled", detail={"user": name})

    return disabled


def run(args: argparse.Namespace, out: Callable[[str], None] = print) -> None:
    act = _act(args)
    store = Store.open(load_database_url(args.config).value)
    try:
        store.write(act, clock_for(None)())
    finally:
        store.close()
    out(f"user {args.name}: {args.user_command} done")
