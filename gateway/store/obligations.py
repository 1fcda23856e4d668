"""Obligations in the database: opened and closed with the message that creates or answers them, in
its transaction; the due ones found for the sweep, and the rung each reaches.

The sweep reads `next_at <= now` through the partial index `ix_obligations_next` in due order: the
rows it touches are the rows that are due. Closing goes through `lifecycle.OBLIGATIONS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, null, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gateway.lifecycle import OBLIGATIONS, Direction, ObligationEvent, ObligationState
from gateway.profiles import Channel
from gateway.rules.deadlines import Deadline
from gateway.store import journal
from gateway.store.schema import obligations
from gateway.store.sql import Prepared, const, consts
from gateway.store.times import aware, naive
from gateway.store.unit import Tx


@dataclass(frozen=True)
class Obligation:
    id: int
    direction: str
    message_id: str
    peer: str
    profile: str
    type: str
    duty: str
    item: str
    owner: str
    expects: str | None
    article: str
    source: str
    basis: str
    due_at: datetime
    level: int
    next_at: datetime | None
    channel: str | None = None  # the channel its notice travelled on; None: the type's first


@dataclass(frozen=True)
class NewObligation:
    """What opens an obligation: the message it comes from, who owes it, and its deadline."""

    direction: Direction  # out: the peer owes it | in: we owe it
    message_id: str
    peer: str
    profile: str
    type: str
    owner: str
    deadline: Deadline
    first_at: datetime  # when the first rung is reached if nothing closes it
    channel: Channel | None = None  # the channel its notice travelled on, which chose the ladder


@dataclass(frozen=True)
class Duties:
    """What recording a message does to obligations, in the same transaction: the ones it opens, the
    message it answers (whose reply obligation it closes), the joint-decision item it reports executed
    (protocol message id, item), the earlier notice it supersedes or cancels (id, what that does to
    its obligations), and the notice it is the receipt of (whose receipt obligation it closes)."""

    opens: Sequence[NewObligation] = ()
    answers: str | None = None
    executes: tuple[str, str] | None = None
    replaces: tuple[str, ObligationEvent] | None = None
    receipted: str | None = None

    @property
    def closing(self) -> str | None:
        """The message whose obligations this closes (for the log entry)."""
        if self.answers or self.receipted:
            return self.answers or self.receipted
        return (self.executes or self.replaces or (None,))[0]


def settle(
    tx: Tx, duties: Duties, *, answered: Direction, by: str, peer: str, at: datetime, about: str
) -> dict[str, Any]:
    """Open and close what recording message *by* does to obligations; *answered*: the direction of
    the obligations its answers close. Returns what the log entry about *about* (the message being
    recorded) says of them; what concerns another message (the one a reply answers, the one a
    notice replaces) gets a log entry under that message's id, for its timeline."""
    open_obligations(tx, duties.opens, at)
    closed: list[int] = []
    if duties.answers is not None:
        closed += close(tx, duties.answers, by, at, direction=answered, duty="reply")
    if duties.executes is not None:
        protocol, item = duties.executes
        closed += close(tx, protocol, by, at, direction=answered, duty="decision", item=item)
    if duties.replaces is not None:
        earlier, event = duties.replaces
        closed += close(tx, earlier, by, at, event=event)
    if duties.receipted is not None:
        closed += close(tx, duties.receipted, by, at, direction=answered, duty="receipt")
    return _told(tx, duties, closed, by, peer, at, about)


def _told(
    tx: Tx, duties: Duties, closed: list[int], by: str, peer: str, at: datetime, about: str
) -> dict[str, Any]:
    told: dict[str, Any] = {}
    if duties.opens:
        told["obligations_opened"] = [
            {"duty": o.deadline.duty.value, "owner": o.owner, "due": o.deadline.due_at.isoformat()}
            for o in duties.opens
        ]
    if closed or duties.replaces:  # a replacement is told even when the earlier had nothing open
        how = {"replaces": [duties.replaces[0], duties.replaces[1].value]} if duties.replaces else {}
        detail = {"by": by, "ids": closed, **how}
        if duties.closing == about:
            told["obligations_closed"] = detail
        else:
            journal.append(tx, at, "obligations-closed", duties.closing, peer, detail)
    return told


def row_for(new: NewObligation, at: datetime) -> dict[str, object]:
    """The table row that opens *new* (every column, so one prepared INSERT serves all)."""
    deadline = new.deadline
    return {
        "direction": new.direction.value,
        "message_id": new.message_id,
        "peer": new.peer,
        "profile": new.profile,
        "type": new.type,
        "duty": deadline.duty.value,
        "item": deadline.item or "",
        "owner": new.owner,
        "expects": deadline.expects,
        "article": deadline.article,
        "source": deadline.source.value,
        "basis": deadline.basis,
        "optional": deadline.optional,
        "due_at": naive(deadline.due_at),
        "state": ObligationState.OPEN.value,
        "level": -1,
        # An optional reply is recorded but never escalated.
        "next_at": None if deadline.optional else naive(new.first_at),
        "closed_by": None,
        "closed_at": None,
        "created_at": naive(at),
        "channel": new.channel.value if new.channel is not None else None,
    }


_COLUMNS = [column.name for column in obligations.columns if column.name != "id"]
_OPEN = {
    "postgresql": Prepared(postgresql.insert(obligations).on_conflict_do_nothing(), keys=_COLUMNS),
    "sqlite": Prepared(sqlite.insert(obligations).on_conflict_do_nothing(), keys=_COLUMNS),
}


def open_obligations(tx: Tx, new: Sequence[NewObligation], at: datetime) -> None:
    """Open each obligation once: opening the same one again (a re-send, a restart) changes nothing."""
    if new:
        _OPEN[tx.dialect].many(tx.conn, [row_for(item, at) for item in new])


def park(tx: Tx, obligation_id: int, at: datetime, why: str) -> None:
    """Stop the sweep from looking at an obligation whose ladder has no further rung."""
    tx.conn.execute(update(obligations).where(obligations.c.id == obligation_id).values(next_at=None))
    journal.append(tx, at, "obligation-parked", None, None, {"obligation": obligation_id, "why": why})


_FILTERS = ("direction", "duty", "item")


def _close_statement(event: ObligationEvent, filters: tuple[str, ...]) -> Prepared:
    """The UPDATE that moves a message's obligations for *event*, narrowed by *filters*."""
    conditions = [
        obligations.c.message_id == bindparam("b_message"),
        obligations.c.state.in_(consts(OBLIGATIONS.sources(event))),
    ]
    conditions += [obligations.c[name] == bindparam(f"b_{name}") for name in filters]
    return Prepared(
        update(obligations)
        .where(and_(*conditions))
        .values(
            state=const(OBLIGATIONS.target(event)),
            next_at=null(),
            closed_by=bindparam("b_by"),
            closed_at=bindparam("b_at"),
        )
        .returning(obligations.c.id)
    )


# Built once per combination: building and keying a statement per call cost more than running it.
_CLOSE: dict[tuple[ObligationEvent, tuple[str, ...]], Prepared] = {
    (event, filters): _close_statement(event, filters)
    for event in ObligationEvent
    for filters in (("direction", "duty"), ("direction", "duty", "item"), ())
}


def close(
    tx: Tx,
    message_id: str,
    closed_by: str,
    at: datetime,
    *,
    direction: Direction | None = None,
    duty: str | None = None,
    item: str | None = None,
    event: ObligationEvent = ObligationEvent.ANSWERED,
) -> list[int]:
    """Move the open obligations of *message_id* (only those of *direction*, *duty*, *item* when
    given) by *event*: answered, superseded or cancelled — the ladder stops. Returns the ids."""
    given = {"direction": direction, "duty": duty, "item": item}
    filters = tuple(name for name in _FILTERS if given[name] is not None)
    params: dict[str, object] = {f"b_{name}": str(given[name]) for name in filters}
    params.update(b_message=message_id, b_by=closed_by, b_at=naive(at))
    return [int(row[0]) for row in _CLOSE[(event, filters)].rows(tx.conn, params)]


_REPLACED = Prepared(
    select(obligations.c.id)
    .where(
        and_(
            obligations.c.message_id == bindparam("b_message"),
            obligations.c.state.in_(consts((ObligationState.SUPERSEDED, ObligationState.CANCELLED))),
        )
    )
    .limit(1)
)


def replaced(conn: Connection, message_id: str) -> bool:
    """Whether a later notice superseded or cancelled *message_id* (its obligations ended so): a late
    receipt for it then opens nothing."""
    return _REPLACED.first(conn, {"b_message": message_id}) is not None


_FIELDS = list(Obligation.__dataclass_fields__)
_DUE_AT, _NEXT_AT = _FIELDS.index("due_at"), _FIELDS.index("next_at")
_DUE = (
    select(*(obligations.c[name] for name in _FIELDS))
    .where(obligations.c.next_at <= bindparam("b_now"))
    .order_by(obligations.c.next_at)
    .limit(bindparam("b_limit"))
)


def due_query() -> Select[Any]:
    """The sweep's read (bound parameters b_now and b_limit), for the benchmark's query plan."""
    return _DUE


def due(conn: Connection, now: datetime, limit: int) -> list[Obligation]:
    """Open obligations whose next rung is due at *now*, the most overdue first."""
    found = []
    for row in conn.execute(_DUE, {"b_now": naive(now), "b_limit": limit}):
        values = list(row)  # the columns of _DUE are the dataclass fields, in order
        values[_DUE_AT] = aware(values[_DUE_AT])
        values[_NEXT_AT] = aware(values[_NEXT_AT])
        found.append(Obligation(*values))
    return found
