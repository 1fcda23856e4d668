"""The earlier notice a Supersedes or Cancels names: read from the store, checked, and its body parsed
— outside any transaction — for the decisions that compare a replacement with what it replaces."""

from __future__ import annotations

from lxml import etree

from gateway.lifecycle import Direction
from gateway.node.database import Database
from gateway.rules.references import Reference, check_reference, reference_of
from gateway.store import views
from gateway.wire.envelope import Header, body_of
from gateway.wire.parsing import parse


async def earlier_of(
    db: Database, header: Header, direction: Direction, peer: str
) -> tuple[Reference | None, etree._Element | None]:
    """The notice *header* supersedes or cancels, and its body: one of this link in *direction* (out:
    we sent it; in: the peer sent it to us) and of the same type, else a coded WireError."""
    reference = reference_of(header)
    if reference is None:
        return None, None
    found = await db.read(views.earlier, reference.message_id)
    earlier = check_reference(
        reference, found, direction=direction, peer=peer, profile=header.profile, type_name=header.type
    )
    return reference, body_of(parse(earlier.payload))
