"""Channels as the catalogue reads the articles: one per type, a choice per notice where the text
names two, the answered act's channel for a countersignature; the ladder follows the channel."""

from __future__ import annotations

import pytest
from lxml import etree

from gateway import paths
from gateway.profiles import Channel, load_profiles
from gateway.rules.channels import FIELD, chosen_channel, message_channel
from gateway.rules.fields import field_nodes
from gateway.wire.envelope import body_of
from gateway.wire.parsing import parse

PROFILES = load_profiles()
UZ = PROFILES["kz-uz-border-2024"]
AB, BR, DIP, JC = Channel.AB, Channel.BR, Channel.DIP, Channel.JC

CHANNELS = [
    # type, the channels the profile allows (the first is the catalogue's first), article
    ("activity-notice", (BR,)),  # 20(1) «через пограничного представителя»
    ("entry-refusal", (AB,)),  # 16(2) «Уполномоченные органы … информируют»
    ("crossing-coordination-request", (AB,)),  # 12 «согласовываются с уполномоченными органами»
    ("coordination-reply", (AB,)),
    ("checkpoint-schedule-proposal", (AB,)),  # 13(3) «Уполномоченные органы … согласовывают»
    ("schedule-reply", (AB,)),
    ("crossing-restriction", (BR,)),  # 11(3)2
    ("flight-notice", (BR, AB)),  # 19(2) «через пограничных представителей и уполномоченные органы»
    ("rescue-crossing-request", (AB, BR)),  # 18(1), 18(2)
    ("airspace-violation", (BR, AB)),  # 35(1)
    ("consultation-request", (AB, DIP)),  # 23(3), 48
    ("incident-referral", (DIP,)),  # 31(5), 41
    ("incident-referral-reply", (DIP,)),
    ("commission-meeting-record", (JC,)),
]


@pytest.mark.parametrize(("name", "channels"), CHANNELS, ids=[row[0] for row in CHANNELS])
def test_channels_as_the_catalogue_reads_the_text(name: str, channels: tuple[Channel, ...]) -> None:
    message_type = UZ.types[name]
    assert message_type.channels == channels
    assert message_type.chosen_per_notice is (len(channels) > 1)


def sample_body(name: str, channel: Channel | None = None) -> etree._Element:
    body = body_of(parse((paths.SAMPLES / UZ.id / f"{name}.xml").read_bytes()))
    if channel is not None:
        [node] = field_nodes(body, FIELD)
        node.text = channel.wire
    return body


CHOICES = [
    # type, chosen channel, the ladder's levels
    ("consultation-request", AB, ("duty-operator", "border-representative", "diplomatic")),
    ("consultation-request", DIP, ("duty-operator", "diplomatic")),
    ("flight-notice", BR, ("duty-operator", "border-representative", "diplomatic")),
    ("airspace-violation", AB, ("duty-operator", "border-representative", "diplomatic")),
]


@pytest.mark.parametrize(("name", "channel", "levels"), CHOICES, ids=[f"{r[0]}-{r[1]}" for r in CHOICES])
def test_the_sender_chooses_per_notice_and_the_ladder_follows(
    name: str, channel: Channel, levels: tuple[str, ...]
) -> None:
    message_type = UZ.types[name]
    body = sample_body(name, channel)
    assert chosen_channel(message_type, body) is channel
    ladder = UZ.ladder_for(message_type, chosen_channel(message_type, body))
    assert tuple(rung.level for rung in ladder.rungs) == levels
    assert UZ.ladder_of(name, channel.value) == ladder  # as the sweep reads it from a stored row


def test_every_channel_choice_in_the_schemas_is_a_channel_of_its_type() -> None:
    for message_type in UZ.types.values():
        tree = etree.parse(str(UZ.schema.parent / f"{message_type.name}.xsd"))
        values = tree.xpath(
            f"//xs:element[@name='{FIELD}']//xs:enumeration/@value",
            namespaces={"xs": "http://www.w3.org/2001/XMLSchema"},
        )
        if message_type.chosen_per_notice:
            assert tuple(Channel.from_wire(v) for v in values) == message_type.channels, message_type.name
        else:
            assert values == [], f"{message_type.name} has one channel: its body names none"


def test_a_one_channel_type_ignores_the_body() -> None:
    assert chosen_channel(UZ.types["activity-notice"], sample_body("activity-notice")) is BR


def test_a_channel_the_type_does_not_allow_is_refused() -> None:
    body = sample_body("consultation-request", BR)  # what no valid body carries
    with pytest.raises(ValueError, match="does not travel on BR"):
        chosen_channel(UZ.types["consultation-request"], body)


COUNTERSIGNED = [
    # the act answered, the channel it travelled on, the ladder of the countersignature
    ("joint-meeting-protocol", BR, ("duty-operator", "border-representative", "diplomatic")),
    ("marker-works-act", AB, ("duty-operator", "border-representative", "diplomatic")),
    ("commission-meeting-record", JC, ("duty-operator", "diplomatic")),
]


@pytest.mark.parametrize(("act", "channel", "levels"), COUNTERSIGNED, ids=[row[0] for row in COUNTERSIGNED])
def test_a_countersignature_travels_on_the_channel_of_the_act(
    act: str, channel: Channel, levels: tuple[str, ...]
) -> None:
    countersignature = UZ.types["act-countersignature"]
    assert countersignature.follows_answered and channel in countersignature.channels
    body = sample_body("act-countersignature")
    travelled = message_channel(countersignature, body, (UZ.types[act], channel))
    assert travelled is channel
    assert tuple(r.level for r in UZ.ladder_for(countersignature, travelled).rungs) == levels


def test_a_reply_to_a_chosen_channel_follows_the_notice() -> None:
    reply = UZ.types["consultation-reply"]
    body = sample_body("consultation-reply")
    assert message_channel(reply, body, (UZ.types["consultation-request"], DIP)) is DIP
    with pytest.raises(ValueError, match="does not answer"):
        message_channel(reply, body, (UZ.types["flight-notice"], BR))


def test_the_form_shows_the_channel_the_notice_travels_on() -> None:
    from gateway.render import render_form
    from gateway.wire.contract import Contract

    contract = Contract.default()
    root = parse((paths.SAMPLES / UZ.id / "consultation-request.xml").read_bytes())
    [node] = field_nodes(body_of(root), FIELD)
    node.text = DIP.wire
    assert "Channel: diplomatic channels" in render_form(contract.check(root), "en")
    countersignature = parse((paths.SAMPLES / UZ.id / "act-countersignature.xml").read_bytes())
    text = render_form(contract.check(countersignature), "ru")
    assert "Канал: канал сообщения, на которое дан ответ" in text
