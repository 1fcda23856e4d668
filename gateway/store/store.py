"""The store: every state change and its log entry in one transaction.

Synchronous SQLAlchemy Core; the node calls it from one dedicated thread, so writes (and the hash
chain) are serial. Times are stored as naive UTC and returned as aware UTC.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, bindparam, case, create_engine, event, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from gateway.errors import ConfigError, GatewayError
from gateway.rules.deadlines import REMINDER
from gateway.rules.ladder import Climb
from gateway.rules.references import Earlier
from gateway.store import chain
from gateway.store import escalations as escalation_rows
from gateway.store import obligations as obligation_rows
from gateway.store.escalations import Evidence, Listed
from gateway.store.obligations import Duties, Obligation
from gateway.store.schema import DIRECTIONS, log, messages, quarantine, receipts
from gateway.store.times import aware, naive

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOG_INSERT = log.insert()
# Prebuilt statements: SQLAlchemy compiles each once; parameters come with every execution.
_INSERT_MESSAGE = messages.insert()
_INSERT_RECEIPT = receipts.insert()
_INSERT_QUARANTINE = quarantine.insert()
_BY_ID = (messages.c.direction == bindparam("b_direction")) & (messages.c.message_id == bindparam("b_id"))
_UPDATE_MESSAGE = messages.update().where(_BY_ID)
_UPDATE_PENDING = messages.update().where(_BY_ID).where(messages.c.state.in_(("queued", "retry", "sent")))
_FIND_BY_KEY = select(messages.c.message_id).where(messages.c.submission_key == bindparam("b_key"))
_FIND_INBOUND = select(messages.c.digest, messages.c.state).where(
    (messages.c.direction == "in") & (messages.c.message_id == bindparam("b_id"))
)
_FIND_OUR_RECEIPT = select(receipts.c.receipt_id).where(
    (receipts.c.direction == "out") & (receipts.c.message_id == bindparam("b_id"))
)
_FIND_OUR_NOTICE = select(
    messages.c.state, messages.c.peer, messages.c.digest, messages.c.type, messages.c.payload
).where(
    (messages.c.direction == "out")
    & (messages.c.type != "receipt")
    & (messages.c.message_id == bindparam("b_id"))
)
_IN_FLIGHT = ("queued", "retry", "sent")  # states whose (re)publication may be due
_DUE_OUTBOUND = (
    select(
        messages.c.message_id,
        messages.c.peer,
        messages.c.profile,
        messages.c.type,
        messages.c.payload,
        messages.c.state,
        messages.c.attempts,
    )
    .where(messages.c.direction == "out")
    .where(messages.c.state.in_(_IN_FLIGHT))
    .where(messages.c.next_attempt_at <= bindparam("b_now"))
    .order_by(messages.c.next_attempt_at)
    .limit(bindparam("b_limit"))
)
_NEXT_DUE = (
    select(func.min(messages.c.next_attempt_at))
    .where(messages.c.next_attempt_at.isnot(None))  # through ix_messages_next
    .where(messages.c.direction == "out")
    .where(messages.c.state.in_(_IN_FLIGHT))
)
_LOG_HEAD = select(log.c.seq, log.c.hash).order_by(log.c.seq.desc()).limit(1)
T = TypeVar("T")
_CHAIN_LOCK = 0x6267_7700  # PostgreSQL advisory lock serialising log appends across replicas
_LOCK_CHAIN = text(f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK})")


def _message_row(
    direction: str,
    message_id: str,
    peer: str,
    profile: str,
    message_type: str,
    created_at: datetime,
    digest: str,
    payload: bytes,
    state: str,
    at: datetime,
    **extra: Any,
) -> dict[str, Any]:
    """Every column of a new messages row (always the same keys: one compiled INSERT)."""
    return {
        "direction": direction,
        "message_id": message_id,
        "peer": peer,
        "profile": profile,
        "type": message_type,
        "created_at": naive(created_at),
        "digest": digest,
        "payload": payload,
        "state": state,
        "attempts": 0,
        "updated_at": naive(at),
        "next_attempt_at": None,
        "receipt_status": None,
        "reasons": None,
        "submission_key": None,
        **extra,
    }


@dataclass(frozen=True)
class Outbound:
    """An outbound message due for (re)publication: the same id and the same signed bytes."""

    message_id: str
    peer: str
    profile: str
    type: str
    payload: bytes
    state: str
    attempts: int


@dataclass(frozen=True)
class Inbound:
    """What recording an inbound message found: new, a duplicate (same bytes) or a conflict."""

    outcome: str  # new | duplicate | conflict
    receipt_id: str | None = None
    delivered: bool = False


@dataclass(frozen=True)
class OutgoingReceipt:
    """A signed receipt to queue for the peer."""

    receipt_id: str
    status: str
    reasons: tuple[str, ...]
    payload: bytes
    digest: str


@dataclass(frozen=True)
class Signed:
    """A document the node signed, to be stored with an escalation: a reminder or a dossier."""

    document_id: str
    payload: bytes
    digest: str
    created_at: datetime


@dataclass(frozen=True)
class Step:
    """One obligation reaching the next rung of its ladder, with what that rung does."""

    obligation: Obligation
    climb: Climb
    reminder: Signed | None = None  # sent to the peer (Art. 42(2)): an overdue reply it owes
    dossier: Signed | None = None  # compiled at the diplomatic level


@dataclass(frozen=True)
class Escalated:
    """A rung reached and recorded: its escalation id, and the reminder it queued for the peer."""

    id: int
    obligation: Obligation
    climb: Climb
    reminder_id: str | None


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # Let SQLAlchemy, not pysqlite, issue BEGIN, so that savepoints work (SQLAlchemy's SQLite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._group = threading.local()
        self._head: tuple[int, str] | None = None  # (seq, hash) of the last log entry, SQLite only

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        """A transaction of its own, or a savepoint inside the group being committed together."""
        conn: Connection | None = getattr(self._group, "conn", None)
        head = self._head
        try:
            if conn is None:
                with self.engine.begin() as own:
                    yield own
                return
            with conn.begin_nested():
                yield conn
        except BaseException:
            self._head = head  # rolled back: so are the log entries appended inside
            raise

    def run_group(self, calls: Sequence[Callable[[], T]]) -> list[T | BaseException]:
        """Run *calls* in one database transaction (group commit): each call in its own savepoint,
        so one call's failure rolls back only that call; one commit (one fsync) for all."""
        results: list[T | BaseException] = []
        try:
            with self.engine.begin() as conn:
                self._group.conn = conn
                try:
                    for call in calls:
                        try:
                            results.append(call())
                        except (SQLAlchemyError, GatewayError, ValueError) as exc:
                            results.append(exc)
                finally:
                    self._group.conn = None
        except BaseException:
            self._head = None  # the group did not commit: read the head again next time
            raise
        return results

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect, create the SQLite file's folder if needed, and migrate to the latest schema."""
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        try:
            engine = create_engine(url, pool_pre_ping=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
            store = cls(engine)
            store.migrate()
        except SQLAlchemyError as exc:
            raise ConfigError(f"database: cannot open or migrate: {exc.__class__.__name__}: {exc}") from exc
        return store

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    # -- the log ---------------------------------------------------------------------------------

    def _append(
        self,
        conn: Connection,
        at: datetime,
        event_name: str,
        message_id: str | None,
        peer: str | None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        if self.postgres:  # replicas may share the log: take the lock, read the head
            conn.execute(_LOCK_CHAIN)
            head = None
        else:  # one writer thread per SQLite file: the head is known after the first read
            head = self._head
        if head is None:
            last = conn.execute(_LOG_HEAD).first()
            head = (last.seq, last.hash) if last else (0, chain.GENESIS)
        seq, prev_hash = head[0] + 1, head[1]
        stamp = naive(at)
        body = chain.detail_text(detail or {})
        digest = chain.entry_hash(prev_hash, seq, stamp, event_name, message_id, peer, body)
        conn.execute(
            _LOG_INSERT,
            {
                "seq": seq,
                "at": stamp,
                "event": event_name,
                "message_id": message_id,
                "peer": peer,
                "detail": body,
                "prev_hash": prev_hash,
                "hash": digest,
            },
        )
        self._head = (seq, digest)

    def entries(self) -> Iterator[chain.Entry]:
        with self.engine.connect() as conn:
            for row in conn.execute(select(log).order_by(log.c.seq)).yield_per(1000):
                yield chain.Entry(
                    row.seq, row.at, row.event, row.message_id, row.peer, row.detail, row.prev_hash, row.hash
                )

    def verify_chain(self) -> tuple[int, tuple[int, str] | None]:
        """(number of entries, first break or None)."""
        count = 0

        def counted() -> Iterator[chain.Entry]:
            nonlocal count
            for entry in self.entries():
                count += 1
                yield entry

        broken = chain.first_break(counted())
        return count, broken

    # -- outbound ---------------------------------------------------------------------------------

    def add_outbound(
        self,
        *,
        message_id: str,
        peer: str,
        profile: str,
        message_type: str,
        created_at: datetime,
        payload: bytes,
        digest: str,
        submission_key: str | None,
        at: datetime,
        detail: Mapping[str, Any] | None = None,
        duties: Duties | None = None,
    ) -> tuple[str, bool]:
        """Write a signed notice to the outbox; (message id, True) — or the id already stored for
        this submission key and False, so a submission repeated by a national system is sent once."""
        with self._tx() as conn:
            if submission_key:
                existing = conn.execute(_FIND_BY_KEY, {"b_key": submission_key}).scalar()
                if existing:
                    return str(existing), False
            self._queue_signed(
                conn,
                Signed(message_id, payload, digest, created_at),
                peer,
                profile,
                message_type,
                at,
                detail,
                submission_key,
            )
            if duties is not None:  # our reply closes what we owed for the peer's message
                self._settle(conn, duties, "in", message_id, peer, at)
        return message_id, True

    def _queue_signed(
        self,
        conn: Connection,
        signed: Signed,
        peer: str,
        profile: str,
        message_type: str,
        at: datetime,
        detail: Mapping[str, Any] | None = None,
        submission_key: str | None = None,
    ) -> None:
        """Put a signed notice in the outbox, due now, with its log entry."""
        row = _message_row(
            "out",
            signed.document_id,
            peer,
            profile,
            message_type,
            signed.created_at,
            signed.digest,
            signed.payload,
            "queued",
            at,
            next_attempt_at=naive(at),
            submission_key=submission_key,
        )
        conn.execute(_INSERT_MESSAGE, row)
        self._append(
            conn,
            at,
            "queued",
            signed.document_id,
            peer,
            {"type": message_type, "profile": profile, **(detail or {})},
        )

    def _settle(
        self,
        conn: Connection,
        duties: Duties,
        answered_direction: str,
        by: str,
        peer: str,
        at: datetime,
    ) -> None:
        """Open and close what recording message *by* does to obligations, with their log entries."""
        closed = obligation_rows.settle(
            conn, duties, answered_direction=answered_direction, closed_by=by, at=at
        )
        if duties.opens:
            detail = [
                {"duty": o.deadline.duty.value, "owner": o.owner, "due": o.deadline.due_at.isoformat()}
                for o in duties.opens
            ]
            about = duties.opens[0].message_id  # the notice they belong to (a receipt opens its notice's)
            self._append(conn, at, "obligations-opened", about, peer, {"obligations": detail})
        if closed:
            how = {"replaces": list(duties.replaces)} if duties.replaces else {}
            self._append(
                conn, at, "obligations-closed", duties.closing, peer, {"by": by, "ids": closed, **how}
            )

    def earlier(self, message_id: str) -> list[Earlier]:
        """The notices stored under *message_id* (either direction): what a Supersedes or Cancels names."""
        query = select(
            messages.c.direction, messages.c.peer, messages.c.profile, messages.c.type, messages.c.payload
        ).where(
            messages.c.direction.in_(DIRECTIONS)  # both: through the (direction, message_id) key
            & (messages.c.message_id == message_id)
            & (messages.c.type != "receipt")
        )
        with self.engine.connect() as conn:
            return [Earlier(r.direction, r.peer, r.profile, r.type, r.payload) for r in conn.execute(query)]

    # -- obligations on the clock -----------------------------------------------------------------

    def due_obligations(self, now: datetime, limit: int) -> list[Obligation]:
        """Open obligations whose next rung is due at *now* (an index range on next_at)."""
        with self.engine.connect() as conn:
            return obligation_rows.due(conn, now, limit)

    def escalate(self, steps: Sequence[Step], at: datetime) -> list[Escalated]:
        """Record the rungs reached, each with its log entry, the reminder it queues for the peer and
        the dossier it compiled, in one transaction. A step whose obligation moved on meanwhile (closed,
        or reached by another sweep) records nothing: no rung twice, no reminder twice."""
        if not steps:
            return []
        by_id = {step.obligation.id: step for step in steps}
        done: list[Escalated] = []
        with self._tx() as conn:
            reached = obligation_rows.reach(conn, [(step.obligation, step.climb) for step in steps])
            ids = escalation_rows.ids_of(conn, [(item.id, by_id[item.id].climb.index) for item in reached])
            for item in reached:
                step = by_id[item.id]
                escalation_id = ids[(item.id, step.climb.index)]
                self._append(
                    conn,
                    at,
                    "escalated",
                    item.message_id,
                    item.peer,
                    {
                        "escalation": escalation_id,
                        "obligation": item.id,
                        "duty": item.duty,
                        "item": item.item,
                        "owner": item.owner,
                        "level": step.climb.rung.level,
                        "rung": step.climb.index,
                        "due": item.due_at.isoformat(),
                        "article": item.article,
                    },
                )
                if step.reminder is not None:
                    self._queue_signed(
                        conn,
                        step.reminder,
                        item.peer,
                        item.profile,
                        REMINDER,
                        at,
                        {"regarding": item.message_id},
                    )
                    escalation_rows.note_sent(conn, escalation_id, step.reminder.document_id)
                if step.dossier is not None:
                    dossier = step.dossier
                    escalation_rows.add_dossier(
                        conn,
                        dossier.document_id,
                        escalation_id,
                        item.message_id,
                        dossier.payload,
                        dossier.digest,
                        at,
                    )
                    self._append(
                        conn,
                        at,
                        "dossier-compiled",
                        item.message_id,
                        item.peer,
                        {
                            "dossier": dossier.document_id,
                            "escalation": escalation_id,
                            "digest": dossier.digest,
                        },
                    )
                reminder_id = step.reminder.document_id if step.reminder else None
                done.append(Escalated(escalation_id, item, step.climb, reminder_id))
        return done

    def park(self, obligation_id: int, at: datetime, why: str) -> None:
        """Stop the sweep from looking at an obligation whose ladder has no further rung."""
        with self._tx() as conn:
            obligation_rows.park(conn, obligation_id)
            self._append(conn, at, "obligation-parked", None, None, {"obligation": obligation_id, "why": why})

    def evidence(self, message_id: str) -> Evidence:
        with self.engine.connect() as conn:
            return escalation_rows.evidence(conn, message_id)

    def unannounced(self, limit: int) -> list[Listed]:
        """Escalations whose event the broker has not confirmed yet, oldest first."""
        with self.engine.connect() as conn:
            return escalation_rows.unannounced(conn, limit)

    def mark_announced(self, escalation_ids: Sequence[int], at: datetime) -> None:
        with self._tx() as conn:
            escalation_rows.announced(conn, escalation_ids, at)

    def escalation_list(self, states: Sequence[str] = (), limit: int = 500) -> list[Listed]:
        with self.engine.connect() as conn:
            return escalation_rows.listing(conn, states, limit)

    def escalation_act(
        self, escalation_id: int, action: str, note: str | None, actor: str, at: datetime
    ) -> Listed:
        """Acknowledge or resolve an escalation; the act, its author and note go into the log."""
        with self._tx() as conn:
            done = escalation_rows.act(conn, escalation_id, action, note, actor, at)
            self._append(
                conn,
                at,
                f"escalation-{done.state}",
                done.message_id,
                done.peer,
                {"escalation": escalation_id, "by": actor, "note": note, "level": done.level},
            )
        return done

    def dossier(self, key: str) -> tuple[str, bytes] | None:
        with self.engine.connect() as conn:
            return escalation_rows.dossier(conn, key)

    def due_outbound(self, now: datetime, limit: int = 100) -> list[Outbound]:
        """Outbound messages whose (re)publication is due: queued, retrying, or sent and unreceipted."""
        with self.engine.connect() as conn:
            return [
                Outbound(r.message_id, r.peer, r.profile, r.type, r.payload, r.state, r.attempts)
                for r in conn.execute(_DUE_OUTBOUND, {"b_now": naive(now), "b_limit": limit})
            ]

    def next_due(self) -> datetime | None:
        with self.engine.connect() as conn:
            return aware(conn.execute(_NEXT_DUE).scalar())

    def mark_sent(self, message_id: str, at: datetime, resend_at: datetime | None, attempt: int) -> None:
        """Confirmed by the broker. *resend_at*: when to send the same bytes again if no receipt."""
        with self._tx() as conn:
            updated = conn.execute(
                _UPDATE_PENDING,
                dict(
                    b_direction="out",
                    b_id=message_id,
                    state="sent",
                    attempts=attempt,
                    next_attempt_at=naive(resend_at) if resend_at else None,
                    updated_at=naive(at),
                ),
            )
            if updated.rowcount:
                self._append(conn, at, "sent", message_id, None, {"attempt": attempt})

    def mark_failed(
        self, message_id: str, at: datetime, retry_at: datetime | None, attempt: int, error: str
    ) -> None:
        """Publication failed (nack, return, timeout, broker down): retry later, or give up."""
        state = "retry" if retry_at else "failed"
        with self._tx() as conn:
            conn.execute(
                _UPDATE_MESSAGE,
                dict(
                    b_direction="out",
                    b_id=message_id,
                    state=state,
                    attempts=attempt,
                    next_attempt_at=naive(retry_at) if retry_at else None,
                    updated_at=naive(at),
                ),
            )
            self._append(
                conn,
                at,
                "send-failed" if retry_at is None else "publish-retry",
                message_id,
                None,
                {"attempt": attempt, "error": error},
            )

    def mark_unreceipted(self, message_id: str, at: datetime, sends: int) -> None:
        """Every allowed send is done and no receipt came: stop re-sending; the silence is escalated."""
        with self._tx() as conn:
            conn.execute(
                _UPDATE_MESSAGE,
                dict(
                    b_direction="out",
                    b_id=message_id,
                    state="unreceipted",
                    next_attempt_at=None,
                    updated_at=naive(at),
                ),
            )
            self._append(conn, at, "unreceipted", message_id, None, {"sends": sends})

    # -- inbound ----------------------------------------------------------------------------------

    def _queue_receipt(
        self, conn: Connection, receipt: OutgoingReceipt, peer: str, profile: str, at: datetime
    ) -> None:
        row = _message_row(
            "out",
            receipt.receipt_id,
            peer,
            profile,
            "receipt",
            at,
            receipt.digest,
            receipt.payload,
            "queued",
            at,
            next_attempt_at=naive(at),
            receipt_status=receipt.status,
        )
        conn.execute(_INSERT_MESSAGE, row)

    def record_inbound(
        self,
        *,
        message_id: str,
        peer: str,
        profile: str,
        message_type: str,
        created_at: datetime,
        digest: str,
        payload: bytes,
        receipt: OutgoingReceipt,
        reasons: list[str],
        at: datetime,
        duties: Duties | None = None,
    ) -> Inbound:
        """Record a verified notice from the peer and queue its signed receipt, deduplicating on the
        message id in the database: the same bytes again get the same receipt again, never a second
        record; other bytes under the same id are a conflict."""
        with self._tx() as conn:
            existing = conn.execute(_FIND_INBOUND, {"b_id": message_id}).first()
            if existing is not None:
                if existing.digest != digest:
                    self._append(conn, at, "duplicate-conflict", message_id, peer, {"digest": digest})
                    return Inbound("conflict")
                receipt_id = conn.execute(_FIND_OUR_RECEIPT, {"b_id": message_id}).scalar()
                conn.execute(
                    _UPDATE_MESSAGE,
                    dict(
                        b_direction="out",
                        b_id=receipt_id,
                        state="queued",
                        next_attempt_at=naive(at),
                        updated_at=naive(at),
                    ),
                )
                self._append(conn, at, "duplicate", message_id, peer, {"receipt_id": receipt_id})
                return Inbound("duplicate", str(receipt_id), existing.state == "delivered")
            row = _message_row(
                "in",
                message_id,
                peer,
                profile,
                message_type,
                created_at,
                digest,
                payload,
                "received",
                at,
                receipt_status=receipt.status,
                reasons=json.dumps(reasons) if reasons else None,
            )
            conn.execute(_INSERT_MESSAGE, row)
            conn.execute(
                _INSERT_RECEIPT,
                dict(
                    direction="out",
                    message_id=message_id,
                    receipt_id=receipt.receipt_id,
                    status=receipt.status,
                    reasons=json.dumps(list(receipt.reasons)) if receipt.reasons else None,
                    payload=receipt.payload,
                    at=naive(at),
                ),
            )
            self._queue_receipt(conn, receipt, peer, profile, at)
            self._append(
                conn,
                at,
                "received",
                message_id,
                peer,
                {
                    "type": message_type,
                    "status": receipt.status,
                    "digest": digest,
                    "reasons": reasons,
                    "receipt_id": receipt.receipt_id,
                },
            )
            if duties is not None:  # what we now owe; the peer's reply closes what it owed us
                self._settle(conn, duties, "out", message_id, peer, at)
        return Inbound("new", receipt.receipt_id)

    def mark_delivered_national(self, message_id: str, at: datetime) -> None:
        with self._tx() as conn:
            conn.execute(
                _UPDATE_MESSAGE,
                dict(b_direction="in", b_id=message_id, state="delivered", updated_at=naive(at)),
            )
            self._append(conn, at, "handed-over", message_id, None, {})

    def record_receipt(
        self,
        *,
        message_id: str,
        receipt_id: str,
        status: str,
        reasons: list[str],
        digest: str,
        payload: bytes,
        at: datetime,
        received_at: datetime | None = None,
        duties_for: Callable[[str, datetime, bytes], Duties] | None = None,
    ) -> tuple[str, bool] | None:
        """Match a verified receipt to our outbound notice: (new state, whether the receipt's digest is
        that of the bytes we sent), or None when no notice of ours has that id. *received_at* is
        the peer's signed time of receipt (the treaty's clocks run from it), *at* ours."""
        with self._tx() as conn:
            row = conn.execute(_FIND_OUR_NOTICE, {"b_id": message_id}).first()
            if row is None:
                return None
            digest_ok = row.digest == digest
            if row.state in ("delivered", "refused"):
                self._append(conn, at, "receipt-duplicate", message_id, row.peer, {"receipt_id": receipt_id})
                return str(row.state), digest_ok
            state = "delivered" if status != "rejected" and digest_ok else "refused"
            conn.execute(
                _INSERT_RECEIPT,
                dict(
                    direction="in",
                    message_id=message_id,
                    receipt_id=receipt_id,
                    status=status,
                    reasons=json.dumps(reasons) if reasons else None,
                    payload=payload,
                    at=naive(received_at or at),
                ),
            )
            conn.execute(
                _UPDATE_MESSAGE,
                dict(
                    b_direction="out",
                    b_id=message_id,
                    state=state,
                    receipt_status=status,
                    next_attempt_at=None,
                    reasons=json.dumps(reasons) if reasons else None,
                    updated_at=naive(at),
                ),
            )
            self._append(
                conn,
                at,
                "receipt-received",
                message_id,
                row.peer,
                {"receipt_id": receipt_id, "status": status, "digest_ok": digest_ok, "reasons": reasons},
            )
            duties = Duties()
            if duties_for is not None and state == "delivered":  # the peer's reply runs from its receipt
                duties = duties_for(row.type, received_at or at, row.payload)
                if duties.opens and obligation_rows.replaced(conn, message_id):
                    duties = Duties()  # unless a later notice replaced this one: no reply owed to it
            self._settle(conn, replace(duties, receipted=message_id), "out", receipt_id, row.peer, at)
        return state, digest_ok

    def received(self, profile: str, peer: str, types: Sequence[str]) -> list[tuple[str, str, datetime]]:
        """(type, direction, time of receipt) of every message of *types* exchanged with *peer* under
        *profile* that its recipient acknowledged without refusing it: what the treaty calendar reads."""
        query = (
            select(messages.c.type, messages.c.direction, receipts.c.at)
            .join(
                receipts,
                (receipts.c.message_id == messages.c.message_id)
                & (receipts.c.direction != messages.c.direction),
            )
            .where(
                (messages.c.profile == profile)
                & (messages.c.peer == peer)
                & messages.c.type.in_(list(types))
                & (receipts.c.status != "rejected")
            )
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(str(row.type), str(row.direction), aware(row.at)) for row in rows]

    def quarantine(
        self,
        *,
        source: str,
        reason: str,
        detail: str,
        message_id: str | None,
        sender: str | None,
        payload: bytes,
        at: datetime,
        receipt: tuple[OutgoingReceipt, str, str] | None = None,
    ) -> None:
        """Keep refused bytes with the reason; queue a negative receipt (receipt, peer, profile) if any."""
        with self._tx() as conn:
            conn.execute(
                _INSERT_QUARANTINE,
                dict(
                    at=naive(at),
                    source=source,
                    reason=reason,
                    detail=detail[:4000],
                    message_id=message_id,
                    sender=sender,
                    payload=payload,
                ),
            )
            if receipt is not None:
                self._queue_receipt(conn, *receipt, at)
            self._append(
                conn,
                at,
                "quarantined",
                message_id if message_id and len(message_id) <= 36 else None,
                sender if sender and len(sender) == 2 else None,
                {"reason": reason, "source": source},
            )

    # -- status -----------------------------------------------------------------------------------

    def counts(self) -> dict[tuple[str, str, str], dict[str, int]]:
        """{(peer, profile, direction): {state: count}}; direction is out, in, or receipts (ours, sent)."""
        direction = case((messages.c.type == "receipt", "receipts"), else_=messages.c.direction)
        query = select(
            messages.c.peer, messages.c.profile, direction, messages.c.state, func.count()
        ).group_by(messages.c.peer, messages.c.profile, direction, messages.c.state)
        result: dict[tuple[str, str, str], dict[str, int]] = {}
        with self.engine.connect() as conn:
            for peer, profile, direction, state, count in conn.execute(query):
                result.setdefault((peer, profile, direction), {})[state] = count
        return result

    def quarantined(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(quarantine)).scalar() or 0)

    def message_state(self, direction: str, message_id: str) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(messages.c.state)
                .where(messages.c.direction == direction)
                .where(messages.c.message_id == message_id)
            ).scalar()
        return str(value) if value is not None else None
