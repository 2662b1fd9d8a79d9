"""`streamfx effects update --key` through the real command against a real server
(docs/PANEL.md "Keys")."""

from __future__ import annotations

import json


def _json(result) -> dict | list:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _keys(cli) -> dict[str, int | None]:
    return {e["slug"]: e["key"] for e in _json(cli.run("effects", "list", "--json"))}


def test_update_key_moves_a_key_says_from_where_and_frees_with_zero(signed_in):
    created = signed_in.run(
        "effects", "create", "--name", "Hype", "--kind", "overlay", "--category", "celebration"
    )
    assert created.returncode == 0, created.stderr
    # A new effect takes the next free key and moves no other (issue #18).
    assert "on key 7" in created.stdout
    assert _keys(signed_in)["sparkles"] == 5

    moved = signed_in.run("effects", "update", "hype", "--key", "5")
    assert moved.returncode == 0, moved.stderr
    assert "key 5 fires it in the panel" in moved.stdout
    assert "moved from Sparkles (sparkles), which has no key now" in moved.stdout
    keys = _keys(signed_in)
    assert (keys["hype"], keys["sparkles"]) == (5, None)
    listed = signed_in.run("effects", "list").stdout.splitlines()
    key_column = {row.split()[1]: row.split()[0] for row in listed[1:]}
    assert (key_column["hype"], key_column["sparkles"]) == ("5", "-")

    # A built-in's key is the creator's own to set; --json says what held it (nothing).
    answer = _json(signed_in.run("effects", "update", "sparkles", "--key", "7", "--json"))
    assert answer["slug"] == "sparkles" and answer["key"] == 7 and answer["movedFrom"] is None

    freed = signed_in.run("effects", "update", "hype", "--key", "0")
    assert freed.returncode == 0, freed.stderr
    assert "no key now" in freed.stdout
    assert _keys(signed_in)["hype"] is None


def test_a_key_out_of_range_is_a_usage_error_and_changes_nothing(signed_in):
    before = _keys(signed_in)
    bad = signed_in.run("effects", "update", "flash", "--key", "10")
    assert bad.returncode == 2
    assert "--key" in bad.stderr and "Traceback" not in bad.stderr
    assert _keys(signed_in) == before
    # Another creator's effect (or none at all) is not found, whatever the key.
    missing = signed_in.run("effects", "update", "fx_nothing", "--key", "3")
    assert missing.returncode == 5 and "Traceback" not in missing.stderr
