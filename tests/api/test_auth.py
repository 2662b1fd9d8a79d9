"""Accounts and tokens over a real loopback server."""

from __future__ import annotations

import base64
import json
import stat
import threading
import time

import httpx
import jwt
import pytest

from tests.support.accounts import PASSWORD, login, new_creator, register
from tests.support.live_server import LiveServer, start_server


def _me(server: LiveServer, token: str) -> httpx.Response:
    return httpx.get(f"{server.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"})


def _refresh(server: LiveServer, token: str) -> httpx.Response:
    return httpx.post(f"{server.url}/api/auth/refresh", json={"refreshToken": token})


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_first_account_owns_the_server_and_later_ones_need_signup(tmp_path):
    closed = start_server(tmp_path / "data", allow_signup=False)
    try:
        owner = register(closed, "first@example.com")
        assert owner["role"] == "owner"
        response = httpx.post(
            f"{closed.url}/api/auth/register",
            json={"email": "second@example.com", "password": PASSWORD, "displayName": "Second"},
        )
        assert response.status_code == 403
        assert response.json()["code"] == "signup_closed"
        assert "--allow-signup" in response.json()["hint"]
        # Nothing was created: the second email cannot log in.
        assert (
            httpx.post(
                f"{closed.url}/api/auth/login",
                json={"email": "second@example.com", "password": PASSWORD},
            ).status_code
            == 401
        )
        secret = closed.data_dir / "jwt-secret"
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    finally:
        closed.stop()


def test_register_validates_and_refuses_duplicates(server):
    bad = httpx.post(
        f"{server.url}/api/auth/register",
        json={"email": "not-an-email", "password": "short", "displayName": ""},
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["code"] == "validation_error"
    assert {d["field"] for d in body["details"]} == {"email", "password", "displayName"}
    account = register(server)
    again = httpx.post(
        f"{server.url}/api/auth/register",
        json={"email": account["email"].upper(), "password": PASSWORD, "displayName": "X"},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "email_taken"


def test_login_me_and_update_me(server):
    account = register(server)
    tokens = login(server, account["email"].upper())  # emails are case-insensitive
    assert tokens["tokenType"] == "bearer"
    assert tokens["expiresIn"] == 900
    claims = _claims(tokens["accessToken"])
    assert {"exp", "iat", "iss", "aud", "sub", "sid", "jti"} <= set(claims)
    assert claims["sub"] == account["id"]
    assert claims["exp"] - claims["iat"] == 900
    assert _me(server, tokens["accessToken"]).json()["email"] == account["email"]

    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    patched = httpx.patch(
        f"{server.url}/api/auth/me",
        headers=headers,
        json={"displayName": "New Name", "settings": {"theme": "dark", "x": 1}},
    )
    assert patched.status_code == 200
    patched = httpx.patch(
        f"{server.url}/api/auth/me", headers=headers, json={"settings": {"x": None}}
    )
    assert patched.json()["displayName"] == "New Name"
    assert patched.json()["settings"] == {"theme": "dark"}
    bad = httpx.patch(f"{server.url}/api/auth/me", headers=headers, json={"displayName": ""})
    assert bad.status_code == 422
    assert _me(server, tokens["accessToken"]).json()["displayName"] == "New Name"


def test_unknown_email_and_wrong_password_look_the_same(server):
    account = register(server)
    wrong = httpx.post(
        f"{server.url}/api/auth/login", json={"email": account["email"], "password": "nope-nope"}
    )
    unknown = httpx.post(
        f"{server.url}/api/auth/login",
        json={"email": "nobody@example.com", "password": "nope-nope"},
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_refresh_rotates_and_reuse_revokes_the_family(server):
    account = register(server)
    first = login(server, account["email"])
    second = _refresh(server, first["refreshToken"])
    assert second.status_code == 200
    pair = second.json()
    assert pair["refreshToken"] != first["refreshToken"]
    assert _me(server, pair["accessToken"]).status_code == 200

    replay = _refresh(server, first["refreshToken"])
    assert replay.status_code == 401
    assert replay.json()["code"] == "refresh_token_reused"
    # The whole family is dead: the newest refresh token and its access token too.
    assert _refresh(server, pair["refreshToken"]).status_code == 401
    assert _me(server, pair["accessToken"]).json()["code"] == "session_revoked"
    # Another sign-in of the same account is untouched.
    assert _me(server, login(server, account["email"])["accessToken"]).status_code == 200


def test_simultaneous_refreshes_issue_exactly_one_pair(server):
    account = register(server)
    token = login(server, account["email"])["refreshToken"]
    results: list[int] = []
    barrier = threading.Barrier(20)

    def attempt() -> None:
        barrier.wait()
        results.append(_refresh(server, token).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(200) == 1
    assert results.count(401) == 19


def test_logout_kills_access_token_at_once(server):
    account = register(server)
    tokens = login(server, account["email"])
    assert _me(server, tokens["accessToken"]).status_code == 200
    out = httpx.post(f"{server.url}/api/auth/logout", json={"refreshToken": tokens["refreshToken"]})
    assert out.status_code == 204
    after = _me(server, tokens["accessToken"])
    assert after.status_code == 401
    assert after.json()["code"] == "session_revoked"
    assert _refresh(server, tokens["refreshToken"]).status_code == 401


def _forge(claims: dict, key: bytes | str, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def test_tampered_tokens_are_refused(server):
    account = register(server)
    tokens = login(server, account["email"])
    claims = _claims(tokens["accessToken"])
    key = bytes.fromhex((server.data_dir / "jwt-secret").read_text())

    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = {
        "alg none": f"{header}.{body}.",
        "wrong key": _forge(claims, b"k" * 64),
        "wrong audience": _forge({**claims, "aud": "someone-else"}, key),
        "wrong issuer": _forge({**claims, "iss": "evil"}, key),
        "no expiry": _forge({k: v for k, v in claims.items() if k != "exp"}, key),
        "expired": _forge({**claims, "exp": int(time.time()) - 10}, key),
        "other creator": _forge({**claims, "sub": "cr_nobody"}, key),
        "garbage": "not.a.token",
    }
    for name, token in forged.items():
        response = _me(server, token)
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer", name
    assert (
        _me(server, _forge(claims, key)).status_code == 200
    )  # control: a well-formed token passes


def test_access_tokens_expire(tmp_path):
    # 3 s: a token's `exp` is in whole seconds, so one issued late in a second lives up
    # to a second less; the fresh token below must outlive one request on a busy machine.
    short = start_server(tmp_path / "data", env={"STREAMFX_ACCESS_TTL": "3"})
    try:
        account = register(short)
        tokens = login(short, account["email"])
        assert tokens["expiresIn"] == 3
        time.sleep(4.1)
        expired = _me(short, tokens["accessToken"])
        assert expired.status_code == 401
        assert expired.json()["code"] == "token_expired"
        fresh = _refresh(short, tokens["refreshToken"]).json()
        assert _me(short, fresh["accessToken"]).status_code == 200
    finally:
        short.stop()


def test_login_rate_limit(tmp_path):
    limited = start_server(tmp_path / "data")
    try:
        account = register(limited)
        for _ in range(5):
            r = httpx.post(
                f"{limited.url}/api/auth/login",
                json={"email": account["email"], "password": "wrong-pw"},
            )
            assert r.status_code == 401
        blocked = httpx.post(
            f"{limited.url}/api/auth/login", json={"email": account["email"], "password": PASSWORD}
        )
        assert blocked.status_code == 429
        assert int(blocked.headers["retry-after"]) > 0
        assert blocked.json()["code"] == "too_many_attempts"
        # Other accounts are not locked out by one account's failures.
        other = register(limited)
        assert login(limited, other["email"])["accessToken"]
    finally:
        limited.stop()


def test_errors_use_the_envelope(server, creator):
    cases = [
        (httpx.get, "/api/nowhere", 404, "not_found"),
        (httpx.delete, "/api/health", 405, "method_not_allowed"),
    ]
    for method, path, status, code in cases:
        r = method(f"{server.url}{path}")
        assert r.status_code == status
        assert r.json()["code"] == code
        assert isinstance(r.json()["error"], str)
    broken = httpx.post(
        f"{server.url}/api/auth/login",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 422
    assert "Traceback" not in broken.text
    huge = httpx.post(
        f"{server.url}/api/auth/login",
        content=b"x" * (2 * 1024 * 1024),
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.json()["code"] == "payload_too_large"
    missing = httpx.get(f"{server.url}/api/auth/me")
    assert missing.status_code == 401
    assert missing.json()["code"] == "missing_token"


@pytest.mark.parametrize("host", ["evil.example.com", "attacker.test:8420", "127.0.0.1.nip.io"])
def test_foreign_host_header_is_refused(server, host):
    r = httpx.get(f"{server.url}/api/health", headers={"Host": host})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_host"


def test_own_host_names_and_allowed_host_are_accepted(server, tmp_path):
    for host in ("localhost", f"127.0.0.1:{server.port}", f"[::1]:{server.port}"):
        assert httpx.get(f"{server.url}/api/health", headers={"Host": host}).status_code == 200
    named = start_server(tmp_path / "data", extra_args=("--allowed-host", "streambox.lan"))
    try:
        assert (
            httpx.get(f"{named.url}/api/health", headers={"Host": "streambox.lan:8420"}).status_code
            == 200
        )
        assert (
            httpx.get(f"{named.url}/api/health", headers={"Host": "other.lan"}).status_code == 400
        )
    finally:
        named.stop()


def test_members_start_on_free_and_owner_can_change_tier(server):
    made = new_creator(server, tier="professional")
    try:
        me = made.client.get("/api/auth/me").json()
        assert me["tier"] == "professional"
        assert me["role"] == "member"
    finally:
        made.client.close()
