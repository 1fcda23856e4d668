"""`make demo`: the KZ, UZ and AZ nodes on this machine, driven through a scenario.

    python -m gateway.demo [--once] [--timeout S] [--fresh]

The demo creates a demo PKI under var/pki when it is missing, starts the three nodes
(``bgw run --config config/<side>.toml``, logs in var/<side>.log, pids in var/<side>.pid) and then
plays each side's national system over AMQP, exactly as adapters/README.md describes it: it submits
notices to ``bgw.<SIDE>.submit`` and reads ``bgw.<SIDE>.inbox`` and ``bgw.<SIDE>.events``. It waits
until every notice was delivered to the peer's inbox and receipted to its sender, and prints a table.

This module is a national-system client, not part of a node: it talks to the nodes only through
the broker (aio-pika directly) and the ``bgw`` command; from the package it uses only the codec, to
read the samples in their JSON form (what ``bgw decode`` prints).

Without --once the nodes keep running until Ctrl-C here or ``make demo-stop``. With --once they are
stopped at the end and the exit code is 0 only if every notice was sent, received and receipted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from aio_pika.exceptions import AMQPConnectionError, ChannelNotFoundEntity, DeliveryError, PublishError

from gateway.paths import ROOT, SAMPLES
from gateway.profiles import load_profiles
from gateway.samples import brought_to
from gateway.wire.codec import Codec
from gateway.wire.parsing import parse

VAR = ROOT / "var"
PKI = VAR / "pki"
SIDES = ("KZ", "UZ", "AZ")
BROKER = "127.0.0.1:5672"
GUEST_URL = f"amqp://guest:guest@{BROKER}/"
START_LIMIT_S = 60.0
STOP_LIMIT_S = 30.0
ANSWER_LIMIT_S = 30.0
RECEIPTED = ("accepted", "accepted-with-warning")

BORDER = "kz-uz-border-2024"
ENVIRONMENT = "kz-az-environment-1997"
BORDER_TYPES = (
    "marker-incident",
    "crossing-restriction",
    "epizootic-alert",
    "flight-notice",
    "marker-works-notice",
)

T = TypeVar("T")


class DemoError(Exception):
    """The demo cannot go on; the message says what happened and where to look."""


@dataclass(frozen=True)
class Step:
    """One notice of the scenario: who submits it, to whom, under which profile, of which type."""

    sender: str
    recipient: str
    profile: str
    type: str

    @property
    def route(self) -> str:
        return f"{self.sender} → {self.recipient}"


SCENARIO: tuple[Step, ...] = (
    *(Step("KZ", "UZ", BORDER, kind) for kind in BORDER_TYPES),
    *(Step("UZ", "KZ", BORDER, kind) for kind in BORDER_TYPES),
    Step("KZ", "AZ", ENVIRONMENT, "caspian-pollution-incident"),
    Step("KZ", "AZ", ENVIRONMENT, "env-hazard-alert"),
    Step("AZ", "KZ", ENVIRONMENT, "caspian-pollution-incident"),
)


@dataclass
class Outcome:
    """What became of one step: the node's answer, then delivery and receipt (from the tracker)."""

    step: Step
    status: str = "not submitted"  # the answer's status, or "no answer" / "unroutable"
    message_id: str | None = None
    detail: str = ""

    @property
    def sent(self) -> bool:
        return self.status == "accepted" and self.message_id is not None


@dataclass
class Tracker:
    """What the national systems saw in their inbox and events queues, by message id."""

    delivered: dict[str, str] = field(default_factory=dict)  # message id -> side whose inbox got it
    receipts: dict[str, str] = field(default_factory=dict)  # message id -> receipt status
    notes: dict[str, list[str]] = field(default_factory=dict)  # message id -> other events about it
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def received(self, outcome: Outcome) -> bool:
        mid = outcome.message_id
        return outcome.sent and mid is not None and self.delivered.get(mid) == outcome.step.recipient

    def receipted(self, outcome: Outcome) -> bool:
        mid = outcome.message_id
        return outcome.sent and mid is not None and self.receipts.get(mid) in RECEIPTED

    def complete(self, outcome: Outcome) -> bool:
        return self.received(outcome) and self.receipted(outcome)


@dataclass
class Node:
    side: str
    process: subprocess.Popen[bytes]
    log: Path


# -- output ---------------------------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def warn(text: str) -> None:
    print(f"demo: {text}", file=sys.stderr, flush=True)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current directory when under it."""
    with contextlib.suppress(ValueError):
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    return str(path)


def short(message_id: str | None) -> str:
    return f"{message_id[:8]}…" if message_id else "—"


def config_of(side: str) -> Path:
    return ROOT / "config" / f"{side.lower()}.toml"


def pid_file(side: str) -> Path:
    return VAR / f"{side.lower()}.pid"


def log_file(side: str) -> Path:
    return VAR / f"{side.lower()}.log"


def last_error(path: Path) -> list[str]:
    """The end of a node's log from its last `error …` line (the bgw error line and what follows),
    else its last line."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return []
    starts = [i for i, line in enumerate(lines) if line.startswith(("error ", "Traceback"))]
    return [line[:300] for line in lines[starts[-1] if starts else -1 :][:6]]


# -- preparation ----------------------------------------------------------------------------------


def bgw(*args: str) -> None:
    """Run a `bgw` command with this very Python; a failure stops the demo with its error line."""
    command = [sys.executable, "-m", "gateway.cli.main", *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
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


# -- the nodes ------------------------------------------------------------------------------------


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


# -- the broker -----------------------------------------------------------------------------------


def national_url(side: str) -> str:
    user = f"bgw-{side.lower()}-national"  # made by scripts/setup-services.sh: password = user name
    return f"amqp://{user}:{user}@{BROKER}/"


async def connect(url: str) -> AbstractConnection:
    try:
        return await aio_pika.connect(url, timeout=10)
    except (AMQPConnectionError, OSError, TimeoutError) as exc:
        user = urlsplit(url).username
        raise DemoError(
            f"cannot connect to RabbitMQ at {BROKER} as {user}: {exc or type(exc).__name__} "
            "(`make setup` starts RabbitMQ and creates the demo users)"
        ) from exc


async def consumer_count(connection: AbstractConnection, queue: str) -> int:
    """Consumers of *queue* (passive declare: never re-declare the node's queues); 0 if missing."""
    channel = await connection.channel()
    try:
        declared = await channel.declare_queue(queue, passive=True)
        result = declared.declaration_result
        return int(result.consumer_count or 0) if result is not None else 0
    except ChannelNotFoundEntity:
        return 0
    finally:
        if not channel.is_closed:
            await channel.close()


async def refuse_foreign_nodes(connection: AbstractConnection) -> None:
    for side in SIDES:
        count = await consumer_count(connection, f"bgw.{side}.in")
        if count:
            raise DemoError(
                f"bgw.{side}.in already has {count} consumer(s): a {side} node runs outside this "
                "demo; stop it first"
            )


async def wait_ready(connection: AbstractConnection, nodes: Mapping[str, Node], deadline: float) -> None:
    """Wait until each node consumes its inbound queue bgw.<SIDE>.in."""
    loop = asyncio.get_running_loop()
    limit = deadline - loop.time()
    pending = dict(nodes)
    while pending:
        check_alive(nodes, "during start-up")
        for side in list(pending):
            if await consumer_count(connection, f"bgw.{side}.in"):
                say(f"demo: the {side} node is up (consuming bgw.{side}.in)")
                del pending[side]
        if pending and loop.time() >= deadline:
            raise DemoError(
                "\n".join(
                    f"the {side} node did not come up within {limit:.0f} s (no consumer on "
                    f"bgw.{side}.in); see {shown(node.log)}"
                    for side, node in pending.items()
                )
            )
        if pending:
            await asyncio.sleep(0.25)


# -- the submissions ------------------------------------------------------------------------------


def submission(sample: Mapping[str, Any], step: Step, now: datetime) -> dict[str, Any]:
    """The sample's JSON form made into a fresh submission from step.sender to step.recipient."""
    parties = [sample["sender"], sample["recipient"]]
    recipient = next((dict(party) for party in parties if party["side"] == step.recipient), None)
    if recipient is None:
        raise DemoError(f"the sample {step.profile}/{step.type} names no party of side {step.recipient}")
    moved = brought_to(sample, now)
    document = {k: v for k, v in moved.items() if k not in ("message_id", "created", "sender")}
    document["recipient"] = recipient
    return document


def build_submissions(steps: Sequence[Step]) -> list[dict[str, Any]]:
    """One submission per step, from schemas/samples/<profile>/<type>.xml in its JSON form."""
    codec = Codec(load_profiles())
    now = datetime.now(UTC)
    samples: dict[tuple[str, str], dict[str, Any]] = {}
    for step in steps:
        key = (step.profile, step.type)
        if key not in samples:
            path = SAMPLES / step.profile / f"{step.type}.xml"
            samples[key] = codec.to_json(parse(path.read_bytes()))
    return [submission(samples[(step.profile, step.type)], step, now) for step in steps]


@dataclass
class NationalSystem:
    """One side's national system: its connection, its reply queue and the answers awaited on it."""

    side: str
    channel: AbstractChannel
    reply_to: str
    answers: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)


Handler = Callable[[AbstractIncomingMessage], Awaitable[None]]


def json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def answer_handler(system: NationalSystem) -> Handler:
    async def handle(message: AbstractIncomingMessage) -> None:
        future = system.answers.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(json_object(message.body))
        await message.ack()

    return handle


def inbox_handler(side: str, tracker: Tracker) -> Handler:
    async def handle(message: AbstractIncomingMessage) -> None:
        message_id = json_object(message.body).get("message_id") or message.message_id
        if isinstance(message_id, str):
            tracker.delivered[message_id] = side
            tracker.changed.set()
        await message.ack()

    return handle


def events_handler(tracker: Tracker) -> Handler:
    async def handle(message: AbstractIncomingMessage) -> None:
        event = json_object(message.body)
        message_id, kind = event.get("message_id"), str(event.get("event"))
        detail = event.get("detail")
        detail = detail if isinstance(detail, dict) else {}
        if isinstance(message_id, str):
            if kind == "receipt-received":
                tracker.receipts[message_id] = str(detail.get("status"))
            else:
                reason = detail.get("reason") or detail.get("cause") or detail.get("error") or ""
                tracker.notes.setdefault(message_id, []).append(f"{kind} {reason}".strip())
            tracker.changed.set()
        await message.ack()

    return handle


async def national_system(side: str, tracker: Tracker, stack: contextlib.AsyncExitStack) -> NationalSystem:
    """Connect as the side's national system: a server-named reply queue, inbox and events consumed."""
    connection = await connect(national_url(side))
    stack.push_async_callback(connection.close)
    channel = await connection.channel(on_return_raises=True)
    await channel.set_qos(prefetch_count=64)
    reply_queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    system = NationalSystem(side, channel, reply_queue.name)
    await reply_queue.consume(answer_handler(system))
    inbox = await channel.declare_queue(f"bgw.{side}.inbox", passive=True)
    await inbox.consume(inbox_handler(side, tracker))
    events = await channel.declare_queue(f"bgw.{side}.events", passive=True)
    await events.consume(events_handler(tracker))
    return system


async def submit(system: NationalSystem, document: Mapping[str, Any], limit: float) -> dict[str, Any]:
    """Publish one notice to bgw.<SIDE>.submit and wait for the node's answer."""
    correlation_id = str(uuid.uuid4())
    future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    system.answers[correlation_id] = future
    message = aio_pika.Message(
        json.dumps(document, ensure_ascii=False).encode(),
        content_type="application/json",
        correlation_id=correlation_id,
        reply_to=system.reply_to,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )
    try:
        queue = f"bgw.{system.side}.submit"
        await system.channel.default_exchange.publish(message, routing_key=queue, mandatory=True)
        async with asyncio.timeout(max(limit, 0.1)):
            return await future
    except (DeliveryError, PublishError) as exc:
        return {"status": "unroutable", "message": f"the broker did not take it ({exc})"}
    except TimeoutError:
        return {"status": "no answer", "message": f"nothing on the reply queue within {limit:.1f} s"}
    finally:
        system.answers.pop(correlation_id, None)


async def watched(work: Awaitable[T], nodes: Mapping[str, Node], when: str) -> T:
    """Await *work*, checking every half second that every node still runs."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=0.5)
            check_alive(nodes, when)
        return task.result()
    finally:
        task.cancel()


def answered(step: Step, answer: Mapping[str, Any]) -> Outcome:
    """The outcome of a submission; when not accepted, *detail* says why (reason, field, message)."""
    message_id = answer.get("message_id")
    outcome = Outcome(step, str(answer.get("status")), message_id if isinstance(message_id, str) else None)
    if not outcome.sent:
        field = f"field {answer['field']}" if answer.get("field") else None
        why = [str(part) for part in (answer.get("reason"), field, answer.get("message")) if part]
        outcome.detail = f"{outcome.status}: {', '.join(why)}" if why else outcome.status
    return outcome


async def submit_all(
    systems: Mapping[str, NationalSystem],
    documents: Sequence[Mapping[str, Any]],
    nodes: Mapping[str, Node],
    deadline: float,
) -> list[Outcome]:
    """Submit the scenario in order, one line per answer; what the deadline leaves is not submitted."""
    loop = asyncio.get_running_loop()
    width = max(len(step.type) for step in SCENARIO)
    outcomes = []
    for number, (step, document) in enumerate(zip(SCENARIO, documents, strict=True), start=1):
        limit = min(ANSWER_LIMIT_S, deadline - loop.time())
        if limit <= 0:
            outcome = Outcome(step, detail="not submitted: the overall timeout was reached")
        else:
            submitting = submit(systems[step.sender], document, limit)
            outcome = answered(step, await watched(submitting, nodes, "during the scenario"))
        result = f"{outcome.status}  {short(outcome.message_id)}" if outcome.sent else outcome.detail
        say(f"[{number:>2}/{len(SCENARIO)}] {step.route} {step.type:<{width}}  {result}")
        outcomes.append(outcome)
    return outcomes


async def wait_delivered(
    outcomes: Sequence[Outcome], tracker: Tracker, nodes: Mapping[str, Node], deadline: float
) -> None:
    """Wait until every sent notice is in the peer's inbox and receipted, or until the deadline."""
    loop = asyncio.get_running_loop()
    sent = [outcome for outcome in outcomes if outcome.sent]
    shown_counts: tuple[int, int] | None = None
    while True:
        counts = (sum(map(tracker.received, sent)), sum(map(tracker.receipted, sent)))
        if counts != shown_counts:
            say(f"        waiting: {counts[0]}/{len(sent)} received, {counts[1]}/{len(sent)} receipted")
            shown_counts = counts
        if all(map(tracker.complete, sent)):
            return
        check_alive(nodes, "during the scenario")
        if loop.time() >= deadline:
            say("        timed out")
            return
        tracker.changed.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(deadline - loop.time(), 1.0)):
                await tracker.changed.wait()


async def drive(nodes: dict[str, Node], timeout: float, fresh: bool) -> tuple[list[Outcome], Tracker]:
    """Start the nodes, wait until they are up, submit the scenario and wait for every receipt."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with contextlib.AsyncExitStack() as stack:
        guest = await connect(GUEST_URL)
        stack.push_async_callback(guest.close)
        await refuse_foreign_nodes(guest)
        nodes.update(start_nodes(fresh))
        documents = build_submissions(SCENARIO)  # while the nodes start
        await wait_ready(guest, nodes, min(deadline, loop.time() + START_LIMIT_S))
        tracker = Tracker()
        systems = {side: await national_system(side, tracker, stack) for side in SIDES}
        say(f"demo: submitting {len(SCENARIO)} notices through the national AMQP interface")
        outcomes = await submit_all(systems, documents, nodes, deadline)
        await wait_delivered(outcomes, tracker, nodes, deadline)
    return outcomes, tracker


# -- the report -----------------------------------------------------------------------------------


def database_of(side: str) -> str:
    """Where the node keeps its data: node.database_url of its configuration, else its SQLite file."""
    config = config_of(side)
    node = tomllib.loads(config.read_text(encoding="utf-8")).get("node", {})
    url = node.get("database_url")
    if isinstance(url, str):
        return re.sub(r":[^:@/]*@", ":***@", url)
    return shown(config.parent / node.get("data_dir", "") / "gateway.sqlite3")


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def print_table(outcomes: Sequence[Outcome], tracker: Tracker) -> None:
    width = max(len(outcome.step.type) for outcome in outcomes)
    say()
    say(f"{'#':>3}  {'route':<7}  {'type':<{width}}  {'message id':<10}  sent  received  receipted")
    for number, outcome in enumerate(outcomes, start=1):
        receipt = tracker.receipts.get(outcome.message_id or "")
        receipted = "yes" if tracker.receipted(outcome) else (receipt or "no")
        say(
            f"{number:>3}  {outcome.step.route:<7}  {outcome.step.type:<{width}}  "
            f"{short(outcome.message_id):<10}  {yes(outcome.sent):<4}  "
            f"{yes(tracker.received(outcome)):<8}  {receipted}"
        )
    say()


def missing(outcomes: Sequence[Outcome], tracker: Tracker) -> list[str]:
    """One line per notice that was not sent, received and receipted, saying what is missing."""
    lines = []
    for outcome in outcomes:
        step, mid = outcome.step, outcome.message_id
        what = f"{step.route} {step.type} {mid or ''}".rstrip()
        if not outcome.sent:
            lines.append(f"{what}: not sent ({outcome.detail or outcome.status})")
            continue
        gaps = [
            gap
            for gap, ok in (("received", tracker.received), ("receipted", tracker.receipted))
            if not ok(outcome)
        ]
        if gaps:
            notes = "; ".join(tracker.notes.get(mid or "", []))
            lines.append(f"{what}: not {' nor '.join(gaps)}" + (f" (events: {notes})" if notes else ""))
    return lines


def report(outcomes: Sequence[Outcome], tracker: Tracker) -> bool:
    """Print the table, the totals, what is missing and where to look; True when nothing is missing."""
    print_table(outcomes, tracker)
    sent = sum(outcome.sent for outcome in outcomes)
    received = sum(map(tracker.received, outcomes))
    receipted = sum(map(tracker.receipted, outcomes))
    say(f"{sent} sent, {received} received, {receipted} receipted")
    gaps = missing(outcomes, tracker)
    for line in gaps:
        say(f"  missing: {line}")
    bgw_command = Path(sys.executable).parent / "bgw"
    command = shown(bgw_command) if bgw_command.exists() else "bgw"
    say(f"logs:      {', '.join(shown(log_file(side)) for side in SIDES)} (one JSON line per event)")
    say(f"databases: {', '.join(database_of(side) for side in SIDES)}")
    say(
        f"look further: {command} status --config config/kz.toml "
        f"(and {command} log verify --config config/kz.toml)"
    )
    return not gaps


# -- main -----------------------------------------------------------------------------------------


def _interrupted(_signum: int, _frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


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
        complete = report(*asyncio.run(drive(nodes, args.timeout, args.fresh)))
        if args.once:
            stop_nodes(nodes)
        else:
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
