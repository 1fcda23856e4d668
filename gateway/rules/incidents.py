"""Border incidents a joint meeting did not settle (pure): Art. 41, «Если пограничными представителями на
совместном заседании не принято совместное решение по урегулированию пограничного инцидента, односторонние
заявления и предложения отражаются в протоколе. Копии протоколов … направляются … для разрешения
пограничного инцидента по дипломатическим каналам»; Art. 31(5). For a received `joint-meeting-protocol`,
the node proposes an `incident-referral` for each incident this finds.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from gateway.rules.fields import field_nodes, field_values

PROTOCOL = "joint-meeting-protocol"
REFERRAL = "incident-referral"
NO_JOINT_DECISION = "no-joint-decision"


@dataclass(frozen=True)
class Unsettled:
    """An incident the protocol leaves without a joint decision, as the protocol names it."""

    summary: str
    number: str | None = None
    message_ref: str | None = None  # the incident-report (or other message) it rests on
    occurred_at: str | None = None


def _text(node: etree._Element, name: str) -> str | None:
    value = node.findtext(f"{{{etree.QName(node).namespace}}}{name}")
    return value.strip() if value and value.strip() else None


def unsettled_incidents(body: etree._Element) -> list[Unsettled]:
    """The incidents a joint-meeting-protocol *body* leaves without a joint decision: each whose own
    Outcome says so, or whose protocol's Outcome does when it has none of its own. A protocol without a
    joint decision that names no incident leaves its agenda unsettled, named by its agenda items."""
    meeting = next(iter(field_values(body, "Outcome")), None)
    incidents = field_nodes(body, "Incident")
    found = [_unsettled(i) for i in incidents if (_text(i, "Outcome") or meeting) == NO_JOINT_DECISION]
    if not incidents and meeting == NO_JOINT_DECISION:
        found.append(Unsettled("; ".join(field_values(body, "Agenda/AgendaItem"))))
    return found


def _unsettled(incident: etree._Element) -> Unsettled:
    summary = _text(incident, "Summary") or ""
    return Unsettled(
        summary, _text(incident, "Number"), _text(incident, "MessageRef"), _text(incident, "OccurredAt")
    )
