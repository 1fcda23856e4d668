"""The demo's scenario: which notices go from whom to whom, the submissions made of the samples, and
what became of each (the node's answer, then delivery and receipt as the national systems saw them)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.demo.common import DemoError
from gateway.paths import SAMPLES
from gateway.profiles import load_profiles
from gateway.samples import brought_to
from gateway.wire.codec import Codec
from gateway.wire.parsing import parse

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

    def notice(self, side: str, message_id: str) -> None:
        """A notice arrived in *side*'s inbox."""
        self.delivered[message_id] = side
        self.changed.set()

    def event(self, event: Mapping[str, Any]) -> None:
        """An event of a node: a receipt's status, or a note (kind and reason) on the notice."""
        message_id, kind = event.get("message_id"), str(event.get("event"))
        detail = event.get("detail")
        detail = detail if isinstance(detail, dict) else {}
        if not isinstance(message_id, str):
            return
        if kind == "receipt-received":
            self.receipts[message_id] = str(detail.get("status"))
        else:
            reason = detail.get("reason") or detail.get("cause") or detail.get("error") or ""
            self.notes.setdefault(message_id, []).append(f"{kind} {reason}".strip())
        self.changed.set()


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


def answered(step: Step, answer: Mapping[str, Any]) -> Outcome:
    """The outcome of a submission; when not accepted, *detail* says why (reason, field, message)."""
    message_id = answer.get("message_id")
    outcome = Outcome(step, str(answer.get("status")), message_id if isinstance(message_id, str) else None)
    if not outcome.sent:
        field = f"field {answer['field']}" if answer.get("field") else None
        why = [str(part) for part in (answer.get("reason"), field, answer.get("message")) if part]
        outcome.detail = f"{outcome.status}: {', '.join(why)}" if why else outcome.status
    return outcome
