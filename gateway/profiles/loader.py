"""Load and validate treaty profiles (config/profiles/*.toml) at start-up.

Every error names the file and the dotted key, e.g.
``config/profiles/kz-uz-border-2024.toml: types.crossing-restriction.lead.unit: 'hourz' is not one
of minutes, hours, days, months, years``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from gateway import paths
from gateway.errors import ConfigError
from gateway.profiles.agreement_facts import agreement
from gateway.profiles.model import (
    LEVELS,
    Anchored,
    Channel,
    ContentRule,
    Effect,
    Kind,
    Ladder,
    Lead,
    MessageType,
    Profile,
    ReplySpec,
    Rung,
    Span,
    Timing,
)
from gateway.profiles.nodes import Node, display, opt_span, span, titles

_TYPE_KEYS = frozenset(
    {
        "kind",
        "article",
        "channel",
        "timing",
        "line",
        "quote",
        "ours",
        "title",
        "lead",
        "event_field",
        "receipt_due",
        "reply",
        "replies_to",
        "rules",
        "periodic",
        "anchored",
        "effect",
        "escalation",
    }
)


def _reply(node: Node) -> ReplySpec:
    node.only({"type", "within", "by", "optional"})
    within = opt_span(node, "within")
    by = node.opt_child("by")
    if (within is None) == (by is None):
        raise node.fail("within", "give exactly one of `within` and `by`")
    by_field = before = None
    if by is not None:
        by.only({"field", "before"})
        by_field = by.get("field", str)
        before = span(by.child("before"))
    return ReplySpec(
        type=node.get("type", str),
        within=within,
        by_field=by_field,
        before=before,
        optional=bool(node.get("optional", bool, required=False)),
    )


def _rule(node: Node) -> ContentRule:
    node.only({"field", "forbidden", "max", "article", "quote"})
    forbidden = node.get("forbidden", list, required=False) or []
    maximum = node.get("max", (int, float), required=False) if "max" in node.data else None
    if not forbidden and maximum is None:
        raise node.fail("forbidden", "a rule needs `forbidden` values or a `max`")
    return ContentRule(
        field=node.get("field", str),
        article=node.get("article", str),
        forbidden=tuple(str(value) for value in forbidden),
        maximum=Decimal(str(maximum)) if maximum is not None else None,
        quote=node.get("quote", str, required=False) or "",
    )


def _check_timing(node: Node, message_type: MessageType) -> None:
    timing = message_type.timing
    if timing in (Timing.LEAD, Timing.PRIOR) and message_type.lead is None:
        raise node.fail("lead", f"timing {timing.value!r} needs a lead")
    if timing is Timing.AFTER and message_type.event_field is None:
        raise node.fail("event_field", "timing 'after' needs the body field of the event time")
    if timing is Timing.PERIODIC and message_type.periodic is None:
        raise node.fail("periodic", "timing 'periodic' needs a period")
    if timing is Timing.REPLY_BY and (message_type.reply is None or message_type.reply.by_field is None):
        raise node.fail("reply", "timing 'reply-by' needs reply.by")
    if timing is Timing.ANCHORED and message_type.anchored is None and message_type.effect is None:
        raise node.fail("anchored", "timing 'anchored' needs `anchored` or `effect`")
    if message_type.kind is Kind.REPLY and not message_type.replies_to:
        raise node.fail("replies_to", "a reply type must say which types it answers")


def _message_type(name: str, node: Node, defaults: Mapping[Timing, Span]) -> MessageType:
    node.only(_TYPE_KEYS)
    timing = node.enum("timing", Timing)
    assert timing is not None
    lead_node = node.opt_child("lead")
    lead = Lead(span(lead_node), lead_node.get("field", str)) if lead_node else None
    reply_node = node.opt_child("reply")
    anchored_node = node.opt_child("anchored")
    effect_node = node.opt_child("effect")
    receipt_due = opt_span(node, "receipt_due") or defaults.get(timing)
    if receipt_due is None:
        raise node.fail("receipt_due", f"no receipt time and no timing_defaults.{timing.value}")
    message_type = MessageType(
        name=name,
        kind=node.enum("kind", Kind) or Kind.NOTICE,
        article=node.get("article", str),
        channels=_channels(node),
        timing=timing,
        title=titles(node),
        receipt_due=receipt_due,
        line=node.get("line", int, required=False),
        quote=node.get("quote", str, required=False) or "",
        ours=bool(node.get("ours", bool, required=False)),
        lead=lead,
        event_field=node.get("event_field", str, required=False),
        reply=_reply(reply_node) if reply_node else None,
        replies_to=tuple(node.get("replies_to", list, required=False) or ()),
        rules=tuple(
            _rule(Node(rule, node.file, f"{node.path}.rules[{index}]"))
            for index, rule in enumerate(node.get("rules", list, required=False) or [])
        ),
        periodic=opt_span(node, "periodic"),
        anchored=_anchored(anchored_node) if anchored_node else None,
        effect=_effect(effect_node) if effect_node else None,
        escalation=node.get("escalation", str, required=False),
        follows_answered=node.data.get("channel") == ANSWERED,
    )
    _check_timing(node, message_type)
    return message_type


ANSWERED = "answered"  # `channel = "answered"`: a reply travels on the channel of what it answers


def _channels(node: Node) -> tuple[Channel, ...]:
    """`channel = "BR"`; `channel = ["AB", "DIP"]` when the sender chooses one per notice; or
    `channel = "answered"` (resolved once every type is known, see _resolve_answered)."""
    raw = node.data.get("channel")
    if raw == ANSWERED:
        return ()
    if isinstance(raw, list):
        if len(raw) < 2 or len(set(raw)) != len(raw):
            raise node.fail("channel", "a list names two or more different channels")
        allowed = ", ".join(str(member.value) for member in Channel)
        for value in raw:
            if value not in {member.value for member in Channel}:
                raise node.fail("channel", f"{value!r} is not one of {allowed}")
        return tuple(Channel(value) for value in raw)
    channel = node.enum("channel", Channel)
    assert channel is not None
    return (channel,)


def _resolve_answered(root: Node, types: dict[str, MessageType]) -> None:
    """A reply on the answered message's channel may travel on any channel of the types it answers."""
    for name, message_type in types.items():
        if not message_type.follows_answered:
            continue
        where = root.child("types").child(name)
        if not message_type.replies_to:
            raise where.fail("channel", "'answered' needs replies_to")
        channels: list[Channel] = []
        for answered in message_type.replies_to:
            if answered not in types:
                raise where.fail("replies_to", f"unknown type {answered!r}")
            channels += [c for c in types[answered].channels if c not in channels]
        if not channels:
            raise where.fail("channel", "the answered types have no channel of their own")
        types[name] = replace(message_type, channels=tuple(channels))


def _anchored(node: Node) -> Anchored:
    node.only({"anchor", "within", "before"})
    anchored = Anchored(node.get("anchor", str), opt_span(node, "within"), opt_span(node, "before"))
    if (anchored.within is None) == (anchored.before is None):
        raise node.fail("within", "give exactly one of `within` and `before`")
    return anchored


def _effect(node: Node) -> Effect:
    node.only({"event", "after"})
    return Effect(node.get("event", str), span(node.child("after")))


def _ladders(root: Node) -> Mapping[str, Ladder]:
    node = root.child("escalation")
    ladders = {}
    for name in node.data:
        table = node.child(name)
        table.only({"rungs"})
        rungs = []
        for index, raw in enumerate(table.get("rungs", list)):
            rung = Node(raw, node.file, f"{table.path}.rungs[{index}]")
            rung.only({"level", "after", "article"})
            level = rung.get("level", str)
            if level not in LEVELS:
                raise rung.fail("level", f"{level!r} is not one of {', '.join(LEVELS)}")
            rungs.append(
                Rung(level, span(rung.child("after")), rung.get("article", str, required=False) or "")
            )
        if not rungs:
            raise table.fail("rungs", "a ladder needs at least one rung")
        ladders[name] = Ladder(name, tuple(rungs))
    if "default" not in ladders:
        raise node.fail("default", "missing ladder (used by every type without its own)")
    return MappingProxyType(ladders)


def _check_references(root: Node, types: Mapping[str, MessageType], ladders: Mapping[str, Ladder]) -> None:
    for message_type in types.values():
        where = root.child("types").child(message_type.name)
        if message_type.escalation and message_type.escalation not in ladders:
            raise where.fail("escalation", f"unknown ladder {message_type.escalation!r}")
        if message_type.reply and message_type.reply.type not in types:
            raise where.child("reply").fail("type", f"unknown reply type {message_type.reply.type!r}")
        for answered in message_type.replies_to:
            if answered not in types:
                raise where.fail("replies_to", f"unknown type {answered!r}")


def load_profile(file: Path) -> Profile:
    """Read one profile file; raise ConfigError naming the file and key on any mistake."""
    try:
        with file.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{display(file)}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{display(file)}: not valid TOML: {exc}") from exc
    root = Node(data, file, "")
    root.only({"profile", "agreement", "timing_defaults", "escalation", "types"})
    head = root.child("profile")
    head.only({"id", "namespace", "schema", "schema_version", "districts"})
    facts = agreement(root.child("agreement"))
    defaults_node = root.child("timing_defaults")
    defaults = {}
    for key in defaults_node.data:
        if key not in {timing.value for timing in Timing}:
            raise defaults_node.fail(key, "not a timing class")
        defaults[Timing(key)] = span(defaults_node.child(key))
    types_node = root.child("types")
    types = {name: _message_type(name, types_node.child(name), defaults) for name in types_node.data}
    _resolve_answered(root, types)
    ladders = _ladders(root)
    _check_references(root, types, ladders)
    profile_id = head.get("id", str)
    if profile_id != file.stem:
        raise head.fail("id", f"{profile_id!r} does not match the file name {file.stem!r}")
    districts = head.get("districts", str, required=False)
    return Profile(
        id=profile_id,
        namespace=head.get("namespace", str),
        schema_version=head.get("schema_version", str),
        schema=_existing(head, "schema"),
        source_file=file,
        agreement=facts,
        types=MappingProxyType(types),
        districts=_existing(head, "districts") if districts else None,
        ladders=ladders,
    )


def _existing(node: Node, key: str) -> Path:
    path: Path = paths.ROOT / str(node.get(key, str))
    if not path.is_file():
        raise node.fail(key, f"file {path} does not exist")
    return path


def load_profiles(folder: Path | None = None) -> Mapping[str, Profile]:
    """Load every profile of *folder* (config/profiles by default), keyed by id."""
    folder = folder or paths.PROFILES
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ConfigError(f"{display(folder)}: no profile files (*.toml)")
    profiles = {}
    for file in files:
        profile = load_profile(file)
        profiles[profile.id] = profile
    return MappingProxyType(profiles)
