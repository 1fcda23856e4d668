"""Faults without floods: every loop that retries backs off, and a repeated error is logged once per
interval with a count.

`Backoff` is the growing delay (doubling from a base to a ceiling, reset by a success). `FaultLog`
turns a storm of identical errors into one line when it starts, one line per interval saying how many
more there were, and one line when it clears. `persist` runs a database step until it succeeds,
backing off between attempts, as long as the node runs (and, for a caller that must answer someone, no
longer than its patience).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from gateway.errors import GatewayError
from gateway.reasons import Reason
from gateway.store.store import describe

T = TypeVar("T")


class Unavailable(GatewayError):
    """The node cannot do this now (its database does not answer); the caller may try again later."""

    reason = Reason.NODE_UNAVAILABLE


class Stopping(Exception):
    """The node is stopping: give the work back (to the broker, to the next start)."""


@dataclass
class Backoff:
    """base, 2·base, 4·base … up to ceiling; `reset` after a success."""

    base_s: float
    ceiling_s: float
    failures: int = 0

    def next(self) -> float:
        delay = min(self.base_s * 2.0 ** min(self.failures, 32), self.ceiling_s)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


@dataclass
class _Storm:
    first_at: float
    logged_at: float
    count: int = 1
    since_logged: int = 0


@dataclass
class FaultLog:
    """Logs the first of a kind of error at once, then at most one line per *interval_s* with how
    many more came, then one line when the kind stops (`cleared`)."""

    logger: logging.Logger
    interval_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _storms: dict[tuple[str, str], _Storm] = field(default_factory=dict)

    def failed(self, where: str, error: BaseException, **extra: object) -> None:
        text = _one_line(error)
        key = (where, text)
        now = self.clock()
        storm = self._storms.get(key)
        if storm is None:
            self._storms[key] = _Storm(now, now)
            self.logger.warning("%s failed: %s", where, text, extra=extra)
            return
        storm.count += 1
        storm.since_logged += 1
        if now - storm.logged_at >= self.interval_s:
            self.logger.warning(
                "%s failed %d more times in %.0f s: %s",
                where,
                storm.since_logged,
                now - storm.logged_at,
                text,
            )
            storm.logged_at, storm.since_logged = now, 0

    def cleared(self, where: str) -> None:
        """*where* succeeded: say so once if it had been failing."""
        ended = [key for key in self._storms if key[0] == where]
        for key in ended:
            storm = self._storms.pop(key)
            if storm.count > 1 or storm.since_logged:
                self.logger.info(
                    "%s works again after %d failures in %.0f s",
                    where,
                    storm.count,
                    self.clock() - storm.first_at,
                )
            else:
                self.logger.info("%s works again", where)


def _one_line(error: BaseException) -> str:
    if isinstance(error, SQLAlchemyError):
        return describe(error)
    return " ".join(f"{type(error).__name__}: {error}".split())[:500]


async def persist(
    step: Callable[[], Awaitable[T]],
    *,
    where: str,
    backoff: Backoff,
    faults: FaultLog,
    stop: asyncio.Event,
    patience_s: float | None = None,
) -> T:
    """Await *step* until it succeeds, backing off between database failures. Raises `Stopping` when
    the node stops, `Unavailable` once *patience_s* has passed. Other errors propagate at once."""
    started = time.monotonic()
    attempt = Backoff(backoff.base_s, backoff.ceiling_s)
    while True:
        try:
            result = await step()
        except SQLAlchemyError as exc:
            faults.failed(where, exc)
            delay = attempt.next()
            if patience_s is not None and time.monotonic() - started + delay > patience_s:
                raise Unavailable(f"{where}: the node's database does not answer; try again later") from exc
            if await _stopped(stop, delay):
                raise Stopping(where) from exc
            continue
        if attempt.failures:
            faults.cleared(where)
        return result


async def _stopped(stop: asyncio.Event, delay: float) -> bool:
    """Sleep *delay* seconds; True if the node stops meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=delay)
    except TimeoutError:
        return False
    return True
