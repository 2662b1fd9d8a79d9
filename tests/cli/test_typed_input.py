"""What the streamer types, read as they meant it: `--param` values by the parameter's
type, refusals that name the flag typed, names with "did you mean", kits by name
(docs/CLI.md "Parameters", "Errors name your flags", "Names")."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from tests.support.accounts import set_tier
from tests.support.cli import Cli


def _json(result: subprocess.CompletedProcess) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _refused(result: subprocess.CompletedProcess, code: int = 5) -> list[str]:
    """The error and hint lines of a refusal: one sentence each, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines


def _fire(cli: Cli, effect: str, *options: str) -> subprocess.CompletedProcess:
    return cli.run("fire", effect, "--no-obs", "--json", *options)


def test_param_values_are_read_by_the_parameters_type(signed_in: Cli) -> None:
    assert signed_in.run("session", "start", "--platform", "twitch").returncode == 0
    # A hotkey script's `text=$COUNT`: the text "123", not a number the banner refuses.
    banner = _json(_fire(signed_in, "banner", "--param", "text=123"))
    assert banner["render"]["text"] == "123"
    for typed in ("true", "null", "[1]", "007"):
        assert _json(_fire(signed_in, "banner", "-p", f"text={typed}"))["render"]["text"] == typed
    # Numbers where the parameter is a number.
    confetti = _json(_fire(signed_in, "confetti", "--param", "particleCount=200"))
    assert confetti["render"]["particleCount"] == 200
    assert _json(_fire(signed_in, "flash", "--param=opacity=0.5"))["render"]["opacity"] == 0.5
    assert (
        _json(_fire(signed_in, "banner", "--param", "durationMs=1500"))["render"]["durationMs"]
        == 1500
    )

    not_a_number = _refused(_fire(signed_in, "confetti", "--param", "particleCount=lots"))
    assert not_a_number[0].startswith("error: Invalid --param particleCount: ")
    assert "integer" in not_a_number[0]

    unknown = _refused(_fire(signed_in, "banner", "--param", "txet=hi"))
    assert unknown[0] == (
        "error: Invalid --param txet: no such parameter; a text effect takes text, color, "
        "background, durationMs."
    )

    bad_json = _refused(_fire(signed_in, "confetti", "--param-json", "particleCount={"), 2)
    assert bad_json[0].startswith("error: --param-json particleCount: '{' is not JSON")
    not_a_pair = _refused(_fire(signed_in, "banner", "--param", "text"), 2)
    assert not_a_pair[0] == "error: --param 'text' is not key=value."


def test_structured_values_go_in_param_json(signed_in: Cli, server) -> None:
    set_tier(server, signed_in.email, "creator")  # type: ignore[attr-defined]
    ramp = ("effects", "create", "--name", "Blur In", "--kind", "filter-ramp")
    base = (*ramp, "--category", "transition", "-p", "source=Cam", "-p", "filter=Blur")
    as_text = _refused(signed_in.run(*base, "--param", 'settings={"size": 12}'))
    assert as_text[0].startswith("error: Invalid --param settings: ")
    assert as_text[1] == "hint: Give it as JSON: --param-json settings='{\"key\": 1}'."
    made = _json(signed_in.run(*base, "--param-json", 'settings={"size": 12}', "--json"))
    assert made["params"]["settings"] == {"size": 12}
    assert made["params"]["source"] == "Cam"


def test_refusals_name_the_flag_that_was_typed(signed_in: Cli) -> None:
    colour = _refused(signed_in.run("brand-kit", "create", "--name", "Neon", "--primary", "red"))
    assert colour[0] == "error: Invalid --primary: must be a colour like #FF6600."
    assert "colorPalette" not in "".join(colour) and "details" not in "".join(colour)

    kit = _json(signed_in.run("brand-kit", "create", "--name", "Neon", "--json"))
    size = _refused(signed_in.run("brand-kit", "update", kit["id"], "--base-size", "0"))
    assert size[0].startswith("error: Invalid --base-size: ")
    two = _refused(
        signed_in.run("brand-kit", "update", kit["id"], "--accent", "x", "--motion", "9")
    )
    assert two[0].startswith("error: Invalid --accent: ")
    assert two[1].startswith("hint: Also --motion: ")

    effect = ("effects", "create", "--name", "Tick", "--kind", "text", "--category", "text")
    param = _refused(signed_in.run(*effect, "--param", "color=nope"))
    assert param[0].startswith("error: Invalid --param color: must be a colour")
    duration = _refused(signed_in.run(*effect, "--duration", "99h"))
    assert duration[0].startswith("error: Invalid --duration: ")
    assert duration[0].endswith("(in milliseconds).")

    platform = _refused(signed_in.run("session", "start", "--platform", "myspace"))
    assert platform[0].startswith("error: Invalid --platform: ")

    assert signed_in.run("session", "start", "--platform", "twitch").returncode == 0
    fired = _refused(_fire(signed_in, "banner", "--param", "color=nope"))
    assert fired[0].startswith("error: Invalid --param color: ")
    assert "params." not in "".join(fired)
    # Nothing was made or fired by the refusals.
    assert [k["name"] for k in _json(signed_in.run("brand-kit", "list", "--json"))] == ["Neon"]
    assert "tick" not in [e["slug"] for e in _json(signed_in.run("effects", "list", "--json"))]


def test_an_unknown_effect_gets_the_closest_names(signed_in: Cli) -> None:
    for command in (("fire", "sparkels", "--no-obs"), ("effects", "show", "sparkels")):
        lines = _refused(signed_in.run(*command))
        assert lines == [
            'error: No effect "sparkels".',
            'hint: Did you mean "sparkles" or "shake"? See `streamfx effects list`.',
        ]
    nothing_close = _refused(signed_in.run("effects", "show", "zzzzzz"))
    assert nothing_close[1] == "hint: See `streamfx effects list`."
    rule = _refused(signed_in.run("rules", "create", "R", "--effect", "sparkels", "--every", "1m"))
    assert rule[0] == (
        "error: Invalid --effect: no effect with that id or slug among yours and the "
        'built-ins (did you mean "sparkles" or "shake"?).'
    )


def test_brand_kits_are_named_by_name_or_id(signed_in: Cli, server) -> None:
    set_tier(server, signed_in.email, "creator")  # type: ignore[attr-defined]
    neon = _json(signed_in.run("brand-kit", "create", "--name", "Neon", "--json"))
    used = signed_in.run("brand-kit", "use", "Neon")
    assert used.returncode == 0, used.stderr
    assert used.stdout.strip() == f"Active brand kit: Neon ({neon['id']})."
    assert _json(signed_in.run("brand-kit", "get", "neon", "--json"))["id"] == neon["id"]
    updated = _json(signed_in.run("brand-kit", "update", "Neon", "--accent", "#00FF88", "--json"))
    assert updated["colorPalette"]["accent"] == "#00FF88"
    started = _json(
        signed_in.run("session", "start", "--platform", "twitch", "--brand-kit", "Neon", "--json")
    )
    assert started["brandKitId"] == neon["id"]
    assert signed_in.run("session", "end").returncode == 0

    typo = _refused(signed_in.run("brand-kit", "use", "Neno"))
    assert typo == [
        'error: No brand kit "Neno".',
        'hint: Did you mean "Neon"? See `streamfx brand-kit list`.',
    ]

    twin = _json(signed_in.run("brand-kit", "create", "--name", "Neon", "--json"))
    both = _refused(signed_in.run("brand-kit", "delete", "Neon"))
    assert both[0] == 'error: 2 of your brand kits are named "Neon".'
    assert neon["id"] in both[1] and twin["id"] in both[1]
    deleted = signed_in.run("brand-kit", "delete", twin["id"])
    assert deleted.returncode == 0, deleted.stderr
    assert signed_in.run("brand-kit", "delete", "Neon").returncode == 0
    assert _json(signed_in.run("brand-kit", "list", "--json")) == []
