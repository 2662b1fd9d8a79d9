"""The brand-kit panel: real colours, fonts, motion; switching the active kit."""

from __future__ import annotations

from textual.widgets import Select

from .conftest import Account, make_app, run, running
from .screen import background_colours

NEON = {
    "primary": "#33CC99",
    "secondary": "#F107A3",
    "accent": "#FFD166",
    "background": "#101820",
    "text": "#FF6600",
}


def test_panel_shows_the_kit_in_its_real_colours_fonts_and_motion(
    creator_account: Account,
) -> None:
    account = creator_account
    neon = account.kit(
        "Neon",
        colorPalette=NEON,
        typography={"headingFont": "DejaVu Sans", "bodyFont": "Inter", "baseSize": 40},
        motionIntensity=4,
        allowedCategories=["celebration", "text"],
    )
    account.use_kit(neon["id"])

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.wait(lambda: "Neon (active)" in panel.text(), 3, "the kit")
            text = panel.text()
            for role, colour in NEON.items():
                assert f"{role:<10} {colour}" in text, role
            assert "Fonts   DejaVu Sans / Inter · 40px" in text
            assert "Motion  ●●●●○ 4/5" in text
            assert "Allows  celebration, text" in text
            # The swatches are painted in the kit's own colours.
            painted = background_colours(panel.app.export_screenshot())
            for colour in NEON.values():
                assert colour.lower() in painted, colour

            # An edit made elsewhere shows at once (brandKit.updated).
            await panel.blocking(
                lambda: account.put(
                    f"/api/brand-kit/{neon['id']}", json={"colorPalette": {"primary": "#AA0011"}}
                )
            )
            await panel.wait(lambda: "primary    #AA0011" in panel.text(), 1.5, "the new colour")
            assert "#aa0011" in background_colours(panel.app.export_screenshot())

    run(scenario())


def test_switching_the_active_kit_saves_it_and_changes_what_may_fire(
    creator_account: Account,
) -> None:
    account = creator_account
    calm = account.kit("Calm", colorPalette={"primary": "#3366FF"}, allowedCategories=["alert"])
    neon = account.kit("Neon", colorPalette={"primary": "#33CC99"})
    account.use_kit(neon["id"])
    account.start_session()  # without a kit of its own: it follows the active one

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.wait(lambda: "Neon (active)" in panel.text(), 3, "the active kit")
            await panel.press("k")
            select = panel.app.main.query_one("#kit-select", Select)
            await panel.wait(lambda: select.expanded, 2, "the kit list to open")
            # The list: blank, Calm, Neon (by name), on Neon now.
            await panel.press("up", "enter")
            await panel.wait(lambda: "Calm (active)" in panel.text(), 3, "the switch")
            me = await panel.blocking(lambda: account.get("/api/auth/me"))
            assert me["settings"]["activeBrandKitId"] == calm["id"]
            assert await panel.notified("Active brand kit: Calm")
            assert "primary    #3366FF" in panel.text()
            # Calm only allows alerts: the rest of the grid greys out.
            await panel.wait(lambda: "Confetti · not in kit" in panel.text(), 2, "greyed tiles")
            assert "Flash · not in kit" not in panel.text()

    run(scenario())


def test_without_any_kit_the_defaults_show(account: Account) -> None:
    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            text = panel.text()
            assert "No brand kit: StreamFX defaults" in text
            assert "primary    #7B2FF7" in text
            assert panel.app.main.query_one("#kit-select", Select).disabled
            await panel.press("k")
            await panel.wait(lambda: panel.said("No brand kits yet"), 2, "a hint")

    run(scenario())
