"""Real nodes as separate processes against the real RabbitMQ, each test run in its own vhost.

A test gets a `World`: a private vhost, a PKI for KZ, UZ and AZ, node configurations, node
processes it can start, stop, SIGKILL and restart, and a national-system client per side.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from adapters.national import BrokerClient, NationalClient
from gateway import paths
from gateway.node.config import load_config
from gateway.profiles import load_profiles
from gateway.samples import sample_submission
from gateway.store import Store, views
from tests import pki as test_pki

BROKER = "amqp://guest:guest@127.0.0.1:5672/"
PROFILES = {("KZ", "UZ"): "kz-uz-border-2024", ("KZ", "AZ"): "kz-az-environment-1997"}


def rabbitmqctl(*args: str) -> str:
    result = subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise AssertionError(
            f"rabbitmqctl {' '.join(args)} failed: {result.stderr.strip()} (is RabbitMQ up? make services)"
        )
    return result.stdout


def profile_for(a: str, b: str) -> str:
    return PROFILES.get((a, b)) or PROFILES[(b, a)]


@dataclass
class NodeProcess:
    side: str
    config: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        with self.log.open("ab") as handle:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli.main", "run", "--config", str(self.config)],
                stdout=handle,
                stderr=handle,
                cwd=paths.ROOT,
            )

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.wait()

    def stop(self, timeout: float = 30) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass
class World:
    root: Path
    vhost: str
    nodes: dict[str, NodeProcess] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{BROKER}{quote(self.vhost, safe='')}"

    def node(
        self,
        side: str,
        peers: tuple[str, ...],
        delivery: Mapping[str, Any] | None = None,
        database_url: str | None = None,
        clock_shift: Path | None = None,
        console_port: int | None = None,
    ) -> NodeProcess:
        config = self.root / f"{side.lower()}.toml"
        links = "".join(
            f'\n[[links]]\npeer = "{peer}"\nprofile = "{profile_for(side, peer)}"\n'
            f'peer_unit = "Node {peer}"\n'
            for peer in peers
        )
        settings = {
            "prefetch": 64,
            "publish_timeout_s": 5,
            "retry_base_s": 0.2,
            "retry_ceiling_s": 2,
            **(delivery or {}),
        }
        delivery_lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
        database = f'database_url = "{database_url}"\n' if database_url else ""
        keys = self.root / "pki" / side
        config.write_text(
            f'[node]\nside = "{side}"\nunit = "Test node {side}"\ndata_dir = "{self.root / side.lower()}"\n'
            f'broker_url = "{self.url}"\n{database}\n'
            f'[pki]\nkey = "{keys / "node.key"}"\ncert = "{keys / "node.pem"}"\n'
            f'trust = "{self.root / "pki"}"\n'
            f"{links}\n[delivery]\n{delivery_lines}"
            + (f'\n[clock]\nshift_file = "{clock_shift}"\n' if clock_shift else "")
            + (f'\n[console]\nlisten = "127.0.0.1:{console_port}"\n' if console_port else ""),
            encoding="utf-8",
        )
        process = NodeProcess(side, config, self.root / f"{side.lower()}.log")
        self.nodes[side] = process
        return process

    def stop_all(self) -> None:
        for node in self.nodes.values():
            if node.running:
                try:
                    node.stop(timeout=20)
                except subprocess.TimeoutExpired:
                    node.kill()


def create_world(root: Path) -> World:
    vhost = f"bgw-test-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    for side in ("KZ", "UZ", "AZ"):
        test_pki.init_side(root / "pki", side)
    return World(root, vhost)


def destroy_world(world: World) -> None:
    world.stop_all()
    rabbitmqctl("delete_vhost", world.vhost)


class National(NationalClient):
    """A national system of one side in the test's vhost (as guest: tests also play hostile peers)."""

    def __init__(self, world: World, side: str) -> None:
        super().__init__(world.url, side)
        self.world = world


async def wait_for_consumer(world: World, side: str, timeout: float = 60) -> None:
    """A node is up when its inbound queue has a consumer, as the broker sees it."""
    deadline = time.monotonic() + timeout
    async with BrokerClient(world.url) as broker:
        while time.monotonic() < deadline:
            node = world.nodes[side]
            if not node.running:
                raise AssertionError(
                    f"node {side} exited ({node.process.returncode if node.process else '?'}):\n{node.tail()}"
                )
            if await broker.consumers(f"bgw.{side}.in"):
                return
            await asyncio.sleep(0.2)
    raise AssertionError(
        f"node {side} has no consumer on bgw.{side}.in after {timeout} s:\n{world.nodes[side].tail()}"
    )


def submission(sample: Path, recipient: str) -> dict[str, Any]:
    """The JSON form of a sample as a national system submits it (ids, times and sender by the node)."""
    return sample_submission(sample, recipient)


@contextmanager
def node_store(world: World, side: str) -> Iterator[Store]:
    """The database of *side*'s node, opened from its configuration and closed afterwards."""
    store = Store.open(load_config(world.nodes[side].config, load_profiles()).database_url.value)
    try:
        yield store
    finally:
        store.close()


def outbound_states(world: World, side: str) -> dict[str, int]:
    """{state: count} of the notices a node sent, read from its database."""
    with node_store(world, side) as store:
        counts = store.read(views.counts)
    merged: dict[str, int] = {}
    for (_, _, direction), states in counts.items():
        if direction == "out":
            for state, count in states.items():
                merged[state] = merged.get(state, 0) + count
    return merged


def wait_until(check: Any, what: str, timeout: float = 30) -> Any:
    """Poll *check* (e.g. a database read) until it returns something true, and return that; fail
    naming *what* did not happen."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s: {what}")
        time.sleep(0.1)
    return found
