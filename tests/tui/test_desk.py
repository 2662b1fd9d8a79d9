"""The panel on a streamer's desk: on screen at once from the last start's effects while
the server answers, notices that neither cover the feed nor stack up, one way of saying
paused, and every tile whole on a 100x30 terminal (docs/PANEL.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
from textual.widgets._toast import Toast

from streamfx_cli.client import Client
from streamfx_cli.tui.app import StreamFXApp
from streamfx_cli.tui.widgets import ActivityFeed, BrandKitPanel, EffectGrid, EffectTile

from .conftest import Account, make_app, no_obs_factory, run, running, save_artifact
from .screen import svg_lines

SMALL = (100, 30)


def held_effects(account: Account, gate: threading.Event) -> Callable[[], Client]:
    """The account's client, whose `GET /api/effects` waits until `gate` is set: a server
    slow to answer the one request the grid would otherwise wait for."""
    make = account.client_factory()

    def hold(request: httpx.Request) -> None:
        if request.url.path == "/api/effects":
            gate.wait(30)

    def factory() -> Client:
        client = make()
        client._http.event_hooks["request"].append(hold)
        return client

    return factory


def test_the_grid_is_up_before_the_server_answers_and_fires_only_once_it_has(
    account: Account,
) -> None:
    session = account.start_session()

    async def scenario() -> None:
        # A first start fills the grid from the server, and keeps what it loaded.
        async with running(make_app(account)) as panel:
            names = [t.effect.name for t in panel.app.main.query(EffectTile)]
        assert names

        gate = threading.Event()
        app = StreamFXApp(
            server_url=account.url,
            client_factory=held_effects(account, gate),
            obs_factory=no_obs_factory(),
        )
        try:
            async with running(app, loaded=False) as panel:
                grid = panel.app.main.query_one(EffectGrid)
                await panel.wait(lambda: "1 " + names[0] in panel.text(), 5, "the cached grid")
                assert [t.effect.name for t in grid.query(EffectTile)] == names
                assert grid.has_class("cached") and panel.app.state.snapshots == 0
                save_artifact(panel.app, "cached-grid.svg")  # the first frame
                await panel.wait(lambda: panel.app.main.ready, 5, "the rest of the screen")
                # Nothing fires from the cached grid: the key says why, nothing is sent.
                await panel.press("1")
                assert await panel.notified("The effects have not loaded yet.")
                assert panel.feed() == []

                gate.set()
                await panel.wait(lambda: panel.app.state.snapshots, 20, "the server's effects")
                await panel.wait(lambda: not grid.has_class("cached"), 5, "the grid to go live")
                await panel.press("1")
                await panel.wait(lambda: panel.feed_row(names[0], "panel"), 5, "the fire")
        finally:
            gate.set()
        fired = account.activations(session["id"])["effectsTriggered"]
        assert fired == 1, "only the key pressed after loading fired"

    run(scenario())


def test_the_same_notice_again_is_counted_not_stacked_and_never_covers_the_feed(
    account: Account,
) -> None:
    account.start_session()

    async def scenario() -> None:
        async with running(make_app(account)) as panel:  # OBS is not running
            banner = next(t for t in panel.app.main.query(EffectTile) if t.effect.name == "Banner")
            for _ in range(4):
                await panel.press(str(banner.number))
            await panel.wait(
                lambda: (
                    sum(r[1] == "Banner" and r[3].startswith("failed") for r in panel.feed()) == 4
                ),
                10,
                "four failed banners",
            )
            await panel.wait(
                lambda: any("(4 times)" in n.message for n in panel.app._notifications),
                5,
                "the count",
            )
            shown = [n for n in panel.app._notifications if "not shown in OBS" in n.message]
            assert len(shown) == 1 and shown[0].message.endswith("(4 times)")
            await panel.pause(0.3)
            save_artifact(panel.app, "notices.svg")
            toasts = list(panel.app.screen.query(Toast))
            assert len(toasts) == len(list(panel.app._notifications))
            feed = panel.app.main.query_one(ActivityFeed).region
            grid = panel.app.main.query_one(EffectGrid).region
            kit = panel.app.main.query_one(BrandKitPanel).region
            for toast in toasts:
                assert not toast.region.overlaps(feed), "the feed stays readable"
                assert not toast.region.overlaps(grid), "and so does the grid"
                assert kit.contains_region(toast.region)

    run(scenario())


def test_at_100x30_every_tile_name_is_whole(account: Account) -> None:
    account.start_session()
    account.post(
        "/api/effects",
        json={"name": "Celebration Fireworks Finale", "category": "celebration", "kind": "text"},
    )

    async def scenario() -> None:
        async with running(make_app(account), size=SMALL) as panel:
            await panel.pause(0.3)
            path = save_artifact(panel.app, "main-screen-100x30.svg")
            lines = svg_lines(path.read_text(), *SMALL)
            grid = panel.app.main.query_one(EffectGrid)
            tiles = list(grid.query(EffectTile))
            assert len(tiles) >= 7
            for tile in tiles:
                region = tile.region
                assert grid.content_region.contains_region(region), tile.effect.name
                shown = lines[region.y][region.x : region.right]
                label = f"{tile.number} {tile.effect.name}" if tile.number else tile.effect.name
                assert label in shown, f"{label!r} is cut: {shown!r}"
            text = "\n".join(lines)
            for label in ("Start [s]", "Pause [p]", "End [e]"):
                assert label in text, f"the session's {label} is whole"
            # The feed keeps room for a few rows, the header and the footer their lines.
            assert panel.app.main.query_one(ActivityFeed).region.height >= 6
            assert "Quit" in lines[-1]

    run(scenario())
