"""Tables of the message log (the Alembic migrations create exactly these)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from gateway.lifecycle import DRAFTS, ESCALATIONS, INBOX, OBLIGATIONS, OUTBOX, Direction, values
from gateway.roles import Role

metadata = MetaData()


def _one_of(column: str, allowed: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in allowed)})"


# The CHECK constraints: the stored values of the lifecycle (gateway/lifecycle.py), nothing else.
DIRECTION_CHECK = _one_of("direction", values(Direction))
MESSAGE_STATE_CHECK = (
    f"(direction = 'out' AND {_one_of('state', values(OUTBOX.states))}) OR "
    f"(direction = 'in' AND {_one_of('state', values(INBOX.states))})"
)
OBLIGATION_STATE_CHECK = _one_of("state", values(OBLIGATIONS.states))
ESCALATION_STATE_CHECK = _one_of("state", values(ESCALATIONS.states))
DRAFT_STATE_CHECK = _one_of("state", values(DRAFTS.states))

# One row per message, both directions. Outbound rows are the outbox: signed bytes are written
# here before anything is published.
messages = Table(
    "messages",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("direction", String(3), nullable=False),  # out | in
    Column("message_id", String(36), nullable=False),
    Column("peer", String(2), nullable=False),
    Column("profile", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the exact signed bytes
    Column("payload", LargeBinary, nullable=False),
    Column("state", String(24), nullable=False),
    Column("receipt_status", String(24)),
    Column("reasons", Text),
    Column("submission_key", String(200)),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime()),
    Column("updated_at", DateTime(), nullable=False),
    Column("in_reply_to", String(36)),  # the header's InReplyTo: what the message answers
    UniqueConstraint("direction", "message_id", name="uq_messages_direction_id"),
    UniqueConstraint("submission_key", name="uq_messages_submission_key"),
    CheckConstraint(DIRECTION_CHECK, name="ck_messages_direction"),
    CheckConstraint(MESSAGE_STATE_CHECK, name="ck_messages_state"),
)
# The outbox in send order: `next_attempt_at` is set only while a message awaits a (re)send, so the
# dispatcher's read is a range over what is in flight, never over the history.
Index(
    "ix_messages_next",
    messages.c.direction,
    messages.c.next_attempt_at,
    sqlite_where=messages.c.next_attempt_at.isnot(None),
    postgresql_where=messages.c.next_attempt_at.isnot(None),
)

# The treaty clocks' read (views.treaty_messages), which every national submission makes to know
# whether the agreement has ended: the few messages of a link that move a clock, never the whole log.
Index("ix_messages_treaty", messages.c.peer, messages.c.profile, messages.c.type)
# The charts' days (gateway.store.series) and the log's time window (gateway.store.listing).
Index("ix_messages_created", messages.c.created_at)
# A message page's replies: every message whose InReplyTo names it (gateway.store.cases).
Index("ix_messages_in_reply_to", messages.c.in_reply_to)

# Receipts: the one we sent for each inbound message (direction out), and the one we received
# for each outbound message (direction in).
receipts = Table(
    "receipts",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("direction", String(3), nullable=False),
    Column("message_id", String(36), nullable=False),  # the message acknowledged
    Column("receipt_id", String(36), nullable=False),
    Column("status", String(24), nullable=False),
    Column("reasons", Text),
    Column("payload", LargeBinary, nullable=False),
    Column("at", DateTime(), nullable=False),  # when the acknowledged message was received
    UniqueConstraint("direction", "message_id", name="uq_receipts_direction_message"),
    CheckConstraint(DIRECTION_CHECK, name="ck_receipts_direction"),
)

# What was refused, with the raw bytes: nothing is lost.
quarantine = Table(
    "quarantine",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(), nullable=False),
    Column("source", String(16), nullable=False),  # peer | national
    Column("reason", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("message_id", String(200)),
    Column("sender", String(64)),
    Column("payload", LargeBinary, nullable=False),
)

# The append-only, hash-chained log of everything that happened.
log = Table(
    "log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(), nullable=False),
    Column("event", String(32), nullable=False),
    Column("message_id", String(36)),
    Column("peer", String(2)),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_log_message", log.c.message_id)  # a case's entries, for its dossier
# People's acts (gateway.store.audit): their events begin with one of ACT_PREFIXES. The audit trail
# (gateway.store.trail) reads them newest first through this partial index, its query stating ACTS
# word for word (so SQLite and PostgreSQL both match it), never walking the node's own entries.
ACT_PREFIXES = ("console-", "user-", "escalation-")  # console acts, `bgw user`, `bgw escalations`
ACTS = " OR ".join(f"event LIKE '{prefix}%'" for prefix in ACT_PREFIXES)
Index("ix_log_acts", log.c.seq, sqlite_where=text(ACTS), postgresql_where=text(ACTS))

# What a side owes, on the clock: the peer's receipt and reply for what we sent (direction out), our
# own replies for what we received (direction in), joint-decision items. `next_at` is when the sweep
# must look at the row again (the next rung of its ladder); NULL once closed or at the top, so the
# sweep is an index range on `next_at`, never a scan.
obligations = Table(
    "obligations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("direction", String(3), nullable=False),  # out: the peer owes it | in: we owe it
    Column("message_id", String(36), nullable=False),  # the message that created it
    Column("peer", String(2), nullable=False),
    Column("profile", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("duty", String(16), nullable=False),  # receipt | reply | decision
    Column("item", String(200), nullable=False),  # the decision item; '' otherwise
    Column("owner", String(2), nullable=False),  # the side that must act
    Column("expects", String(64)),  # the message type that closes it (NULL: the receipt)
    Column("article", String(64), nullable=False),
    Column("source", String(8), nullable=False),  # text | default
    Column("basis", Text, nullable=False),
    Column("optional", Boolean, nullable=False),
    Column("due_at", DateTime(), nullable=False),
    Column("state", String(16), nullable=False),  # open | closed | superseded | cancelled
    Column("level", Integer, nullable=False),  # last rung reached; -1: none yet
    Column("next_at", DateTime()),
    Column("closed_by", String(36)),
    Column("closed_at", DateTime()),
    Column("created_at", DateTime(), nullable=False),
    # The channel its notice travelled on (AB | BR | DIP | JC), which decides its ladder; NULL on rows
    # opened before it was stored: the type's first channel.
    Column("channel", String(8)),
    UniqueConstraint("direction", "message_id", "duty", "item", name="uq_obligations_message_duty"),
    CheckConstraint(DIRECTION_CHECK, name="ck_obligations_direction"),
    CheckConstraint(OBLIGATION_STATE_CHECK, name="ck_obligations_state"),
)
Index(
    "ix_obligations_next",
    obligations.c.next_at,
    sqlite_where=obligations.c.next_at.isnot(None),
    postgresql_where=obligations.c.next_at.isnot(None),
)
Index("ix_obligations_message", obligations.c.message_id)  # a message's obligations, either direction
# The board's read: the open obligations, soonest due first (gateway/store/board.py).
Index(
    "ix_obligations_open_due",
    obligations.c.due_at,
    obligations.c.id,
    sqlite_where=obligations.c.state == "open",
    postgresql_where=obligations.c.state == "open",
)

# The metrics' count of obligations met late (gateway.store.tallies.late): only the late ones, partial on
# the same predicate as the query states (so SQLite and PostgreSQL both match it).
LATE = "state = 'closed' AND closed_at > due_at"
Index(
    "ix_obligations_late",
    obligations.c.peer,
    obligations.c.profile,
    obligations.c.type,
    obligations.c.direction,
    sqlite_where=text(LATE),
    postgresql_where=text(LATE),
)

# Every rung an obligation reached; acknowledged and resolved by people, with a note. The unique
# pair makes a rung impossible to reach twice, even across a crash in the middle of a sweep.
escalations = Table(
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("obligation_id", Integer, nullable=False),
    Column("rung", Integer, nullable=False),
    Column("level", String(32), nullable=False),
    Column("at", DateTime(), nullable=False),
    Column("state", String(16), nullable=False),  # open | acknowledged | resolved
    Column("note", Text),
    Column("acted_by", String(64)),
    Column("acted_at", DateTime()),
    Column("sent_id", String(36)),  # the reminder this rung sent the peer (Art. 42(2)), if any
    Column("announced_at", DateTime()),  # the broker confirmed the `escalation` event; NULL: not yet
    UniqueConstraint("obligation_id", "rung", name="uq_escalations_rung"),
    CheckConstraint(ESCALATION_STATE_CHECK, name="ck_escalations_state"),
)
Index("ix_escalations_state", escalations.c.state)
Index("ix_escalations_level", escalations.c.level, escalations.c.state)  # the metrics' count by level
# What the national system has not been told yet: every sweep publishes these first.
Index(
    "ix_escalations_unannounced",
    escalations.c.id,
    sqlite_where=escalations.c.announced_at.is_(None),
    postgresql_where=escalations.c.announced_at.is_(None),
)

# The signed dossier compiled when an obligation reached the diplomatic level.
dossiers = Table(
    "dossiers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", String(36), nullable=False, unique=True),
    Column("escalation_id", Integer, nullable=False, unique=True),
    Column("message_id", String(36), nullable=False),  # the notice the case is about
    Column("created_at", DateTime(), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)

# The console's local users: an argon2 hash, never the password; a disabled user cannot log in.
ROLE_CHECK = _one_of("role", sorted(role.value for role in Role))
users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("updated_at", DateTime(), nullable=False),
    CheckConstraint(ROLE_CHECK, name="ck_users_role"),
)

# Console sessions, server-side: the cookie holds a random token, this table only its SHA-256.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("seen_at", DateTime(), nullable=False),
    Column("expires_at", DateTime(), nullable=False),
)
Index("ix_console_sessions_user", console_sessions.c.user_name)

# Notices composed on the console that wait for a second operator's approval (second_approval on
# the link): the submission document as JSON; signed and sent only once approved.
drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(16), nullable=False),  # drafted | approved | withdrawn
    Column("peer", String(16), nullable=False),
    Column("profile", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("document", Text, nullable=False),  # the submission JSON (gateway.forms.header.submission)
    Column("drafted_by", String(64), nullable=False),
    Column("drafted_at", DateTime(), nullable=False),
    Column("acted_by", String(64)),
    Column("acted_at", DateTime()),
    Column("message_id", String(36)),  # the notice sent on approval
    CheckConstraint(DRAFT_STATE_CHECK, name="ck_drafts_state"),
)
Index("ix_drafts_state", drafts.c.state)

# The metrics' running totals (gateway.store.tallies), kept in the database since every process of the
# side writes it. Each source table (messages, receipts, quarantine: rows are only ever added to them,
# and what is counted of a row does not change after its insert) has a mark: its rows up to `upto` (by
# `seq`) are counted in the tallies; a scrape adds the rows after the mark. `gateway.store.checkpoint`
# moves the marks. PostgreSQL commits rows out of `seq` order, so a mark moves only to a `pending` seq
# once the transactions that were writing the table when it was read (`waiting`) are gone.
tally_marks = Table(
    "tally_marks",
    metadata,
    Column("source", String(16), primary_key=True),  # messages | receipts | quarantine
    Column("upto", Integer, nullable=False),
    Column("pending", Integer, nullable=False),
    Column("waiting", Text, nullable=False),  # PostgreSQL virtual transaction ids, space-separated
)
# Notices by link, type and direction (messages), and those refused by a negative receipt: ours of the
# peer's (messages, direction in), the peer's of ours (receipts, direction in).
traffic_tally = Table(
    "traffic_tally",
    metadata,
    Column("peer", String(2), primary_key=True),
    Column("profile", String(64), primary_key=True),
    Column("type", String(64), primary_key=True),
    Column("direction", String(3), primary_key=True),
    Column("number", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
)
# The peer's receipts of our notices (receipts): how many, the sum of their latencies, and the
# cumulative count of each bucket (b0 .. b8: gateway.store.tallies.LATENCY_BUCKETS, in order).
LATENCY_BUCKET_COLUMNS = tuple(f"b{n}" for n in range(9))
latency_tally = Table(
    "latency_tally",
    metadata,
    Column("peer", String(2), primary_key=True),
    Column("profile", String(64), primary_key=True),
    Column("type", String(64), primary_key=True),
    Column("number", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    *(Column(name, Integer, nullable=False) for name in LATENCY_BUCKET_COLUMNS),
)
# Refused messages (quarantine) by source and reason.
quarantine_tally = Table(
    "quarantine_tally",
    metadata,
    Column("source", String(16), primary_key=True),
    Column("reason", String(64), primary_key=True),
    Column("number", Integer, nullable=False),
)
