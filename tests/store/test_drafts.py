"""Drafts awaiting a second approval, on both databases: the lifecycle guards every move, the drafter
never approves, each act is an audited log entry, and the CHECK constraint refuses a state the
lifecycle does not have."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from gateway.errors import GatewayError
from gateway.lifecycle import DraftEvent, DraftState
from gateway.reasons import Reason
from gateway.store import Store, drafts, journal
from gateway.store.schema import drafts as table
from tests.store.conftest import NOW

MESSAGE_ID = "3ccc0d30-8424-4e07-be31-7beaf10ab892"


def _add(store: Store) -> int:
    return store.write(
        drafts.add,
        peer="UZ",
        profile="kz-uz-border-2024",
        message_type="amendment-proposal",
        document='{"type": "amendment-proposal"}',
        by="aliya",
        at=NOW,
    )


def test_a_draft_is_approved_by_another_operator_only(store: Store) -> None:
    draft_id = _add(store)
    assert [d.id for d in store.read(drafts.listed)] == [draft_id]
    with pytest.raises(GatewayError) as same:
        store.write(drafts.act, draft_id, DraftEvent.APPROVE, "aliya", NOW, MESSAGE_ID)
    assert same.value.reason is Reason.APPROVER_IS_DRAFTER
    approved = store.write(drafts.act, draft_id, DraftEvent.APPROVE, "bolat", NOW, MESSAGE_ID)
    assert approved.state is DraftState.APPROVED and approved.acted_by == "bolat"
    assert approved.message_id == MESSAGE_ID and store.read(drafts.listed) == []
    with pytest.raises(GatewayError) as again:
        store.write(drafts.act, draft_id, DraftEvent.WITHDRAW, "bolat", NOW)
    assert again.value.reason is Reason.DRAFT_TRANSITION_INVALID
    events = [(e.event, e.message_id) for e in store.read(lambda conn: list(journal.entries(conn)))]
    assert events == [("console-drafted", None), ("console-approved", MESSAGE_ID)]


def test_withdrawn_and_unknown_drafts(store: Store) -> None:
    draft_id = _add(store)
    assert store.write(drafts.act, draft_id, DraftEvent.WITHDRAW, "aliya", NOW).state is DraftState.WITHDRAWN
    with pytest.raises(GatewayError) as missing:
        store.read(drafts.one, draft_id + 1)
    assert missing.value.reason is Reason.DRAFT_UNKNOWN


def test_the_database_refuses_a_state_the_lifecycle_lacks(store: Store) -> None:
    draft_id = _add(store)
    with pytest.raises(IntegrityError):
        store.write(
            lambda tx: tx.conn.execute(update(table).where(table.c.id == draft_id).values(state="sent"))
        )
