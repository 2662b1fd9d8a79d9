"""docs/RULES.md's signing examples work as written: the Python snippet and the curl line,
each copied out of the page, pointed at a real server's webhook rule, fire the effect."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.accounts import TestCreator
from tests.support.live_server import LiveServer

RULES_MD = Path(__file__).resolve().parents[2] / "docs" / "RULES.md"


def _block(language: str, after: str) -> str:
    """The first ```language block after the heading `after`."""
    text = RULES_MD.read_text()
    start = text.index(after)
    match = re.search(rf"```{language}\n(.*?)```", text[start:], re.DOTALL)
    assert match, f"no {language} block after {after!r}"
    return match.group(1)


def _pointed_at(snippet: str, hook_url: str, secret: str) -> str:
    """The snippet with its placeholders for the hook's URL and secret filled, as a reader
    would fill them (the two lines the page tells them to set)."""
    filled, count = re.subn(
        r"^(HOOK_URL\s*=\s*)([\"']).*?\2$", rf"\g<1>\g<2>{hook_url}\g<2>", snippet, flags=re.M
    )
    assert count == 1, snippet
    filled, count = re.subn(
        r"^(SECRET\s*=\s*)([\"']).*?\2$", rf"\g<1>\g<2>{secret}\g<2>", filled, flags=re.M
    )
    assert count == 1, snippet
    return filled


@pytest.fixture
def hook(server: LiveServer, creator: TestCreator) -> dict:
    rule = creator.client.post(
        "/api/rules",
        json={
            "name": "From the docs",
            "trigger": {"type": "webhook"},
            "effectId": "banner",
            "params": {"text": "Hello {user}"},
        },
    ).json()
    creator.client.post("/api/sessions/start", json={"platform": "twitch"})
    return {**rule, "url": f"{server.url}{rule['hookPath']}"}


def _fired(creator: TestCreator, activation_id: str, rule_id: str) -> None:
    activation = creator.client.get(f"/api/activations/{activation_id}").json()
    assert (activation["source"], activation["ruleId"]) == ("rule", rule_id)
    assert activation["render"]["text"] == "Hello ada"


def test_the_python_example_signs_a_call_that_fires(
    creator: TestCreator, hook: dict, tmp_path: Path
):
    script = tmp_path / "call_hook.py"
    script.write_text(
        _pointed_at(_block("python", "### Signing a call: Python"), hook["url"], hook["secret"])
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    answer = ast.literal_eval(done.stdout.strip())  # the snippet prints the answer
    assert answer["ruleId"] == hook["id"]
    _fired(creator, answer["activationId"], hook["id"])


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("openssl") and shutil.which("bash")),
    reason="needs curl, openssl and bash (apt-get install curl openssl)",
)
def test_the_curl_example_signs_a_call_that_fires(creator: TestCreator, hook: dict):
    script = _pointed_at(_block("bash", "### Signing a call: curl"), hook["url"], hook["secret"])
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["ruleId"] == hook["id"], answer
    _fired(creator, answer["activationId"], hook["id"])
