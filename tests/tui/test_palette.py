"""The command palette, the keys and the buttons reach the app's actions by name: a misspelt name would
do nothing at all when pressed (Textual ignores unknown actions), so every name is checked."""

from __future__ import annotations

from textual.actions import parse
from textual.command import CommandPalette

from streamfx_cli.tui.app import StreamFXApp
from streamfx_cli.tui.palette import PanelCommands
from streamfx_cli.tui.screens import MainScreen

from .conftest import Account, make_app, run, running


def app_action(name: str) -> object:
    return getattr(StreamFXApp, f"action_{name}", None)


def test_every_panel_command_names_an_action_of_the_app() -> None:
    assert len(PanelCommands.ACTIONS) == 5
    for text, action, _ in PanelCommands.ACTIONS:
        assert callable(app_action(action)), f"{text!r} runs a missing action {action!r}"


def test_every_key_of_the_main_screen_names_an_action() -> None:
    for binding in MainScreen.BINDINGS:
        target, name, _ = parse(binding.action)
        owner = StreamFXApp if target == "app" else MainScreen
        assert callable(getattr(owner, f"action_{name}", None)), binding.key


def test_palette_pauses_and_ends_the_session_like_the_keys(account: Account) -> None:
    session = account.start_session()

    async def command(panel, typed: str, shown: str) -> None:
        await panel.press("ctrl+p")
        await panel.wait(lambda: isinstance(panel.app.screen, CommandPalette), 3, "palette")
        await panel.press(*typed)
        await panel.wait(lambda: shown in panel.text(), 3, shown)
        await panel.press("enter")

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await command(panel, "pause", "Pause or resume the session")
            await panel.wait(lambda: "PAUSED" in panel.text(), 3, "the session to pause")
            assert (await panel.blocking(account.live_session))["status"] == "paused"
            # The session panel's buttons run the same actions.
            await panel.pilot.click("#session-pause")
            await panel.wait(lambda: "● LIVE" in panel.text(), 3, "the session to resume")
            assert (await panel.blocking(account.live_session))["status"] == "active"
            await command(panel, "end", "End the session")
            await panel.wait(lambda: "End this session?" in panel.text(), 3, "the question")
            await panel.press("y")
            await panel.wait(lambda: "Ended after" in panel.text(), 3, "the session to end")
            status = account.get(f"/api/sessions/{session['id']}/status")
            assert status["status"] == "ended"

    run(scenario())
