"""The activity feed filled from the history when the panel opens, each row following its
delivery, and `a` firing the selected row again (docs/PANEL.md), against the real server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from textual.widgets import DataTable

from .conftest import Account, Panel, make_app, run, running, save_artifact


def fire(account: Account, effect: str, source: str = "api", **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"effectId": effect, "source": source}
    if params:
        body["params"] = params
    return account.post("/api/effects/trigger", json=body)


def report_shown(account: Account, activation_id: str) -> None:
    drawn = datetime.now(UTC).isoformat(timespec="milliseconds")
    account.post(
        f"/api/activations/{activation_id}/delivery", json={"status": "shown", "drawnAt": drawn}
    )


async def select_row(panel: Panel, activation_id: str) -> None:
    """Tab to the feed (its cursor starts on the newest row) and move to this row."""
    table = panel.app.main.feed.table
    table.focus()
    await panel.pause(0.1)
    table.move_cursor(row=table.get_row_index(activation_id))
    await panel.pause(0.05)


def test_the_feed_opens_with_the_sessions_latest_activations(account: Account) -> None:
    account.start_session()
    fired = [fire(account, "flash") for _ in range(52)]
    fired.append(fire(account, "banner", "cli", text="From the CLI"))
    fired.append(fire(account, "confetti", "hotkey"))
    report_shown(account, fired[-2]["id"])
    app = make_app(account)
    # The history answers only when the test says so: the grid must not wait for it.
    answer = threading.Event()
    history = app.backend.history

    def held(session_id: str, count: int) -> list[dict[str, Any]]:
        answer.wait(20)
        return history(session_id, count)

    app.backend.history = held  # type: ignore[method-assign]

    async def scenario() -> None:
        async with running(app) as panel:
            assert "1 Confetti" in panel.text()  # the grid is up, with the history held
            assert panel.feed() == []
            answer.set()
            await panel.wait(lambda: len(panel.feed()) == 50, 10, "the history in the feed")
            rows = panel.feed()
            # The latest 50, oldest first, newest at the bottom like live rows.
            assert [r[1:3] for r in rows[:-2]] == [["Flash", "api"]] * 48
            assert rows[-2][1:3] == ["Banner", "cli"]
            assert rows[-2][3].startswith("shown in OBS · ")
            assert rows[-1][1:] == ["Confetti", "hotkey", "fired"]
            keys = [str(k.value) for k in panel.app.main.feed.table.rows]
            assert keys == [a["id"] for a in fired[-50:]]
            save_artifact(panel.app, "feed-from-history.svg")

            # A history row follows its delivery as a live row does.
            await panel.blocking(lambda: report_shown(account, fired[-3]["id"]))
            await panel.wait(
                lambda: panel.feed()[-3][3].startswith("shown in OBS · "), 5, "its delivery"
            )
            # And a new activation comes after them.
            await panel.blocking(lambda: fire(account, "sparkles"))
            await panel.wait(lambda: panel.feed()[-1][1] == "Sparkles", 5, "the new row")
            assert len(panel.feed()) == 51

    run(scenario())


def test_a_fires_the_selected_row_again(account: Account) -> None:
    session = account.start_session()
    banner = fire(account, "banner", "cli", text="Again and again")
    fire(account, "sparkles", "hotkey")

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.wait(lambda: len(panel.feed()) == 2, 10, "the history in the feed")
            # Nothing selected yet (the grid has the focus): nothing is sent.
            await panel.press("a")
            assert await panel.notified("Select a row of the activity feed first")

            await select_row(panel, banner["id"])
            table = panel.app.main.feed.table
            assert isinstance(table, DataTable) and table.show_cursor
            await panel.press("a")
            # Answered like a fire from this panel: a new row, then what came of it (no OBS
            # here, so the panel could not draw it and says so).
            await panel.wait(lambda: len(panel.feed()) == 3, 5, "the replayed row")
            row = panel.feed()[-1]
            assert row[1:3] == ["Banner", "replay"]
            await panel.wait(
                lambda: panel.feed()[-1][3].startswith("failed: OBS is not reachable"),
                10,
                "its outcome",
            )
            save_artifact(panel.app, "feed-replayed.svg")

    run(scenario())
    listed = account.get(f"/api/sessions/{session['id']}/activations")["activations"]
    assert [a["source"] for a in listed] == ["cli", "hotkey", "replay"]
    assert listed[-1]["render"]["text"] == "Again and again"


def test_a_keeps_to_the_cooldown_and_the_session(account: Account) -> None:
    horn = account.post(
        "/api/effects",
        json={"name": "Horn", "category": "sound", "kind": "flash", "cooldownMs": 60000},
    )
    session = account.start_session()
    first = fire(account, horn["id"])
    flash = fire(account, "flash")

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.wait(lambda: len(panel.feed()) == 2, 10, "the history in the feed")
            # The history started the horn's cooldown here too: refused before sending.
            await select_row(panel, first["id"])
            await panel.press("a")
            assert await panel.notified("Horn is cooling down")
            await panel.blocking(
                lambda: account.post("/api/sessions/pause", json={"sessionId": session["id"]})
            )
            await panel.wait(
                lambda: panel.app.state.session and panel.app.state.session.status == "paused",
                5,
                "the pause",
            )
            await select_row(panel, flash["id"])
            await panel.press("a")
            assert await panel.notified("The session is paused")
            assert len(panel.feed()) == 2

    run(scenario())
    assert len(account.get(f"/api/sessions/{session['id']}/activations")["activations"]) == 2
