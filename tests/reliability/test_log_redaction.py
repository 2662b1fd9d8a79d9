"""No credential reaches the server log at any log level, however it is spelled
(issue 12, point 6).

Before, at `--log-level trace` uvicorn's `uvicorn.asgi` logger printed every request's
scope, whose `query_string` (bytes) held the overlay key in clear; and `?k%65y=<key>`
(which Starlette decodes to `key`) passed the access log's redaction. Here a server at
each of uvicorn's levels is sent the overlay key and tokens in query strings spelled
every way a client or an attacker might, over HTTP and in the WebSocket's URL, and the
log holds none of them. tests/reliability/test_secrets.py covers bodies, headers and
WebSocket messages at info and debug.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.ws import live

from .helpers import bearer, own_server, sign_in
from .test_secrets import Secrets


def _spellings(name: str, value: str) -> list[str]:
    """Query strings that a server reading `name` would take as `name=value`."""
    encoded_name = "".join(f"%{ord(c):02X}" for c in name)
    encoded_value = "".join(f"%{ord(c):02X}" for c in value)
    return [
        f"{name}={value}",
        f"{name.upper()}={value}",
        f"{name[0]}%{ord(name[1]):02x}{name[2:]}={value}",  # ?k%65y=
        f"{encoded_name}={value}",
        f"{name}={encoded_value}",
        f"{encoded_name}={encoded_value}",
        f"{name.replace('_', '%5F')}={value}",
        f"x=1&{name}={value}&y=2",
        f"{name[0]}%25{ord(name[1]):02x}{name[2:]}={value}",  # encoded twice
    ]


@pytest.mark.parametrize("level", ["critical", "error", "warning", "info", "debug", "trace"])
def test_no_credential_in_the_log_at_any_level(tmp_path: Path, level: str):
    secrets = Secrets()
    with own_server(tmp_path / "data", extra_args=("--log-level", level)) as server:
        pair = sign_in(server, "owner@example.com")
        secrets.add_pair(pair)
        key = httpx.post(
            f"{server.url}/api/overlay/key", headers=bearer(pair["accessToken"])
        ).json()["key"]
        secrets.add("overlay key", key)
        queries = [
            *_spellings("key", key),
            *_spellings("token", pair["accessToken"]),
            *_spellings("access_token", pair["accessToken"]),
            *_spellings("refresh_token", pair["refreshToken"]),
        ]
        with httpx.Client(base_url=server.url) as client:
            for query in queries:
                assert client.get(f"/overlay?{query}").status_code == 200
                client.get(f"/api/health?{query}")
                client.get(f"/api/no-such-page?{query}")
            # A key pasted into a path, where no parameter name points at it.
            client.get(f"/api/assets/{key}")
        with live(server, key, path=f"?k%65y={key}") as ws:
            ws.send('{"type": "ping"}')
            ws.recv(timeout=5)
        server.stop()  # everything flushed
        log = server.log_text()
    if level in ("info", "debug", "trace"):
        assert "/overlay?" in log  # the access log is really there
    if level == "trace":
        assert "Started scope=" in log and "query_string" in log  # uvicorn.asgi really spoke
    assert secrets.found_in(log) == [], log[-3000:]


@pytest.mark.parametrize("level", ["info", "trace"])
def test_no_webhook_id_or_secret_in_the_log(tmp_path: Path, level: str):
    """A hook's id is a capability (whoever has the URL may call it) and sits in the path
    of every call; its secret is shown once. Neither reaches the log (docs/RULES.md)."""
    from tests.support.hooks import call_hook

    secrets = Secrets()
    with own_server(tmp_path / "data", extra_args=("--log-level", level)) as server:
        pair = sign_in(server, "owner@example.com")
        secrets.add_pair(pair)
        with httpx.Client(base_url=server.url, headers=bearer(pair["accessToken"])) as client:
            rule = client.post(
                "/api/rules",
                json={"name": "Hook", "trigger": {"type": "webhook"}, "effectId": "banner"},
            ).json()
            client.post("/api/sessions/start", json={"platform": "twitch"})
            rotated = client.post(f"/api/rules/{rule['id']}/rotate-secret").json()
        secrets.add("hook id", rule["hookId"])
        secrets.add("hook secret", rule["secret"])
        secrets.add("rotated secret", rotated["secret"])
        assert (
            call_hook(server.url, rule["hookPath"], rotated["secret"], {"n": 1}).status_code == 202
        )
        assert call_hook(server.url, rule["hookPath"], rule["secret"], {"n": 2}).status_code == 401
        httpx.post(f"{server.url}/api/hooks/{rule['hookId']}?key={rule['hookId']}")
        server.stop()  # everything flushed
        log = server.log_text()
    assert "/api/hooks/" in log  # the access log really saw the calls
    assert secrets.found_in(log) == [], log[-3000:]
