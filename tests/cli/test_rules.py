"""`streamfx rules` through the real command against the real server (docs/RULES.md,
docs/CLI.md): every command with and without --json, exit codes, refusals that name the
flag the user typed, and `rules list` saying what each rule last did."""

from __future__ import annotations

import json
from typing import Any

from tests.support.hooks import call_hook


def _json(result) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_timer_rule_from_create_to_delete(signed_in):
    rule = _json(
        signed_in.run(
            "rules",
            "create",
            "Hydrate",
            "--effect",
            "banner",
            "--every",
            "30m",
            "--offset",
            "5m",
            "--param",
            "text=Drink water ({count})",
            "--cooldown",
            "10s",
            "--json",
        )
    )
    assert rule["trigger"] == {"type": "timer", "everySeconds": 1800, "offsetSeconds": 300}
    assert (rule["effectSlug"], rule["cooldownMs"], rule["liveOnly"]) == ("banner", 10_000, True)
    assert rule["params"] == {"text": "Drink water ({count})"}

    listed = signed_in.run("rules", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"{rule['id']}  Hydrate  (on)" in listed.stdout
    assert "every 30m of live time, first at 5m -> banner" in listed.stdout
    assert "not fired yet" in listed.stdout
    assert [r["id"] for r in _json(signed_in.run("rules", "list", "--json"))] == [rule["id"]]

    # A new --every keeps the --offset; --also-paused lets it fire while paused.
    updated = _json(
        signed_in.run("rules", "update", rule["id"], "--every", "1h", "--also-paused", "--json")
    )
    assert updated["trigger"] == {"type": "timer", "everySeconds": 3600, "offsetSeconds": 300}
    assert updated["liveOnly"] is False
    said = signed_in.run("rules", "update", rule["id"], "--name", "Water")
    assert said.returncode == 0 and "Updated rule 'Water'" in said.stdout

    off = _json(signed_in.run("rules", "disable", rule["id"], "--json"))
    assert off["enabled"] is False
    assert "(off)" in signed_in.run("rules", "list").stdout
    on = signed_in.run("rules", "enable", rule["id"])
    assert on.returncode == 0 and "is on" in on.stdout

    assert _json(signed_in.run("rules", "delete", rule["id"], "--json")) == {
        "id": rule["id"],
        "deleted": True,
    }
    gone = signed_in.run("rules", "delete", rule["id"])
    assert gone.returncode == 5
    assert "No rule with that id" in gone.stderr and "Traceback" not in gone.stderr
    assert "No rules yet" in signed_in.run("rules", "list").stdout


def test_refusals_name_the_flags_the_user_typed(signed_in):
    cases = [
        # (arguments, exit code, words the error must hold)
        (["--effect", "banner", "--every", "2s"], 5, ["--every", "(in seconds)"]),
        (["--effect", "banner", "--every", "1m", "--offset", "48h"], 5, ["--offset"]),
        (["--effect", "no-such", "--every", "1m"], 5, ["--effect"]),
        (
            ["--effect", "banner", "--every", "1m", "-p", "text=Hi {user}"],
            5,
            ["--param text", "{user}"],
        ),
        (["--effect", "flash", "--on", "started", "-p", "opacity=7"], 5, ["--param opacity"]),
        (
            ["--effect", "banner", "--obs", "streamStarted", "--scene", "Game"],
            5,
            ["--scene", "sceneChanged"],
        ),
        (["--effect", "banner", "--every", "soon"], 2, ["--every", "not a duration"]),
        (["--effect", "banner", "--every", "1.5s"], 2, ["--every", "whole seconds"]),
        (["--effect", "banner", "--cooldown", "later", "--webhook"], 2, ["--cooldown"]),
        (["--effect", "banner", "--every", "1m", "--webhook"], 2, ["--every and --webhook"]),
        (["--effect", "banner", "--offset", "1m"], 2, ["--offset goes with --every"]),
        (["--effect", "banner"], 2, ["needs a trigger"]),
        (["--every", "1m"], 2, ["--effect"]),
        (["--effect", "banner", "--on", "crashed"], 2, ["--on"]),
    ]
    for args, code, words in cases:
        result = signed_in.run("rules", "create", "Bad", *args)
        assert result.returncode == code, (args, result.stderr)
        assert "Traceback" not in result.stderr
        for word in words:
            assert word in result.stderr, (args, word, result.stderr)
    # Several problems at once: the first in the error, the others in the hint.
    both = signed_in.run(
        "rules", "create", "Bad", "--effect", "nope", "--every", "1m", "-p", "text={who}"
    )
    assert both.returncode == 5
    assert "error: Invalid --effect:" in both.stderr
    assert "hint: Also --param text:" in both.stderr
    assert _json(signed_in.run("rules", "list", "--json")) == []


def test_the_free_tier_has_three_rules(signed_in):
    for n in range(3):
        assert (
            signed_in.run("rules", "create", f"R{n}", "-e", "flash", "--on", "started").returncode
            == 0
        )
    fourth = signed_in.run("rules", "create", "R3", "-e", "flash", "--on", "started")
    assert fourth.returncode == 5
    assert "free tier allows 3 rules" in fourth.stderr


def test_a_webhook_rule_shows_its_secret_once_and_list_says_what_it_did(server, signed_in):
    created = signed_in.run(
        "rules", "create", "Raid", "--effect", "banner", "--webhook", "-p", "text=Raid from {user}"
    )
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    url = next(line.split("webhook: ", 1)[1] for line in lines if "webhook: " in line)
    secret = next(line.split("secret:  ", 1)[1] for line in lines if "secret: " in line)
    assert url.startswith(f"{server.url}/api/hooks/sfh_") and secret.startswith("sfw_")
    assert "shown only now" in created.stdout
    [rule] = _json(signed_in.run("rules", "list", "--json"))
    assert secret not in signed_in.run("rules", "list").stdout
    path = url.removeprefix(server.url)

    # No live session: it did not fire, and the list says why.
    refused = call_hook(server.url, path, secret, {"user": "ada"})
    assert refused.status_code == 409
    listed = signed_in.run("rules", "list").stdout
    assert "not fired" in listed and "(no_live_session)" in listed

    assert signed_in.run("session", "start", "--platform", "twitch").returncode == 0
    fired = call_hook(server.url, path, secret, {"user": "bob"})
    assert fired.status_code == 202, fired.text
    activation_id = fired.json()["activationId"]
    listed = signed_in.run("rules", "list").stdout
    first = listed.splitlines()
    assert any("fired " in line and activation_id in line for line in first), listed
    # The newer of the two comes first.
    fired_at = next(i for i, line in enumerate(first) if activation_id in line)
    refused_at = next(i for i, line in enumerate(first) if "not fired" in line)
    assert fired_at < refused_at

    rotated = _json(signed_in.run("rules", "rotate-secret", rule["id"], "--json"))
    assert rotated["secret"] != secret and rotated["hookId"] == rule["hookId"]
    assert call_hook(server.url, path, secret, {"user": "eve"}).status_code == 401
    assert call_hook(server.url, path, rotated["secret"], {"user": "eve"}).status_code == 202
    said = signed_in.run("rules", "rotate-secret", rule["id"])
    assert said.returncode == 0 and "secret:  sfw_" in said.stdout

    timer = _json(signed_in.run("rules", "create", "T", "-e", "flash", "--every", "1m", "--json"))
    not_hook = signed_in.run("rules", "rotate-secret", timer["id"])
    assert not_hook.returncode == 5 and "no secret" in not_hook.stderr
