"""Hostile JSON: non-finite numbers, deep nesting, settings that grow without end, and an
answer that fails after its transaction (issue 12, points 1, 2 and 7).

- `NaN`, `Infinity` and `-Infinity` (which Python's parser reads but JSON has not) are
  refused with the 422 envelope in the body of every operation of /openapi.json, and
  on the WebSocket with an error message; nothing is stored, and the creator's
  triggers and brand-kit deletes go on working (a stored NaN used to break them).
- A body nested deeper than 32 levels is refused with 422; `settings` cannot grow past
  its cap however many patches are sent; and whatever is accepted can still be read
  back by /me, login and refresh.
- A refresh whose answer cannot be built rolls its rotation back: the same refresh
  token works once the fault is gone (it used to be spent, and its retry locked the
  account out).
- A message nested 5000 deep on the WebSocket gets `invalid_message` and a clean close
  (1008), before or after signing in, and no traceback reaches the log.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.accounts import TestCreator, login
from tests.support.live_server import LiveServer
from tests.support.ws import live, recv, send, ws_url

from .helpers import assert_nothing_queued, bearer, openapi_spec, operations, own_server, sign_in

NON_FINITE = ("NaN", "Infinity", "-Infinity")


def _json_operations() -> list[tuple[str, str]]:
    spec = openapi_spec()["paths"]
    return [
        (method, path)
        for method, path in operations()
        if "application/json"
        in spec[path][method.lower()].get("requestBody", {}).get("content", {})
    ]


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["details"][0]["field"] == "body"


@pytest.mark.parametrize(("method", "path"), _json_operations())
def test_non_finite_numbers_are_refused_on_every_route(
    creator: TestCreator, method: str, path: str
):
    url = path.replace("{", "").replace("}", "")  # any id: the body is judged first
    for constant in NON_FINITE:
        # At the top, and deep inside a valid-looking body.
        for text in (
            f'{{"x": {constant}}}',
            f'{{"settings": {{"a": [1, {{"b": {constant}}}]}}, "effectId": "flash"}}',
        ):
            response = creator.client.request(
                method, url, content=text, headers={"Content-Type": "application/json"}
            )
            _assert_refused(response)


def test_nan_in_settings_is_not_stored_and_nothing_breaks(creator: TestCreator):
    client = creator.client
    before = client.get("/api/auth/me").json()
    for constant in NON_FINITE:
        response = client.patch(
            "/api/auth/me",
            content=f'{{"settings": {{"x": {constant}}}}}',
            headers={"Content-Type": "application/json"},
        )
        _assert_refused(response)
    assert client.get("/api/auth/me").json() == before
    # What a stored NaN used to break: triggers and brand-kit deletes.
    assert client.post("/api/sessions/start", json={"platform": "twitch"}).status_code == 201
    assert client.post("/api/effects/trigger", json={"effectId": "flash"}).status_code == 201
    kit = client.post("/api/brand-kit", json={"name": "Spare"}).json()
    assert client.delete(f"/api/brand-kit/{kit['id']}").status_code == 204


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def test_deep_bodies_are_refused_and_accepted_ones_read_back(
    server: LiveServer, creator: TestCreator
):
    client = creator.client
    for depth in (40, 300, 5000):
        text = '{"settings": {"deep": ' + '{"a": ' * depth + "1" + "}" * depth + "}}"
        _assert_refused(
            client.patch("/api/auth/me", content=text, headers={"Content-Type": "application/json"})
        )
    deep_list = "[" * 5000 + "]" * 5000
    _assert_refused(
        client.post(
            "/api/effects/trigger",
            content='{"effectId": "flash", "params": ' + deep_list + "}",
            headers={"Content-Type": "application/json"},
        )
    )
    # As deep as the limit allows (the body is two levels, settings and its key):
    # stored, and every answer that shows settings can still be built.
    ok = client.patch("/api/auth/me", json={"settings": {"deep": _nested(29)}})
    assert ok.status_code == 200, ok.text
    assert client.get("/api/auth/me").json()["settings"]["deep"] == _nested(29)
    pair = login(server, creator.email)
    assert pair["creator"]["settings"]["deep"] == _nested(29)
    refreshed = httpx.post(
        f"{server.url}/api/auth/refresh", json={"refreshToken": pair["refreshToken"]}
    )
    assert refreshed.status_code == 200


def test_settings_cannot_grow_without_end(creator: TestCreator):
    client = creator.client
    chunk = "x" * 15_000
    refused = None
    for n in range(64):
        response = client.patch("/api/auth/me", json={"settings": {f"k{n}": chunk}})
        if response.status_code != 200:
            refused = response
            break
    assert refused is not None, "64 patches of 15 KB were all stored"
    assert refused.status_code == 422
    assert refused.json()["code"] == "settings_too_large"
    me = client.get("/api/auth/me")
    assert len(me.content) < 70 * 1024
    stored = me.json()["settings"]
    assert stored == {f"k{i}": chunk for i in range(n)}  # the refused patch changed nothing
    # Room is made by removing keys in the same request.
    again = client.patch("/api/auth/me", json={"settings": {"k0": None, f"k{n}": chunk}})
    assert again.status_code == 200
    # And too many small keys are refused the same way.
    many = client.patch(
        "/api/auth/me", json={"settings": {**{f"k{i}": None for i in range(n + 1)}}}
    )
    assert many.status_code == 200
    for start in (0, 200):
        batch = {f"s{i}": 1 for i in range(start, start + 200)}
        last = client.patch("/api/auth/me", json={"settings": batch})
    assert last.status_code == 422
    assert len(client.get("/api/auth/me").json()["settings"]) == 200


def test_a_refresh_that_cannot_be_answered_leaves_the_token_valid(tmp_path: Path):
    with own_server(tmp_path / "data") as server:
        pair = sign_in(server, "owner@example.com")
        db = sqlite3.connect(server.data_dir / "streamfx.db")
        try:
            # Settings the answer cannot be built from (written behind the server's
            # back: the API no longer stores anything like it).
            with db:
                db.execute("UPDATE creators SET settings = '{\"x\": ' ")
            refresh = {"refreshToken": pair["refreshToken"]}
            failed = httpx.post(f"{server.url}/api/auth/refresh", json=refresh)
            assert failed.status_code == 500
            assert failed.json()["code"] == "internal_error"
            with db:
                db.execute("UPDATE creators SET settings = '{}'")
        finally:
            db.close()
        # The retry with the same token works: the failed refresh spent nothing.
        retried = httpx.post(f"{server.url}/api/auth/refresh", json=refresh)
        assert retried.status_code == 200, retried.text
        me = httpx.get(f"{server.url}/api/auth/me", headers=bearer(retried.json()["accessToken"]))
        assert me.status_code == 200


# -- the WebSocket ---------------------------------------------------------------------


def test_non_finite_numbers_on_the_websocket_are_refused(server: LiveServer, creator: TestCreator):
    with live(server, creator.access_token) as ws:
        for constant in NON_FINITE:
            ws.send(
                f'{{"type": "trigger", "id": 7, "effectId": "flash", "params": {{"x": {constant}}}}}'
            )
            error = recv(ws)
            assert error["type"] == "error"
            assert (error["code"], error["httpStatus"]) == ("validation_error", 422)
        # Still open, and nothing was triggered: no activation came before the pong.
        assert_nothing_queued(ws)


def _expect_invalid_message_and_close(ws) -> None:
    error = recv(ws)
    assert (error["type"], error["code"]) == ("error", "invalid_message")
    with pytest.raises(ConnectionClosed) as closed:
        recv(ws)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "invalid_message")


def test_deep_json_on_the_websocket_is_answered_and_closed_cleanly(tmp_path: Path):
    deep = "[" * 5000 + "]" * 5000
    with own_server(tmp_path / "data") as server:
        pair = sign_in(server, "owner@example.com")
        # Before signing in: it is the first message.
        with connect(ws_url(server), open_timeout=10) as ws:
            ws.send(deep)
            _expect_invalid_message_and_close(ws)
        # Signed in.
        with live(server, pair["accessToken"]) as ws:
            ws.send('{"type": "ping", "x": ' + deep + "}")
            _expect_invalid_message_and_close(ws)
        # The server goes on serving sockets.
        with live(server, pair["accessToken"]) as ws:
            send(ws, {"type": "ping", "id": 1})
            assert recv(ws) == {"type": "pong", "id": 1}
        server.stop()
        log = server.log_text()
    assert "WebSocket" in log  # the log is there
    assert "Traceback" not in log and "RecursionError" not in log, log[-3000:]


def test_json_bodies_that_are_not_json_still_get_the_usual_answer(creator: TestCreator):
    response = creator.client.patch(
        "/api/auth/me", content='{"settings": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    # Valid JSON with a finite float still passes through untouched.
    ok = creator.client.patch("/api/auth/me", json={"settings": {"f": 1.5e300}})
    assert ok.status_code == 200
    assert ok.json()["settings"]["f"] == 1.5e300
