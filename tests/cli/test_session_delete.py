"""`streamfx session delete ID` as a subprocess against the real server: it asks first
(unless `--yes`), keeps the session on anything but yes, and refuses a live one."""

from __future__ import annotations

import json

from tests.support.cli import Cli


def _ended_session_with_a_fire(cli: Cli) -> str:
    started = cli.run("session", "start", "--platform", "kick", "--title", "Old", "--json")
    assert started.returncode == 0, started.stderr
    assert cli.run("fire", "banner", "--no-obs").returncode == 0
    assert cli.run("session", "end").returncode == 0
    return str(json.loads(started.stdout)["id"])


def _exists(cli: Cli, session_id: str) -> bool:
    return cli.run("session", "status", session_id).returncode == 0


def test_delete_asks_first_and_keeps_the_session_unless_the_answer_is_yes(signed_in: Cli):
    session_id = _ended_session_with_a_fire(signed_in)

    for answer in ("n\n", "\n", ""):  # no, the default, and no answer at all
        kept = signed_in.run("session", "delete", session_id, input=answer)
        assert kept.returncode == 1, kept.stdout
        assert f'Delete {session_id}  ended   kick "Old"' in kept.stdout
        assert "and its 1 activation? [y/N]" in kept.stdout
        assert f"error: Nothing was deleted: {session_id} is kept." in kept.stderr
        assert "Traceback" not in kept.stderr
        assert _exists(signed_in, session_id)

    deleted = signed_in.run("session", "delete", session_id, input="y\n")

    assert deleted.returncode == 0, deleted.stderr
    assert f"Deleted {session_id} and its 1 activation." in deleted.stdout
    assert not _exists(signed_in, session_id)


def test_delete_yes_json_answers_what_went(signed_in: Cli):
    session_id = _ended_session_with_a_fire(signed_in)

    deleted = signed_in.run("session", "delete", session_id, "--yes", "--json")

    assert deleted.returncode == 0, deleted.stderr
    assert json.loads(deleted.stdout) == {"sessionId": session_id, "activationsDeleted": 1}
    gone = signed_in.run("session", "delete", session_id, "--yes")
    assert gone.returncode == 5
    assert gone.stderr.startswith("error: No session with that id.")


def test_a_live_session_is_refused_without_a_question(signed_in: Cli):
    started = signed_in.run("session", "start", "--platform", "twitch", "--json")
    session_id = json.loads(started.stdout)["id"]

    refused = signed_in.run("session", "delete", session_id)

    assert refused.returncode == 5
    assert "[y/N]" not in refused.stdout
    assert refused.stderr == (
        "error: This session is active; only an ended session can be deleted.\n"
        "hint: End it first with `streamfx session end`.\n"
    )
    assert _exists(signed_in, session_id)
