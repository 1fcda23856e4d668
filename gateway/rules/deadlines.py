"""What a message obliges, and by when (pure): functions of a notice, its profile entry and a time.

Three kinds of obligation come from messages: the peer's signed receipt of what was sent (due per
timing class, always our default), the business reply a notice expects (`reply(N)` after receipt,
or `reply-by(field − N)` before a body time), and the items of a joint decision with their own due
dates (Art. 42–43). Each deadline keeps its article and whether its number is the agreement's
(`text`) or ours (`default`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.profiles import MessageType, Source
from gateway.rules.fields import earliest_time, field_nodes, field_values, rule_time

# Art. 42(1): joint decisions are binding; 43(1): transfer decisions set their due dates.
DECISION_ARTICLE = "42(1), 43(1)"
DECISION_REPORT = "decision-execution-report"
REMINDER = "reply-reminder"  # ours: what a node sends the peer about a reply it owes past due (Art. 42(2))
DECIDING_TYPES = frozenset({"joint-meeting-protocol"})  # protocols that record joint decisions (41)


class Duty(enum.StrEnum):
    RECEIPT = "receipt"
    REPLY = "reply"
    DECISION = "decision"


@dataclass(frozen=True)
class Deadline:
    duty: Duty
    due_at: datetime
    article: str
    source: Source
    basis: str  # how the due time was computed, for people
    expects: str | None = None  # the message type that closes it (None: the receipt)
    item: str | None = None  # the decision item, for joint decisions
    optional: bool = False
    owner: str | None = None  # the side that must act, when the message names it


def receipt_deadline(message_type: MessageType, sent_at: datetime) -> Deadline:
    """The peer's signed receipt is due this long after the send (a technical acknowledgement)."""
    span = message_type.receipt_due
    return Deadline(
        Duty.RECEIPT,
        span.after(sent_at),
        message_type.article,
        span.source,
        span.relative(f"after sending ({message_type.timing.value})"),
    )


def _reply_by(message_type: MessageType, body: etree._Element) -> Deadline | None:
    """`reply-by(field − N)`: due N before a time of the notice itself."""
    reply = message_type.reply
    if reply is None or reply.by_field is None or reply.before is None:
        return None
    measured_to = earliest_time(body, reply.by_field)
    if measured_to is None:
        return None
    return Deadline(
        Duty.REPLY,
        reply.before.before(measured_to),
        message_type.article,
        reply.before.source,
        reply.before.relative(f"before {reply.by_field}"),
        expects=reply.type,
        optional=reply.optional,
    )


def decision_deadlines(body: etree._Element) -> Iterator[Deadline]:
    """Joint decisions of a protocol that carry a due date (Art. 43(1)); a report closes each."""
    namespace = etree.QName(body).namespace
    for decision in field_nodes(body, "JointDecisions/JointDecision"):
        due = decision.findtext(f"{{{namespace}}}DueBy")
        item = decision.findtext(f"{{{namespace}}}DecisionItem")
        if not due or not item:
            continue
        yield Deadline(
            Duty.DECISION,
            rule_time(due, "JointDecisions/JointDecision/DueBy"),
            DECISION_ARTICLE,
            Source.TEXT,
            "the due date the joint decision sets",
            expects=DECISION_REPORT,
            item=item.strip(),
            owner=decision.findtext(f"{{{namespace}}}ResponsibleSide"),
        )


def executed_item(message_type: MessageType, body: etree._Element) -> tuple[str, str] | None:
    """(protocol message id, decision item) a `decision-execution-report` closes (Art. 42(1)), if any."""
    if message_type.name != DECISION_REPORT:
        return None
    protocol = field_values(body, "JointDecision/MessageRef")
    item = field_values(body, "JointDecision/DecisionItem")
    if not protocol or not item or not protocol[0] or not item[0]:
        return None
    return protocol[0], item[0]


def fixed_by_body(message_type: MessageType, body: etree._Element) -> list[Deadline]:
    """The deadlines the notice's own times fix (`reply-by` and joint decisions): known when sent."""
    found = list(decision_deadlines(body)) if message_type.name in DECIDING_TYPES else []
    reply_by = _reply_by(message_type, body)
    return [*found, reply_by] if reply_by is not None else found


def running_from_receipt(message_type: MessageType, received_at: datetime) -> list[Deadline]:
    """The deadlines that run from the recipient's receipt (`reply(N)`): known once received."""
    reply = message_type.reply
    if reply is None or reply.within is None:
        return []
    return [
        Deadline(
            Duty.REPLY,
            reply.within.after(received_at),
            message_type.article,
            reply.within.source,
            reply.within.relative("after receipt"),
            expects=reply.type,
            optional=reply.optional,
        )
    ]
