"""Earlier notices a decision reads, from the store, their bodies parsed outside any transaction: the
one a Supersedes or Cancels names (checked, for the decisions that compare a replacement with what it
replaces), and the one a reply answers when the reply travels on its channel."""

from __future__ import annotations

from lxml import etree

from gateway.errors import GatewayError
from gateway.lifecycle import Direction
from gateway.node.database import Database
from gateway.profiles import Channel, MessageType, Profile
from gateway.rules.channels import message_channel
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


async def answered_of(
    db: Database,
    header: Header,
    message_type: MessageType | None,
    profile: Profile,
    direction: Direction,
    peer: str,
) -> tuple[MessageType, Channel] | None:
    """For a reply that travels on the channel of what it answers (`channel = "answered"`), the type
    of the message its In-Reply-To names and the channel that message travelled on (read from its own
    signed body): one of this link in *direction* (the opposite of the reply's). None when the reply
    chooses no channel this way, or what it names is not a message of this link it answers: its
    obligations then climb the ladder of its type's first channel."""
    if message_type is None or not message_type.follows_answered or header.in_reply_to is None:
        return None
    found = [
        e
        for e in await db.read(views.earlier, header.in_reply_to)
        if (e.direction, e.peer, e.profile) == (direction.value, peer, profile.id)
    ]
    answered = profile.types.get(found[0].type) if found else None
    if answered is None or answered.name not in message_type.replies_to:
        return None
    try:
        body = body_of(parse(found[0].payload))
        return answered, message_channel(answered, body)
    except (GatewayError, ValueError):  # an unreadable body or channel: the type's first channel
        return None
