"""No network or OBS call blocks the panel: a frozen OBS or server never freezes the keys."""

from __future__ import annotations

import time

from streamfx_cli.client import Client, Session
from streamfx_cli.obs import ObsConnection
from streamfx_cli.tui.app import StreamFXApp
from streamfx_cli.tui.screens import StartSessionScreen

from .conftest import Account, HungListener, make_app, run, running

# A key press, its handling and a repaint; generous for a loaded 2-core machine.
RESPONSIVE_S = 0.5
# Opening and closing a dialog while requests hang: a panel held up by them would take
# the HTTP client's 10 s read timeout; a loaded 2-core machine (OBS and servers of other
# tests beside it) has been seen to take almost 3 s for the two repaints.
DIALOG_ROUND_TRIP_S = 5.0


def test_a_frozen_obs_never_holds_up_the_panel(
    account: Account, hung_listener: HungListener
) -> None:
    account.start_session()
    # OBS accepts the connection and then says nothing: every connect waits out its timeout.
    frozen = lambda: ObsConnection("127.0.0.1", hung_listener.port, "", timeout=1.5)  # noqa: E731

    async def scenario() -> None:
        async with running(make_app(account, frozen)) as panel:
            banner = str(panel.app.order.index(panel.app.effects["fx_banner"]) + 1)
            confetti = str(panel.app.order.index(panel.app.effects["fx_confetti"]) + 1)
            await panel.press(banner)
            await panel.wait(lambda: panel.feed_row("Banner"), 2, "the banner recorded")
            # While the banner waits for OBS, the panel takes the next key at once.
            started = time.monotonic()
            await panel.press(confetti)
            await panel.wait(
                lambda: (row := panel.feed_row("Confetti")) and row[3] == "overlay only",
                2,
                "the confetti",
            )
            assert time.monotonic() - started < 1.0
            assert panel.feed_row("Banner")[3] == "sending to OBS…", "still waiting on OBS"
            await panel.wait(
                lambda: panel.feed_row("Banner")[3].startswith("failed: "), 8, "OBS to time out"
            )
            assert await panel.notified("Recorded, but not shown in OBS")

    run(scenario())


def test_a_frozen_server_never_holds_up_the_panel(
    account: Account, hung_listener: HungListener
) -> None:
    frozen_url = f"http://127.0.0.1:{hung_listener.port}"
    store = account.store
    app = StreamFXApp(
        server_url=frozen_url,
        client_factory=lambda: Client(frozen_url, Session(store)),
        obs_factory=lambda: ObsConnection("127.0.0.1", hung_listener.port, "", timeout=1.0),
    )

    async def scenario() -> None:
        async with running(app, loaded=False) as panel:
            await panel.pause(0.5)  # the first requests are now hanging
            assert "connecting" in panel.text().splitlines()[0]
            for _ in range(3):
                started = time.monotonic()
                await panel.press("s")
                await panel.wait(
                    lambda: isinstance(panel.app.screen, StartSessionScreen),
                    DIALOG_ROUND_TRIP_S,
                    "the dialog",
                )
                await panel.press("escape")
                await panel.wait(
                    lambda: not isinstance(panel.app.screen, StartSessionScreen),
                    DIALOG_ROUND_TRIP_S,
                    "the dialog to close",
                )
                assert time.monotonic() - started < DIALOG_ROUND_TRIP_S
            await panel.press("p")
            await panel.wait(lambda: panel.said("no live session"), 2, "a notice")
            # Let the hung requests fail now, so the test does not wait out their timeouts.
            hung_listener.close()
            await panel.wait(lambda: panel.said("Cannot reach"), 10, "the failure notified")
            assert panel.app.is_running

    run(scenario())
