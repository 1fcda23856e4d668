"""The agreement's life between two running nodes, on one moved clock (issue 13, KZ–AZ Art. 12): KZ
sends AZ a `denunciation-notice` on the last allowed day, 2026-12-10 in Almaty (six months before the
term ends on 2027-06-10). Both nodes' `bgw calendar` then show the agreement ending on 2027-06-10, and
no renewal. After that day both refuse to send under it: each national system's submission is
answered rejected `agreement-ended`, naming the article and the date."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from gateway import paths
from gateway.lifecycle import Direction, MessageState
from gateway.samples import sample_submission
from gateway.store import views
from tests.node.harness import National, World, node_store, wait_for_consumer, wait_until
from tests.node.test_escalation import set_clock
from tests.test_cli import bgw

SAMPLES = paths.SAMPLES / "kz-az-environment-1997"
LAST_DAY = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)  # 23:00 in Almaty (UTC+5), 21:00 in Baku (UTC+4)
AFTER = datetime(2027, 6, 11, 3, 0, tzinfo=UTC)  # 08:00 on 11 June in Almaty, 07:00 in Baku


def calendar(world: World, side: str) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """*side*'s `bgw calendar --json` for its one link (its agreement, its rows), and the text form."""
    config = str(world.nodes[side].config)
    found = bgw("calendar", "--config", config, "--json")
    assert found.returncode == 0, found.stderr
    [link] = json.loads(found.stdout)["links"]
    text = bgw("calendar", "--config", config)
    assert text.returncode == 0, text.stderr
    return link["agreement"], link["rows"], text.stdout.decode()


def state_of(world: World, side: str, direction: Direction, message_id: str) -> MessageState | None:
    with node_store(world, side) as store:
        return store.read(views.message_state, direction, message_id)


async def scenario(world: World) -> None:
    shift = world.root / "clock-shift"
    set_clock(shift, LAST_DAY)
    for side, peer in (("KZ", "AZ"), ("AZ", "KZ")):
        world.node(side, (peer,), delivery={"sweep_interval_s": 1}, clock_shift=shift).start()
        await wait_for_consumer(world, side)
    async with National(world, "KZ") as kz, National(world, "AZ") as az:
        notice = sample_submission(SAMPLES / "denunciation-notice.xml", "AZ", LAST_DAY)
        notice["body"]["TermEnd"] = "2027-06-10"
        [answer] = await kz.wait_answers([await kz.submit(notice)])
        assert answer["status"] == "accepted", answer
        message_id = answer["message_id"]
        wait_until(
            lambda: state_of(world, "KZ", Direction.OUT, message_id) is MessageState.DELIVERED,
            "AZ's receipt of the denunciation reaches KZ",
        )
        assert state_of(world, "AZ", Direction.IN, message_id) is not None

        for side in ("KZ", "AZ"):
            agreement, rows, text = calendar(world, side)
            assert (agreement["state"], agreement["ends_on"], agreement["article"]) == (
                "ending",
                "2027-06-10",
                "12",
            ), (side, agreement)
            named = {" ".join(filter(None, (r["what"], r["side"]))): r for r in rows}
            assert named["denunciation-notice KZ"]["state"] == "met", (side, named)
            assert named["renewal"]["state"] == "ended", (side, named["renewal"])
            assert (named["term-end"]["on"], named["term-end"]["state"]) == ("2027-06-10", "upcoming")
            assert "2037" not in text, f"{side} shows a renewed term:\n{text}"

        set_clock(shift, AFTER)
        refused = {
            "KZ": await kz.submit(sample_submission(SAMPLES / "information-exchange.xml", "AZ", AFTER)),
            "AZ": await az.submit(sample_submission(SAMPLES / "information-exchange.xml", "KZ", AFTER)),
        }
        for side, national in (("KZ", kz), ("AZ", az)):
            [rejected] = await national.wait_answers([refused[side]])
            assert (rejected["status"], rejected["reason"]) == ("rejected", "agreement-ended"), rejected
            assert "Art. 12" in rejected["message"] and "ended on 2027-06-10" in rejected["message"], rejected
            agreement, _, text = calendar(world, side)
            assert (agreement["state"], agreement["ends_on"]) == ("ended", "2027-06-10"), (side, agreement)
            assert "agreement ended on 2027-06-10, its last day in force (Art. 12)" in text, text


def test_a_denunciation_on_the_last_day_ends_the_agreement_on_both_nodes(world: World) -> None:
    asyncio.run(scenario(world))
