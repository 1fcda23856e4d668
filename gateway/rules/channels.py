"""The channel a message travels on (pure), which decides its escalation ladder.

Most types have one channel in their profile entry. Where the catalogue names two (`BR / AB`,
`AB / DIP`: flight-notice, rescue-crossing-request, airspace-violation, consultation-request) the
sender chooses one per notice and writes it in the body's `Channel` element: it is part of what is
signed, validated by the type's schema against exactly the two channels the article allows, and shown
on the form. A reply whose profile entry says `channel = "answered"` (the act-countersignature, the
replies to those four types) travels on the channel of the message it answers: it carries no choice
of its own, so it can never disagree with the act it answers. The ladder of (type, channel) is
`Profile.ladder_for(message_type, channel)` / `Profile.ladder_of(type_name, channel)`.
"""

from __future__ import annotations

from lxml import etree

from gateway.profiles import Channel, MessageType
from gateway.rules.fields import field_values

FIELD = "Channel"  # the body element that names the chosen channel (first child of the body root)


def chosen_channel(message_type: MessageType, body: etree._Element) -> Channel:
    """The channel a notice of *message_type* travels on: the one its body names when the sender
    chooses (schema-valid bodies always name one of the type's channels), else the profile's."""
    if not message_type.chosen_per_notice:
        return message_type.channel
    values = field_values(body, FIELD)
    if not values:
        raise ValueError(f"{message_type.name}: the body names no {FIELD}")
    channel = Channel.from_wire(values[0])
    if channel not in message_type.channels:
        raise ValueError(f"{message_type.name} does not travel on {channel.value}")
    return channel


def message_channel(
    message_type: MessageType, body: etree._Element, answered: tuple[MessageType, Channel] | None = None
) -> Channel:
    """The channel of one message: for a reply that follows what it answers, *answered* is the
    answered message's type and the channel it travelled on (from its own body, or as stored with
    it); without it (nothing answered is known) the first channel of the profile entry."""
    if message_type.follows_answered:
        if answered is None:
            return message_type.channel
        answered_type, answered_channel = answered
        if answered_type.name not in message_type.replies_to:
            raise ValueError(f"{message_type.name} does not answer {answered_type.name}")
        return answered_channel
    return chosen_channel(message_type, body)
