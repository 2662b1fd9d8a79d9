"""`streamfx doctor` as a streamer runs it: the real command against the session's server,
its real OBS Studio and a real agent; then each part broken the way it breaks at home."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from streamfx_cli.obs import ObsConnection
from streamfx_cli.obs.setup import SCENE
from tests.agent.conftest import Creator
from tests.support.cli import Cli
from tests.support.live_server import free_port
from tests.support.obs_studio import GAMEPLAY, item_id

# Fonts installed on every test machine (Debian's fonts-dejavu), so the fonts line is ok.
INSTALLED_KIT = {
    "name": "Doctor's kit",
    "typography": {"headingFont": "DejaVu Sans", "bodyFont": "DejaVu Sans", "baseSize": 48},
}


def doctor(
    cli: Cli, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return cli.run("doctor", *args, timeout=30, env=env)


def checks(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    answer = json.loads(result.stdout)
    return {c["name"]: c for c in answer["checks"]}


def ready(creator: Creator) -> Cli:
    """A streamer's computer with everything in place: a kit whose fonts are here, an
    overlay URL saved, and the agent drawing."""
    kit = creator.http.post("/api/brand-kit", json=INSTALLED_KIT)
    assert kit.status_code == 201, kit.text
    used = creator.http.patch(
        "/api/auth/me", json={"settings": {"activeBrandKitId": kit.json()["id"]}}
    )
    assert used.status_code == 200, used.text
    agent = creator.start_agent()
    cli = agent.cli
    rotated = cli.run("overlay", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    return cli


def test_all_green_with_server_obs_and_agent_in_place(creator_with_agents: Creator) -> None:
    cli = ready(creator_with_agents)
    result = doctor(cli)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    # The one warning: this test machine has no keyring, so the sign-in is in a file.
    assert lines[-1] == "0 failed, 1 warning(s).", result.stdout
    for name in ("server", "sign-in", "obs", "obs password", "obs setup", "on air", "fonts"):
        assert any(line.startswith("ok") and f"  {name} " in line for line in lines), (
            name,
            result.stdout,
        )
    found = checks(doctor(cli, "--json"))
    assert [n for n, c in found.items() if c["status"] != "ok"] == ["keyring"]
    # A CLI without a keyring keeps the sign-in in a file: the doctor says so, as a warning.
    assert found["keyring"]["status"] == "warn"
    assert "credentials.json" in found["keyring"]["detail"]
    assert found["agent"]["status"] == "ok"
    assert "holding the lease" in found["agent"]["detail"]
    assert found["overlay key"]["status"] == "ok"
    assert "DejaVu Sans" in found["fonts"]["detail"]


def test_json_shape(creator_with_agents: Creator) -> None:
    cli = creator_with_agents.cli("json")
    result = doctor(cli, "--json")
    answer = json.loads(result.stdout)
    assert set(answer) == {"status", "checks"}
    assert answer["status"] in ("ok", "warn", "fail")
    assert [c["name"] for c in answer["checks"]] == [
        "server",
        "sign-in",
        "keyring",
        "obs",
        "obs password",
        "obs setup",
        "on air",
        "fonts",
        "overlay key",
        "agent",
    ]
    for check in answer["checks"]:
        assert set(check) == {"name", "status", "detail", "fix"}
        assert check["status"] in ("ok", "warn", "fail")
        assert check["detail"]
    # No agent in this home: a warning with the command that starts one.
    agent = next(c for c in answer["checks"] if c["name"] == "agent")
    assert (agent["status"], agent["fix"]) == ("warn", "streamfx agent start")
    assert result.returncode == (1 if answer["status"] == "fail" else 0)


def test_server_down_fails_with_the_command_that_starts_it(creator_with_agents: Creator) -> None:
    cli = creator_with_agents.cli("down")
    port = free_port()
    result = doctor(cli, env={"STREAMFX_SERVER": f"http://127.0.0.1:{port}"})
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    server = next(i for i, line in enumerate(lines) if "  server " in line)
    assert lines[server].startswith("FAIL")
    assert lines[server + 1].strip() == f"fix: streamfx server run --port {port}"
    # The OBS checks still ran, against the real OBS.
    assert any(line.startswith("ok") and "  obs setup " in line for line in lines), result.stdout
    found = checks(doctor(cli, "--json", env={"STREAMFX_SERVER": f"http://127.0.0.1:{port}"}))
    assert found["server"]["status"] == "fail"
    assert found["sign-in"]["status"] == "warn"  # stored, but cannot be checked
    assert found["obs"]["status"] == "ok"


def test_wrong_obs_password_fails(creator_with_agents: Creator) -> None:
    cli = creator_with_agents.cli("password")
    assert cli.run("obs", "config", "--password-stdin", input="not-it\n").returncode == 0
    result = doctor(cli, "--json")
    assert result.returncode == 1
    found = checks(result)
    assert found["obs password"]["status"] == "fail"
    assert found["obs password"]["fix"] == "streamfx obs config --ask-password"
    assert found["obs"]["status"] == "ok"
    assert found["server"]["status"] == "ok"


def test_streamfx_below_another_source_is_a_warning(
    creator_with_agents: Creator, stage: ObsConnection
) -> None:
    cli = creator_with_agents.cli("covered")
    # The streamer drags StreamFX below their game capture in the program scene.
    stage.call(
        "SetSceneItemIndex",
        {
            "sceneName": GAMEPLAY,
            "sceneItemId": item_id(stage, GAMEPLAY, SCENE),
            "sceneItemIndex": 0,
        },
    )
    result = doctor(cli)
    line = next(line for line in result.stdout.splitlines() if "  on air " in line)
    assert line.startswith("warn"), result.stdout
    assert "viewers cannot see StreamFX's effects" in line
    assert "fix: streamfx obs setup" in result.stdout
    assert "on air" not in result.stderr
