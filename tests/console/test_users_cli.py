"""`bgw user add|passwd|disable`: one coded stderr line on every refusal; each change in the log."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from gateway import paths
from gateway.node.config import load_database_url
from gateway.roles import Role
from gateway.store import Store, journal, users

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def bgw_user(config: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "user", *args, "--config", str(config)]
        + (["--password-stdin"] if password is not None else []),
        input=f"{password}\n" if password is not None else None,
        capture_output=True,
        text=True,
        check=False,
        cwd=paths.ROOT,
    )


def test_users_are_added_changed_disabled_and_refused_with_codes(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text(f'[node]\nside = "KZ"\ndata_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    added = bgw_user(config, "add", "dana", "--role", "operator", password="a long enough password")
    assert added.returncode == 0, added.stderr
    again = bgw_user(config, "add", "dana", "--role", "viewer", password="a long enough password")
    assert again.returncode == 1 and again.stderr.startswith("error user-exists: ")
    assert len(again.stderr.splitlines()) == 1
    short = bgw_user(config, "passwd", "dana", password="short")
    assert short.returncode == 1 and short.stderr.startswith("error usage-invalid: ")
    unknown = bgw_user(config, "disable", "nobody")
    assert unknown.returncode == 1 and unknown.stderr.startswith("error user-unknown: ")
    role = bgw_user(config, "add", "eve", "--role", "root", password="a long enough password")
    assert role.returncode == 2 and role.stderr.startswith("error usage-invalid: ")
    assert bgw_user(config, "passwd", "dana", password="another long password").returncode == 0
    store = Store.open(load_database_url(config).value)
    try:
        store.write(users.open_session, "token", "dana", "csrf", NOW, NOW.replace(year=2030))
        assert store.read(users.session, "token", NOW) is not None
        assert bgw_user(config, "disable", "dana").returncode == 0
        assert store.read(users.session, "token", NOW) is None  # disabling ended the session
        dana = store.read(users.find, "dana")
        assert dana is not None and dana.role is Role.OPERATOR and dana.disabled
        assert dana.password_hash.startswith("$argon2id$") and "another" not in dana.password_hash
        events = [e.event for e in store.read(lambda conn: list(journal.entries(conn)))]
    finally:
        store.close()
    assert events == ["user-added", "user-password-set", "user-disabled"]
