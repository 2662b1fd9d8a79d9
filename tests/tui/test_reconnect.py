"""The panel stays open for hours: it finds the server and OBS again by itself."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from streamfx_cli.obs.setup import TEXT
from tests.support.live_server import start_server
from tests.support.obs_studio import build_stage, effects_idle, item_enabled
from tests.support.waiting import wait_until

from .conftest import Account, CountingFactory, make_app, run, running, sign_in


def header(panel) -> str:
    return "\n".join(panel.text().splitlines()[:2])


def test_live_events_come_back_after_a_server_restart(tmp_path: Path, panel_home: Path) -> None:
    # Its own server, so restarting it never disturbs the other tests' one.
    own = start_server(tmp_path / "own-server" / "data")
    account = None
    try:
        account = sign_in(own, panel_home)
        account.start_session()

        def fire_banner() -> None:
            # A fresh connection: the restart closed the kept ones.
            httpx.post(
                f"{own.url}/api/effects/trigger",
                json={"effectId": "banner", "source": "api"},
                headers=account.http.headers,
                timeout=10,
            ).raise_for_status()

        async def scenario() -> None:
            async with running(make_app(account)) as panel:
                await panel.blocking(own.stop)
                await panel.wait(lambda: "reconnecting" in header(panel), 3, "the server lost")
                # Firing while the server is away is a notification, not a crash.
                await panel.press("1")
                await panel.wait(
                    lambda: panel.said("Cannot reach the StreamFX server"), 8, "a notice"
                )
                assert panel.app.is_running

                await panel.blocking(own.start)
                back = time.monotonic()
                await panel.wait(
                    lambda: panel.app.state.server_status == "live", 5, "the server back"
                )
                assert time.monotonic() - back < 2.0
                assert "· live" in header(panel)
                assert await panel.notified("Connected to the server again")

                await panel.blocking(fire_banner)
                fired = time.monotonic()
                await panel.wait(lambda: panel.feed_row("Banner", "api"), 1.0, "the activation")
                assert time.monotonic() - fired < 1.0
                await panel.wait(lambda: "Effects fired 1" in panel.text(), 1.0, "the metrics")

        run(scenario())
    finally:
        own.stop()
        if account is not None:
            account.http.close()


def test_obs_comes_back_within_two_seconds_after_a_restart(account: Account, obs_ready) -> None:
    account.start_session()
    factory = CountingFactory(obs_ready)

    async def scenario() -> None:
        async with running(make_app(account, factory)) as panel:
            await panel.wait(lambda: panel.app.state.obs.connected, 10, "OBS to connect")
            await panel.blocking(obs_ready.stop)
            await panel.wait(lambda: "OBS · reconnecting" in header(panel), 3, "OBS lost")
            assert await panel.notified("Lost OBS")

            # Firing while OBS is away records the effect and says it was not shown.
            await panel.press(str(panel.app.order.index(panel.app.effects["fx_flash"]) + 1))
            await panel.wait(
                lambda: (row := panel.feed_row("Flash")) and row[3].startswith("failed: "),
                6,
                "the failure in the feed",
            )
            await panel.wait(lambda: "OBS · down" in header(panel), 10, "OBS down for good")

            await panel.blocking(obs_ready.start)  # returns once OBS answers requests
            back = time.monotonic()
            await panel.wait(lambda: panel.app.state.obs.connected, 4, "OBS back")
            assert time.monotonic() - back <= 2.0, "reconnected at most 2 s after OBS is back"
            assert "connected" in header(panel)
            # The notice is posted to the UI thread right after the state flips.
            await panel.wait(lambda: panel.said("Connected to OBS again"), 2, "the notice")

            # A restarted OBS reloads its saved scene collection, which may still hold an
            # item an earlier test added above StreamFX: put the standard stage back.
            await panel.blocking(lambda: restage(obs_ready))
            calls = factory.calls
            banner = str(panel.app.order.index(panel.app.effects["fx_banner"]) + 1)
            await panel.press(banner)
            await panel.wait(
                lambda: (row := panel.feed_row("Banner")) and row[3].startswith("shown in OBS"),
                6,
                "the banner shown in OBS",
            )
            assert factory.calls == calls, "the new kept connection was used"
            with obs_ready.connect() as conn:
                assert item_enabled(conn, TEXT)

    run(scenario())
    with obs_ready.connect() as conn:
        wait_until(lambda: effects_idle(conn), 10, "the banner to end")


def test_an_ended_sign_in_is_said_plainly_and_r_picks_up_a_new_one(account: Account) -> None:
    from streamfx_cli.credentials import Login
    from tests.support.accounts import login

    stored = account.store.load()
    assert stored is not None

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            # Signed out from another device: the server ends this sign-in everywhere.
            await panel.blocking(
                lambda: account.post(
                    "/api/auth/logout", json={"refreshToken": stored.refresh_token}
                )
            )
            await panel.wait(lambda: "signed out" in header(panel), 10, "the header to say so")
            await panel.wait(lambda: panel.said("streamfx login"), 2, "how to fix it")
            assert panel.app.is_running

            # `streamfx login` again (here: the same tokens file), then r.
            tokens = await panel.blocking(lambda: login(account.server, account.email))
            account.store.save(
                Login(
                    account.url,
                    account.email,
                    account.id,
                    tokens["accessToken"],
                    tokens["refreshToken"],
                )
            )
            await panel.press("r")
            await panel.wait(lambda: "· live" in header(panel), 5, "live again")
            assert account.email in header(panel)

    run(scenario())


def restage(obs: Any) -> None:
    with obs.connect() as conn:
        build_stage(conn)
