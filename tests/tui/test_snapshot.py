"""The main screen at 120x36, as a streamer sees it: saved as an SVG under
test-artifacts/tui/ and checked by its text and by where each part sits."""

from __future__ import annotations

from textual.widgets import DataTable, Footer

from streamfx_cli.tui.widgets import (
    ActivityFeed,
    BrandKitPanel,
    EffectGrid,
    EffectTile,
    SessionPanel,
    StatusBar,
)

from .conftest import SIZE, Account, make_app, run, running, save_artifact
from .screen import svg_lines


def test_main_screen_at_120x36(creator_account: Account) -> None:
    account = creator_account
    neon = account.kit(
        "Neon",
        colorPalette={"primary": "#33CC99", "text": "#FF6600"},
        typography={"headingFont": "DejaVu Sans", "baseSize": 40},
        motionIntensity=4,
    )
    account.use_kit(neon["id"])
    account.start_session("twitch", title="Friday night")

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.blocking(lambda: account.fire("banner"))
            await panel.wait(lambda: panel.feed_row("Banner", "api"), 2, "the activation")
            await panel.blocking(lambda: account.fire("sparkles", source="hotkey"))
            await panel.wait(lambda: panel.feed_row("Sparkles", "hotkey"), 2, "the hotkey's")
            await panel.pause(0.3)
            path = save_artifact(panel.app, "main-screen.svg")
            lines = svg_lines(path.read_text(), *SIZE)
            text = "\n".join(lines)

            # -- what it says ---------------------------------------------------------
            top = lines[0] + "\n" + lines[1]
            assert account.email in top
            assert "· live" in top
            assert "OBS · down" in top
            assert "● LIVE 0:00:" in top and "twitch" in top
            assert "● LIVE  0:00:" in text and 'twitch · "Friday night" · kit Neon' in text
            assert "Effects fired 2" in text
            for n, name in enumerate(
                ["Confetti", "Flash", "Shake", "Be right back", "Sparkles", "Banner"], start=1
            ):
                assert f"{n} {name}" in text, name
            assert "1-9 or Enter: fire · n: set key · ctrl+p: fire by name" in text
            assert "Neon (active)" in text and "primary    #33CC99" in text
            assert "Motion  ●●●●○ 4/5" in text
            for label in ("Start [s]", "Pause [p]", "End [e]"):
                assert label in text
            footer = lines[-1]
            for key in (
                "1-9 Fire",
                "s Start",
                "p Pause",
                "e End",
                "a Again",
                "n Key",
                "k Kit",
                "q Quit",
            ):
                assert key in footer, key
            assert "^p palette" in footer
            rows = [line for line in lines if "Banner" in line and "api" in line]
            assert rows and "fired" in rows[0]

            # -- where things are ------------------------------------------------------
            main = panel.app.main
            assert panel.app.size == SIZE
            bar = main.query_one(StatusBar).region
            assert (bar.x, bar.y, bar.width, bar.height) == (0, 0, 120, 2)
            footer_region = main.query_one(Footer).region
            assert footer_region.y == 35 and footer_region.height == 1
            session = main.query_one(SessionPanel).region
            kit = main.query_one(BrandKitPanel).region
            grid = main.query_one(EffectGrid).region
            feed = main.query_one(ActivityFeed).region
            assert session.x == kit.x == 0 and session.width == kit.width == 46
            assert session.y == 2 and kit.y == session.bottom and kit.bottom == 35
            assert grid.x == feed.x == 46 and grid.width == feed.width == 74
            assert grid.y == 2 and feed.y == grid.bottom and feed.bottom == 35
            assert grid.height >= 16, "every category of effects fits without scrolling"
            inner = main.query_one(EffectGrid).content_region
            for tile in main.query(EffectTile):
                r = tile.region
                assert inner.contains_region(r), f"{tile.effect.name} is fully visible"
                assert r.height == 1 and r.width >= 24
            table = main.query_one(ActivityFeed).query_one(DataTable)
            assert table.region.height >= 10, "room for ten activations or so"

    run(scenario())


def test_start_dialog_at_120x36(account: Account) -> None:
    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.press("s")
            await panel.wait(lambda: "Start a session" in panel.text(), 3, "the dialog")
            await panel.pause(0.2)
            path = save_artifact(panel.app, "start-session.svg")
            text = "\n".join(svg_lines(path.read_text(), *SIZE))
            for label in ("Platform", "twitch", "Brand kit", "Active kit (defaults)", "Title"):
                assert label in text, label
            assert "Cancel" in text and "Start session" in text

    run(scenario())
