"""`streamfx session report` as a subprocess against the real server (docs/CLI.md), on a
session whose report is known (tests/support/scripted_session.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from streamfx_cli.png import decode
from tests.support.accounts import TestCreator
from tests.support.cli import Cli
from tests.support.live_server import LiveServer
from tests.support.obs_studio import ARTIFACTS
from tests.support.scripted_session import KIT_COLORS, ScriptedSession, script_session

# The report's clock times are local: pin the zone so they read as the script wrote them.
UTC_ZONE = {"TZ": "UTC", "COLUMNS": "120"}


@pytest.fixture
def scripted(server: LiveServer, creator: TestCreator) -> ScriptedSession:
    return script_session(server, creator)


@pytest.fixture
def cli(server: LiveServer, creator: TestCreator, file_cli: Cli) -> Cli:
    """The CLI signed in as the creator who owns the scripted session."""
    done = file_cli.login(server.url, creator.email)
    assert done.returncode == 0, done.stderr
    return file_cli


def report(cli: Cli, *args: str, **env: str):
    return cli.run("session", "report", *args, env={**UTC_ZONE, **env}, timeout=120)


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_the_terminal_report_shows_every_total_and_the_timeline(
    scripted: ScriptedSession, cli: Cli
):
    # No ID: the live session, else the most recent; this creator's only one is ended.
    done = report(cli)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Launch day · Sat 14 Mar 2026, 19:00-19:55" in out
    assert scripted.id in out
    for line in ("Live +42 min", "Paused +13 min", "Effects fired +12", "Delivered +70%"):
        assert re.search(line, out), line
    assert "p50 150 ms · p95 300 ms · max 300 ms" in out
    for name, n in (("banner", 4), ("confetti", 3), ("shake", 1), ("hotkey", 4), ("ws", 1)):
        assert re.search(rf"{name} +│ +{n} │", out), name
    assert re.search(r"■ alert +│ +5 │", out)
    assert re.search(r"overlay +│ +3 │", out)
    # One bar per bucket, as long as its count (4 is the longest), with its share seen.
    bars = {
        m[1]: (len(m[2]), int(m[3]), m[4])
        for m in re.finditer(r"^(\d\d:\d\d) +(█*) +(\d+) +(\S+)", out, re.MULTILINE)
    }
    assert {k: v[1:] for k, v in bars.items()} == {
        "19:00": (4, "75%"),
        "19:10": (3, "33%"),
        "19:20": (0, "-"),
        "19:30": (2, "100%"),
        "19:40": (1, "100%"),
        "19:50": (2, "100%"),
    }
    assert bars["19:00"][0] == 4 * bars["19:40"][0] == 2 * bars["19:30"][0] > 0
    assert re.search(r"^19:20 .* 10 min", out, re.MULTILINE), "the paused bucket says so"
    assert "Traceback" not in done.stderr


def test_json_is_exactly_the_api_answer(scripted: ScriptedSession, cli: Cli, creator: TestCreator):
    done = report(cli, scripted.id, "--json")
    assert done.returncode == 0, done.stderr
    answer = creator.client.get(f"/api/sessions/{scripted.id}/report").json()
    assert json.loads(done.stdout) == answer == scripted.expected


def test_csv_is_one_row_per_bucket(scripted: ScriptedSession, cli: Cli):
    done = report(cli, scripted.id, "--csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["start"] for r in rows] == [b["start"] for b in scripted.expected["buckets"]]
    assert rows[-1]["end"] == "2026-03-14T19:55:00.000Z", "the last bucket ends with the session"
    assert [int(r["total"]) for r in rows] == [4, 3, 0, 2, 1, 2]
    assert [int(r["category_alert"]) for r in rows] == [2, 1, 0, 1, 0, 1]
    assert [int(r["delivery_shown"]) for r in rows] == [2, 0, 0, 1, 0, 1]
    assert [float(r["paused_seconds"]) for r in rows] == [0, 0, 600, 0, 180, 0]
    assert [r["delivered_share"] for r in rows] == ["0.75", "0.3333", "", "1.0", "1.0", "1.0"]


def test_markdown_has_the_totals_the_tables_and_the_timeline(scripted: ScriptedSession, cli: Cli):
    done = report(cli, scripted.id, "--md")
    assert done.returncode == 0, done.stderr
    md = done.stdout
    assert md.startswith("# Launch day · Sat 14 Mar 2026, 19:00-19:55\n")
    for heading in ("By effect", "By category", "By source", "By delivery"):
        assert f"\n## {heading}\n" in md
    assert "\n## Timeline (10-minute buckets)\n" in md
    assert "| Delivered | 70% |" in md
    assert "| banner | 4 |" in md
    assert "| 19:00 | 4 | alert 2, celebration 1, text 1 | 75% |  |" in md
    assert "| 19:20 | 0 | - | - | 10 min |" in md


def test_the_picture_is_drawn_in_the_kits_colours(
    scripted: ScriptedSession, cli: Cli, tmp_path: Path
):
    target = tmp_path / "launch.png"
    done = report(cli, scripted.id, "--png", str(target))
    assert done.returncode == 0, done.stderr
    assert f"Saved the picture to {target}." in done.stdout
    keep = ARTIFACTS / "report"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(target, keep / "scripted-session.png")  # for a person to look at
    picture = decode(target.read_bytes())
    assert (picture.width, picture.height) == (1600, 900)
    counts: dict[tuple[int, int, int], int] = {}
    for i in range(0, len(picture.pixels), 4):
        rgb = tuple(picture.pixels[i : i + 3])
        counts[rgb] = counts.get(rgb, 0) + 1
    assert len(counts) > 50, "not blank: text, bars and shading"
    background = counts.get(_rgb(KIT_COLORS["background"]), 0)
    assert background > picture.width * picture.height // 3, "on the kit's background"
    # The three most fired categories (alert, text, celebration) in the kit's three
    # strong colours, each a solid area of bars.
    for role in ("primary", "secondary", "accent"):
        assert counts.get(_rgb(KIT_COLORS[role]), 0) > 5000, role


def test_matplotlib_is_imported_only_for_a_picture(
    scripted: ScriptedSession, cli: Cli, tmp_path: Path
):
    # -X importtime's list, on stderr, names every module the command imported.
    plain = report(cli, scripted.id, PYTHONPROFILEIMPORTTIME="1")
    assert plain.returncode == 0
    assert "matplotlib" not in plain.stderr
    drawn = report(cli, scripted.id, "--png", str(tmp_path / "a.png"), PYTHONPROFILEIMPORTTIME="1")
    assert drawn.returncode == 0
    assert "matplotlib" in drawn.stderr, "the check above would have seen it"


def test_without_matplotlib_the_picture_is_refused_with_how_to_install_it(
    scripted: ScriptedSession, cli: Cli, tmp_path: Path
):
    missing = tmp_path / "no-charts" / "matplotlib"
    missing.mkdir(parents=True)
    (missing / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    target = tmp_path / "a.png"
    done = report(cli, scripted.id, "--png", str(target), PYTHONPATH=str(missing.parent))
    assert done.returncode == 1
    assert "error: Drawing the report needs matplotlib, which is not installed." in done.stderr
    assert "pip install 'streamfx[charts]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not target.exists()


def test_bad_requests_are_refused_in_one_sentence(scripted: ScriptedSession, cli: Cli):
    both = report(cli, "--json", "--csv")
    assert both.returncode == 2
    assert "error: Choose one of --json, --csv and --md." in both.stderr
    unknown = report(cli, "ss_nope")
    assert unknown.returncode == 5
    assert unknown.stderr.startswith("error: ") and "session" in unknown.stderr.lower()
    nowhere = report(cli, scripted.id, "--png", "/nonexistent-folder/a.png")
    assert nowhere.returncode == 2
    assert "error: Cannot write /nonexistent-folder/a.png" in nowhere.stderr
    for done in (both, unknown, nowhere):
        assert "Traceback" not in done.stderr


def test_a_creator_without_sessions_is_told_how_to_start_one(signed_in: Cli):
    done = report(signed_in)
    assert done.returncode == 5
    assert "error: You have no sessions yet." in done.stderr
    assert "streamfx session start" in done.stderr


def test_without_an_id_a_live_session_is_the_one_reported(
    scripted: ScriptedSession, cli: Cli, creator: TestCreator
):
    live = creator.client.post("/api/sessions/start", json={"platform": "kick"}).json()
    done = report(cli, "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["sessionId"], answer["status"], answer["endTime"]) == (
        live["id"],
        "active",
        None,
    )
    terminal = report(cli)
    assert "Kick stream · " in terminal.stdout and ", live since " in terminal.stdout
