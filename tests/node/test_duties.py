"""What messages do to obligations, on one node's store (no broker): a joint-meeting protocol opens
its dated decision items for the side each names (Art. 42(1), 43(1)); a decision-execution-report
closes exactly its item, on the reporting side and on the receiving side."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from gateway import paths
from gateway.lifecycle import Direction
from gateway.node.duties import Obligations
from gateway.profiles import load_profiles
from gateway.store import Store
from gateway.store import obligations as table
from gateway.store.schema import obligations
from gateway.wire.contract import Contract
from gateway.wire.parsing import parse

SAMPLES = paths.SAMPLES / "kz-uz-border-2024"
AT = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)


def message(name: str):  # type: ignore[no-untyped-def]
    return Contract.default().check(parse((SAMPLES / f"{name}.xml").read_bytes()))


def decisions(store: Store) -> list[tuple[str, str, str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(obligations).where(obligations.c.duty == "decision").order_by(obligations.c.item)
        )
        return [(row.item, row.owner, row.direction, row.state) for row in rows]


def test_a_report_closes_its_decision_item_on_both_sides(tmp_path: Path) -> None:
    protocol, report = message("joint-meeting-protocol"), message("decision-execution-report")
    profile = load_profiles()["kz-uz-border-2024"]
    protocol_id = protocol.header.message_id
    assert report.body is not None and protocol.body is not None
    assert protocol.type is not None and report.type is not None
    for side, peer in (("KZ", "UZ"), ("UZ", "KZ")):
        store = Store.open(f"sqlite:///{tmp_path / side}.sqlite3")
        duties = Obligations(side)
        try:
            # UZ sent the protocol to KZ; KZ reports item 1 (its own) executed.
            if side == "UZ":
                opened = duties.sent(profile, protocol.type, protocol_id, peer, protocol.body, None, AT)
                closed = duties.received(
                    profile, report.type, report.header.message_id, peer, report.body, AT, None
                )
                answered = Direction.OUT
            else:
                opened = duties.received(profile, protocol.type, protocol_id, peer, protocol.body, AT, None)
                closed = duties.sent(
                    profile, report.type, report.header.message_id, peer, report.body, None, AT
                )
                answered = Direction.IN
            store.write(table.settle, opened, answered=answered, by="-", peer=peer, at=AT, about="-")
            mine, theirs = ("in", "out") if side == "KZ" else ("out", "in")
            assert decisions(store) == [("1", "KZ", mine, "open"), ("2", "UZ", theirs, "open")]
            assert closed.executes == (protocol_id, "1")
            report_id = report.header.message_id
            told = store.write(
                table.settle, closed, answered=answered, by=report_id, peer=peer, at=AT, about=protocol_id
            )
            assert len(told["obligations_closed"]["ids"]) == 1
            assert decisions(store) == [("1", "KZ", mine, "closed"), ("2", "UZ", theirs, "open")], side
        finally:
            store.close()
