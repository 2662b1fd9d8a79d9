"""Every command takes `--json` (docs/CLI.md "--json"), or is one of the few that cannot
print one answer; the ones that gained it print what scripts read."""

from __future__ import annotations

import json

from tests.support.accounts import PASSWORD
from tests.support.cli import Cli
from tests.support.commands import missing_rows, walk
from tests.support.live_server import free_port

# The commands that cannot print one JSON answer, and why (docs/CLI.md "--json").
WITHOUT_JSON = {
    "agent run": "runs in the foreground until stopped; its output is a log",
    "server run": "runs in the foreground until stopped; its output is a log",
    "tui": "a full-screen panel",
    "up": "opens the full-screen panel",
}


def test_every_command_takes_json_or_says_why_not() -> None:
    table = {name: "--json" for name, _ in walk() if name not in WITHOUT_JSON} | WITHOUT_JSON
    assert not missing_rows(table, "WITHOUT_JSON"), missing_rows(table, "WITHOUT_JSON")
    lacking = [
        name
        for name, command in walk()
        if name not in WITHOUT_JSON
        and "--json" not in [o for p in command.params for o in getattr(p, "opts", [])]
    ]
    assert not lacking, (
        f"these commands have no --json flag: {', '.join(lacking)} "
        "(add one, or a row in WITHOUT_JSON with why it cannot have one)"
    )


def _json(done) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_commands_that_gained_json_print_it(signed_in: Cli, server) -> None:
    started = _json(signed_in.run("session", "start", "--platform", "kick", "--json"))
    paused = _json(signed_in.run("session", "pause", "--json"))
    assert (paused["id"], paused["status"]) == (started["id"], "paused")
    assert _json(signed_in.run("session", "resume", "--json"))["status"] == "active"
    assert _json(signed_in.run("session", "end", "--json"))["status"] == "ended"

    issued = _json(signed_in.run("overlay", "rotate", "--json"))
    assert _json(signed_in.run("overlay", "url", "--json")) == {"url": issued["url"]}
    assert _json(signed_in.run("overlay", "clear", "--json")) == {"cleared": True}

    made = _json(
        signed_in.run(
            "effects", "create", "--name", "Pop", "--kind", "flash", "--category", "celebration",
            "--json",
        )
    )  # fmt: skip
    deleted = _json(signed_in.run("effects", "delete", "pop", "--json"))
    assert deleted == {"id": made["id"], "slug": "pop", "deleted": True}

    kit = _json(signed_in.run("brand-kit", "create", "--name", "Neon", "--json"))
    assert _json(signed_in.run("brand-kit", "use", kit["id"], "--json"))["id"] == kit["id"]
    assert _json(signed_in.run("brand-kit", "delete", kit["id"], "--json")) == {
        "id": kit["id"],
        "deleted": True,
    }

    tiered = _json(
        signed_in.run(
            "server", "accounts", "set-tier", signed_in.email, "creator",  # type: ignore[attr-defined]
            "--data-dir", str(server.data_dir), "--json",
        )
    )  # fmt: skip
    assert (tiered["email"], tiered["tier"]) == (signed_in.email, "creator")  # type: ignore[attr-defined]

    nowhere = f"http://127.0.0.1:{free_port()}"
    stopped = _json(signed_in.run("server", "stop", "--server", nowhere, "--json"))
    assert stopped["stopped"] is False and "not running" in stopped["message"]
    assert _json(signed_in.run("agent", "stop", "--json")) == {"stopped": False, "pid": None}

    gone = _json(signed_in.run("logout", "--json"))
    assert gone["email"] == signed_in.email and gone["serverTold"] is True  # type: ignore[attr-defined]
    again = _json(
        signed_in.run(
            "login", "--server", server.url, "--email", signed_in.email,  # type: ignore[attr-defined]
            "--password-stdin", "--json", input=PASSWORD + "\n",
        )
    )  # fmt: skip
    assert again["email"] == signed_in.email and again["server"] == server.url  # type: ignore[attr-defined]
