"""Node configuration: shipped files load; errors stop start-up naming the file, key and reason;
secrets never appear in repr, str or logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gateway import paths
from gateway.errors import ConfigError
from gateway.node.config import Secret, load_config
from gateway.node.logs import JsonLines
from gateway.profiles import load_profiles
from tests import pki as test_pki

PROFILES = load_profiles()


@pytest.fixture
def base(tmp_path: Path) -> Path:
    for side in ("KZ", "UZ", "AZ"):
        test_pki.init_side(tmp_path / "pki", side)
    return tmp_path


def write(folder: Path, text: str) -> Path:
    path = folder / "node.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[node]
side = "KZ"
data_dir = "var"
broker_url = "amqp://bgw-kz:s3cret@127.0.0.1:5672/"
[pki]
key = "pki/KZ/node.key"
cert = "pki/KZ/node.pem"
trust = "pki"
[[links]]
peer = "UZ"
profile = "kz-uz-border-2024"
"""


def test_shipped_configurations_name_their_links(tmp_path: Path) -> None:
    for side, links in (("kz", 2), ("uz", 1), ("az", 1)):
        text = (paths.CONFIG / f"{side}.toml").read_text(encoding="utf-8")
        assert text.count("[[links]]") == links


def test_a_good_configuration_loads(base: Path) -> None:
    config = load_config(write(base, GOOD), PROFILES)
    assert config.side == "KZ" and [link.name for link in config.links] == ["UZ/kz-uz-border-2024"]
    assert config.links[0].outbound_exchange == "bgw.UZ.in"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('side = "KZ"', 'side = "Kazakhstan"'), "node.side: 'Kazakhstan' is not an ISO 3166 alpha-2 code"),
        (
            ('peer = "UZ"', 'peer = "AZ"'),
            "links[0].peer: KZ–AZ is not a pair of Parties to kz-uz-border-2024",
        ),
        (('profile = "kz-uz-border-2024"', 'profile = "kz-uz-1999"'), "links[0].profile: unknown profile"),
        (('key = "pki/KZ/node.key"', 'key = "pki/KZ/missing.key"'), "pki.key:"),
        (("[node]", "[node]\nprefetch = 3"), "node.prefetch: unknown key"),
        (("amqp://", "http://"), "node.broker_url: must be an amqp:// or amqps:// URL"),
    ],
)
def test_errors_name_the_file_key_and_reason(base: Path, change: tuple[str, str], expected: str) -> None:
    path = write(base, GOOD.replace(*change, 1))
    with pytest.raises(ConfigError) as error:
        load_config(path, PROFILES)
    assert str(path) in str(error.value) and expected in str(error.value)


def test_secrets_are_masked_everywhere(base: Path) -> None:
    config = load_config(write(base, GOOD), PROFILES)
    for shown in (repr(config), str(config.broker_url), repr(config.broker_url)):
        assert "s3cret" not in shown
    assert config.broker_url.value.endswith("s3cret@127.0.0.1:5672/")
    record = logging.LogRecord(
        "t", logging.INFO, "", 0, f"connecting to {Secret(config.broker_url.value).value}", None, None
    )
    assert "s3cret" not in JsonLines().format(record)
