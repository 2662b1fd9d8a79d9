"""/docs on a box with no internet, and the headers every answer carries (issue 12, point 9).

Before, /docs (and /redoc) loaded Swagger UI from a public CDN, blank on a self-hosted
box without internet, and API answers had neither `nosniff` nor any refusal to be
framed. Now /docs is off unless the server runs with `--docs`, and then loads Swagger
UI from this server (tests/overlay/test_api_docs.py draws it in Chromium) under a strict
CSP of its own; /openapi.json is always served; every answer (successes, errors, the
middleware's own refusals) carries `X-Content-Type-Options: nosniff` and refuses
framing; the overlay page keeps its own single policy (tests/overlay run it in Chromium).
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer

from .helpers import own_server


def _assert_guarded(response: httpx.Response) -> None:
    what = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    assert response.headers.get("x-content-type-options") == "nosniff", what
    assert response.headers.get("x-frame-options") == "DENY", what
    policies = response.headers.get_list("content-security-policy")
    assert len(policies) == 1, what
    assert "frame-ancestors 'none'" in policies[0], what


def test_every_kind_of_answer_carries_the_headers(server: LiveServer, creator: TestCreator):
    url = server.url
    answers = [
        httpx.get(f"{url}/api/health"),  # 200
        httpx.get(f"{url}/openapi.json"),  # 200, always served
        creator.client.get("/api/auth/me"),  # 200 with a token
        httpx.get(f"{url}/api/auth/me"),  # 401
        httpx.get(f"{url}/api/nothing-here"),  # 404
        httpx.post(f"{url}/api/auth/login", json={}),  # 422 from FastAPI
        httpx.post(  # 422 from the strict JSON check
            f"{url}/api/auth/login",
            content='{"email": NaN}',
            headers={"Content-Type": "application/json"},
        ),
        httpx.post(f"{url}/api/auth/login", content=b"x" * (2 * 1024 * 1024)),  # 413
        httpx.get(f"{url}/api/health", headers={"Host": "evil.example"}),  # 400
        httpx.get(f"{url}/overlay"),  # the overlay page, with its own policy
        httpx.get(f"{url}/overlay/overlay.js"),
    ]
    assert sorted({a.status_code for a in answers}) == [200, 400, 401, 404, 413, 422]
    for answer in answers:
        _assert_guarded(answer)
    overlay_policy = answers[-2].headers["content-security-policy"]
    assert "script-src 'self'" in overlay_policy  # the page's own, not replaced


def test_docs_are_off_by_default(server: LiveServer):
    for path in ("/docs", "/redoc"):
        assert httpx.get(f"{server.url}{path}").status_code == 404
    assert httpx.get(f"{server.url}/openapi.json").json()["info"]["title"] == "StreamFX"


def test_docs_when_asked_for_have_a_strict_policy_and_need_no_internet(tmp_path: Path):
    with own_server(tmp_path / "data", extra_args=("--docs",)) as server:
        page = httpx.get(f"{server.url}/docs")
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        fetched = {url: httpx.get(f"{server.url}{url}") for url in assets}
    assert page.status_code == 200
    _assert_guarded(page)
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert any(s.startswith("'sha256-") for s in scripts)  # the one inline script, by hash
    # Swagger UI's script and style come from this server (an installed package), so
    # the page works on a box without internet; the policy allows nothing else.
    assert len(assets) >= 2
    for url, response in fetched.items():
        assert url.startswith("/docs/static/"), url
        assert response.status_code == 200, url
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "'self'" in scripts and not any(s.startswith("http") for s in scripts)
    assert policy["connect-src"] == "'self'"
