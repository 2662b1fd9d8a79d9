"""The rules view (docs/PANEL.md "Rules"), against the real server: `u` opens it with each
rule's trigger in words, its effect, on or off, and its last firing or why it last did
not fire; space switches the selected rule; a rule firing shows at once."""

from __future__ import annotations

from typing import Any

from .conftest import SIZE, Account, make_app, run, running, save_artifact
from .screen import svg_lines


def rule(account: Account, name: str, trigger: dict[str, Any], effect: str, **extra: Any) -> str:
    body = {"name": name, "trigger": trigger, "effectId": effect, **extra}
    return str(account.post("/api/rules", json=body)["id"])


def test_the_rules_view_lists_switches_and_follows_firings(creator_account: Account) -> None:
    account = creator_account
    slow = account.post(
        "/api/effects",
        json={
            "name": "Slow flash",
            "kind": "flash",
            "category": "alert",
            "params": {"color": "primary"},
            "cooldownMs": 60_000,
        },
    )
    hello = rule(account, "Hello stream", {"type": "session", "on": "started"}, slow["id"])
    again = rule(account, "Hello again", {"type": "session", "on": "started"}, slow["id"])
    rule(
        account,
        "Hydrate",
        {"type": "timer", "everySeconds": 1800},
        "banner",
        params={"text": "Drink water ({count})"},
    )
    starting = rule(
        account,
        "Starting soon",
        {"type": "obs", "event": "sceneChanged", "scene": "Starting"},
        "flash",
        enabled=False,
    )

    async def scenario() -> None:
        async with running(make_app(account)) as panel:
            await panel.press("u")
            view = panel.app.rules_view
            assert view is not None
            await panel.wait(lambda: view.loaded, 10, "the rules")
            rows = view.rows()
            assert [r[0] for r in rows] == [
                "Hello stream",
                "Hello again",
                "Hydrate",
                "Starting soon",
            ]
            assert rows[0][1:4] == ["when a session is started", "slow-flash", "on"]
            assert rows[2][1] == "every 30m of live time"
            assert rows[3][1:4] == ["on OBS sceneChanged (Starting)", "flash", "off"]
            assert {r[4] for r in rows} == {"not fired yet"}

            # A session starts: the first rule fires, the second meets the effect's cooldown;
            # the view shows both as soon as the live events say so.
            await panel.blocking(account.start_session)

            def fired() -> bool:
                now = view.rows()
                return now[0][4].startswith("fired ") and now[1][4].startswith("not fired ")

            await panel.wait(fired, 10, "the firings in the view")
            assert "(cooldown)" in view.rows()[1][4]

            # Space switches the selected rule (the cursor is on the first): off, then on.
            await panel.press("space")
            await panel.wait(lambda: view.rows()[0][3] == "off", 10, "the rule switched off")
            assert account.get(f"/api/rules/{hello}")["enabled"] is False
            assert await panel.notified("Rule 'Hello stream' is off.")
            await panel.press("down", "down", "down", "space")
            await panel.wait(lambda: view.rows()[3][3] == "on", 10, "the obs rule switched on")
            assert account.get(f"/api/rules/{starting}")["enabled"] is True
            assert account.get(f"/api/rules/{again}")["enabled"] is True

            await panel.pause(0.2)
            path = save_artifact(panel.app, "rules-view.svg")
            text = "\n".join(svg_lines(path.read_text(), *SIZE))
            for words in ("Rules", "Hydrate", "On/Off", "Refresh", "Back"):
                assert words in text, words

            # Escape goes back to the main screen, `r` there still reloads everything.
            await panel.press("escape")
            await panel.wait(lambda: panel.app.screen is panel.app.main, 5, "the main screen")
            assert "Rules" in panel.text()  # the main screen's footer offers `u`

    run(scenario())
