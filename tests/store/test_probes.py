"""The benchmarks' probes of the database (gateway/store/probes.py), on both databases: a bulk fill,
statistics, what the sweep's read visits by the database's own account, the raw baseline read."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.bench import sweep
from gateway.profiles import load_profiles
from gateway.store import Store, probes


def test_the_sweep_reads_only_what_is_due_through_its_index(store: Store) -> None:
    profile = load_profiles()["kz-uz-border-2024"]
    sweep._fill(store, profile, open_count=3000, due=25)
    assert store.read(probes.first_obligation_ids, 40) == list(range(1, 41))
    visited = store.read(probes.due_rows_visited, sweep.NOW, 50)
    assert 25 <= visited <= 26, "the read visits the due rows (and the entry ending the range), no more"
    # 75 more fall due by then (index 25 to 99: NOW + 60 s + index × 2.5 s)
    later = store.read(probes.due_rows_visited, sweep.NOW + timedelta(seconds=60 + 99 * 2.5), 500)
    assert 100 <= later <= 101


def test_a_plan_that_scans_the_table_is_refused(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/probe.sqlite3")
    try:
        store.write(lambda tx: tx.conn.execute(text(f"DROP INDEX {probes.SWEEP_INDEX}")))
        with pytest.raises(probes.PlanError, match="does not read through its index"):
            store.read(probes.due_rows_visited, sweep.NOW, 10)
    finally:
        store.close()
