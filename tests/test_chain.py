"""The hash of a log entry is fixed forever (every stored chain depends on it): the written-out JSON
of gateway.chain.entry_hash must be byte for byte the compact `json.dumps` of the entry."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from gateway import chain

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)  # quotes, controls, Cyrillic…


def reference(prev: str, seq: int, at: datetime, event: str, message_id: str | None, peer: str | None,
              detail: str) -> str:  # fmt: skip
    content = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), event, message_id, peer, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev}|{content}".encode()).hexdigest()


@given(
    seq=st.integers(min_value=1, max_value=2**62),
    at=st.datetimes(),
    event=TEXT,
    message_id=st.none() | TEXT,
    peer=st.none() | TEXT,
    detail=st.dictionaries(TEXT, st.none() | st.booleans() | st.integers() | TEXT, max_size=4),
)
def test_entry_hash_is_the_compact_json_of_the_entry(
    seq: int, at: datetime, event: str, message_id: str | None, peer: str | None, detail: dict[str, object]
) -> None:
    body = chain.detail_text(detail)
    assert chain.entry_hash(chain.GENESIS, seq, at, event, message_id, peer, body) == reference(
        chain.GENESIS, seq, at, event, message_id, peer, body
    )


def test_a_known_entry_keeps_its_hash() -> None:
    """An entry written before the encoding was rewritten (its hash computed with json.dumps)."""
    at = datetime(2026, 11, 30, 9, 0, 0, 123)
    body = chain.detail_text({"status": "принято", "quote": 'a"b\\c\n'})
    digest = chain.entry_hash("ab" * 32, 7, at, "receipt-received", "6f1c", None, body)
    assert digest == reference("ab" * 32, 7, at, "receipt-received", "6f1c", None, body)
    assert digest == "78a13803b12fbfabab9654f196c9ae31395cf79598459a44f2eab1e19656d3c0"
