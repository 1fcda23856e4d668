"""Pure parts of the console as tables: the log's filter from a query string, times in the side's
zone with UTC on hover, redirect targets, and the [console] configuration table."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gateway.console.auth import local_path
from gateway.console.messages_log import parse_filter
from gateway.console.pages import time_element
from gateway.console.queries import BadQuery
from gateway.errors import ConfigError
from gateway.node.config import ConsoleSettings, load_config
from gateway.profiles import load_profiles
from gateway.store.listing import Filter
from tests import pki as test_pki
from tests.node.test_config import GOOD

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ALMATY = ZoneInfo("Asia/Almaty")
LINKS = ["UZ/kz-uz-border-2024", "AZ/kz-az-environment-1997"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, Filter()),
        ({"link": "UZ/kz-uz-border-2024"}, Filter(peer="UZ", profile="kz-uz-border-2024")),
        ({"direction": "in", "state": "received"}, Filter(direction="in", state="received")),
        ({"type": "marker-incident", "q": " 4f3a "}, Filter(type="marker-incident", text="4f3a")),
        ({"window": "1h"}, Filter(since=datetime(2026, 11, 30, 11, 0, tzinfo=UTC))),
        ({"window": "30d"}, Filter(since=datetime(2026, 10, 31, 12, 0, tzinfo=UTC))),
        ({"window": "all", "from": "2026-11-01T00:00"}, Filter()),  # from/to only with custom
        (
            {"window": "custom", "from": "2026-11-30T10:00", "to": "2026-11-30T12:00+00:00"},
            Filter(
                since=datetime(2026, 11, 30, 10, 0, tzinfo=ALMATY),
                until=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
            ),
        ),
    ],
)
def test_the_filter_a_query_asks_for(query: dict[str, str], expected: Filter) -> None:
    assert parse_filter(query, NOW, ALMATY, LINKS) == expected


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"link": "XX/none"}, "link"),
        ({"direction": "sideways"}, "direction"),
        ({"state": "lost"}, "state"),
        ({"window": "2h"}, "window"),
        ({"window": "custom", "from": "yesterday"}, "from"),
        ({"window": "custom", "to": "2026-13-01T00:00"}, "to"),
    ],
)
def test_a_bad_parameter_is_named(query: dict[str, str], name: str) -> None:
    with pytest.raises(BadQuery, match=f"^{name}$"):
        parse_filter(query, NOW, ALMATY, LINKS)


@pytest.mark.parametrize(
    ("zone", "local"),
    [
        ("Asia/Almaty", "2026-11-30 17:00:05"),
        ("Asia/Tashkent", "2026-11-30 17:00:05"),
        ("Asia/Baku", "2026-11-30 16:00:05"),
    ],
)
def test_times_show_the_side_zone_with_utc_in_the_title(zone: str, local: str) -> None:
    element = str(time_element(datetime(2026, 11, 30, 12, 0, 5, tzinfo=UTC), ZoneInfo(zone)))
    expected = f'<time datetime="2026-11-30T12:00:05.000Z" title="2026-11-30 12:00:05 UTC">{local}</time>'
    assert element == expected


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/?state=sent", "/?state=sent"),
        (None, "/"),
        ("https://elsewhere.example/", "/"),
        ("//elsewhere.example/", "/"),
        ("/\\elsewhere.example", "/"),
        ("login", "/"),
    ],
)
def test_only_a_local_path_is_a_redirect_target(target: str | None, path: str) -> None:
    assert local_path(target) == path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    test_pki.init_side(tmp_path / "pki", "KZ")
    return tmp_path


def _load(folder: Path, console: str) -> ConsoleSettings | None:
    (folder / "node.toml").write_text(GOOD.replace("broker_url", "# broker_url") + console, encoding="utf-8")
    return load_config(folder / "node.toml", load_profiles()).console


def test_no_console_table_no_console(folder: Path) -> None:
    assert _load(folder, "") is None


def test_the_console_table(folder: Path) -> None:
    settings = _load(folder, '[console]\nlisten = "0.0.0.0:9000"\nbehind_tls = true\nsession_idle_s = 600\n')
    assert settings == ConsoleSettings(host="0.0.0.0", port=9000, behind_tls=True, session_idle_s=600)


@pytest.mark.parametrize(
    ("console", "problem"),
    [
        ('[console]\nlisten = "8081"\n', "console.listen: must be HOST:PORT"),
        ('[console]\nlisten = "127.0.0.1:70000"\n', "console.listen: must be HOST:PORT"),
        ('[console]\nlisten = "127.0.0.1:8081"\nport = 1\n', "console.port: unknown key"),
        (
            '[console]\nlisten = "127.0.0.1:8081"\nbehind_tls = "yes"\n',
            "console.behind_tls: must be true or false",
        ),
        (
            '[console]\nlisten = "127.0.0.1:8081"\nsession_idle_s = 5\n',
            "console.session_idle_s: must be a number",
        ),
    ],
)
def test_console_mistakes_name_the_file_and_key(folder: Path, console: str, problem: str) -> None:
    with pytest.raises(ConfigError, match="node.toml: " + problem.replace(".", r"\.", 1)):
        _load(folder, console)
