"""`bgw bench console`: the console's pages on a store of --rows messages (default 1,000,000).

The database (a temporary SQLite file, or a PostgreSQL database created for the run and dropped
after) is filled in bulk (gateway.store.filler: COPY / executemany), one message a minute up to now,
each with its receipt.
The console then runs in this process on a local port, exactly as the node serves it (the same
application, middlewares and store), and a logged-in admin asks each page of ENTRIES REQUESTS times,
one at a time. Server time is measured by an outermost middleware, from the request's arrival to the
response the handler returns (sessions, CSRF, roles, the store read and the rendering included), and
reported as p50 and p99 next to the raw baseline of the same run: the page's bare SQL on the driver
(gateway.store.probes), REQUESTS times. Target: p99 under TARGET_P99_MS.

Then full CSV exports, streamed to a client that counts the bytes and drops them: the peak of Python
memory during each (tracemalloc; the client's buffers included) for EXPORT_SMALL rows and for all the
rows; flat means the full export's peak is within FLAT_RATIO of the small one's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from gateway import heap, pki
from gateway.bench.console_pages import BASELINE_SHIFT, ENTRIES, signed_rows
from gateway.console import app
from gateway.console.context import Context
from gateway.console.passwords import hash_password
from gateway.node.config import load_config
from gateway.profiles import load_profiles
from gateway.roles import Role
from gateway.store import Store, checkpoint, filler, users
from gateway.store.scratch import fresh_database

REQUESTS = 200
WARMUP = 5
TARGET_P99_MS = 200.0
EXPORT_SMALL = 10_000
FLAT_RATIO = 1.5
FILL_CHUNK = 20_000
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=1)
LINKS = [("KZ", "kz-uz-border-2024")]
USER, PASSWORD = "bench", "the benchmark's own admin"  # an admin: the audit page is theirs
ACT_EVERY = 2500  # one person's act in so many log entries: 400 acts in a log of 1,000,000


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99)}


def _fill(store: Store, rows: int, act_every: int = ACT_EVERY) -> None:
    started = time.perf_counter()
    entries = filler.synthetic_log(rows, NOW - STEP * rows, LINKS, STEP, act_every)
    for first in range(0, rows, FILL_CHUNK):
        count = min(FILL_CHUNK, rows - first)
        store.write(
            filler.insert_messages, list(filler.synthetic(first, count, NOW - STEP * rows, LINKS, STEP))
        )
        store.write(
            filler.insert_receipts, list(filler.synthetic_receipts(first, count, NOW - STEP * rows, STEP))
        )
        store.write(filler.insert_log, list(itertools.islice(entries, count)))
        print(
            f"\r  filling: {first + count:>9,} of {rows:,} messages ({time.perf_counter() - started:.0f} s)",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)
    store.write(filler.analyze)
    store.write(checkpoint.fold)  # the metrics' totals as scrapes keep them: the bulk rows counted once


@contextmanager
def _context(url: str) -> Iterator[Context]:
    """A node configuration of its own (UZ, linked to KZ) on the database *url*, its store open."""
    with tempfile.TemporaryDirectory(prefix="bgw-bench-console-") as folder:
        root = Path(folder)
        for side in ("UZ", "KZ"):  # valid at the benchmark's fixed clock, whenever it runs
            pki.init_side(root / "pki", side, now=NOW)
        config_file = root / "uz.toml"
        config_file.write_text(
            f'[node]\nside = "UZ"\ndata_dir = "{root / "var"}"\ndatabase_url = "{url}"\n'
            '[pki]\nkey = "pki/UZ/node.key"\ncert = "pki/UZ/node.pem"\ntrust = "pki"\n'
            '[[links]]\npeer = "KZ"\nprofile = "kz-uz-border-2024"\n[console]\nlisten = "127.0.0.1:8081"\n',
            encoding="utf-8",
        )
        profiles = load_profiles()
        config = load_config(config_file, profiles)
        assert config.console is not None
        store = Store.open(url)
        try:
            yield Context(config, config.console, store, lambda: NOW, profiles, lambda: True)
        finally:
            store.close()


def _timing(samples: list[float]) -> Any:
    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await handler(request)  # type: ignore[no-any-return]
        finally:
            samples.append(time.perf_counter() - started)

    return timed


async def _logged_in(client: aiohttp.ClientSession, base: str) -> None:
    form = await (await client.get(f"{base}/login")).text()
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found, "no CSRF token on the login form"
    data = {"name": USER, "password": PASSWORD, "csrf": found.group(1), "next": "/"}
    async with client.post(f"{base}/login", data=data, allow_redirects=False) as answer:
        if answer.status != 303:
            raise RuntimeError(f"the benchmark's viewer could not log in: HTTP {answer.status}")


async def _pages(
    client: aiohttp.ClientSession, base: str, samples: list[float], rows: int
) -> dict[str, list[float]]:
    timed: dict[str, list[float]] = {}
    for entry in ENTRIES:
        for n in range(WARMUP + REQUESTS):
            if n == WARMUP:
                samples.clear()
            path = entry.at(n, rows, WARMUP + REQUESTS)
            async with client.get(f"{base}{path}") as answer:
                if answer.status != 200:
                    raise RuntimeError(f"{path}: HTTP {answer.status}")
                await answer.read()
        timed[entry.name] = list(samples)
        print(f"  measured: {entry.name} ({sum(samples):.1f} s)", file=sys.stderr, flush=True)
    return timed


async def _export_peak(client: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    """Stream one CSV export, dropping the bytes: rows, seconds and the peak of traced memory."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    started, lines = time.perf_counter(), 0
    try:
        async with client.get(url) as answer:
            if answer.status != 200:
                raise RuntimeError(f"{url}: HTTP {answer.status}")
            async for chunk in answer.content.iter_chunked(1 << 16):
                lines += chunk.count(b"\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"rows": lines - 1, "seconds": round(time.perf_counter() - started, 1), "peak_mib": peak / 2**20}


async def _serve(context: Context, rows: int) -> tuple[dict[str, list[float]], list[dict[str, Any]]]:
    samples: list[float] = []
    application = app.build(context)
    application.middlewares.insert(0, _timing(samples))
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            await _logged_in(client, base)
            timed = await _pages(client, base, samples, rows)
            since = (NOW - STEP * min(EXPORT_SMALL, rows)).isoformat()
            small = URL(f"{base}/export.csv").with_query(window="custom", **{"from": since})
            exports = [await _export_peak(client, str(small))]
            if rows > EXPORT_SMALL:
                exports.append(await _export_peak(client, f"{base}/export.csv"))
    finally:
        await runner.cleanup()
    return timed, exports


def _baselines(context: Context, rows: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    with context.store.reading() as conn:
        for entry in ENTRIES:
            samples = []
            for n in range(WARMUP + REQUESTS):
                started = time.perf_counter()
                entry.baseline(conn, context, entry.at(n, rows, WARMUP + REQUESTS, BASELINE_SHIFT))
                if n >= WARMUP:
                    samples.append(time.perf_counter() - started)
            found[entry.name] = samples
    return found


def measure(db: str, rows: int) -> dict[str, Any]:
    with fresh_database(db, "bgw_bench_console") as url, _context(url) as context:
        _fill(context.store, rows)
        context.store.write(filler.sign_rows, signed_rows(context, rows, WARMUP + REQUESTS))
        context.store.write(users.add, USER, Role.ADMIN, hash_password(PASSWORD), NOW)
        heap.settle()  # as the node does once started (gateway.heap)
        raw = _baselines(context, rows)
        timed, exports = asyncio.run(_serve(context, rows))
    pages = {
        entry.name: {"server": _percentiles(timed[entry.name]), "bare_sql": _percentiles(raw[entry.name])}
        for entry in ENTRIES
    }
    for export in exports:
        export["peak_mib"] = round(export["peak_mib"], 2)
    flat = exports[-1]["peak_mib"] <= FLAT_RATIO * exports[0]["peak_mib"]
    return {"db": db, "rows": rows, "requests": REQUESTS, "pages": pages, "export_csv": exports, "flat": flat}


def run(rows: int, db: str, as_json: bool) -> None:
    results = [measure(name, rows) for name in (("sqlite", "postgresql") if db == "both" else (db,))]
    if as_json:  # one object per database, one per line
        for result in results:
            print(json.dumps(result))
        return
    print(
        f"console benchmark: {rows:,} messages; server time over {REQUESTS} requests each, next to the "
        f"page's bare SQL on the driver; target p99 < {TARGET_P99_MS:g} ms"
    )
    for result in results:
        for name, figures in result["pages"].items():
            server, bare = figures["server"], figures["bare_sql"]
            verdict = "met" if server["p99_ms"] < TARGET_P99_MS else "NOT met"
            print(
                f"  {result['db']:<10} {name:<14} p50 {server['p50_ms']:>7.2f} ms  "
                f"p99 {server['p99_ms']:>7.2f} ms   bare SQL p50 {bare['p50_ms']:>7.2f} ms  "
                f"p99 {bare['p99_ms']:>7.2f} ms   {verdict}"
            )
        peaks = "   ".join(
            f"{e['rows']:,} rows: peak {e['peak_mib']:.2f} MiB ({e['seconds']} s)"
            for e in result["export_csv"]
        )
        print(f"  {result['db']:<10} CSV export     {peaks}   flat: {'yes' if result['flat'] else 'NO'}")
