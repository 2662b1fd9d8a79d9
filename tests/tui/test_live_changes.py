"""Changes made elsewhere reach the open panel live, and number keys stay with their
effects (docs/PANEL.md "Keys" and "Live updates"; issue #18): a `streamfx` process makes
an effect or switches the kit while the panel is open, and the panel follows without `r`."""

from __future__ import annotations

import functools

from streamfx_cli.tui.widgets import EffectTile

from .conftest import Account, Panel, make_app, run, running, save_artifact

# A new account's keys: the built-ins in grid order (tests/api/test_effect_keys.py).
FIRST_KEYS = {
    1: "Confetti",
    2: "Flash",
    3: "Shake",
    4: "Be right back",
    5: "Sparkles",
    6: "Banner",
}


def keys_shown(panel: Panel) -> dict[int, str]:
    """Each tile's key as the grid shows it."""
    return {t.number: t.effect.name for t in panel.app.main.query(EffectTile) if t.number}


async def fire_by_key(panel: Panel, number: int, name: str) -> None:
    """Press a number key; the feed shows `name` fired from the panel."""
    before = len(panel.feed())
    await panel.press(str(number))
    await panel.wait(lambda: len(panel.feed()) > before, 5, f"key {number} to fire")
    assert panel.feed()[-1][1] == name, f"key {number} fired {panel.feed()[-1][1]}, not {name}"


def test_an_effect_made_elsewhere_appears_live_and_moves_no_key(account: Account) -> None:
    session = account.start_session()
    cli = functools.partial(account.cli.run, timeout=60)

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            assert keys_shown(panel) == FIRST_KEYS
            loads = panel.app.state.snapshots
            made = await panel.blocking(
                lambda: cli(
                    "effects", "create", "--name", "Air Horn", "--kind", "overlay",
                    "--category", "celebration",
                )
            )  # fmt: skip
            assert made.returncode == 0, made.stderr
            # It sorts before Sparkles in the grid, yet takes the next free key (7): no
            # key moves, and the panel shows it without being told to reload.
            await panel.wait(lambda: "7 Air Horn" in panel.text(), 5, "the new tile")
            assert panel.app.state.snapshots == loads, "followed live, not by reloading"
            assert keys_shown(panel) == {**FIRST_KEYS, 7: "Air Horn"}
            for number in (5, 1, 6, 7):
                name = {**FIRST_KEYS, 7: "Air Horn"}[number]
                await fire_by_key(panel, number, name)
            metrics = await panel.blocking(lambda: account.activations(session["id"]))
            assert metrics["byEffect"] == {
                "sparkles": 1,
                "confetti": 1,
                "banner": 1,
                "air-horn": 1,
            }

            # Deleted elsewhere: the tile goes, its key is free, the others stay.
            gone = await panel.blocking(lambda: cli("effects", "delete", "air-horn"))
            assert gone.returncode == 0, gone.stderr
            # (While the grid is rebuilt it is empty for a moment: wait for the whole grid.)
            await panel.wait(lambda: keys_shown(panel) == FIRST_KEYS, 10, "the tile to go")
            await panel.press("7")
            assert await panel.notified("No effect is on key 7")

    run(scenario())


def test_setting_a_key_in_the_panel_moves_it_and_the_cli_sees_it(account: Account) -> None:
    account.start_session()
    cli = functools.partial(account.cli.run, timeout=60)

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            banner = next(t for t in panel.app.main.query(EffectTile) if t.number == 6)
            banner.focus()
            await panel.press("n")
            await panel.wait(lambda: "Key for Banner (now key 6)" in panel.text(), 3, "asking")
            save_artifact(panel.app, "key-choice.svg")
            await panel.press("5")
            assert await panel.notified("Key 5 fires Banner")
            assert panel.said("Sparkles had it and has no key now")
            await panel.wait(lambda: keys_shown(panel).get(5) == "Banner", 3, "the grid")
            assert 6 not in keys_shown(panel)
            await fire_by_key(panel, 5, "Banner")
            listed = await panel.blocking(lambda: cli("effects", "list", "--json"))
            assert '"slug": "banner"' in listed.stdout
            # Sparkles, without a key now, takes key 6 from the command line: the panel
            # follows live.
            moved = await panel.blocking(lambda: cli("effects", "update", "sparkles", "--key", "6"))
            assert moved.returncode == 0, moved.stderr
            await panel.wait(lambda: keys_shown(panel).get(6) == "Sparkles", 5, "the CLI's key")
            await fire_by_key(panel, 6, "Sparkles")

    run(scenario())


def test_brand_kit_use_elsewhere_switches_the_panels_kit_and_firing_follows(
    creator_account: Account,
) -> None:
    account = creator_account
    talk = account.kit("Talk only", allowedCategories=["text"])
    party = account.kit("Party")
    account.use_kit(talk["id"])
    account.start_session()  # without a kit of its own: it follows the active one
    cli = functools.partial(account.cli.run, timeout=60)

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.wait(lambda: "Talk only (active)" in panel.text(), 3, "the active kit")
            loads = panel.app.state.snapshots
            await panel.press("5")
            assert await panel.notified("does not allow ambient effects")

            used = await panel.blocking(lambda: cli("brand-kit", "use", party["id"]))
            assert used.returncode == 0, used.stderr
            await panel.wait(lambda: "Party (active)" in panel.text(), 5, "the switch")
            assert panel.app.state.snapshots == loads, "followed live, not by reloading"
            await fire_by_key(panel, 5, "Sparkles")
            assert not panel.said("category")

    run(scenario())
