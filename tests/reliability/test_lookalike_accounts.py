"""Accounts that look like someone else's (issue 12, point 8).

Before, `bob@example.com` with a zero-width space, its fullwidth spelling, a NUL or a
right-to-left override each registered as a new account that looked the same as Bob's
in `streamfx server accounts list`. Now emails are normalised (NFKC, then lower case)
before every lookup, so the fullwidth spelling *is* Bob's email (409 on register, Bob's
account on login and set-tier), and control and format characters (Unicode Cc, Cf)
are refused with 422 in emails and display names.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.accounts import PASSWORD, register, set_tier
from tests.support.live_server import LiveServer

from .helpers import bearer, own_server

BOB = "bob@example.com"
FULLWIDTH_BOB = "".join(chr(ord(c) + 0xFEE0) for c in "bob") + "@example.com"
INVISIBLE = {
    "zero-width space": "bob\u200b@example.com",
    "NUL": "bob\x00@example.com",
    "right-to-left override": "\u202ebob@example.com",
    "zero-width joiner": "b\u200dob@example.com",
    "soft hyphen": "bo\u00adb@example.com",
    "escape": "bob\x1b[2J@example.com",
}


def _register(server: LiveServer, email: str, name: str = "Bob") -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/auth/register",
        json={"email": email, "password": PASSWORD, "displayName": name},
    )


def _accounts(server: LiveServer) -> list[dict]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "streamfx_cli",
            "server",
            "accounts",
            "list",
            "--json",
            "--data-dir",
            str(server.data_dir),
        ],
        capture_output=True,
        text=True,
        env=server.env,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture
def bobs_server(tmp_path: Path):
    with own_server(tmp_path / "data") as server:
        register(server, "owner@example.com")
        assert _register(server, BOB).status_code == 201
        yield server


def test_look_alike_emails_are_bobs_or_refused(bobs_server: LiveServer):
    server = bobs_server
    for variant in (FULLWIDTH_BOB, "BOB@EXAMPLE.COM", " Bob@Example.com "):
        taken = _register(server, variant)
        assert (taken.status_code, taken.json()["code"]) == (409, "email_taken"), variant
    for name, variant in INVISIBLE.items():
        refused = _register(server, variant)
        assert refused.status_code == 422, name
        assert refused.json()["code"] == "validation_error"
        assert refused.json()["details"][0]["field"] == "email"
    emails = sorted(a["email"] for a in _accounts(server))
    assert emails == [BOB, "owner@example.com"]


def test_login_and_set_tier_find_bob_by_any_spelling(bobs_server: LiveServer):
    server = bobs_server
    login = httpx.post(
        f"{server.url}/api/auth/login", json={"email": FULLWIDTH_BOB, "password": PASSWORD}
    )
    assert login.status_code == 200
    assert login.json()["creator"]["email"] == BOB
    # An invisible character never matches anyone: refused as a malformed email.
    hidden = httpx.post(
        f"{server.url}/api/auth/login",
        json={"email": INVISIBLE["zero-width space"], "password": PASSWORD},
    )
    assert hidden.status_code == 422
    set_tier(server, FULLWIDTH_BOB, "creator")
    tiers = {a["email"]: a["tier"] for a in _accounts(server)}
    assert tiers[BOB] == "creator"


def test_display_names_refuse_invisible_characters(bobs_server: LiveServer):
    server = bobs_server
    for name in ("Bob\u202e", "\u200bBob", "Bo\x00b", "Bob\x07"):
        refused = _register(server, "other@example.com", name=name)
        assert refused.status_code == 422, repr(name)
        assert refused.json()["details"][0]["field"] == "displayName"
    token = httpx.post(
        f"{server.url}/api/auth/login", json={"email": BOB, "password": PASSWORD}
    ).json()["accessToken"]
    patch = httpx.patch(
        f"{server.url}/api/auth/me", json={"displayName": "B\u200bob"}, headers=bearer(token)
    )
    assert patch.status_code == 422
    me = httpx.get(f"{server.url}/api/auth/me", headers=bearer(token)).json()
    assert me["displayName"] == "Bob"
    # Letters, accents and emoji are names like any other.
    fine = httpx.patch(
        f"{server.url}/api/auth/me", json={"displayName": "Zoë 🎮 Ωmega"}, headers=bearer(token)
    )
    assert fine.status_code == 200
