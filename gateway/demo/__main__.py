"""`python -m gateway.demo` (`make demo`): see the package's docstring."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from gateway.demo import consoles
from gateway.demo.common import VAR, DemoError, warn
from gateway.demo.nodes import Node, ensure_pki, hold, refuse_running_demo, remove_node_data, stop_nodes
from gateway.demo.report import report
from gateway.demo.traffic import drive


def _interrupted(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m gateway.demo", description="Run the KZ, UZ and AZ nodes through a scenario."
    )
    parser.add_argument(
        "--once", action="store_true", help="stop the nodes at the end; exit 0 only if all went through"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="overall limit in seconds (default 120)")
    parser.add_argument("--fresh", action="store_true", help="remove var/{kz,uz,az} (node data) first")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)
    nodes: dict[str, Node] = {}
    try:
        VAR.mkdir(parents=True, exist_ok=True)
        refuse_running_demo()
        ensure_pki()
        if args.fresh:
            remove_node_data()
        logins = consoles.prepare()
        complete = report(*asyncio.run(drive(nodes, args.timeout, args.fresh)))
        if args.once:
            stop_nodes(nodes)
        else:
            consoles.show(logins)
            hold(nodes)
    except DemoError as exc:
        warn(f"error: {exc}")
        stop_nodes(nodes)
        return 1
    except KeyboardInterrupt:
        warn("interrupted: stopping the nodes")
        stop_nodes(nodes)
        return 130
    if not complete:
        warn("not every notice was sent, received and receipted (see `missing` above)")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
