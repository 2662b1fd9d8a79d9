"""Schemathesis against the live server's /openapi.json: every operation, signed in and not.

What a client of the API would notice, checked on every generated request:
- no 5xx, ever, whatever is sent (schema-valid data and deliberately invalid data);
- the status is documented, the body matches the documented schema for it, and the
  Content-Type is the documented one;
- every error is the envelope {"error": sentence, "code": machine_code, ...}, with
  `WWW-Authenticate: Bearer` on 401 and `Retry-After` on 429, and never a traceback;
- without a token, every operation that declares bearer security answers 401.

Operations are read from the app itself, so a new route is fuzzed without anyone adding it
here (schemathesis's own `from_fixture` parametrization does not work with pytest 9).
The server is this module's own: the fuzzer fails logins by the hundred, which locks
127.0.0.1 out of signing in for a quarter of an hour.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from streamfx_server import webhooks
from tests.support.live_server import LiveServer, start_server

from .helpers import bearer, openapi_spec, operations, sign_in

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiSchema

OPERATIONS = operations()
# Per operation, signed-in state and mode (valid data, then invalid data). Modest, so the
# whole module runs in well under a minute; raise it locally to dig deeper.
EXAMPLES = int(os.environ.get("STREAMFX_FUZZ_EXAMPLES", "8"))

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("fuzz") / "data")
    yield live
    live.stop()


@pytest.fixture(scope="module")
def owner_token(fuzzed_server: LiveServer) -> str:
    # Signed in before any fuzzing: the owner (enterprise tier) reaches every operation.
    return sign_in(fuzzed_server, "owner@example.com")["accessToken"]


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: LiveServer, owner_token: str) -> OpenApiSchema:
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")


def _secured(method: str, path: str) -> bool:
    operation = openapi_spec()["paths"][path][method.lower()]
    return any("HTTPBearer" in requirement for requirement in operation.get("security", []))


def _has_inputs(method: str, path: str) -> bool:
    operation = openapi_spec()["paths"][path][method.lower()]
    return bool(operation.get("parameters") or operation.get("requestBody"))


def _header(response, name: str) -> str | None:
    values = response.headers.get(name.lower())  # schemathesis: lower-case names, lists of values
    return values[0] if values else None


def _check_envelope(response, signed_in: bool, method: str, path: str) -> None:
    status = response.status_code
    text = response.content.decode()
    body = json.loads(text) if status >= 400 else None
    if not signed_in and _secured(method, path):
        # The one answer that may come before the token is looked at: a body that is not
        # JSON at all, not even text (FastAPI parses it before running any dependency).
        # The Host guard also runs first, by design: it refuses before anything is parsed.
        not_json = (status == 400 and body["code"] in ("bad_request", "invalid_host")) or (
            status == 422 and [d["field"] for d in body.get("details", [])] == ["body"]
        )
        assert status == 401 or not_json, (
            f"{method} {path} answered {status} {body} without a token"
        )
    if body is None:
        return
    assert "Traceback" not in text
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if "details" in body:
        assert isinstance(body["details"], list), body
        for detail in body["details"]:
            # A field a person can find in their request, not a character offset (an
            # unknown key that happens to be a number, like {"0": …}, is a real field).
            if detail.get("message") != "Extra inputs are not permitted":
                assert not str(detail.get("field", "x")).split(".")[0].isdigit(), body
    if status == 401:
        # A webhook call is signed, not made with a token (docs/RULES.md): its challenge
        # names the signature.
        challenge = "Bearer" if _secured(method, path) or "/hooks/" not in path else None
        assert _header(response, "WWW-Authenticate") == (challenge or webhooks.CHALLENGE)
    if status == 429:
        assert int(_header(response, "Retry-After") or 0) > 0


@pytest.mark.parametrize("signed_in", [True, False], ids=["token", "no-token"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_never_fails_and_keeps_its_contract(
    api_schema: OpenApiSchema, owner_token: str, method: str, path: str, signed_in: bool
):
    operation = api_schema[path][method]
    headers = bearer(owner_token) if signed_in else None
    modes = [GenerationMode.POSITIVE]
    if _has_inputs(method, path):
        modes.append(GenerationMode.NEGATIVE)
    for mode in modes:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            response = case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)
            _check_envelope(response, signed_in, method, path)

        run()


def test_every_documented_error_has_the_envelope_schema():
    """Clients generated from /openapi.json learn the error body of every error status."""
    spec = openapi_spec()
    envelope = spec["components"]["schemas"]["ErrorBody"]
    assert set(envelope["required"]) == {"error", "code"}
    missing = [
        f"{method.upper()} {path} {status}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
        if status[:1] in ("4", "5", "d")
        and response.get("content", {}).get("application/json", {}).get("schema")
        != {"$ref": "#/components/schemas/ErrorBody"}
    ]
    assert missing == []
