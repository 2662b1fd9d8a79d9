"""`streamfx import` cuts an export into request bodies under the server's JSON limit
(streamfx_cli/data_files.py, docs/EXPORT.md "`streamfx import`, step by step")."""

from __future__ import annotations

import json
from typing import Any

from streamfx_cli.data_files import PART_BYTES, combined, split


def _export(sessions: int, activations: int, render_bytes: int) -> dict[str, Any]:
    def session(n: int) -> dict[str, Any]:
        return {
            "id": f"ss_{n}",
            "status": "ended",
            "title": f"Stream {n}",
            "activations": [
                {"id": f"act_{n}_{a}", "render": {"text": "é" * (render_bytes // 2)}}
                for a in range(activations)
            ],
        }

    return {
        "format": "streamfx-export",
        "version": 1,
        "counts": {},
        "brandKits": [{"id": "bk_1"}],
        "effects": [{"id": "fx_1"}],
        "sessions": [session(n) for n in range(sessions)],
    }


def test_every_part_is_under_the_limit_and_every_activation_goes_once_in_order():
    doc = _export(sessions=3, activations=900, render_bytes=700)

    parts = split(doc)

    bodies = [body for _, body in parts.all()]
    assert len(parts.heads) == 1 and len(parts.activations) >= 3
    # Measured as httpx sends a JSON body: compact UTF-8.
    sent_as = [json.dumps(b, separators=(",", ":"), ensure_ascii=False).encode() for b in bodies]
    assert all(len(body) <= PART_BYTES for body in sent_as)
    assert all((b["format"], b["version"]) == ("streamfx-export", 1) for b in bodies)
    [head] = parts.heads
    assert (head["brandKits"], head["effects"]) == (doc["brandKits"], doc["effects"])
    assert [s["id"] for s in head["sessions"]] == ["ss_0", "ss_1", "ss_2"]
    assert all("activations" not in s for s in head["sessions"])
    sent = [
        (s["id"], s["title"], a["id"])
        for body in parts.activations
        for s in body["sessions"]
        for a in s["activations"]
    ]
    assert sent == [
        (s["id"], s["title"], a["id"]) for s in doc["sessions"] for a in s["activations"]
    ]


def test_small_sessions_share_a_part_and_one_too_large_item_goes_alone():
    small = split(_export(sessions=5, activations=2, render_bytes=10))
    assert len(small.activations) == 1
    assert len(small.activations[0]["sessions"]) == 5

    huge = split(_export(sessions=1, activations=2, render_bytes=PART_BYTES))
    assert [len(b["sessions"][0]["activations"]) for b in huge.activations] == [1, 1]


def test_kits_effects_and_sessions_are_counted_from_the_head_parts_only():
    def answer(kits: int, sessions: int, activations: int, note: str) -> dict[str, Any]:
        def tally(n: int) -> dict[str, int]:
            return {"created": n, "matched": 0, "skipped": 0}

        return {
            "dryRun": False,
            "brandKits": tally(kits),
            "effects": tally(0),
            "sessions": tally(sessions),
            "activations": tally(activations),
            "notes": [note],
        }

    total = combined(
        [
            (True, answer(2, 3, 0, "a")),  # type: ignore[list-item]
            (False, answer(0, 1, 500, "b")),  # type: ignore[list-item]
            (False, answer(0, 2, 700, "a")),  # type: ignore[list-item]
        ],
        dry_run=False,
    )

    assert total["brandKits"]["created"] == 2
    assert total["sessions"]["created"] == 3
    assert total["activations"]["created"] == 1200
    assert total["notes"] == ["a", "b"]
