"""The event log and resume over `/api/ws` (docs/AGENT.md, "Event log and resume"),
against the real server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.reliability.helpers import bearer, own_server, sign_in
from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer
from tests.support.ws import recv, send, ws_url


@contextmanager
def resuming(
    server: LiveServer, token: str, since: int | None = None
) -> Iterator[tuple[ClientConnection, dict[str, Any]]]:
    """A connection signed in with `since` (left out when None), and its `ready`."""
    auth: dict[str, Any] = {"type": "auth", "token": token}
    if since is not None:
        auth["since"] = since
    with connect(ws_url(server), open_timeout=10, close_timeout=2) as ws:
        send(ws, auth)
        ready = recv(ws, 10)
        assert ready["type"] == "ready", ready
        yield ws, ready


def take(ws: ClientConnection, n: int, timeout: float = 15) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    return [recv(ws, max(0.01, deadline - time.monotonic())) for _ in range(n)]


def nothing_more(ws: ClientConnection) -> None:
    """A ping's pong is the next message: nothing else was sent."""
    send(ws, {"type": "ping", "id": "probe"})
    assert recv(ws) == {"type": "pong", "id": "probe"}


def start_session(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/api/sessions/start", json={"platform": "twitch"})
    assert response.status_code == 201, response.text
    return response.json()


def fire(client: httpx.Client, effect: str = "flash") -> dict[str, Any]:
    response = client.post("/api/effects/trigger", json={"effectId": effect})
    assert response.status_code == 201, response.text
    return response.json()


def seqs(messages: list[dict[str, Any]]) -> list[int]:
    return [m["seq"] for m in messages]


# -- numbering --------------------------------------------------------------------------


def test_concurrent_triggers_from_several_clients_get_gap_free_ordered_seqs(
    server: LiveServer, creator: TestCreator
):
    start_session(creator.client)
    clients, each = 4, 12
    fired: list[str] = []
    errors: list[BaseException] = []

    def burst() -> None:
        try:
            with httpx.Client(
                base_url=server.url, headers=bearer(creator.access_token), timeout=20
            ) as client:
                for _ in range(each):
                    fired.append(fire(client)["id"])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    with resuming(server, creator.access_token) as (ws, ready):
        threads = [threading.Thread(target=burst) for _ in range(clients)]
        for thread in threads:
            thread.start()
        # Triggers over the WebSocket join the same count.
        for i in range(each):
            send(ws, {"type": "trigger", "effectId": "flash", "id": i})
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        total = (clients + 1) * each
        # Each trigger pushes effect.triggered and session.updated; the WebSocket's own
        # triggers also get their `triggered` answers, which carry no seq.
        got = take(ws, 2 * total + each, timeout=60)
        pushed = [m for m in got if m["type"] != "triggered"]
        answered = [m for m in got if m["type"] == "triggered"]
        nothing_more(ws)
    assert len(answered) == each and all("seq" not in m for m in answered)
    assert seqs(pushed) == list(range(ready["seq"] + 1, ready["seq"] + 2 * total + 1))
    activations = [m["activation"]["id"] for m in pushed if m["type"] == "effect.triggered"]
    assert sorted(activations) == sorted(fired + [m["activation"]["id"] for m in answered])
    # Each session.updated follows its own trigger: the count goes up by one each time.
    counts = [m["session"]["metrics"]["effectsTriggered"] for m in pushed if "session" in m]
    assert counts == list(range(1, total + 1))


# -- resume -----------------------------------------------------------------------------


def test_reconnecting_with_since_gets_exactly_what_was_missed_in_order(
    server: LiveServer, creator: TestCreator
):
    session = start_session(creator.client)
    kit = creator.client.post("/api/brand-kit", json={"name": "Main"}).json()
    with resuming(server, creator.access_token) as (_, ready):
        last = ready["seq"]
    # The watcher stays connected: what it sees live is what the other missed.
    with resuming(server, creator.access_token) as (watcher, _):
        for _ in range(3):
            fire(creator.client)
        paused = creator.client.post("/api/sessions/pause", json={"sessionId": session["id"]})
        assert paused.status_code == 200, paused.text
        renamed = creator.client.put(f"/api/brand-kit/{kit['id']}", json={"name": "Renamed"})
        assert renamed.status_code == 200, renamed.text
        cleared = creator.client.post("/api/overlay/clear")
        assert cleared.status_code == 204
        live_view = take(watcher, 9)

        with resuming(server, creator.access_token, since=last) as (ws, again):
            assert again["seq"] == last + 9
            missed = take(ws, 9)
            assert missed == live_view
            assert [m["type"] for m in missed] == [
                *["effect.triggered", "session.updated"] * 3,
                "session.updated",
                "brandKit.updated",
                "clear",
            ]
            assert seqs(missed) == list(range(last + 1, last + 10))
            assert missed[6]["session"]["status"] == "paused"
            assert missed[7]["brandKit"]["name"] == "Renamed"
            nothing_more(ws)
            # Then live events, numbered on.
            resumed = creator.client.post("/api/sessions/resume", json={"sessionId": session["id"]})
            assert resumed.status_code == 200, resumed.text
            now_live = recv(ws)
            assert now_live["seq"] == last + 10 and now_live == recv(watcher)


def test_since_the_newest_seq_replays_nothing(server: LiveServer, creator: TestCreator):
    start_session(creator.client)
    with resuming(server, creator.access_token) as (_, ready):
        pass
    with resuming(server, creator.access_token, since=ready["seq"]) as (ws, again):
        assert again["seq"] == ready["seq"]
        nothing_more(ws)
        fire(creator.client)
        assert seqs(take(ws, 2)) == [ready["seq"] + 1, ready["seq"] + 2]


def test_events_published_while_replaying_are_neither_lost_nor_repeated(
    server: LiveServer, creator: TestCreator
):
    start_session(creator.client)
    for _ in range(40):
        fire(creator.client)
    stop = threading.Event()

    def keep_firing() -> None:
        with httpx.Client(
            base_url=server.url, headers=bearer(creator.access_token), timeout=20
        ) as client:
            while not stop.is_set():
                fire(client)

    firing = threading.Thread(target=keep_firing)
    firing.start()
    try:
        with resuming(server, creator.access_token, since=0) as (ws, ready):
            got = take(ws, ready["seq"] + 40, timeout=60)
    finally:
        stop.set()
        firing.join(30)
    # From the first event on, through the replay and into the live ones, one by one.
    assert seqs(got) == list(range(1, ready["seq"] + 41))


def test_an_overlay_key_resumes_too(server: LiveServer, creator: TestCreator):
    key = creator.client.post("/api/overlay/key").json()["key"]
    with resuming(server, key) as (_, ready):
        assert ready["mode"] == "listen"
    creator.client.post("/api/overlay/clear")
    with resuming(server, key, since=ready["seq"]) as (ws, _):
        assert recv(ws) == {"type": "clear", "seq": ready["seq"] + 1}
        nothing_more(ws)


def test_another_creators_since_never_shows_yours(server: LiveServer, make_creator):
    alice, bob = make_creator(), make_creator()
    start_session(alice.client)
    fire(alice.client)
    alice.client.post("/api/overlay/clear")
    bob.client.post("/api/overlay/clear")
    with resuming(server, bob.access_token, since=0) as (ws, ready):
        # Bob's log has only Bob's event, numbered from 1 of his own.
        assert ready["seq"] == 1
        assert recv(ws) == {"type": "clear", "seq": 1}
        nothing_more(ws)
    with resuming(server, alice.access_token, since=0) as (ws, ready):
        assert ready["seq"] == 4
        assert [m["type"] for m in take(ws, 4)] == [
            "session.updated",
            "effect.triggered",
            "session.updated",
            "clear",
        ]
        nothing_more(ws)


@pytest.mark.parametrize("since", ["5", -1, 1.5, True, None, 2**64, [1]])
def test_a_bad_since_is_refused_and_changes_nothing(
    server: LiveServer, creator: TestCreator, since: Any
):
    with connect(ws_url(server), open_timeout=10) as ws:
        send(ws, {"type": "auth", "token": creator.access_token, "since": since})
        if since is None:  # null is the same as leaving it out
            assert recv(ws)["type"] == "ready"
            return
        error = recv(ws)
        with pytest.raises(ConnectionClosed) as info:
            recv(ws)
    assert error["code"] == "validation_error" and error["httpStatus"] == 422
    assert error["error"] == "Invalid since: it must be a whole number, 0 or more."
    assert error["details"][0]["field"] == "since"
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008


# -- a server of the test's own ---------------------------------------------------------


def test_resume_across_a_server_restart(tmp_path: Path):
    # No expiry sweeps: with no agent, the flashes would become `expired` (one more
    # event each) whenever the restart takes longer than their maxDelayMs.
    quiet = {"STREAMFX_DELIVERY_SWEEP_EVERY": "3600"}
    with own_server(tmp_path / "data", env=quiet) as server:
        tokens = sign_in(server, "restart@example.com")
        client = httpx.Client(base_url=server.url, headers=bearer(tokens["accessToken"]))
        start_session(client)
        with resuming(server, tokens["accessToken"]) as (_, ready):
            last = ready["seq"]
        fire(client)
        server.restart()
        fire(client)
        with resuming(server, tokens["accessToken"], since=last) as (ws, again):
            missed = take(ws, 4)
            assert again["seq"] == last + 4
            assert seqs(missed) == list(range(last + 1, last + 5))
            assert [m["type"] for m in missed] == ["effect.triggered", "session.updated"] * 2
            nothing_more(ws)
        client.close()


def test_a_since_older_than_the_log_gets_resync(tmp_path: Path):
    env = {
        "STREAMFX_EVENTS_KEEP_SECONDS": "1",
        "STREAMFX_EVENTS_KEEP_COUNT": "2",
        "STREAMFX_EVENTS_PRUNE_EVERY": "1",
    }
    with own_server(tmp_path / "data", env=env) as server:
        tokens = sign_in(server, "resync@example.com")
        token = tokens["accessToken"]
        client = httpx.Client(base_url=server.url, headers=bearer(token))
        for _ in range(6):
            assert client.post("/api/overlay/clear").status_code == 204
        # Pruned once older than a second: events 1-4 go, the newest two stay.
        deadline = time.monotonic() + 30
        while True:
            with resuming(server, token, since=0) as (ws, ready):
                first = recv(ws)
            if first["type"] == "resync" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert ready["seq"] == 6
        assert first == {"type": "resync", "oldestSeq": 5}
        # After a resync, live events follow `ready`'s seq.
        with resuming(server, token, since=1) as (ws, ready):
            assert recv(ws) == {"type": "resync", "oldestSeq": 5}
            client.post("/api/overlay/clear")
            assert recv(ws) == {"type": "clear", "seq": 7}
        # Right before the oldest kept event still resumes.
        with resuming(server, token, since=5) as (ws, _):
            assert take(ws, 2) == [{"type": "clear", "seq": 6}, {"type": "clear", "seq": 7}]
            nothing_more(ws)
        # A since beyond the newest (another database's) reloads too.
        with resuming(server, token, since=100) as (ws, _):
            assert recv(ws)["type"] == "resync"
            nothing_more(ws)
        client.close()
