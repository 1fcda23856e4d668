"""What `bgw bench console` measures: the console's pages (ENTRIES), each with its raw baseline (the
page's bare SQL on the driver, gateway.store.probes), and what the filled store needs for them.

The message page (/messages/{id}) asks for a different message at each request, spread evenly over
the whole store (the oldest included); it verifies the notice's signature and renders its form, so
the rows it asks for carry real signed notices (`signed_rows`: the sample notice of the row's type,
signed once by the peer's throwaway key; the bulk rows hold a stand-in, and the notice's own id is
not the row's, which the page does not compare). Every view is audited (console-viewed, a log
entry written in the page's transaction): that write is part of its server time. Its baseline reads
the message by id, its obligations and its log entries. The audit trail's first page and the charts
(7 and 90 days) are measured before it, on the filled log (a few hundred acts spread through it),
not on the acts the message page appends at the head. A Prometheus scrape (/metrics) is measured on
the metrics' totals as the scrapes keep them (the filled rows counted once, after the fill); its
baseline makes the scrape's reads of the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection
from yarl import URL

from gateway import paths
from gateway.console import audit_trail
from gateway.console.charts_page import window_days
from gateway.console.context import Context
from gateway.console.messages_log import PAGE_SIZE, parse_filter
from gateway.store import filler, probes, series
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey, sign

Baseline = Callable[[Connection, Context, str], object]
MESSAGE = "{message_id}"  # in an entry's path: a different message each request
SIGNER = "KZ"  # the peer, whose key (made for the run) signs the sample notices
BASELINE_SHIFT = 2  # the baseline reads other rows than the page (neither warms the other's cache)


def listing_baseline(conn: Connection, context: Context, path: str) -> object:
    """A log page's bare SQL: the filter its query string asks for, read on the driver."""
    links = [link.name for link in context.config.links]
    wanted = parse_filter(URL(path).query, context.clock(), context.zone, links)
    return probes.bare_listing(conn, wanted, PAGE_SIZE)


def trail_baseline(conn: Connection, context: Context, path: str) -> object:
    """The audit trail's first page: people's acts, newest first, on the driver."""
    return probes.bare_trail(conn, audit_trail.PAGE_SIZE)


def traffic_baseline(conn: Connection, context: Context, path: str) -> object:
    """The charts' largest read: the traffic over the window the query string asks for."""
    span = series.window(context.clock(), context.config.zone, window_days(URL(path).query))
    return probes.bare_traffic(conn, span)


def metrics_baseline(conn: Connection, context: Context, path: str) -> object:
    """A Prometheus scrape's reads of the store (the broker's queue depths are not the store's)."""
    return probes.bare_metrics(conn, context.clock())


def message_baseline(conn: Connection, context: Context, path: str) -> object:
    return probes.bare_message(conn, URL(path).path.rsplit("/", 1)[-1])


@dataclass(frozen=True)
class Entry:
    name: str
    path: str  # path and query string, as a browser asks for it; MESSAGE: a message of the store
    baseline: Baseline  # the raw read the page makes, on the driver

    def at(self, n: int, rows: int, total: int, shift: int = 0) -> str:
        """The path of the *n*-th of *total* requests on a store of *rows* messages."""
        return self.path.replace(MESSAGE, filler.message_id((spread(n, rows, total) + shift) % rows))


def spread(n: int, rows: int, total: int) -> int:
    """The row the *n*-th of *total* requests asks for: evenly over the store, oldest to newest."""
    return (n * rows) // max(1, total) % rows


# Ordered: the message page's audited views come last (they append acts at the log's head).
ENTRIES = (
    Entry("log page", "/", listing_baseline),
    Entry("filtered page", "/?direction=in&type=crossing-restriction&window=30d", listing_baseline),
    Entry("api/messages", "/api/messages?state=delivered&q=KZ", listing_baseline),
    Entry("charts 7d", "/charts?days=7", traffic_baseline),
    Entry("charts 90d", "/charts?days=90", traffic_baseline),
    Entry("audit page", "/audit", trail_baseline),
    Entry("metrics", "/metrics", metrics_baseline),
    Entry("message page", f"/messages/{MESSAGE}", message_baseline),
)


def signed_rows(context: Context, rows: int, total: int) -> dict[str, bytes]:
    """Real signed notices for the rows the message page and its baseline ask for (*total* requests
    each): message id -> the sample notice of the row's type, signed by SIGNER's key."""
    folder = context.config.trust / SIGNER
    signer = SigningKey.load(folder / "node.key", folder / "node.pem")
    samples = paths.SAMPLES / "kz-uz-border-2024"
    notices = {kind: sign(parse((samples / f"{kind}.xml").read_bytes()), signer) for kind in filler.TYPES}
    picked = {spread(n, rows, total) for n in range(total)}
    picked |= {(spread(n, rows, total) + BASELINE_SHIFT) % rows for n in range(total)}
    return {filler.message_id(n): notices[filler.TYPES[n % len(filler.TYPES)]] for n in picked}
