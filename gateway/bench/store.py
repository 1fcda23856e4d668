"""`bgw bench store`: the store's CPU per notice next to raw DB-API statements writing the same rows.

What each node writes for one notice, in groups as the node commits them (its database thread commits
the calls that arrive together in one transaction; GROUP notices at a time here):
- sender: the outbox and the receipt obligation with their log entry; the dispatcher's claim and the
  confirmed publication; the peer's receipt, which closes the obligation;
- receiver: the inbox (with its duplicate check), our receipt and its outbox row, the log; the
  hand-over; the claim and confirmed publication of our receipt.
The baseline replays exactly the statements the store ran (recorded by gateway.store.sql in a run of
the same workload that is not timed), with the same parameters and transactions, on the bare driver
against a fresh database. Figures are this
process's CPU time (PostgreSQL's server work is not in either figure) per notice, best of the rounds.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway import heap
from gateway.lifecycle import Direction, MessageEvent
from gateway.profiles import load_profiles
from gateway.rules.deadlines import receipt_deadline
from gateway.store import OutgoingReceipt, Signed, Store, Tx, baseline, inbox, outbox, receipts, sql
from gateway.store.inbox import Arrival
from gateway.store.obligations import Duties, NewObligation
from gateway.store.receipts import Acknowledged
from gateway.store.scratch import fresh_database

GROUP = 32
TARGET_RATIO = 1.5
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PROFILE = "kz-uz-border-2024"
TYPE = "marker-incident"
PAYLOAD = b"<signed notice/>" * 320  # ~5 KB, the size of a signed notice
Call = Callable[[Tx], object]


def _sender(ids: Sequence[str]) -> list[list[Call]]:
    """The three commits of each notice KZ sends, GROUP notices per transaction."""
    message_type = load_profiles()[PROFILE].types[TYPE]
    deadline = receipt_deadline(message_type, NOW)

    def add(message_id: str) -> Call:
        owed = NewObligation(Direction.OUT, message_id, "UZ", PROFILE, TYPE, "UZ", deadline, deadline.due_at)
        signed = Signed(message_id, PAYLOAD, "a" * 64, NOW)
        return lambda tx: outbox.add(
            tx, signed, peer="UZ", profile=PROFILE, message_type=TYPE, submission_key=f"KZ:{message_id}",
            at=NOW, duties=Duties(opens=(owed,)),
        )  # fmt: skip

    def receipted(message_id: str) -> Call:
        ack = Acknowledged(message_id, str(uuid.uuid4()), "accepted", (), True, MessageEvent.RECEIPTED,
                           PAYLOAD[:2000], NOW, Duties(receipted=message_id))  # fmt: skip
        return lambda tx: receipts.record(tx, ack, "UZ", NOW)

    return [
        *_grouped([add(m) for m in ids]),
        *_published(ids),
        *_grouped([receipted(m) for m in ids]),
    ]


def _receiver(ids: Sequence[str]) -> list[list[Call]]:
    """The three commits of each notice UZ receives, GROUP notices per transaction."""
    receipt_ids = {m: str(uuid.uuid4()) for m in ids}

    def record(message_id: str) -> Call:
        receipt = OutgoingReceipt(receipt_ids[message_id], "accepted", (), PAYLOAD[:2000], "b" * 64)
        arrival = Arrival(message_id, "KZ", PROFILE, TYPE, NOW, "a" * 64, PAYLOAD, receipt, (), Duties())
        return lambda tx: inbox.record(tx, arrival, NOW)

    def handed(message_id: str) -> Call:
        return lambda tx: inbox.handed_over(tx, message_id, NOW)

    return [
        *_grouped([record(m) for m in ids]),
        *_grouped([handed(m) for m in ids]),
        *_published([receipt_ids[m] for m in ids]),
    ]


def _published(ids: Sequence[str]) -> list[list[Call]]:
    """The dispatcher: a claim of the due rows, then each confirmed publication."""
    lease = NOW + timedelta(seconds=50)

    def claim(tx: Tx) -> object:
        return outbox.claim(tx, NOW + timedelta(seconds=1), lease, GROUP)

    def confirmed(message_id: str) -> Call:
        return lambda tx: outbox.confirmed(tx, message_id, NOW, NOW + timedelta(minutes=15), 1)

    return [[claim, *group] for group in _grouped([confirmed(m) for m in ids])]


def _grouped(calls: Sequence[Call]) -> list[list[Call]]:
    return [list(calls[i : i + GROUP]) for i in range(0, len(calls), GROUP)]


def _run_groups(store: Store, groups: Sequence[Sequence[Call]]) -> None:
    for group in groups:
        failed = [r for r in store.group(group) if isinstance(r, BaseException)]
        if failed:
            raise RuntimeError(f"the store benchmark's workload failed: {failed[0]}")


def _recorded(db: str, groups: Sequence[Sequence[Call]]) -> list[list[sql.Statement]]:
    """The statements the store runs for *groups*, per transaction, from a run of its own (not timed:
    the recording is the benchmark's instrument, not the store's work)."""
    recorded: list[list[sql.Statement]] = []
    with fresh_database(db, "bgw_bench_record") as url:
        store = Store.open(url)
        try:
            for group in groups:
                with sql.recording() as statements:
                    _run_groups(store, [group])
                recorded.append(list(statements))
        finally:
            store.close()
    return recorded


def _round(db: str, role: str, count: int) -> tuple[float, float]:
    """(store CPU, raw CPU) in seconds for *count* notices of *role*."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    groups = _sender(ids) if role == "sender" else _receiver(ids)
    recorded = _recorded(db, groups)
    with fresh_database(db, "bgw_bench_store") as store_url, fresh_database(db, "bgw_bench_raw") as raw_url:
        store = Store.open(store_url)
        Store.open(raw_url).close()  # the same schema, migrated
        try:
            heap.settle()
            started = time.process_time()
            _run_groups(store, groups)
            store_cpu = time.process_time() - started
        finally:
            store.close()
        conn = baseline.connect(raw_url)
        try:
            started = time.process_time()
            baseline.replay(conn, recorded)
            raw_cpu = time.process_time() - started
        finally:
            conn.close()
    return store_cpu, raw_cpu


def measure(db: str, count: int, rounds: int) -> dict[str, Any]:
    result: dict[str, Any] = {"db": db, "notices": count, "group": GROUP}
    for role in ("sender", "receiver"):
        samples = [_round(db, role, count) for _ in range(rounds)]
        store_ms = min(s for s, _ in samples) * 1000 / count
        raw_ms = min(r for _, r in samples) * 1000 / count
        result[role] = {
            "store_ms": round(store_ms, 4),
            "raw_ms": round(raw_ms, 4),
            "ratio": round(store_ms / raw_ms, 2),
        }
    return result


def run(count: int, db: str, rounds: int, as_json: bool) -> None:
    names = ("sqlite", "postgresql") if db == "both" else (db,)
    results = [measure(name, count, rounds) for name in names]
    if as_json:
        for result in results:
            print(json.dumps(result))
        return
    print(f"store benchmark: CPU per notice, {count} notices in groups of {GROUP}, best of {rounds} rounds")
    for result in results:
        for role in ("sender", "receiver"):
            figures = result[role]
            verdict = "met" if figures["ratio"] <= TARGET_RATIO else "NOT met"
            print(
                f"  {result['db']:<10} {role:<8} store {figures['store_ms']:.3f} ms   raw DB-API "
                f"{figures['raw_ms']:.3f} ms   ratio {figures['ratio']:.2f} "
                f"(target ≤ {TARGET_RATIO}: {verdict})"
            )
