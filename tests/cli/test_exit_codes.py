"""Exit codes as docs/CLI.md "Usage or refusal" decides them, for every command.

One row per command of the Typer app (found by walking it, so a command added without
a row fails here by name): a bad usage that must exit 2, and a refusal that must exit 5
or why the command has none. These run in-process against the real server (the same
Typer app `streamfx` runs, errors reported as `main.run` reports them); the cases the
issue named run as real subprocesses below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from streamfx_cli.app import app
from streamfx_cli.errors import ExitCode
from streamfx_cli.main import _report
from tests.support.cli import DEVELOPER_SETTINGS, Cli
from tests.support.commands import missing_rows
from tests.support.media import png

UNKNOWN_FLAG = ("--no-such-flag",)


@dataclass(frozen=True)
class Row:
    usage: tuple[str, ...] = UNKNOWN_FLAG  # after the command's words
    refusal: tuple[str, ...] | None = None  # after the command's words; exits 5
    no_refusal: str = ""  # why there is none (the command's failures are other codes)
    after_start: bool = False  # the refusal needs a live session ("{live}": its id)


NOPE = "no-such-thing"
ROWS: dict[str, Row] = {
    "activity": Row(("--limit", "0"), ("--session", "ss_nope")),
    "agent run": Row(no_refusal="OBS: exit 7"),
    "agent start": Row(no_refusal="OBS: exit 7"),
    "agent status": Row(no_refusal="none running: exit 1"),
    "agent stop": Row(no_refusal="none running: exit 0"),
    "brand-kit create": Row((), ("--name", "Neon", "--primary", "purple")),
    "brand-kit delete": Row((), ("bk_nope",)),
    "brand-kit get": Row((), ("bk_nope",)),
    "brand-kit list": Row(no_refusal="lists what there is"),
    "brand-kit update": Row(("bk_nope",), ("bk_nope", "--name", "X")),
    "brand-kit use": Row((), ("bk_nope",)),
    "doctor": Row(no_refusal="a failed check is exit 1: tests/agent/test_doctor.py"),
    "effects create": Row(
        ("--name", "X", "--kind", "text", "--category", "text", "--queue-mode", "later"),
        ("--name", "X", "--kind", "text", "--category", NOPE),
    ),
    "effects delete": Row((), (NOPE,)),
    "effects list": Row(no_refusal="lists what there is"),
    "effects show": Row((), (NOPE,)),
    "effects update": Row(("pow",), (NOPE, "--name", "X")),
    "effects upload": Row((), ("{png}", "--name", "Logo", "--category", "custom")),
    "export": Row(("--out", "/no/such/folder/x.json"), no_refusal="exports what there is"),
    "fire": Row(("banner", "--param", "text"), (NOPE, "--no-obs")),
    "import": Row(("{png}",), no_refusal="the server's refusals: tests/cli/test_export_import.py"),
    "login": Row(no_refusal="a wrong password is exit 3"),
    "logout": Row(no_refusal="signs out, or says it was not signed in"),
    "obs config": Row(("--port", "0"), no_refusal="saves what it is given"),
    "obs scenes": Row(no_refusal="OBS: exit 7"),
    "obs setup": Row(no_refusal="OBS: exit 7; an unknown --scene is 5 once OBS answers"),
    "obs status": Row(no_refusal="OBS: exit 7"),
    "overlay clear": Row(no_refusal="clears whatever is there"),
    "overlay preview": Row(refusal=(), no_refusal=""),  # no URL before `overlay rotate`
    "overlay rotate": Row(no_refusal="always makes a new key"),
    "overlay url": Row(refusal=()),  # no URL before `overlay rotate`
    "preview": Row(("banner",), (NOPE, "-o", "{out}")),
    "replay": Row((), ("act_nope", "--no-obs")),
    "rules create": Row(("R",), ("R", "--effect", NOPE, "--every", "10m")),
    "rules delete": Row((), ("ru_nope",)),
    "rules disable": Row((), ("ru_nope",)),
    "rules enable": Row((), ("ru_nope",)),
    "rules list": Row(no_refusal="lists what there is"),
    "rules rotate-secret": Row((), ("ru_nope",)),
    "rules update": Row(("ru_nope", "--every", "soon"), ("ru_nope", "--name", "X")),
    "server accounts list": Row(no_refusal="no database is exit 1 (a local problem)"),
    "server accounts set-tier": Row(
        ("a@example.com", "gold", "--data-dir", "{data}"),
        ("nobody@example.com", "creator", "--data-dir", "{data}"),
    ),
    "server init": Row(no_refusal="makes the folder"),
    "server run": Row(("--port", "0"), no_refusal="runs"),
    "server status": Row(no_refusal="down is exit 4"),
    "server stop": Row(no_refusal="none running is exit 0 with a sentence"),
    "service install": Row((), no_refusal="without --user is usage; tests/cli/test_service.py"),
    "service status": Row((), no_refusal="reports what is installed"),
    "service uninstall": Row((), no_refusal="says when nothing was installed"),
    "session delete": Row((), ("{live}", "--yes"), after_start=True),
    "session end": Row(("extra",), ()),
    "session list": Row(no_refusal="lists what there is"),
    "session pause": Row(("extra",), ()),
    "session report": Row(("--json", "--csv"), ("ss_nope",)),
    "session resume": Row(("extra",), ()),
    "session start": Row((), ("--platform", "twitch"), after_start=True),
    "session status": Row(("a", "b"), ()),
    "stop": Row((), (NOPE,)),
    "tui": Row(no_refusal="opens the panel"),
    "up": Row(no_refusal="starts what is missing"),
    "whoami": Row(no_refusal="not signed in is exit 3"),
}


def test_every_command_has_a_row() -> None:
    assert not missing_rows(ROWS, "tests/cli/test_exit_codes.py ROWS"), missing_rows(
        ROWS, "tests/cli/test_exit_codes.py ROWS"
    )
    for name, row in ROWS.items():
        assert row.refusal is not None or row.no_refusal, f"{name}: a refusal or why not"


def _in_process(cli: Cli, argv: list[str]) -> tuple[int, str]:
    """(exit code, stderr) of `streamfx ARGV` run by the Typer app in this process,
    errors reported as `streamfx_cli.main.run` reports them."""
    env: dict[str, str | None] = dict.fromkeys(DEVELOPER_SETTINGS)
    env |= {"STREAMFX_HOME": str(cli.home), "STREAMFX_NO_KEYRING": "1", "COLUMNS": "200"}
    result = CliRunner().invoke(app, argv, env=env, input="")
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        code = _report(result.exception)
    return code, result.output


def _filled(argv: tuple[str, ...], values: dict[str, str]) -> list[str]:
    return [values.get(arg, arg) for arg in argv]


def test_bad_usage_exits_2_and_refusals_exit_5(signed_in: Cli, server, tmp_path: Path) -> None:
    picture = tmp_path / "logo.png"
    picture.write_bytes(png(8, 8, (255, 0, 0)))
    values = {
        "{png}": str(picture),
        "{out}": str(tmp_path / "sheet.png"),
        "{data}": str(server.data_dir),
    }
    wrong = []
    for name, row in sorted(ROWS.items()):
        code, said = _in_process(signed_in, [*name.split(), *_filled(row.usage, values)])
        if code != ExitCode.USAGE or "Traceback" in said:
            wrong.append(f"`streamfx {name} {' '.join(row.usage)}` (usage) exited {code}: {said}")
    for phase_after_start in (False, True):
        if phase_after_start:
            started = signed_in.run("session", "start", "--platform", "kick", "--json")
            assert started.returncode == 0, started.stderr
            values["{live}"] = started.stdout.split('"id": "')[1].split('"')[0]
        for name, row in sorted(ROWS.items()):
            if row.refusal is None or row.after_start != phase_after_start:
                continue
            argv = [*name.split(), *_filled(row.refusal, values)]
            code, said = _in_process(signed_in, argv)
            if code != ExitCode.REJECTED or "Traceback" in said:
                wrong.append(f"`streamfx {' '.join(argv)}` (refusal) exited {code}: {said}")
    assert not wrong, "\n".join(wrong)


# -- the cases issue #18 named, as a user meets them ------------------------------------


def test_the_named_cases_exit_as_documented(signed_in: Cli) -> None:
    cases = [
        (("fire", "banner", "--param", "text"), 2, "is not key=value"),
        (("brand-kit", "create"), 2, "A brand kit needs a name."),
        (("session", "status"), 5, "There is no live session."),
        (("session", "pause"), 5, "There is no live session."),
        (("overlay", "url"), 5, "No overlay URL on this machine yet."),
        (("effects", "update", "pow"), 2, "Nothing to change."),
        (("stop",), 2, "Name one effect, or give --all."),
    ]
    for argv, code, sentence in cases:
        done = signed_in.run(*argv)
        assert (done.returncode, sentence) == (code, sentence) and sentence in done.stderr, (
            argv,
            done.returncode,
            done.stderr,
        )
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    empty = signed_in.run(
        "login",
        "--email",
        signed_in.email,
        "--password-stdin",
        input="",  # type: ignore[attr-defined]
    )
    assert empty.returncode == 2, empty.stderr
    assert "error: No password was given." in empty.stderr
    assert signed_in.run("whoami").returncode == 0, "a refused login leaves the sign-in alone"
