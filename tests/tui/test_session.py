"""Header and session controls, driven with keys as a streamer would, against the real server."""

from __future__ import annotations

import re

from textual.widgets import Button, Select

from streamfx_cli.tui.screens import ConfirmScreen, StartSessionScreen

from .conftest import Account, make_app, run, running

CLOCK = re.compile(r"(\d+):(\d\d):(\d\d)")


def clock_seconds(text: str) -> int:
    match = CLOCK.search(text)
    assert match, f"no clock in {text!r}"
    h, m, s = (int(g) for g in match.groups())
    return h * 3600 + m * 60 + s


def header(panel) -> str:
    """The two status lines at the top."""
    return "\n".join(panel.text().splitlines()[:2])


def test_header_shows_account_server_and_session_clock(account: Account) -> None:
    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            top = header(panel)
            assert account.email in top
            assert f"Server {account.url.split('://')[1]} · live" in top
            assert "OBS · down" in top  # nothing listens where this panel looks for OBS
            assert "No live session" in top

            # A session started elsewhere (another device, the CLI) shows up by itself.
            await panel.blocking(lambda: account.start_session("kick"))
            await panel.wait(lambda: "● LIVE" in header(panel), 2, "the session in the header")
            first = clock_seconds(header(panel))
            assert "kick" in header(panel)
            await panel.pause(2.2)
            assert clock_seconds(header(panel)) >= first + 2, "the clock runs by itself"

    run(scenario())


def test_start_session_with_platform_and_brand_kit_pickers(creator_account: Account) -> None:
    account = creator_account
    neon = account.kit("Neon", colorPalette={"primary": "#33CC99"})
    calm = account.kit("Calm", colorPalette={"primary": "#3366FF"})
    account.use_kit(neon["id"])

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.press("s")
            await panel.wait(lambda: isinstance(panel.app.screen, StartSessionScreen), 3, "dialog")
            dialog = panel.app.screen
            assert "Start a session" in panel.text()
            assert "Active kit (Neon)" in panel.text()
            # Platform: open the list, one down from twitch is youtube.
            await panel.press("enter", "down", "enter")
            assert dialog.query_one("#start-platform", Select).value == "youtube"
            # Brand kit: after "Active kit (Neon)" come the kits by name: Calm, Neon.
            await panel.press("tab", "enter", "down", "enter")
            assert dialog.query_one("#start-kit", Select).value == calm["id"]
            await panel.press("tab", *"Friday", "enter")

            await panel.wait(lambda: panel.app.state.session is not None, 5, "the session to start")
            live = await panel.blocking(account.live_session)
            assert live["platform"] == "youtube"
            assert live["brandKitId"] == calm["id"]
            assert live["title"] == "Friday"
            text = panel.text()
            assert "● LIVE" in text
            assert 'youtube · "Friday" · kit Calm' in text
            assert "Calm (this session's)" in text  # the kit firing will use
            assert await panel.notified("Session started")
            start = panel.app.main.query_one("#session-start", Button)
            assert start.disabled, "a second session cannot be started while one is live"

    run(scenario())


def test_escape_cancels_starting_a_session(account: Account) -> None:
    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.press("s")
            await panel.wait(lambda: isinstance(panel.app.screen, StartSessionScreen), 3, "dialog")
            await panel.press("escape")
            await panel.wait(
                lambda: not isinstance(panel.app.screen, StartSessionScreen), 3, "close"
            )
            await panel.pause(0.3)
            assert await panel.blocking(account.live_session) is None
            assert "No live session" in header(panel)

    run(scenario())


def test_pause_freezes_the_clock_and_resume_restarts_it(account: Account) -> None:
    session = account.start_session()

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.press("p")
            await panel.wait(lambda: "PAUSED" in header(panel), 3, "the session to pause")
            assert (await panel.blocking(account.live_session))["status"] == "paused"
            # One symbol for paused, in the header and in the session panel alike.
            await panel.wait(lambda: panel.text().count("❚❚ PAUSED") == 2, 3, "both to say so")
            assert "● PAUSED" not in panel.text()
            resume = panel.app.main.query_one("#session-pause", Button)
            assert "Resume" in str(resume.label)
            frozen = clock_seconds(header(panel))
            await panel.pause(1.5)
            assert clock_seconds(header(panel)) == frozen, "paused time does not count"

            # Firing while paused is refused before it reaches the server.
            await panel.press("1")
            await panel.wait(lambda: panel.said("paused"), 2, "a notification")
            assert account.activations(session["id"])["effectsTriggered"] == 0

            await panel.press("p")
            await panel.wait(lambda: "● LIVE" in header(panel), 3, "the session to resume")
            assert (await panel.blocking(account.live_session))["status"] == "active"
            await panel.pause(2.2)
            assert clock_seconds(header(panel)) >= frozen + 2

    run(scenario())


def test_end_asks_first_and_keeps_streaming_on_no(account: Account) -> None:
    session = account.start_session("twitch")

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.press("e")
            await panel.wait(lambda: isinstance(panel.app.screen, ConfirmScreen), 3, "the question")
            assert "End this session?" in panel.text()
            await panel.press("n")
            await panel.wait(lambda: not isinstance(panel.app.screen, ConfirmScreen), 3, "close")
            await panel.pause(0.3)
            assert (await panel.blocking(account.live_session))["id"] == session["id"]

            # Enter on the dialog takes the safe answer too.
            await panel.press("e")
            await panel.wait(lambda: isinstance(panel.app.screen, ConfirmScreen), 3, "the question")
            await panel.press("enter")
            await panel.wait(lambda: not isinstance(panel.app.screen, ConfirmScreen), 3, "close")
            await panel.pause(0.3)
            assert await panel.blocking(account.live_session) is not None

            await panel.press("e")
            await panel.wait(lambda: isinstance(panel.app.screen, ConfirmScreen), 3, "the question")
            await panel.press("y")
            await panel.wait(lambda: "No live session" in header(panel), 3, "the session to end")
            assert await panel.blocking(account.live_session) is None
            status = account.get(f"/api/sessions/{session['id']}/status")
            assert status["status"] == "ended"
            assert "Ended after" in panel.text()
            assert not panel.app.main.query_one("#session-start", Button).disabled

    run(scenario())


def test_metrics_update_live_from_any_source(account: Account) -> None:
    account.start_session()

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            assert "Effects fired 0" in panel.text()
            await panel.blocking(lambda: account.fire("banner"))
            await panel.blocking(lambda: account.fire("confetti"))
            await panel.blocking(lambda: account.fire("flash"))
            await panel.wait(lambda: "Effects fired 3" in panel.text(), 1.5, "the metrics")
            text = panel.text()
            for line in ("celebration     1", "alert           1", "text            1"):
                assert line in text, line

    run(scenario())
