"""The hash chain of the log: each entry's hash covers its content and the previous hash (pure)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    event: str
    message_id: str | None
    peer: str | None
    detail: str
    prev_hash: str
    hash: str


_DETAIL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def detail_text(detail: Mapping[str, Any]) -> str:
    return _DETAIL.encode(detail)


def entry_hash(
    prev_hash: str, seq: int, at: datetime, event: str, message_id: str | None, peer: str | None, detail: str
) -> str:
    """SHA-256 of the previous hash and the entry's content: the JSON array
    `[seq,"at",event,message_id,peer,detail]` (compact, not ASCII-escaped, null for None). Written out
    with the JSON encoder's own string escaping: byte for byte what json.dumps would give (tested),
    at half its cost, for every entry the node appends."""
    content = (
        f'[{seq:d},"{at.isoformat(timespec="microseconds")}",{encode_basestring(event)},'
        f"{_text(message_id)},{_text(peer)},{encode_basestring(detail)}]"
    )
    return hashlib.sha256(f"{prev_hash}|{content}".encode()).hexdigest()


def _text(value: str | None) -> str:
    return "null" if value is None else str(encode_basestring(value))


def first_break(
    entries: Iterable[Entry], expected_seq: int = 1, previous_hash: str = GENESIS
) -> tuple[int, str] | None:
    """The first entry whose link or hash does not hold, with the reason; None when intact. By
    default the whole chain from its genesis; a segment starts at *expected_seq* after the entry
    whose hash is *previous_hash*."""
    for entry in entries:
        if entry.seq != expected_seq:
            return entry.seq, f"sequence gap: expected {expected_seq}"
        if entry.prev_hash != previous_hash:
            return entry.seq, "previous-hash link broken"
        actual = entry_hash(
            entry.prev_hash, entry.seq, entry.at, entry.event, entry.message_id, entry.peer, entry.detail
        )
        if actual != entry.hash:
            return entry.seq, "content does not match its hash"
        previous_hash, expected_seq = entry.hash, expected_seq + 1
    return None
