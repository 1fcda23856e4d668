"""A node's configuration (config/<side>.toml): typed, frozen, validated at start-up.

Errors name the file, the key and the reason. Relative paths are taken from the directory the
configuration file is in. Secrets (passwords in URLs) never appear in repr, str or logs.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.errors import ConfigError
from gateway.profiles import Profile

ZONES = {"KZ": "Asia/Almaty", "UZ": "Asia/Tashkent", "AZ": "Asia/Baku"}


@dataclass(frozen=True)
class Secret:
    """A URL with a password: masked in repr and str, revealed only by `.value`."""

    value: str = field(repr=False)

    def __str__(self) -> str:
        return mask(self.value)

    def __repr__(self) -> str:
        return f"Secret({mask(self.value)!r})"


_CREDENTIALS = re.compile(r"([a-z][a-z0-9+.-]*://[^:/\s@]+:)([^@\s]+)(@)", re.IGNORECASE)


def mask(text: str) -> str:
    """Replace the password of every URL in *text* with ***."""
    return _CREDENTIALS.sub(r"\1***\3", text)


def link_name(peer: str, profile: str) -> str:
    """How logs and status name a link: ``UZ/kz-uz-border-2024``."""
    return f"{peer}/{profile}"


@dataclass(frozen=True)
class Link:
    """A peer side and the treaty profile the two nodes speak."""

    peer: str
    profile: str
    peer_unit: str
    outbound_exchange: str
    routing_key: str = "message"
    second_approval: bool = (
        False  # a diplomatic-channel notice composed on the console needs a second operator
    )

    @property
    def name(self) -> str:
        return link_name(self.peer, self.profile)


@dataclass(frozen=True)
class Delivery:
    prefetch: int = 64
    publish_timeout_s: float = 10.0
    retry_base_s: float = 5.0
    retry_ceiling_s: float = 900.0
    max_publish_attempts: int = 12
    clock_skew_s: float = 300.0
    time_scale: float = 1.0  # < 1 shortens receipt waits and ladder delays (tests and demos only)
    sweep_interval_s: float = 30.0  # how often the obligations sweep runs
    # When the database fails: retry after base, 2·base … up to the ceiling; a national submission
    # waits at most submission_wait_s, then is answered node-unavailable; a repeated error is logged
    # once per fault_log_interval_s with a count.
    fault_retry_base_s: float = 0.5
    fault_retry_ceiling_s: float = 30.0
    submission_wait_s: float = 30.0
    fault_log_interval_s: float = 60.0
    verify_budget_s: float = 2.0  # the most CPU one inbound message may take before it is refused


METRICS_TOKEN_MIN = 24  # a bearer token shorter than this could be guessed


@dataclass(frozen=True)
class ConsoleSettings:
    """[console]: the operator console, served in the node's process. Absent: no console."""

    host: str
    port: int
    behind_tls: bool = False  # reached through a TLS-terminating proxy: cookies are marked Secure
    session_idle_s: float = 1800.0  # a session unused this long ends
    session_max_s: float = 43200.0  # and none lives longer than this
    # The bearer token Prometheus scrapes /metrics with; None: /metrics only for a logged-in viewer.
    metrics_token: str | None = field(default=None, repr=False)

    @property
    def listen(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class NodeConfig:
    file: Path
    side: str
    unit: str
    zone: str
    data_dir: Path
    database_url: Secret
    broker_url: Secret
    key: Path
    cert: Path
    trust: Path
    links: tuple[Link, ...]
    delivery: Delivery = Delivery()
    clock_shift_file: Path | None = None  # tests and demos only: see gateway.node.clock
    console: ConsoleSettings | None = None

    def links_with(self, peer: str) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.peer == peer)

    def link_for(self, peer: str, profile: str) -> Link | None:
        return next((link for link in self.links if link.peer == peer and link.profile == profile), None)


class _Table:
    def __init__(self, data: Mapping[str, Any], file: Path, path: str) -> None:
        self.data, self.file, self.path = data, file, path

    def fail(self, key: str, problem: str) -> ConfigError:
        where = f"{self.path}.{key}" if self.path else key
        return ConfigError(f"{self.file}: {where}: {problem}")

    def only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(key, f"unknown key (known: {', '.join(sorted(allowed))})")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value

    def number(self, key: str, default: float, *, minimum: float = 0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise self.fail(key, f"must be a number ≥ {minimum}")
        return float(value)

    def path_of(self, key: str, base: Path, *, must_exist: bool = True) -> Path:
        path = (base / self.text(key)).resolve()
        if must_exist and not path.exists():
            raise self.fail(key, f"{path} does not exist")
        return path


# The least value each [delivery] setting may take; the counts among them are whole numbers.
_DELIVERY_MINIMA = {
    "prefetch": 1,
    "publish_timeout_s": 0.1,
    "retry_base_s": 0.01,
    "retry_ceiling_s": 0.01,
    "max_publish_attempts": 1,
    "clock_skew_s": 0,
    "time_scale": 1e-6,
    "sweep_interval_s": 0.05,
    "fault_retry_base_s": 0.01,
    "fault_retry_ceiling_s": 0.01,
    "submission_wait_s": 0.1,
    "fault_log_interval_s": 1,
    "verify_budget_s": 0.05,
}
_DELIVERY_COUNTS = {"prefetch", "max_publish_attempts"}


def _delivery(table: _Table) -> Delivery:
    table.only(set(_DELIVERY_MINIMA))
    defaults = Delivery()
    values: dict[str, Any] = {}
    for key, minimum in _DELIVERY_MINIMA.items():
        value = table.number(key, getattr(defaults, key), minimum=minimum)
        values[key] = int(value) if key in _DELIVERY_COUNTS else value
    return Delivery(**values)


def _console(data: Mapping[str, Any], file: Path) -> ConsoleSettings | None:
    if "console" not in data:
        return None
    table = _Table(data["console"] if isinstance(data["console"], dict) else {}, file, "console")
    table.only({"listen", "behind_tls", "session_idle_s", "session_max_s", "metrics_token"})
    host, _, port = table.text("listen").rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise table.fail("listen", "must be HOST:PORT, e.g. 127.0.0.1:8081")
    behind_tls = table.data.get("behind_tls", False)
    if not isinstance(behind_tls, bool):
        raise table.fail("behind_tls", "must be true or false")
    return ConsoleSettings(
        host=host.strip("[]"),
        port=int(port),
        behind_tls=behind_tls,
        session_idle_s=table.number("session_idle_s", 1800.0, minimum=60),
        session_max_s=table.number("session_max_s", 43200.0, minimum=60),
        metrics_token=_metrics_token(table),
    )


def _metrics_token(table: _Table) -> str | None:
    if "metrics_token" not in table.data:
        return None
    token = table.text("metrics_token")
    if len(token) < METRICS_TOKEN_MIN or not token.isascii() or not token.isprintable() or " " in token:
        raise table.fail("metrics_token", f"must be at least {METRICS_TOKEN_MIN} printable ASCII characters")
    return token


def _links(raw: object, file: Path, side: str, profiles: Mapping[str, Profile]) -> tuple[Link, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{file}: links: at least one [[links]] table is required")
    links = []
    for index, entry in enumerate(raw):
        table = _Table(entry if isinstance(entry, dict) else {}, file, f"links[{index}]")
        table.only({"peer", "profile", "peer_unit", "outbound_exchange", "routing_key", "second_approval"})
        second = table.data.get("second_approval", False)
        if not isinstance(second, bool):
            raise table.fail("second_approval", "must be true or false")
        peer, profile_id = table.text("peer"), table.text("profile")
        profile = profiles.get(profile_id)
        if profile is None:
            raise table.fail(
                "profile", f"unknown profile {profile_id!r} (known: {', '.join(sorted(profiles))})"
            )
        if side not in profile.sides or peer not in profile.sides or peer == side:
            raise table.fail(
                "peer",
                f"{side}–{peer} is not a pair of Parties to {profile_id} ({' and '.join(profile.sides)})",
            )
        links.append(
            Link(
                peer=peer,
                profile=profile_id,
                peer_unit=table.text("peer_unit", f"Gateway node {peer}"),
                outbound_exchange=table.text("outbound_exchange", f"bgw.{peer}.in"),
                routing_key=table.text("routing_key", "message"),
                second_approval=second,
            )
        )
    names = [link.name for link in links]
    if len(set(names)) != len(names):
        raise ConfigError(f"{file}: links: the same peer and profile appear twice")
    return tuple(links)


def _read(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc


def _node_table(data: Mapping[str, Any], file: Path) -> _Table:
    node = _Table(data.get("node", {}), file, "node")
    node.only({"side", "unit", "zone", "data_dir", "database_url", "broker_url"})
    return node


def _database_url(node: _Table, data_dir: Path) -> str:
    database_url = node.text("database_url", f"sqlite:///{data_dir / 'gateway.sqlite3'}")
    if not database_url.startswith(("sqlite:", "postgresql")):
        raise node.fail("database_url", "must be a sqlite:/// or postgresql:// URL")
    return database_url


def load_database_url(file: Path) -> Secret:
    """Only the database a configuration names (`bgw db init`: before its keys or links exist)."""
    node = _node_table(_read(file), file)
    return Secret(_database_url(node, node.path_of("data_dir", file.resolve().parent, must_exist=False)))


def load_config(file: Path, profiles: Mapping[str, Profile]) -> NodeConfig:
    """Read and check a node configuration; raise ConfigError naming the file and key."""
    data = _read(file)
    root = _Table(data, file, "")
    root.only({"node", "pki", "links", "delivery", "clock", "console"})
    node = _node_table(data, file)
    side = node.text("side")
    if len(side) != 2 or not side.isalpha() or not side.isupper():
        raise node.fail("side", f"{side!r} is not an ISO 3166 alpha-2 code")
    base = file.resolve().parent
    data_dir = node.path_of("data_dir", base, must_exist=False)
    pki = _Table(data.get("pki", {}), file, "pki")
    pki.only({"key", "cert", "trust"})
    database_url = _database_url(node, data_dir)
    broker_url = node.text("broker_url", "amqp://guest:guest@127.0.0.1:5672/")
    if not broker_url.startswith(("amqp://", "amqps://")):
        raise node.fail("broker_url", "must be an amqp:// or amqps:// URL")
    clock = _Table(data.get("clock", {}), file, "clock")
    clock.only({"shift_file"})
    return NodeConfig(
        file=file,
        side=side,
        unit=node.text("unit", f"Gateway node {side}"),
        zone=node.text("zone", ZONES.get(side, "UTC")),
        data_dir=data_dir,
        database_url=Secret(database_url),
        broker_url=Secret(broker_url),
        key=pki.path_of("key", base),
        cert=pki.path_of("cert", base),
        trust=pki.path_of("trust", base),
        links=_links(data.get("links"), file, side, profiles),
        delivery=_delivery(_Table(data.get("delivery", {}), file, "delivery")),
        clock_shift_file=clock.path_of("shift_file", base, must_exist=False)
        if "shift_file" in clock.data
        else None,
        console=_console(data, file),
    )
