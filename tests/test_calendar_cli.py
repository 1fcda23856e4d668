"""`bgw calendar`: each link's agreement state on top, then its treaty calendar, from the profile and
from the messages the node recorded (their times of receipt, and for an entry-into-force notice what
its body says it concerns), in text and as one JSON object."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway import paths
from gateway.lifecycle import MessageEvent
from gateway.store import OutgoingReceipt, Signed, Store, inbox, outbox, receipts
from gateway.store.inbox import Arrival
from gateway.store.obligations import Duties
from gateway.store.receipts import Acknowledged
from tests import pki as test_pki
from tests.test_cli import bgw

KZ_SENT = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)  # UZ's signed time of receipt of KZ's notice
UZ_SENT = datetime(2026, 9, 20, 8, 30, tzinfo=UTC)  # when KZ received UZ's notice
NOTICE = (paths.SAMPLES / "kz-uz-border-2024" / "entry-into-force-notice.xml").read_bytes()
PROTOCOL = NOTICE.replace(
    b"<Instrument>agreement</Instrument>",
    b"<Instrument>amendment-protocol</Instrument><Protocol><Title>Protocol 1</Title>"
    b"<Date>2026-08-01</Date><Number>1</Number></Protocol>",
)


def kz_node(tmp_path: Path) -> Path:
    for side in ("KZ", "UZ", "AZ"):
        test_pki.init_side(tmp_path / "pki", side)
    config = tmp_path / "kz.toml"
    keys = tmp_path / "pki" / "KZ"
    config.write_text(
        f'[node]\nside = "KZ"\ndata_dir = "{tmp_path / "kz"}"\n'
        'broker_url = "amqp://guest:guest@127.0.0.1:5672/"\n\n'
        f'[pki]\nkey = "{keys / "node.key"}"\ncert = "{keys / "node.pem"}"\ntrust = "{tmp_path / "pki"}"\n\n'
        '[[links]]\npeer = "UZ"\nprofile = "kz-uz-border-2024"\n\n'
        '[[links]]\npeer = "AZ"\nprofile = "kz-az-environment-1997"\n',
        encoding="utf-8",
    )
    return config


def sent(store: Store, peer: str, profile: str, kind: str, payload: bytes, received_at: datetime) -> None:
    """A notice KZ sent, with the peer's signed receipt saying when it was received."""
    message_id = str(uuid.uuid4())
    store.write(
        outbox.add, Signed(message_id, payload, "a" * 64, received_at), peer=peer, profile=profile,
        message_type=kind, submission_key=None, at=received_at,
    )  # fmt: skip
    receipt_id = str(uuid.uuid4())
    ack = Acknowledged(
        message_id, receipt_id, "accepted", (), True, MessageEvent.RECEIPTED, b"<r/>", received_at, Duties()
    )
    assert store.write(receipts.record, ack, peer, received_at + timedelta(minutes=5))


def received(store: Store, peer: str, profile: str, kind: str, payload: bytes, at: datetime) -> None:
    receipt = OutgoingReceipt(str(uuid.uuid4()), "accepted", (), b"<r/>", "d" * 64)
    arrival = Arrival(str(uuid.uuid4()), peer, profile, kind, at, "c" * 64, payload, receipt, ())
    assert store.write(inbox.record, arrival, at) is None


def record(database: Path, *calls: tuple[Any, ...]) -> None:
    store = Store.open(f"sqlite:///{database}")
    try:
        for call, *args in calls:
            call(store, *args)
    finally:
        store.close()


def calendar(config: Path, at: str) -> dict[str, Any]:
    result = bgw("calendar", "--config", config, "--at", at, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def rows(document: dict[str, Any], link: int) -> dict[str, dict[str, Any]]:
    return {" ".join(filter(None, (r["what"], r["side"]))): r for r in document["links"][link]["rows"]}


def test_entry_into_force_from_the_last_notice_about_the_agreement_not_protocols(tmp_path: Path) -> None:
    config = kz_node(tmp_path)
    empty = bgw("calendar", "--config", config, "--at", "2026-11-23T12:00:00Z")
    assert empty.returncode == 0, empty.stderr
    text = empty.stdout.decode()
    assert "link UZ/kz-uz-border-2024  agreement not-in-force (Art. 49): waiting for the" in text
    assert "link AZ/kz-az-environment-1997  agreement in-force since 1997-06-10 (Art. 12)" in text
    assert "2026-12-10" in text
    uz = "kz-uz-border-2024"
    record(
        tmp_path / "kz" / "gateway.sqlite3",
        (sent, "UZ", uz, "entry-into-force-notice", NOTICE, KZ_SENT),
        (received, "UZ", uz, "entry-into-force-notice", NOTICE, UZ_SENT),
        (sent, "UZ", uz, "entry-into-force-notice", PROTOCOL, UZ_SENT + timedelta(days=20)),
        (received, "UZ", uz, "entry-into-force-notice", PROTOCOL, UZ_SENT + timedelta(days=40)),
    )
    document = calendar(config, "2026-11-23T12:00:00Z")
    agreement = document["links"][0]["agreement"]
    assert (agreement["state"], agreement["since"], agreement["article"]) == ("in-force", "2026-10-20", "49")
    kz_uz = rows(document, 0)
    assert kz_uz["entry-into-force"]["on"] == "2026-10-20"  # 30 days after 2026-09-20, not the protocol's
    assert (kz_uz["entry-into-force"]["state"], kz_uz["entry-into-force"]["source"]) == ("met", "text")
    protocol = kz_uz["protocol-entry-into-force"]
    assert (protocol["on"], protocol["subject"], protocol["state"]) == (
        "2026-11-29",
        "№ 1 of 2026-08-01",
        "upcoming",
    )
    assert kz_uz["commission-composition KZ"]["on"] == "2027-01-20"  # 3 months (Annex 1 §1)
    assert kz_uz["commission-composition UZ"]["state"] == "upcoming"
    assert kz_uz["commission-meeting-record"]["on"] == "2027-10-20"  # 12 months (Annex 1 §4)


def test_a_denunciation_on_the_last_day_ends_the_agreement_with_its_term(tmp_path: Path) -> None:
    config = kz_node(tmp_path)
    last_day = datetime(2026, 12, 10, 18, 30, tzinfo=UTC)  # 23:30 in Almaty: the deadline's last day
    notice = (paths.SAMPLES / "kz-az-environment-1997" / "denunciation-notice.xml").read_bytes()
    record(tmp_path / "kz" / "gateway.sqlite3", (sent, "AZ", "kz-az-environment-1997", "denunciation-notice",
                                                 notice, last_day))  # fmt: skip
    ending = calendar(config, "2027-06-10T18:00:00Z")  # 23:00 in Almaty, the last day in force
    assert ending["links"][1]["agreement"]["state"] == "ending"
    assert ending["links"][1]["agreement"]["ends_on"] == "2027-06-10"
    kz_az = rows(ending, 1)
    assert (kz_az["denunciation-notice KZ"]["state"], kz_az["renewal"]["state"]) == ("met", "ended")
    assert kz_az["term-end"]["on"] == "2027-06-10" and kz_az["term-end"]["state"] == "due-today"
    ended = bgw("calendar", "--config", config, "--at", "2027-06-10T19:00:00Z")  # 00:00 on 11 June, Almaty
    assert ended.returncode == 0, ended.stderr
    assert "agreement ended on 2027-06-10, its last day in force (Art. 12)" in ended.stdout.decode()
    assert "2037" not in ended.stdout.decode()  # no renewal
