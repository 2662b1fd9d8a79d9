"""`streamfx doctor [--json]`: every part a stream needs, one line each, with its fix."""

from __future__ import annotations

import typer

from ..output import emit_json, say
from .options import JsonFlag

# Wide enough for the longest check name ("obs password"), so the details line up.
NAME_WIDTH = 13
MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}


def doctor(json_out: JsonFlag = False) -> None:
    """Check the server, sign-in, keyring, OBS, its setup, fonts, overlay key and agent.

    Each line is ok, warn or FAIL, with the command that fixes it. Exits 1 when any
    check fails (warnings alone exit 0).
    """
    from ..doctor import overall, run_checks
    from ..errors import ExitCode

    checks = run_checks()
    verdict = overall(checks)
    if json_out:
        emit_json({"status": verdict, "checks": [c.as_json() for c in checks]})
    else:
        for check in checks:
            say(f"{MARKS[check.status]}  {check.name:<{NAME_WIDTH}} {check.detail}")
            if check.fix and check.status != "ok":
                say(f"      {'':<{NAME_WIDTH}} fix: {check.fix}")
        failed = sum(c.status == "fail" for c in checks)
        warned = sum(c.status == "warn" for c in checks)
        say("All good." if verdict == "ok" else f"{failed} failed, {warned} warning(s).")
    if verdict == "fail":
        raise typer.Exit(ExitCode.ERROR)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
