"""The agent's journal and cache: nothing drawn while the server was down is lost or sent twice."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from streamfx_cli.agent.cache import Cache
from streamfx_cli.agent.journal import Journal


def fire(key: str, effect: str = "fx_flash") -> dict[str, str]:
    return {
        "idempotencyKey": key,
        "effectId": effect,
        "source": "cli",
        "occurredAt": "2026-11-29T18:00:00.000Z",
    }


def test_entries_join_fire_and_delivery_in_order(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.add_fire(fire("a"))
    journal.add_fire(fire("b"))
    journal.add_delivery("a", {"status": "shown", "drawnAt": "2026-11-29T18:00:00.020Z"})
    entries = journal.entries()
    assert [e.key for e in entries] == ["a", "b"]
    assert entries[0].body()["delivery"]["status"] == "shown"
    assert "delivery" not in entries[1].body()
    assert stat.S_IMODE(os.stat(tmp_path / "j.jsonl").st_mode) == 0o600


def test_a_line_cut_by_a_crash_is_skipped_not_fatal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.add_fire(fire("a"))
    with open(tmp_path / "j.jsonl", "a") as out:
        out.write('{"fire": {"idempotencyKey": "b", "effe')
    assert [e.key for e in journal.entries()] == ["a"]


def test_drop_keeps_the_rest_and_refused_ones_are_kept_aside(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    for key in "abc":
        journal.add_fire(fire(key))
    journal.add_delivery("c", {"status": "hidden", "reason": "StreamFX is hidden in scene 'Scene'"})
    journal.refuse(journal.entries()[1], "There is no effect 'fx_gone'.")
    journal.drop({"a", "b"})
    left = journal.entries()
    assert [e.key for e in left] == ["c"]
    assert left[0].delivery == {"status": "hidden", "reason": "StreamFX is hidden in scene 'Scene'"}
    refused = (tmp_path / "j.refused.jsonl").read_text()
    assert '"idempotencyKey": "b"' in refused and "no effect" in refused


def test_cache_round_trip_and_cooldown(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.json")
    cache.take(
        {
            "effects": [
                {
                    "id": "fx_brb",
                    "slug": "brb",
                    "name": "Be right back",
                    "kind": "scene",
                    "cooldownMs": 2000,
                }
            ],
            "renders": {"fx_brb": {"kind": "scene", "scene": "BRB"}},
            "liveSessionId": "ss_1",
        }
    )
    cache.save()
    again = Cache.load(tmp_path / "c.json")
    brb = again.find("brb")
    assert brb is not None and again.find("fx_brb") == brb
    assert again.renders["fx_brb"]["scene"] == "BRB" and again.live_session_id == "ss_1"
    assert again.cooling_down_ms(brb, 10_000) == 0
    again.saw_fire("fx_brb", 10_000)
    assert again.cooling_down_ms(brb, 11_000) == 1000
    assert again.cooling_down_ms(brb, 12_000) == 0
    assert Cache.load(tmp_path / "missing.json").effects == {}
