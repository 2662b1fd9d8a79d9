"""What the commands say, read as a streamer reads it (issue #18's wording points)."""

from __future__ import annotations

import json

from tests.support.accounts import set_tier
from tests.support.cli import Cli
from tests.support.media import png


def test_sessions_say_an_active_session_and_show_platform_and_title(signed_in: Cli) -> None:
    started = signed_in.run("session", "start", "--platform", "twitch", "--title", "Launch day")
    assert started.returncode == 0, started.stderr
    again = signed_in.run("session", "start", "--platform", "twitch")
    assert again.returncode == 5
    assert "error: You already have an active session" in again.stderr
    status = signed_in.run("session", "status")
    assert status.returncode == 0, status.stderr
    first = status.stdout.splitlines()[0]
    assert ' active  twitch "Launch day"  live for 0:00:' in first, first
    assert signed_in.run("session", "pause").returncode == 0
    paused = signed_in.run("session", "start", "--platform", "twitch")
    assert "error: You already have a paused session" in paused.stderr


def test_the_first_overlay_url_replaces_nothing(signed_in: Cli) -> None:
    first = signed_in.run("overlay", "rotate")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "Your overlay URL:"
    assert "previous" not in first.stdout
    second = signed_in.run("overlay", "rotate")
    assert second.stdout.splitlines()[0] == "New overlay URL (the previous one no longer works):"
    assert json.loads(signed_in.run("overlay", "rotate", "--json").stdout)["replaced"] is True


def test_effects_list_has_column_headers(signed_in: Cli) -> None:
    listed = signed_in.run("effects", "list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == [
        "KEY",
        "EFFECT",
        "KIND",
        "CATEGORY",
        "DURATION",
        "COOLDOWN",
        "OWNER",
        "ID",
    ]
    brb = next(row for row in rows if row.split()[1] == "brb")
    assert brb.split() == ["4", "brb", "scene", "transition", "300s", "2s", "built-in", "fx_brb"]
    for row in rows:  # every column starts where its header does
        assert row.rindex(row.split()[-1]) == header.index("ID"), row


def test_a_piped_upload_prints_its_one_line(signed_in: Cli, server, tmp_path) -> None:
    set_tier(server, signed_in.email, "creator")  # type: ignore[attr-defined]
    image = tmp_path / "logo.png"
    image.write_bytes(png(16, 16, (0, 200, 0)))
    done = signed_in.upload_logo(image)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Uploaded logo.png as logo (")
    assert done.stdout.count("\n") == 1 and done.stderr == ""


def test_the_cooldown_hint_offers_only_what_can_be_done(signed_in: Cli) -> None:
    assert signed_in.run("session", "start", "--platform", "kick").returncode == 0
    # Two presses at once: one fires, the other meets brb's built-in 2 s cooldown.
    presses = [signed_in.popen("fire", "brb", "--no-obs") for _ in range(2)]
    results = [(p.wait(30), p.communicate()[1]) for p in presses]
    refused = [stderr for code, stderr in results if code == 6]
    assert len(refused) == 1, results
    assert "a built-in effect's cooldown cannot be changed" in refused[0]
    assert "lower" not in refused[0]

    made = signed_in.run(
        "effects", "create", "--name", "Pop", "--kind", "flash", "--category", "alert",
        "--cooldown", "60s",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert signed_in.run("fire", "pop", "--no-obs").returncode == 0
    cooling = signed_in.run("fire", "pop", "--no-obs")
    assert cooling.returncode == 6
    assert "or lower its cooldown: `streamfx effects update pop --cooldown 0s`" in cooling.stderr
