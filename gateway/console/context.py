"""What every console handler reads: the node's configuration, store, clock and broker state, and its
signing key and trust anchors (the message page verifies signatures now; evidence files are signed
by the node)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, Protocol, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import Connection

from gateway.console.changes import Changes
from gateway.console.throttle import Throttle
from gateway.node.clock import Clock
from gateway.node.config import ConsoleSettings, NodeConfig
from gateway.node.submission import Verdict
from gateway.node.sweeper import SweepRun
from gateway.profiles import Profile
from gateway.roles import Role
from gateway.store import Store, Tx, users
from gateway.transport.rabbit import Answer
from gateway.wire.contract import Contract
from gateway.wire.schemas import wire_validator
from gateway.wire.signing import SigningKey
from gateway.wire.trust import TrustStore

P = ParamSpec("P")
T = TypeVar("T")
Depths = dict[str, int | None]  # queue role -> messages waiting (gateway.transport.depths)


async def _no_broker() -> Depths | None:
    return None


def _no_sweep() -> SweepRun | None:
    return None


class Submitter(Protocol):
    """The node's one submission path (gateway.node.submission.Submissions), as the console uses it."""

    async def submit(self, document: object, key: str | None) -> Answer: ...
    async def check(self, document: object) -> Verdict: ...


@dataclass
class Context:
    config: NodeConfig
    settings: ConsoleSettings
    store: Store
    clock: Clock
    profiles: Mapping[str, Profile]
    broker_ready: Callable[[], bool]  # the node's broker connection is up
    queue_depths: Callable[[], Awaitable[Depths | None]] = _no_broker  # None: no broker session
    last_sweep: Callable[[], SweepRun | None] = _no_sweep  # this node's last obligations sweep
    changes: Changes = field(default_factory=Changes)  # the node calls changes.changed() after a change
    throttle: Throttle = field(default_factory=Throttle)
    signer: SigningKey | None = None  # the node's; None: loaded from the configuration's [pki]
    trust: TrustStore | None = None
    contract: Contract | None = None

    def __post_init__(self) -> None:
        if self.contract is None:
            self.contract = Contract(self.profiles, wire_validator())
        if self.signer is None:
            self.signer = SigningKey.load(self.config.key, self.config.cert)
        if self.trust is None:
            self.trust = TrustStore.from_dir(self.config.trust)

    submissions: Submitter | None = None  # None: a console without its node (nothing can be sent)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.config.zone)

    async def read(
        self, function: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """A store read on a connection of the console's own, off the event loop (the node's
        database thread keeps serving the node)."""
        return await asyncio.to_thread(lambda: self.store.read(function, *args, **kwargs))

    async def write(self, function: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(lambda: self.store.write(function, *args, **kwargs))


@dataclass(frozen=True)
class NavEntry:
    """A page in the navigation bar, shown to the roles that may open it."""

    name: str  # the route's name; a page marks itself active with it
    path: str
    title: str  # catalogue key
    role: Role


CONTEXT = web.AppKey("context", Context)
NAVIGATION = web.AppKey("navigation", tuple[NavEntry, ...])
SESSION = web.RequestKey("session", users.Session)  # the logged-in session; absent: nobody
TOKEN = web.RequestKey("token", str)  # the session cookie's token (logged in)
CSRF = web.RequestKey("csrf", str)  # the token this request's forms must carry


def context_of(request: web.Request) -> Context:
    return request.app[CONTEXT]
