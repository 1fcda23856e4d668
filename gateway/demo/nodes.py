"""The demo's three node processes: the PKI they need, starting them, watching them, stopping them."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gateway.demo.common import (
    PKI,
    SIDES,
    VAR,
    DemoError,
    config_of,
    log_file,
    pid_file,
    say,
    shown,
    warn,
)
from gateway.paths import ROOT

STOP_LIMIT_S = 30.0


@dataclass
class Node:
    side: str
    process: subprocess.Popen[bytes]
    log: Path


def last_error(path: Path) -> list[str]:
    """The end of a node's log from its last `error …` line (the bgw error line and what follows),
    else its last line."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return []
    starts = [i for i, line in enumerate(lines) if line.startswith(("error ", "Traceback"))]
    return [line[:300] for line in lines[starts[-1] if starts else -1 :][:6]]


def bgw(*args: str, stdin: str | None = None) -> None:
    """Run a `bgw` command with this very Python (*stdin*: a line it reads); a failure stops the
    demo with its error line."""
    command = [sys.executable, "-m", "gateway.cli.main", *args]
    line = None if stdin is None else f"{stdin}\n"
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, input=line)
    if result.returncode != 0:
        raise DemoError(f"bgw {' '.join(args)} failed: {result.stderr.strip()}")


def ensure_pki() -> None:
    for side in SIDES:
        folder = PKI / side
        if all((folder / name).exists() for name in ("ca.pem", "ca.key", "node.pem", "node.key")):
            continue
        bgw("pki", "init", "--side", side, "--out", str(PKI))
        say(f"demo: created the demo PKI of {side} in {shown(folder)}")


def remove_node_data() -> None:
    for side in SIDES:
        data = VAR / side.lower()
        if data.exists():
            shutil.rmtree(data)
            say(f"demo: --fresh: removed {shown(data)}")


def running_pid(side: str) -> int | None:
    """The pid in var/<side>.pid when that process is still a gateway node, else None."""
    try:
        pid = int(pid_file(side).read_text(encoding="ascii").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"gateway.cli.main" in cmdline else None


def refuse_running_demo() -> None:
    for side in SIDES:
        pid = running_pid(side)
        if pid is not None:
            raise DemoError(
                f"the demo's {side} node is still running (pid {pid}, {shown(pid_file(side))}): "
                "stop it with `make demo-stop` first"
            )
        pid_file(side).unlink(missing_ok=True)


def start_nodes(fresh: bool) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for side in SIDES:
        log = log_file(side)
        with log.open("wb" if fresh else "ab") as handle:  # the child keeps its own descriptor
            process = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli.main", "run", "--config", str(config_of(side))],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the demo, which stops the nodes in order
            )
        pid_file(side).write_text(f"{process.pid}\n", encoding="ascii")
        nodes[side] = Node(side, process, log)
        say(f"demo: started the {side} node (pid {process.pid}, log {shown(log)})")
    return nodes


def check_alive(nodes: Mapping[str, Node], when: str) -> None:
    """Raise DemoError naming every node that is no longer running, its log and its last error."""
    problems = []
    for node in nodes.values():
        code = node.process.poll()
        if code is None:
            continue
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        problems.append(f"the {node.side} node {how} {when}; see {shown(node.log)}")
        problems.extend(f"  {shown(node.log)}: {line}" for line in last_error(node.log))
    if problems:
        raise DemoError("\n".join(problems))


def stop_nodes(nodes: Mapping[str, Node]) -> None:
    """SIGTERM every node still running, wait up to 30 s, then SIGKILL with a warning."""
    running = [node for node in nodes.values() if node.process.poll() is None]
    for node in running:
        node.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_LIMIT_S
    for node in running:
        try:
            node.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            warn(f"the {node.side} node did not stop within {STOP_LIMIT_S:.0f} s: SIGKILL")
            node.process.kill()
            node.process.wait()
    for node in nodes.values():
        pid_file(node.side).unlink(missing_ok=True)
    if running:
        say(f"demo: stopped the {', '.join(node.side for node in running)} node(s)")


def hold(nodes: Mapping[str, Node]) -> None:
    """Keep the nodes running until Ctrl-C (or SIGTERM) here, or until they stop (make demo-stop)."""
    pids = ", ".join(f"{node.side} {node.process.pid}" for node in nodes.values())
    say(f"The nodes keep running (pids {pids}). Stop them with Ctrl-C here, or `make demo-stop`.")
    try:
        while all(node.process.poll() is None for node in nodes.values()):
            time.sleep(0.5)
    except KeyboardInterrupt:
        say()
    else:  # one has stopped: give the others (make demo-stop signals all three) a moment to follow
        settle = time.monotonic() + 3.0
        while time.monotonic() < settle and any(node.process.poll() is None for node in nodes.values()):
            time.sleep(0.1)
    gone = [node.side for node in nodes.values() if node.process.poll() is not None]
    if gone:
        say(f"demo: the {', '.join(gone)} node(s) stopped")
    stop_nodes(nodes)
