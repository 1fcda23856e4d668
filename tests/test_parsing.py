"""The hardened parser on well-formed input: limits are configurable and accepted input is intact."""

from __future__ import annotations

import pytest

from gateway import paths
from gateway.errors import WireError
from gateway.reasons import Reason
from gateway.wire.parsing import Limits, parse

SAMPLE = (paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml").read_bytes()


def test_a_sample_parses() -> None:
    assert parse(SAMPLE).tag == "{urn:bgw:envelope:1}Notification"


def test_utf8_bom_is_accepted() -> None:
    assert parse(b"\xef\xbb\xbf" + SAMPLE).tag.endswith("Notification")


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (Limits(max_bytes=100), Reason.XML_TOO_LARGE),
        (Limits(max_depth=3), Reason.XML_TOO_DEEP),
    ],
)
def test_limits_are_configurable(limits: Limits, reason: Reason) -> None:
    with pytest.raises(WireError) as refused:
        parse(SAMPLE, limits)
    assert refused.value.reason is reason


def test_depth_at_the_limit_is_accepted() -> None:
    document = b"<a>" * 10 + b"</a>" * 10
    assert parse(document, Limits(max_depth=10)).tag == "a"
    with pytest.raises(WireError):
        parse(document, Limits(max_depth=9))


def test_cdata_is_read_as_text() -> None:
    root = parse(b"<a><![CDATA[x < y]]></a>")
    assert root.text == "x < y"
