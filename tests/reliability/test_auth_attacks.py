"""Attacks on sign-in, beyond what tests/api/test_auth.py and tests/api/test_ws.py cover.

Already covered there (not repeated here): `alg: none`, a foreign key, wrong aud/iss,
no exp, expired, another creator's sub and garbage over HTTP; `alg: none` and a foreign
key on the WebSocket; spent refresh tokens revoking their family; 20 racing refreshes;
logout killing the access token; 5 failures locking one email; signup closed (403).

Added here:
- tokens signed with values an attacker can know (the server's own URL, the issuer,
  the audience, an empty key, "secret"), with the algorithm switched (HS512 and HS384
  with the *real* key, `none` in other spellings, `none` keeping the real signature),
  and with the claims' types bent, all refused on HTTP *and* on the WebSocket;
- wrong aud/iss, expired, no exp and a logged-out family on the WebSocket too;
- a stolen refresh token: when the thief refreshes first, the owner's next refresh
  ends the thief's sign-in too, including the thief's open WebSocket;
- a replayed refresh token after logout, and logout with a spent token;
- credential stuffing (many emails from one address) gets 429 with Retry-After;
- an unknown email costs the same time as a wrong password (within 20 %);
- the race to become the owner of a fresh closed server has exactly one winner.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support.accounts import PASSWORD, TestCreator, login, register
from tests.support.live_server import LiveServer
from tests.support.ws import live, next_of, recv, send, ws_url

from .helpers import bearer, own_server, sign_in


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _token(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A JWT built by hand, so no library refuses to make the bad ones."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[
        header["alg"]
    ]
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64(signature)}"


def _real_key(server: LiveServer) -> bytes:
    return bytes.fromhex((server.data_dir / "jwt-secret").read_text().strip())


def _forgeries(server: LiveServer, creator: TestCreator) -> dict[str, str]:
    claims = _claims(creator.access_token)
    real = _real_key(server)
    hs256 = {"alg": "HS256", "typ": "JWT"}
    now = int(time.time())
    forged = {
        # Keys an attacker can know or guess.
        f"key {name}": _token(hs256, claims, key)
        for name, key in {
            "server url": server.url.encode(),
            "issuer": claims["iss"].encode(),
            "audience": claims["aud"].encode(),
            "empty": b"",
            "secret": b"secret",
            "creator id": creator.id.encode(),
        }.items()
    }
    forged.update(
        {
            # Algorithm confusion: the real key, but not the pinned algorithm.
            "HS512 real key": _token({"alg": "HS512", "typ": "JWT"}, claims, real),
            "HS384 real key": _token({"alg": "HS384", "typ": "JWT"}, claims, real),
            "alg None": _token({"alg": "None", "typ": "JWT"}, claims, None),
            "alg NONE": _token({"alg": "NONE", "typ": "JWT"}, claims, None),
            "alg none, real signature kept": _token({"alg": "none"}, claims, None)
            + creator.access_token.rsplit(".", 1)[1],
            "no alg": _token({"typ": "JWT"}, claims, None),
            # The real key and algorithm, but claims that must not pass.
            "wrong audience": _token(hs256, {**claims, "aud": "someone-else"}, real),
            "audience list without ours": _token(hs256, {**claims, "aud": ["other"]}, real),
            "wrong issuer": _token(hs256, {**claims, "iss": "evil"}, real),
            "expired": _token(hs256, {**claims, "iat": now - 120, "exp": now - 60}, real),
            "no exp": _token(hs256, {k: v for k, v in claims.items() if k != "exp"}, real),
            "no family": _token(hs256, {k: v for k, v in claims.items() if k != "sid"}, real),
            "family of another sign-in": _token(hs256, {**claims, "sid": "as_made_up"}, real),
            "sub as a number": _token(hs256, {**claims, "sub": 7}, real),
            "sub as a list": _token(hs256, {**claims, "sub": [creator.id]}, real),
        }
    )
    return forged


def test_forged_tokens_are_refused_on_http_and_websocket(server: LiveServer, creator: TestCreator):
    forged = _forgeries(server, creator)
    # Control: a token made the same way with the real key and claims does get in.
    good = _token({"alg": "HS256", "typ": "JWT"}, _claims(creator.access_token), _real_key(server))
    assert httpx.get(f"{server.url}/api/auth/me", headers=bearer(good)).status_code == 200

    let_in = []
    for name, token in forged.items():
        response = httpx.get(f"{server.url}/api/auth/me", headers=bearer(token))
        if response.status_code != 401 or response.headers["www-authenticate"] != "Bearer":
            let_in.append(f"HTTP {name}: {response.status_code}")
        reply, close = _ws_auth(server, token)
        if reply.get("type") != "error" or close != (4401, reply.get("code")):
            let_in.append(f"WebSocket {name}: {reply} {close}")
    assert let_in == []


def _ws_auth(server: LiveServer, token: str) -> tuple[dict[str, Any], tuple[int, str] | None]:
    """The answer to an auth message, and the close that follows a refusal."""
    with connect(ws_url(server), open_timeout=10) as ws:
        send(ws, {"type": "auth", "token": token})
        reply = recv(ws)
        if reply.get("type") == "ready":
            return reply, None
        try:
            recv(ws)
        except ConnectionClosed as closed:
            return reply, (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else None
        return reply, None


def test_a_logged_out_sign_in_cannot_open_a_websocket(server: LiveServer, creator: TestCreator):
    out = httpx.post(f"{server.url}/api/auth/logout", json={"refreshToken": creator.refresh_token})
    assert out.status_code == 204
    error, close = _ws_auth(server, creator.access_token)
    assert (error["code"], error["httpStatus"]) == ("session_revoked", 401)
    assert close == (4401, "session_revoked")


def test_a_stolen_refresh_token_is_cut_off_when_its_owner_refreshes(server: LiveServer):
    account = register(server)
    victim = login(server, account["email"])
    # The thief refreshes first and gets a working pair, and listens on the WebSocket.
    stolen = httpx.post(
        f"{server.url}/api/auth/refresh", json={"refreshToken": victim["refreshToken"]}
    )
    assert stolen.status_code == 200
    thief = stolen.json()
    with live(server, thief["accessToken"]) as thiefs_socket:
        # The victim's client refreshes with the token it holds: already spent.
        reuse = httpx.post(
            f"{server.url}/api/auth/refresh", json={"refreshToken": victim["refreshToken"]}
        )
        assert (reuse.status_code, reuse.json()["code"]) == (401, "refresh_token_reused")
        # Everything the thief got from that family is dead, the open socket included.
        closed_for = None
        try:
            next_of(thiefs_socket, "never", timeout=12)
        except ConnectionClosed as closed:
            closed_for = closed.rcvd.reason if closed.rcvd else None
        assert closed_for == "session_revoked"
    me = httpx.get(f"{server.url}/api/auth/me", headers=bearer(thief["accessToken"]))
    assert me.json()["code"] == "session_revoked"
    again = httpx.post(
        f"{server.url}/api/auth/refresh", json={"refreshToken": thief["refreshToken"]}
    )
    assert again.status_code == 401
    # The victim signs in again and is fine.
    assert login(server, account["email"])["accessToken"]


def test_refresh_tokens_are_dead_after_logout_whichever_is_presented(server: LiveServer):
    account = register(server)
    first = login(server, account["email"])
    second = httpx.post(
        f"{server.url}/api/auth/refresh", json={"refreshToken": first["refreshToken"]}
    ).json()
    # Logging out with the spent token still ends the family (the token names it).
    out = httpx.post(f"{server.url}/api/auth/logout", json={"refreshToken": first["refreshToken"]})
    assert out.status_code == 204
    for token in (first["refreshToken"], second["refreshToken"]):
        replay = httpx.post(f"{server.url}/api/auth/refresh", json={"refreshToken": token})
        assert replay.status_code == 401
        assert replay.json()["code"] in ("invalid_refresh_token", "refresh_token_reused")
        assert "accessToken" not in replay.json()
    me = httpx.get(f"{server.url}/api/auth/me", headers=bearer(second["accessToken"]))
    assert me.status_code == 401


def _login(client: httpx.Client, email: str, password: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    return response.status_code, time.perf_counter() - started


def test_unknown_email_takes_as_long_as_a_wrong_password(tmp_path: Path):
    """Each try uses a fresh email, so neither the per-email limit nor its reset skews it."""
    tries = 9
    with own_server(tmp_path / "data") as server:
        sign_in(server, "owner@example.com")
        known = [register(server)["email"] for _ in range(tries)]
        unknown_times, wrong_times = [], []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            _login(client, "warm-up@example.com", "not the password")
            for n in range(tries):
                # Interleaved, so a busy moment on the machine hits both kinds alike.
                status, took = _login(client, f"nobody-{n}@example.com", "not the password")
                assert status == 401
                unknown_times.append(took)
                status, took = _login(client, known[n], "not the password")
                assert status == 401
                wrong_times.append(took)
    # Each unknown try is compared with the wrong-password try right after it: a busy
    # moment on the machine slows both of a pair alike, where medians of each kind would
    # drift apart. A leak (no hash for an unknown email) is a ratio near 0.05.
    ratios = [u / w for u, w in zip(unknown_times, wrong_times, strict=True)]
    ratio = statistics.median(ratios)
    assert 0.75 <= ratio <= 1.33, (
        f"unknown email / wrong password, pair by pair: median {ratio:.2f} "
        f"({', '.join(f'{r:.2f}' for r in ratios)})"
    )


def test_credential_stuffing_from_one_address_gets_429(tmp_path: Path):
    with own_server(tmp_path / "data") as server:
        sign_in(server, "owner@example.com")
        victim = register(server)
        statuses = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            # A different email each time: the per-email limit never trips, the per-address one must.
            for n in range(40):
                response = client.post(
                    "/api/auth/login", json={"email": f"user{n}@example.com", "password": "123456"}
                )
                statuses.append(response.status_code)
                if response.status_code == 429:
                    break
            assert statuses[-1] == 429, statuses
            assert len(statuses) <= 31
            assert int(response.headers["retry-after"]) > 0
            assert response.json()["code"] == "too_many_attempts"
            # From here on even the right password is refused: guessing is over for a while.
            blocked = client.post(
                "/api/auth/login", json={"email": victim["email"], "password": PASSWORD}
            )
            assert blocked.status_code == 429
            assert "accessToken" not in blocked.json()


def test_only_one_of_many_simultaneous_first_registrations_owns_a_closed_server(tmp_path: Path):
    with own_server(tmp_path / "data", allow_signup=False) as server:
        results: list[httpx.Response] = []
        barrier = threading.Barrier(5)

        def attempt(n: int) -> None:
            barrier.wait()
            results.append(
                httpx.post(
                    f"{server.url}/api/auth/register",
                    json={
                        "email": f"claimant{n}@example.com",
                        "password": PASSWORD,
                        "displayName": f"Claimant {n}",
                    },
                    timeout=60,
                )
            )

        threads = [threading.Thread(target=attempt, args=(n,)) for n in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(r.status_code for r in results)
        assert statuses == [201] + [403] * 4
        owner = next(r.json() for r in results if r.status_code == 201)
        assert owner["role"] == "owner"
        assert all(r.json()["code"] == "signup_closed" for r in results if r.status_code == 403)
