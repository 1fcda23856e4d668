"""Load and validate treaty profiles (config/profiles/*.toml) at start-up.

Every error names the file and the dotted key, e.g.
``config/profiles/kz-uz-border-2024.toml: types.crossing-restriction.lead.unit: 'hourz' is not one
of minutes, hours, days, months, years``.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway import paths
from gateway.errors import ConfigError
from gateway.profiles.model import (
    LEVELS,
    Agreement,
    Anchored,
    Channel,
    Clause,
    ContentRule,
    Effect,
    Kind,
    Ladder,
    Lead,
    MessageType,
    Profile,
    ReplySpec,
    Rung,
    Source,
    Span,
    Timing,
    Unit,
)

LANGUAGES = ("ru", "kk", "en")
E = TypeVar("E", bound=enum.Enum)

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


@dataclass(frozen=True)
class _Node:
    """A TOML table and where it is, so that every error can name the file and key."""

    data: Mapping[str, Any]
    file: Path
    path: str

    def fail(self, key: str, problem: str) -> ConfigError:
        where = f"{self.path}.{key}" if self.path else key
        return ConfigError(f"{_display(self.file)}: {where}: {problem}")

    def child(self, key: str) -> _Node:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(key, "missing table" if value is None else "must be a table")
        return _Node(value, self.file, f"{self.path}.{key}" if self.path else key)

    def opt_child(self, key: str) -> _Node | None:
        return self.child(key) if key in self.data else None

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        if key not in self.data:
            if required:
                raise self.fail(key, "missing")
            return None
        value = self.data[key]
        if kind is int and isinstance(value, bool):
            raise self.fail(key, "must be an integer")
        if not isinstance(value, kind):
            expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(key, f"must be {expected}, not {type(value).__name__}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(key, "must not be empty")
        return value

    def enum(self, key: str, kind: type[E], *, required: bool = True) -> E | None:
        raw = self.get(key, str, required=required)
        if raw is None:
            return None
        try:
            return kind(raw)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in kind)
            raise self.fail(key, f"{raw!r} is not one of {allowed}") from None

    def only(self, allowed: Iterable[str]) -> None:
        unknown = sorted(set(self.data) - set(allowed))
        if unknown:
            raise self.fail(unknown[0], "unknown key")


def _display(file: Path) -> str:
    try:
        return str(file.relative_to(paths.ROOT))
    except ValueError:
        return str(file)


def _span(node: _Node) -> Span:
    node.only({"value", "unit", "source", "field"})
    value = node.get("value", int)
    if value < 0:
        raise node.fail("value", "must not be negative")
    unit = node.enum("unit", Unit)
    source = node.enum("source", Source)
    assert unit is not None and source is not None
    return Span(value, unit, source)


def _opt_span(node: _Node, key: str) -> Span | None:
    child = node.opt_child(key)
    return _span(child) if child else None


def _titles(node: _Node, key: str = "title") -> Mapping[str, str]:
    table = node.child(key)
    table.only(LANGUAGES)
    return MappingProxyType({lang: table.get(lang, str) for lang in LANGUAGES})


def _reply(node: _Node) -> ReplySpec:
    node.only({"type", "within", "by", "optional"})
    within = _opt_span(node, "within")
    by = node.opt_child("by")
    if (within is None) == (by is None):
        raise node.fail("within", "give exactly one of `within` and `by`")
    by_field = before = None
    if by is not None:
        by.only({"field", "before"})
        by_field = by.get("field", str)
        before = _span(by.child("before"))
    return ReplySpec(
        type=node.get("type", str),
        within=within,
        by_field=by_field,
        before=before,
        optional=bool(node.get("optional", bool, required=False)),
    )


def _rule(node: _Node) -> ContentRule:
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


def _check_timing(node: _Node, message_type: MessageType) -> None:
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


def _message_type(name: str, node: _Node, defaults: Mapping[Timing, Span]) -> MessageType:
    node.only(_TYPE_KEYS)
    timing = node.enum("timing", Timing)
    assert timing is not None
    lead_node = node.opt_child("lead")
    lead = Lead(_span(lead_node), lead_node.get("field", str)) if lead_node else None
    reply_node = node.opt_child("reply")
    anchored_node = node.opt_child("anchored")
    effect_node = node.opt_child("effect")
    receipt_due = _opt_span(node, "receipt_due") or defaults.get(timing)
    if receipt_due is None:
        raise node.fail("receipt_due", f"no receipt time and no timing_defaults.{timing.value}")
    message_type = MessageType(
        name=name,
        kind=node.enum("kind", Kind) or Kind.NOTICE,
        article=node.get("article", str),
        channels=_channels(node),
        timing=timing,
        title=_titles(node),
        receipt_due=receipt_due,
        line=node.get("line", int, required=False),
        quote=node.get("quote", str, required=False) or "",
        ours=bool(node.get("ours", bool, required=False)),
        lead=lead,
        event_field=node.get("event_field", str, required=False),
        reply=_reply(reply_node) if reply_node else None,
        replies_to=tuple(node.get("replies_to", list, required=False) or ()),
        rules=tuple(
            _rule(_Node(rule, node.file, f"{node.path}.rules[{index}]"))
            for index, rule in enumerate(node.get("rules", list, required=False) or [])
        ),
        periodic=_opt_span(node, "periodic"),
        anchored=_anchored(anchored_node) if anchored_node else None,
        effect=_effect(effect_node) if effect_node else None,
        escalation=node.get("escalation", str, required=False),
        follows_answered=node.data.get("channel") == ANSWERED,
    )
    _check_timing(node, message_type)
    return message_type


ANSWERED = "answered"  # `channel = "answered"`: a reply travels on the channel of what it answers


def _channels(node: _Node) -> tuple[Channel, ...]:
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


def _resolve_answered(root: _Node, types: dict[str, MessageType]) -> None:
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


def _anchored(node: _Node) -> Anchored:
    node.only({"anchor", "within", "before"})
    anchored = Anchored(node.get("anchor", str), _opt_span(node, "within"), _opt_span(node, "before"))
    if (anchored.within is None) == (anchored.before is None):
        raise node.fail("within", "give exactly one of `within` and `before`")
    return anchored


def _effect(node: _Node) -> Effect:
    node.only({"event", "after"})
    return Effect(node.get("event", str), _span(node.child("after")))


def _ladders(root: _Node) -> Mapping[str, Ladder]:
    node = root.child("escalation")
    ladders = {}
    for name in node.data:
        table = node.child(name)
        table.only({"rungs"})
        rungs = []
        for index, raw in enumerate(table.get("rungs", list)):
            rung = _Node(raw, node.file, f"{table.path}.rungs[{index}]")
            rung.only({"level", "after", "article"})
            level = rung.get("level", str)
            if level not in LEVELS:
                raise rung.fail("level", f"{level!r} is not one of {', '.join(LEVELS)}")
            rungs.append(
                Rung(level, _span(rung.child("after")), rung.get("article", str, required=False) or "")
            )
        if not rungs:
            raise table.fail("rungs", "a ladder needs at least one rung")
        ladders[name] = Ladder(name, tuple(rungs))
    if "default" not in ladders:
        raise node.fail("default", "missing ladder (used by every type without its own)")
    return MappingProxyType(ladders)


def _check_references(root: _Node, types: Mapping[str, MessageType], ladders: Mapping[str, Ladder]) -> None:
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
        raise ConfigError(f"{_display(file)}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_display(file)}: not valid TOML: {exc}") from exc
    root = _Node(data, file, "")
    root.only({"profile", "agreement", "timing_defaults", "escalation", "types"})
    head = root.child("profile")
    head.only({"id", "namespace", "schema", "schema_version", "districts"})
    agreement = _agreement(root.child("agreement"))
    defaults_node = root.child("timing_defaults")
    defaults = {}
    for key in defaults_node.data:
        if key not in {timing.value for timing in Timing}:
            raise defaults_node.fail(key, "not a timing class")
        defaults[Timing(key)] = _span(defaults_node.child(key))
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
        agreement=agreement,
        types=MappingProxyType(types),
        districts=_existing(head, "districts") if districts else None,
        ladders=ladders,
    )


_AGREEMENT_KEYS = frozenset(
    {
        "sides",
        "title",
        "prevailing_language",
        "signed_on",
        "in_force_from",
        "approved_on",
        "approved_by",
        "term",
        "renewal",
        "entry_into_force",
        "termination",
        "denunciation",
        "zones",
    }
)


def _clause(node: _Node | None, span_key: str) -> Clause | None:
    if node is None:
        return None
    node.only({"article", span_key, "quote", "rule"})
    return Clause(
        article=node.get("article", str),
        span=_span(node.child(span_key)),
        quote=node.get("quote", str, required=False) or "",
        rule=node.get("rule", str, required=False) or "",
    )


def _agreement(node: _Node) -> Agreement:
    node.only(_AGREEMENT_KEYS)
    sides = node.get("sides", list)
    if len(sides) != 2 or not all(
        isinstance(side, str) and len(side) == 2 and side.isupper() for side in sides
    ):
        raise node.fail("sides", "must be two ISO 3166 alpha-2 codes")
    term = node.data.get("term")
    if term is not None and term != "indefinite" and not isinstance(term, Mapping):
        raise node.fail("term", 'must be "indefinite" or { value, unit, source }')
    return Agreement(
        sides=tuple(sides),
        title=_titles(node),
        prevailing_language=node.get("prevailing_language", str, required=False) or "ru",
        signed_on=node.get("signed_on", date, required=False),
        in_force_from=node.get("in_force_from", date, required=False),
        approved_on=node.get("approved_on", date, required=False),
        approved_by=node.get("approved_by", str, required=False) or "",
        term=_span(node.child("term")) if isinstance(term, Mapping) else None,
        renewal=_opt_span(node, "renewal"),
        entry_into_force=_clause(node.opt_child("entry_into_force"), "after"),
        termination=_clause(node.opt_child("termination"), "after"),
        denunciation=_clause(node.opt_child("denunciation"), "before"),
        zones=_zones(node, tuple(sides)),
    )


def _zones(node: _Node, sides: tuple[str, ...]) -> Mapping[str, str]:
    """Each Party's time zone (IANA name): the zone a date of the agreement is read in."""
    table = node.child("zones")
    table.only(sides)
    zones = {}
    for side in sides:
        name = table.get(side, str)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise table.fail(side, f"{name!r} is not a known time zone") from None
        zones[side] = name
    return MappingProxyType(zones)


def _existing(node: _Node, key: str) -> Path:
    path: Path = paths.ROOT / str(node.get(key, str))
    if not path.is_file():
        raise node.fail(key, f"file {path} does not exist")
    return path


def load_profiles(folder: Path | None = None) -> Mapping[str, Profile]:
    """Load every profile of *folder* (config/profiles by default), keyed by id."""
    folder = folder or paths.PROFILES
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ConfigError(f"{_display(folder)}: no profile files (*.toml)")
    profiles = {}
    for file in files:
        profile = load_profile(file)
        profiles[profile.id] = profile
    return MappingProxyType(profiles)
