"""`bgw calendar`: the treaty clocks of each link, from the profile and from the messages the node
recorded (the receipt times of the notices that start them), in text and as one JSON object."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway import pki
from gateway.lifecycle import MessageEvent
from gateway.store import OutgoingReceipt, Signed, Store, inbox, outbox, receipts
from gateway.store.inbox import Arrival
from gateway.store.obligations import Duties
from gateway.store.receipts import Acknowledged
from tests.test_cli import bgw

KZ_SENT = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)  # UZ's signed time of receipt of KZ's notice
UZ_SENT = datetime(2026, 9, 20, 8, 30, tzinfo=UTC)  # when KZ received UZ's notice


def kz_node(tmp_path: Path) -> Path:
    for side in ("KZ", "UZ", "AZ"):
        pki.init_side(tmp_path / "pki", side)
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


def record_entry_into_force_notices(database: Path) -> None:
    """KZ's notice, receipted by UZ at KZ_SENT, and UZ's notice, received by KZ at UZ_SENT."""
    store = Store.open(f"sqlite:///{database}")
    try:
        ours = str(uuid.uuid4())
        store.write(
            outbox.add, Signed(ours, b"<signed/>", "a" * 64, KZ_SENT), peer="UZ", profile="kz-uz-border-2024",
            message_type="entry-into-force-notice", submission_key=None, at=KZ_SENT,
        )  # fmt: skip
        ack = Acknowledged(
            ours, str(uuid.uuid4()), "accepted", (), True, MessageEvent.RECEIPTED, b"<receipt/>", KZ_SENT,
            Duties(),
        )  # fmt: skip
        assert store.write(receipts.record, ack, "UZ", KZ_SENT + timedelta(minutes=5))
        receipt = OutgoingReceipt(str(uuid.uuid4()), "accepted", (), b"<r/>", "d" * 64)
        arrival = Arrival(
            str(uuid.uuid4()), "UZ", "kz-uz-border-2024", "entry-into-force-notice", UZ_SENT, "c" * 64,
            b"<n/>", receipt, (),
        )  # fmt: skip
        assert store.write(inbox.record, arrival, UZ_SENT) is None
    finally:
        store.close()


def test_calendar_computes_entry_into_force_from_the_last_notice(tmp_path: Path) -> None:
    config = kz_node(tmp_path)
    empty = bgw("calendar", "--config", config, "--at", "2026-11-23T12:00:00Z")
    assert empty.returncode == 0, empty.stderr
    text = empty.stdout.decode()
    assert "waiting for KZ, UZ" in text and "2026-12-10" in text and "denunciation-notice" in text
    record_entry_into_force_notices(tmp_path / "kz" / "gateway.sqlite3")
    result = bgw("calendar", "--config", config, "--at", "2026-11-23T12:00:00Z", "--json")
    assert result.returncode == 0, result.stderr
    calendar = json.loads(result.stdout)
    uz = {e["what"]: e for e in calendar["links"][0]["entries"]}
    assert uz["entry-into-force"]["at"] == "2026-10-20T08:30:00Z"  # 30 days after the last (Art. 49)
    assert (uz["entry-into-force"]["state"], uz["entry-into-force"]["source"]) == ("passed", "text")
    assert uz["commission-composition"]["at"] == "2027-01-20T08:30:00Z"  # 3 months (Annex 1 §1)
    assert uz["commission-composition"]["state"] == "upcoming"
    az = {e["what"]: e for e in calendar["links"][1]["entries"]}
    assert az["denunciation-notice"]["at"] == "2026-12-10T00:00:00Z"
