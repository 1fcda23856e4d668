"""`bgw bench e2e`: notices from the KZ national interface to the UZ national inbox, with signed
receipts back, next to a raw aio-pika baseline measured in the same run.

Both run in a private vhost of the local broker (created with rabbitmqctl and removed after). The
gateway figure is end to end: submission published → notice in the UZ inbox (latency), and the
rate over the whole run until every receipt is back at KZ. The baseline publishes persistent
messages of the same size to a quorum queue with publisher confirms (at most `window` unconfirmed)
and consumes them with acks. Both speak to the broker through adapters.national, the national
systems' own client (the gateway run as two national systems, KZ and UZ; the baseline with its raw
operations), so the benchmark imports no aio-pika of its own.

It also reports the CPU each process spent per notice during the gateway run — each node, the local
broker (when it runs on this machine) and the benchmark's own national client — read from /proc: on a
machine whose cores are saturated, their sum is what bounds the rate.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from adapters.national import BrokerClient, Delivery, NationalClient
from gateway import paths, pki
from gateway.errors import GatewayError
from gateway.reasons import Reason
from gateway.samples import sample_submission

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"
BROKER = "amqp://guest:guest@127.0.0.1:5672/"
TARGET_RATIO = 0.10
WINDOW = 256


def _rabbitmqctl(*args: str) -> None:
    try:
        subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise GatewayError(
            f"rabbitmqctl {args[0]} failed: is RabbitMQ running here? (make services): {exc}",
            reason=Reason.CONFIG_INVALID,
        ) from exc


def _config(root: Path, side: str, peer: str, url: str) -> Path:
    keys = root / "pki" / side
    path = root / f"{side.lower()}.toml"
    path.write_text(
        f'[node]\nside = "{side}"\ndata_dir = "{root / side.lower()}"\nbroker_url = "{url}"\n\n'
        f'[pki]\nkey = "{keys / "node.key"}"\ncert = "{keys / "node.pem"}"\ntrust = "{root / "pki"}"\n\n'
        f'[[links]]\npeer = "{peer}"\nprofile = "kz-uz-border-2024"\n\n[delivery]\nprefetch = 128\n',
        encoding="utf-8",
    )
    return path


def _cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used so far; None if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _cpu_per(pids: dict[str, int], count: int) -> Iterator[dict[str, float]]:
    """Fills the yielded mapping, on exit, with each process's CPU milliseconds per one of *count*."""
    before = {name: _cpu_s(pid) for name, pid in pids.items()}
    figures: dict[str, float] = {}
    yield figures
    for name, pid in pids.items():
        start, end = before[name], _cpu_s(pid)
        if start is not None and end is not None:
            figures[name] = round((end - start) * 1000 / count, 2)


def _broker_pid() -> int | None:
    """The local RabbitMQ server (Erlang VM), if it runs on this machine."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                if (entry / "comm").read_text().strip() == "beam.smp":
                    return int(entry.name)
    return None


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def _consumers(url: str, queue: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with BrokerClient(url) as broker:
        while time.monotonic() < deadline:
            if await broker.consumers(queue):
                return
            await asyncio.sleep(0.2)
    raise GatewayError(f"no consumer on {queue} after {timeout} s", reason=Reason.INTERNAL_ERROR)


async def _raw(url: str, size: int, count: int) -> float:
    """Messages per second: persistent, quorum queue, confirms (bounded window), consumed with acks."""
    async with BrokerClient(url, prefetch=128) as broker:
        queue = await broker.declare_quorum(f"bench.raw.{uuid.uuid4().hex[:6]}")
        received = asyncio.Event()
        acked = 0

        async def on_message(_: Delivery) -> None:
            nonlocal acked
            acked += 1
            if acked == count:
                received.set()

        consumer = await broker.consume(queue, on_message)
        body = b"x" * size
        window = asyncio.Semaphore(WINDOW)

        async def publish() -> None:
            async with window:
                await broker.publish_to(queue, body)

        start = time.perf_counter()
        await asyncio.gather(*(publish() for _ in range(count)))
        await asyncio.wait_for(received.wait(), timeout=300)
        elapsed = time.perf_counter() - start
        await broker.cancel(queue, consumer)
        await broker.delete_queue(queue)
        return count / elapsed


async def _gateway(url: str, document: dict[str, Any], count: int) -> tuple[float, list[float]]:
    """(notices per second until every receipt is back, latencies submission → UZ inbox in ms)."""
    arrived: dict[str, float] = {}  # message id -> when the notice reached the UZ inbox
    receipted: set[str] = set()
    done = asyncio.Event()

    async def on_inbox(delivery: Delivery) -> None:
        arrived[str(delivery.message_id)] = time.perf_counter()

    async def on_event(delivery: Delivery) -> None:
        event = delivery.json()
        if event.get("event") == "receipt-received":
            receipted.add(event["message_id"])
            if len(receipted) == count:
                done.set()

    async with NationalClient(url, "KZ", prefetch=128) as kz, NationalClient(url, "UZ", prefetch=128) as uz:
        await uz.consume_inbox(on_inbox)
        await kz.consume_events(on_event)
        body = json.dumps(document).encode()
        sent_at: dict[str, float] = {}  # correlation id -> when it was submitted
        start = time.perf_counter()
        for _ in range(count):
            submitted = time.perf_counter()
            sent_at[await kz.submit(body)] = submitted
        await asyncio.wait_for(done.wait(), timeout=600)
        elapsed = time.perf_counter() - start
        while len(arrived) < count:  # a receipt may come back before its notice is read from the inbox
            await asyncio.sleep(0.05)
        answers = await kz.wait_answers(sent_at)
    return count / elapsed, _latencies(sent_at, answers, arrived)


def _latencies(
    sent_at: dict[str, float], answers: list[dict[str, Any]], arrived: dict[str, float]
) -> list[float]:
    """Milliseconds from each submission to its notice in the UZ inbox (answers in submission order)."""
    refused = [answer for answer in answers if answer.get("status") != "accepted"]
    if refused:
        raise GatewayError(f"{len(refused)} submissions refused: {refused[0]}", reason=Reason.INTERNAL_ERROR)
    return [
        (arrived[answer["message_id"]] - submitted) * 1000
        for submitted, answer in zip(sent_at.values(), answers, strict=True)
    ]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _start_nodes(root: Path, url: str, nodes: dict[str, subprocess.Popen[bytes]]) -> None:
    """A KZ and a UZ node linked to each other in *root* (added to *nodes* as they start), running
    once each consumes its inbound queue."""
    for side in ("KZ", "UZ"):
        pki.init_side(root / "pki", side)
    for side, peer in (("KZ", "UZ"), ("UZ", "KZ")):
        config = _config(root, side, peer, url)
        with (root / f"{side.lower()}.log").open("wb") as log:
            nodes[side] = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli.main", "run", "--config", str(config)],
                stdout=log,
                stderr=log,
                cwd=paths.ROOT,
            )
    for side in nodes:
        asyncio.run(_consumers(url, f"bgw.{side}.in"))


def _stop_nodes(nodes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in nodes.values():
        process.terminate()
    for process in nodes.values():
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)


def _runs(url: str, nodes: dict[str, subprocess.Popen[bytes]], count: int) -> dict[str, Any]:
    """The raw baseline, then the gateway, each with the CPU its processes spent."""
    size = len(SAMPLE.read_bytes()) + 1500  # the signed notice: body plus signature and certificate
    # Where the CPU goes, per message or notice: each node, the broker, this process (the client).
    pids = {**{side: process.pid for side, process in nodes.items()}, "bench client": os.getpid()}
    broker = _broker_pid()
    if broker is not None:
        pids["broker"] = broker
    raw_pids = {name: pid for name, pid in pids.items() if name not in nodes}
    with _cpu_per(raw_pids, count) as raw_cpu:
        raw_per_s = asyncio.run(_raw(url, size, count))
    with _cpu_per(pids, count) as cpu:
        per_s, latencies = asyncio.run(_gateway(url, sample_submission(SAMPLE), count))
    return {
        "n": count,
        "notices_per_s": round(per_s, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "raw_msgs_per_s": round(raw_per_s, 1),
        "ratio": round(per_s / raw_per_s, 3),
        "peak_rss_mb": {side: _peak_rss_mb(process.pid) for side, process in nodes.items()},
        "cpu_ms_per_notice": cpu,
        "raw_cpu_ms_per_msg": raw_cpu,
    }


def measure(count: int) -> dict[str, Any]:
    vhost = f"bgw-bench-{uuid.uuid4().hex[:8]}"
    root = Path(tempfile.mkdtemp(prefix="bgw-bench-"))
    url = f"{BROKER}{quote(vhost, safe='')}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    nodes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        _start_nodes(root, url, nodes)
        return _runs(url, nodes, count)
    finally:
        _stop_nodes(nodes)
        _rabbitmqctl("delete_vhost", vhost)
        shutil.rmtree(root, ignore_errors=True)


def run(count: int, as_json: bool) -> None:
    result = measure(count)
    if as_json:
        print(json.dumps(result))
        return
    verdict = "met" if result["ratio"] >= TARGET_RATIO else "NOT met"
    print(f"end-to-end benchmark: {count} notices KZ national → UZ inbox, signed receipts back to KZ")
    print(
        f"  gateway      {result['notices_per_s']:>9} notices/s   p50 {result['p50_ms']} ms   "
        f"p99 {result['p99_ms']} ms"
    )
    print(
        f"  raw aio-pika {result['raw_msgs_per_s']:>9} msgs/s      (persistent, quorum queue, confirms, acks)"
    )
    print(f"  ratio        {result['ratio']:>9}   target ≥ {TARGET_RATIO}: {verdict}")
    print("  peak RSS     " + ", ".join(f"{side} {mb} MB" for side, mb in result["peak_rss_mb"].items()))
    cpu = result["cpu_ms_per_notice"]
    print(
        f"  CPU/notice   {sum(cpu.values()):.2f} ms on {os.cpu_count()} cores: "
        + ", ".join(f"{name} {ms}" for name, ms in cpu.items())
    )
    raw = result["raw_cpu_ms_per_msg"]
    print("  raw CPU/msg  " + ", ".join(f"{name} {ms} ms" for name, ms in raw.items()))
