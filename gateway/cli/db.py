"""`bgw db init`: the database a node's configuration names, created when missing and migrated.

Reads only `[node]` (database_url, else the SQLite file in data_dir), so it runs before the node's
keys or links exist. Running it again is harmless: an existing database is only migrated.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gateway.node.config import load_database_url
from gateway.store.admin import initialise


def init(args: argparse.Namespace) -> None:
    done = initialise(load_database_url(args.config).value)
    state = "created" if done.created else "already there"
    print(f"{done.where}: {state}; schema at the latest revision ({done.revision})")


def add_parser(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="the node's database")
    commands = db.add_subparsers(dest="db_command", required=True, parser_class=parser_class)
    create = commands.add_parser(
        "init",
        help="create the configured database when missing; migrate it to the latest schema",
    )
    create.add_argument("--config", required=True, type=Path, help="node configuration, e.g. config/kz.toml")
    create.set_defaults(run=init)
