"""Obligations and escalations in the database: open, close, find what is due, reach a rung.

Functions over a connection, so that they join the caller's transaction (the message that creates
or closes an obligation is committed with it). The sweep reads `next_at <= now` through the partial
index `ix_obligations_next` in due order: the rows it touches are the rows that are due.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Update, and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gateway.rules.deadlines import Deadline
from gateway.rules.ladder import Climb
from gateway.store.schema import escalations, obligations
from gateway.store.times import aware, naive

OPEN = "open"


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


@dataclass(frozen=True)
class NewObligation:
    """What opens an obligation: the message it comes from, who owes it, and its deadline."""

    direction: str  # out: the peer owes it | in: we owe it
    message_id: str
    peer: str
    profile: str
    type: str
    owner: str
    deadline: Deadline
    first_at: datetime  # when the first rung is reached if nothing closes it


@dataclass(frozen=True)
class Duties:
    """What recording a message does to obligations, in the same transaction: the ones it opens, the
    message it answers (whose reply obligation it closes), the joint-decision item it reports executed
    (protocol message id, item), the earlier notice it supersedes or cancels (id, new state), and
    the notice it is the receipt of (whose receipt obligation it closes)."""

    opens: Sequence[NewObligation] = ()
    answers: str | None = None
    executes: tuple[str, str] | None = None
    replaces: tuple[str, str] | None = None
    receipted: str | None = None

    @property
    def closing(self) -> str | None:
        """The message whose obligations this closes (for the log entry)."""
        return self.answers or self.receipted or (self.executes or self.replaces or (None,))[0]


def settle(
    conn: Connection, duties: Duties, *, answered_direction: str, closed_by: str, at: datetime
) -> list[int]:
    """Open and close what *duties* says; returns the ids of the obligations closed."""
    open_obligations(conn, duties.opens, at)
    closed: list[int] = []
    if duties.answers is not None:
        closed += close(
            conn,
            direction=answered_direction,
            message_id=duties.answers,
            duty="reply",
            closed_by=closed_by,
            at=at,
        )
    if duties.executes is not None:
        protocol, item = duties.executes
        closed += close(
            conn,
            direction=answered_direction,
            message_id=protocol,
            duty="decision",
            closed_by=closed_by,
            at=at,
            item=item,
        )
    if duties.replaces is not None:
        earlier, state = duties.replaces
        closed += close(conn, message_id=earlier, closed_by=closed_by, at=at, state=state)
    if duties.receipted is not None:
        closed += close(
            conn,
            direction=answered_direction,
            message_id=duties.receipted,
            duty="receipt",
            closed_by=closed_by,
            at=at,
        )
    return closed


def park(conn: Connection, obligation_id: int) -> None:
    """Stop the sweep from looking at an obligation (its ladder has no further rung)."""
    conn.execute(update(obligations).where(obligations.c.id == obligation_id).values(next_at=None))


_REACH = (
    update(obligations)
    .where(and_(obligations.c.id == bindparam("b_id"), obligations.c.level == bindparam("b_level")))
    .values(level=bindparam("b_rung"), next_at=bindparam("b_next"))
)
# One statement, one round trip: the guarded UPDATE (each row found by primary key: a nested loop
# over obligations_pkey driven by the unnested ids) and the INSERT of an escalation for exactly the
# rows it moved; RETURNING says which. Driver SQL for psycopg: `%(name)b` binds the arrays in binary,
# several times cheaper to build than their text form (~2 ms instead of ~10 for 1,000 rows).
_REACH_PG = (
    "WITH moved AS (UPDATE obligations SET level = s.rung, next_at = s.next_at "
    "FROM unnest(%(id)b::integer[], %(level)b::integer[], %(rung)b::integer[], %(next)b::timestamp[], "
    "%(label)b::varchar[], %(reached)b::timestamp[]) AS s(id, level, rung, next_at, label, reached) "
    "WHERE obligations.id = s.id AND obligations.level = s.level "
    "RETURNING obligations.id, s.rung, s.label, s.reached) "
    "INSERT INTO escalations (obligation_id, rung, level, at, state) "
    "SELECT id, rung, label, reached, 'open' FROM moved RETURNING obligation_id"
)
_FIELDS = list(Obligation.__dataclass_fields__)
_DUE_AT, _NEXT_AT = _FIELDS.index("due_at"), _FIELDS.index("next_at")
_DUE = (
    select(*(obligations.c[name] for name in _FIELDS))
    .where(obligations.c.next_at <= bindparam("b_now"))
    .order_by(obligations.c.next_at)
    .limit(bindparam("b_limit"))
)


def row_for(new: NewObligation, at: datetime) -> dict[str, object]:
    """The table row that opens *new* (every column, so one compiled INSERT serves all)."""
    deadline = new.deadline
    return {
        "direction": new.direction,
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
        "state": OPEN,
        "level": -1,
        # An optional reply is recorded but never escalated.
        "next_at": None if deadline.optional else naive(new.first_at),
        "closed_by": None,
        "closed_at": None,
        "created_at": naive(at),
    }


def open_obligations(conn: Connection, new: Sequence[NewObligation], at: datetime) -> None:
    """Open each obligation once: opening the same one again (a re-send, a restart) changes nothing."""
    if not new:
        return
    conn.execute(_OPEN[conn.dialect.name], [row_for(item, at) for item in new])


_OPEN = {
    "postgresql": postgresql.insert(obligations).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(obligations).on_conflict_do_nothing(),
}


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


def reach(conn: Connection, steps: Sequence[tuple[Obligation, Climb]]) -> list[Obligation]:
    """Record that each obligation reached the rung of its climb, with its escalation. Returns those
    that did: one whose level already moved on (another sweep got there first) is left alone — a
    rung is never reached twice (the update is guarded by the level it expects, and the rung is
    unique per obligation)."""
    if not steps:
        return []
    postgres = conn.dialect.name == "postgresql"
    reached = _reach_postgres(conn, steps) if postgres else _move_sqlite(conn, steps)
    if reached and not postgres:  # PostgreSQL recorded the escalations in the same statement
        _escalate_sqlite(conn, reached)
    return [item for item, _ in reached]


Steps = Sequence[tuple[Obligation, Climb]]


def _next(climb: Climb) -> datetime | None:
    return naive(climb.next_at) if climb.next_at else None


def _reach_postgres(conn: Connection, steps: Steps) -> Steps:
    """Move the rows and record their escalations in one statement over arrays; returns the moved."""
    moved = set(
        conn.exec_driver_sql(
            _REACH_PG,
            {
                "id": [item.id for item, _ in steps],
                "level": [item.level for item, _ in steps],
                "rung": [climb.index for _, climb in steps],
                "next": [_next(climb) for _, climb in steps],
                "label": [climb.rung.level for _, climb in steps],
                "reached": [naive(climb.reached_at) for _, climb in steps],
            },
        ).scalars()
    )
    return [(item, climb) for item, climb in steps if item.id in moved]


def _move_sqlite(conn: Connection, steps: Steps) -> Steps:
    """One batched UPDATE. SQLite has one writer, and a read transaction cannot write over a newer
    commit, so the rows this sweep read are unchanged when it writes — unless this very
    transaction already moved them: all moved, or none."""
    params = [
        {"b_id": item.id, "b_level": item.level, "b_rung": climb.index, "b_next": _next(climb)}
        for item, climb in steps
    ]
    moved = conn.execute(_REACH, params).rowcount
    if moved not in (0, len(steps)):
        raise RuntimeError(f"{len(steps) - moved} of {len(steps)} obligations changed under the sweep")
    return steps if moved else []


def _escalate_sqlite(conn: Connection, reached: Steps) -> None:
    conn.execute(
        escalations.insert(),
        [
            {
                "obligation_id": item.id,
                "rung": climb.index,
                "level": climb.rung.level,
                "at": naive(climb.reached_at),
                "state": OPEN,
                "note": None,
                "acted_by": None,
                "acted_at": None,
            }
            for item, climb in reached
        ],
    )


_FILTERS = ("direction", "duty", "item")


@functools.cache
def _close_statement(filters: tuple[str, ...]) -> Update:
    """The UPDATE that closes a message's open obligations, narrowed by *filters* (built once per
    combination: building and keying a statement per call cost more than running it)."""
    conditions = [obligations.c.message_id == bindparam("b_message"), obligations.c.state == OPEN]
    conditions += [obligations.c[name] == bindparam(f"b_{name}") for name in filters]
    return (
        update(obligations)
        .where(and_(*conditions))
        .values(
            state=bindparam("b_state"), next_at=None, closed_by=bindparam("b_by"), closed_at=bindparam("b_at")
        )
        .returning(obligations.c.id)
    )


def close(
    conn: Connection,
    *,
    message_id: str,
    closed_by: str,
    at: datetime,
    direction: str | None = None,
    duty: str | None = None,
    item: str | None = None,
    state: str = "closed",
) -> list[int]:
    """Close the open obligations of *message_id* (only those of *direction*, *duty*, *item* when
    given) in *state* — closed, superseded or cancelled: the ladder stops. Returns the ids closed
    (empty: nothing was open)."""
    given = {"direction": direction, "duty": duty, "item": item}
    filters = tuple(name for name in _FILTERS if given[name] is not None)
    params: dict[str, object] = {f"b_{name}": given[name] for name in filters}
    params.update(b_message=message_id, b_state=state, b_by=closed_by, b_at=naive(at))
    return [row.id for row in conn.execute(_close_statement(filters), params)]


_REPLACED = (
    select(obligations.c.id)
    .where(
        and_(
            obligations.c.message_id == bindparam("b_message"),
            obligations.c.state.in_(("superseded", "cancelled")),
        )
    )
    .limit(1)
)


def replaced(conn: Connection, message_id: str) -> bool:
    """Whether a later notice superseded or cancelled *message_id* (its obligations ended so): a late
    receipt for it then opens nothing."""
    return conn.execute(_REPLACED, {"b_message": message_id}).first() is not None
