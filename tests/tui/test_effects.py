"""The effect grid, firing (keys, Enter, command palette), cooldowns, brand-kit rules and
the activity feed, against the real server; the OBS parts against the real OBS Studio."""

from __future__ import annotations

import functools
import time

from textual.command import CommandPalette

from streamfx_cli.obs.setup import TEXT as TEXT_SOURCE
from streamfx_cli.tui.widgets import EffectTile
from tests.support.obs_studio import effects_idle, item_enabled
from tests.support.waiting import wait_until

from .conftest import Account, CountingFactory, make_app, run, running


def tile(panel, name: str) -> EffectTile:
    for found in panel.app.main.query(EffectTile):
        if found.effect.name == name:
            return found
    raise AssertionError(f"no tile for {name}")


def number_of(panel, name: str) -> str:
    return str(tile(panel, name).number)


def test_grid_shows_every_effect_by_category_with_its_number_key(account: Account) -> None:
    account.post(
        "/api/effects",
        json={"name": "Hype Train", "category": "celebration", "kind": "text"},
    )
    effects = account.get("/api/effects")

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.wait(lambda: "Hype Train" in panel.text(), 3, "the custom effect")
            text = panel.text()
            for effect in effects:
                assert effect["name"] in text, effect["name"]
            for category in ("CELEBRATION", "ALERT", "TRANSITION", "AMBIENT", "TEXT"):
                assert category in text
            # Category order, built-ins before the creator's own; each tile shows the key
            # it holds (docs/PANEL.md "Keys"): the new effect took the next free one.
            order = [(t.effect.name, t.number) for t in panel.app.main.query(EffectTile)]
            assert order == [
                ("Confetti", 1),
                ("Hype Train", 7),
                ("Flash", 2),
                ("Shake", 3),
                ("Be right back", 4),
                ("Sparkles", 5),
                ("Banner", 6),
            ]
            for name, number in order:
                assert f"{number} {name}" in text, f"{name} shows its key {number}"
            assert all(t.state.ready for t in panel.app.main.query(EffectTile))

    run(scenario())


def test_number_keys_and_enter_fire_into_obs_on_one_kept_connection(
    account: Account, obs_ready
) -> None:
    session = account.start_session()
    factory = CountingFactory(obs_ready)

    async def scenario() -> None:
        async with running(make_app(account, factory)) as panel:
            await panel.wait(lambda: panel.app.state.obs.connected, 10, "OBS to connect")
            top = "\n".join(panel.text().splitlines()[:2])
            assert "OBS 29." in top or "OBS 3" in top, top
            assert "connected" in top

            await panel.press(number_of(panel, "Banner"))
            await panel.wait(
                lambda: (row := panel.feed_row("Banner")) and row[3].startswith("shown in OBS"),
                5,
                "Banner shown in OBS",
            )
            assert panel.feed_row("Banner")[2] == "panel"  # recorded with source "tui"
            with obs_ready.connect() as conn:
                assert item_enabled(conn, TEXT_SOURCE), "the banner is on screen in OBS"

            # Enter on a focused tile fires it too.
            tile(panel, "Flash").focus()
            await panel.press("enter")
            await panel.wait(
                lambda: (row := panel.feed_row("Flash")) and row[3].startswith("shown in OBS"),
                5,
                "Flash shown in OBS",
            )
            # (OBS runs one timed effect per CPU core at once; CI machines have two,
            # and the banner holds one for 4 s: a short flash keeps clear of that.)
            await panel.press(number_of(panel, "Flash"))
            await panel.wait(lambda: len(panel.feed()) == 3, 5, "the third activation")
            await panel.wait(lambda: panel.feed()[-1][3].startswith("shown in OBS"), 5, "it shown")
            await panel.pause(1.5)  # a few connection checks
            assert panel.app.state.obs.connected

            assert factory.calls == 1, "every effect went over the one kept connection"
            assert panel.app.obs.connections_made == 1
            metrics = account.activations(session["id"])
            assert metrics["byEffect"] == {"banner": 1, "flash": 2}

    run(scenario())
    with obs_ready.connect() as conn:
        wait_until(lambda: effects_idle(conn), 10, "the effects to end in OBS")


def test_without_obs_the_effect_is_recorded_and_the_streamer_told(account: Account) -> None:
    session = account.start_session()

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.press(number_of(panel, "Banner"))
            await panel.wait(
                lambda: (row := panel.feed_row("Banner")) and row[3].startswith("failed: "),
                6,
                "the failure in the feed",
            )
            assert await panel.notified("Recorded, but not shown in OBS")
            assert account.activations(session["id"])["byEffect"] == {"banner": 1}
            # Recorded as failed, with the reason the row shows (docs/AGENT.md "Delivery record").
            (fired,) = panel.app.state.mine

            def reported() -> dict | None:
                delivery = account.get(f"/api/activations/{fired}")["delivery"]
                return delivery if delivery["status"] != "pending" else None

            recorded = await panel.blocking(lambda: wait_until(reported, 5, "the report"))
            assert recorded["status"] == "failed" and recorded["agentId"] is None
            assert panel.feed_row("Banner")[3] == f"failed: {recorded['reason']}"

    run(scenario())


def test_cooldown_greys_the_tile_with_a_countdown(account: Account) -> None:
    # A cooldown long enough that a loaded machine cannot let it run out between two
    # presses; the built-ins' 0.5-2 s ones made this test race the clock.
    created = account.http.post(
        "/api/effects",
        json={
            "name": "Slow Confetti",
            "kind": "overlay",
            "category": "celebration",
            "durationMs": 1000,
            "cooldownMs": 6000,
        },
    )
    assert created.status_code == 201, created.text
    session = account.start_session()

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            slow = tile(panel, "Slow Confetti")
            key = number_of(panel, "Slow Confetti")
            await panel.press(key)
            await panel.wait(lambda: slow.greyed, 3, "the tile to grey out")
            await panel.wait(lambda: "Slow Confetti · " in panel.text(), 2, "the seconds left")
            # Pressing a cooling tile says why instead of firing.
            await panel.press(key)
            await panel.wait(lambda: panel.said("cooling down"), 5, "a notification")
            assert account.activations(session["id"])["byEffect"] == {"slow-confetti": 1}
            await panel.wait(lambda: not slow.greyed, 10, "the cooldown to end")
            assert "Slow Confetti · " not in panel.text()
            await panel.press(key)
            await panel.wait(lambda: slow.greyed, 3, "it fired again")
            assert account.activations(session["id"])["byEffect"] == {"slow-confetti": 2}

            # A cooldown started elsewhere (a hotkey) greys the tile here too.
            brb = tile(panel, "Be right back")  # cooldown 2 s
            await panel.blocking(lambda: account.fire("brb", source="hotkey"))
            await panel.wait(lambda: brb.greyed, 3, "the tile to grey out")
            await panel.wait(lambda: not brb.greyed, 6, "the cooldown to end")

    run(scenario())


def test_effects_the_brand_kit_does_not_allow_are_greyed(account: Account) -> None:
    session = account.start_session()
    kit = account.kit("No alerts", allowedCategories=["celebration", "text", "transition"])
    account.use_kit(kit["id"])

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            for name in ("Flash", "Shake", "Sparkles"):
                await panel.wait(lambda n=name: tile(panel, n).greyed, 3, f"{name} greyed")
                assert f"{name} · not in kit" in panel.text()
            assert not tile(panel, "Banner").greyed
            await panel.press(number_of(panel, "Flash"))
            await panel.wait(lambda: panel.said("does not allow alert effects"), 5, "a notice")
            assert account.activations(session["id"])["effectsTriggered"] == 0
            # Allowing the category on the kit (from anywhere) frees the tile at once.
            await panel.blocking(
                lambda: account.put(
                    f"/api/brand-kit/{kit['id']}",
                    json={"allowedCategories": ["celebration", "text", "alert"]},
                )
            )
            await panel.wait(lambda: not tile(panel, "Flash").greyed, 1.5, "Flash allowed")
            assert tile(panel, "Be right back").greyed

    run(scenario())


def test_command_palette_fires_an_effect_by_name(account: Account) -> None:
    session = account.start_session()

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.press("ctrl+p")
            await panel.wait(lambda: isinstance(panel.app.screen, CommandPalette), 3, "palette")
            await panel.press(*"sparkles")
            await panel.wait(lambda: "Fire Sparkles" in panel.text(), 3, "the command")
            await panel.press("enter")
            await panel.wait(
                lambda: (row := panel.feed_row("Sparkles")) and row[3] == "overlay only",
                3,
                "the activation",
            )
            assert panel.feed_row("Sparkles")[2] == "panel"
            assert account.activations(session["id"])["byEffect"] == {"sparkles": 1}

    run(scenario())


def test_feed_shows_activations_from_other_processes_within_a_second(account: Account) -> None:
    account.start_session()

    cli = functools.partial(account.cli.run, timeout=60)

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            done = await panel.blocking(lambda: cli("fire", "banner", "--no-obs"))
            assert done.returncode == 0, done.stderr
            finished = time.monotonic()
            await panel.wait(lambda: panel.feed_row("Banner", "cli"), 1.0, "the CLI's banner")
            assert time.monotonic() - finished < 1.0
            # "fired", then what `fire --no-obs` reported as its delivery.
            await panel.wait(
                lambda: (
                    panel.feed_row("Banner", "cli")[3]
                    == "skipped: fired with --no-obs: recorded only"
                ),
                2.0,
                "the CLI's delivery",
            )

            done = await panel.blocking(
                lambda: cli("fire", "confetti", "--no-obs", "--source", "hotkey")
            )
            assert done.returncode == 0, done.stderr
            await panel.wait(lambda: panel.feed_row("Confetti", "hotkey"), 1.0, "the hotkey's")
            await panel.blocking(lambda: account.fire("sparkles"))
            await panel.wait(lambda: panel.feed_row("Sparkles", "api"), 1.0, "the API's")
            assert "Effects fired 3" in panel.text()

    run(scenario())


def test_uploaded_image_is_cached_here_and_shown_in_obs(
    creator_account: Account, obs_ready, panel_home
) -> None:
    account = creator_account
    from streamfx_cli.obs.setup import IMAGE
    from tests.support.obs_studio import encode_png

    image = encode_png(96, 64, (0x00, 0xCC, 0x44))
    effect = account.post(
        "/api/effects/upload",
        data={"name": "Logo", "category": "custom", "kind": "image", "durationMs": "1500"},
        files={"file": ("logo.png", image, "image/png")},
    )
    session = account.start_session()
    factory = CountingFactory(obs_ready)

    async def scenario() -> None:
        async with running(make_app(account, factory)) as panel:
            await panel.wait(lambda: panel.app.state.obs.connected, 10, "OBS to connect")
            await panel.wait(lambda: "CUSTOM" in panel.text(), 2, "the custom category")
            await panel.press(number_of(panel, "Logo"))
            await panel.wait(
                lambda: (row := panel.feed_row("Logo")) and row[3].startswith("shown in OBS"),
                8,
                "the image shown in OBS",
            )
            sha256 = effect["asset"]["sha256"]
            cached = panel_home / "cache" / "assets" / f"{sha256}.png"
            assert cached.read_bytes() == image, "downloaded once into the asset cache"
            with obs_ready.connect() as conn:
                assert item_enabled(conn, IMAGE)
                used = conn.call("GetInputSettings", {"inputName": IMAGE})["inputSettings"]
                assert used["file"] == str(cached.resolve())
            assert factory.calls == 1
            assert account.activations(session["id"])["byEffect"] == {effect["slug"]: 1}

    run(scenario())
    with obs_ready.connect() as conn:
        wait_until(lambda: effects_idle(conn), 10, "the image to hide")
