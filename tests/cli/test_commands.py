"""Brand kits, sessions, effects, fire and overlay through the real `streamfx` command."""

from __future__ import annotations

import json

from tests.support.accounts import set_tier
from tests.support.media import png


def _json(result) -> dict | list:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_brand_kit_lifecycle(signed_in, tmp_path):
    kit = _json(
        signed_in.run(
            "brand-kit",
            "create",
            "--name",
            "Neon",
            "--primary",
            "#7B2FF7",
            "--motion",
            "4",
            "--allow",
            "text",
            "--allow",
            "celebration",
            "--json",
        )
    )
    assert kit["colorPalette"]["primary"] == "#7B2FF7"
    assert kit["motionIntensity"] == 4
    assert set(kit["allowedCategories"]) == {"text", "celebration"}

    updated = _json(
        signed_in.run("brand-kit", "update", kit["id"], "--secondary", "#00FF88", "--json")
    )
    assert updated["colorPalette"]["secondary"] == "#00FF88"
    assert updated["colorPalette"]["primary"] == "#7B2FF7"  # untouched fields stay

    used = signed_in.run("brand-kit", "use", kit["id"])
    assert used.returncode == 0 and "Neon" in used.stdout
    listed = signed_in.run("brand-kit", "list")
    assert "Neon (active)" in listed.stdout

    bad = signed_in.run("brand-kit", "update", kit["id"], "--primary", "purple")
    assert bad.returncode == 5
    assert "primary" in bad.stderr and "Traceback" not in bad.stderr

    # The free tier has room for one kit; the next is refused with a reason.
    second = signed_in.run("brand-kit", "create", "--name", "Second")
    assert second.returncode == 5
    assert "free tier allows 1 brand kit" in second.stderr

    assert signed_in.run("brand-kit", "delete", kit["id"]).returncode == 0
    gone = signed_in.run("brand-kit", "get", kit["id"])
    assert gone.returncode == 5

    spec = tmp_path / "kit.json"
    spec.write_text(json.dumps({"name": "From file", "colorPalette": {"primary": "#112233"}}))
    from_file = _json(
        signed_in.run("brand-kit", "create", "--from-file", str(spec), "--motion", "2", "--json")
    )
    assert from_file["name"] == "From file"
    assert from_file["colorPalette"]["primary"] == "#112233"
    assert from_file["motionIntensity"] == 2
    spec.write_text("{broken")
    broken = signed_in.run("brand-kit", "create", "--from-file", str(spec))
    assert broken.returncode == 2 and "not valid JSON" in broken.stderr


def test_session_lifecycle_and_fire(signed_in):
    nothing = signed_in.run("fire", "banner")
    assert nothing.returncode == 5
    assert "no live session" in nothing.stderr

    started = _json(
        signed_in.run("session", "start", "--platform", "twitch", "--title", "Launch", "--json")
    )
    assert started["status"] == "active"
    again = signed_in.run("session", "start", "--platform", "youtube")
    assert again.returncode == 5

    fired = signed_in.run("fire", "banner", "--no-obs", "--param", "text=Hello chat")
    assert fired.returncode == 0, fired.stderr
    assert "Fired banner" in fired.stdout
    activation = _json(signed_in.run("fire", "flash", "--no-obs", "--json"))
    assert activation["render"]["kind"] == "flash"
    assert activation["sessionId"] == started["id"]

    status = _json(signed_in.run("session", "status", "--json"))
    assert status["metrics"]["effectsTriggered"] == 2
    assert status["metrics"]["byEffect"] == {"banner": 1, "flash": 1}

    assert signed_in.run("session", "pause").returncode == 0
    paused = signed_in.run("fire", "banner", "--no-obs")
    assert paused.returncode == 5 and "paused" in paused.stderr
    assert signed_in.run("session", "resume").returncode == 0
    bad_param = signed_in.run("fire", "banner", "--no-obs", "--param", "durationMs=-5")
    assert bad_param.returncode == 5
    assert signed_in.run("session", "end").returncode == 0
    listed = _json(signed_in.run("session", "list", "--json"))
    assert [s["status"] for s in listed] == ["ended"]
    human = signed_in.run("session", "status", started["id"])
    assert "ended" in human.stdout and "effects fired: 2" in human.stdout


def test_effects_list_show_create_delete(signed_in):
    effects = _json(signed_in.run("effects", "list", "--json"))
    slugs = {e["slug"] for e in effects}
    assert {"banner", "flash", "shake", "confetti", "brb"} <= slugs
    shown = _json(signed_in.run("effects", "show", "banner", "--json"))
    assert shown["kind"] == "text"
    created = _json(
        signed_in.run(
            "effects",
            "create",
            "--name",
            "Hype Text",
            "--kind",
            "text",
            "--category",
            "text",
            "--duration",
            "2s",
            "--cooldown",
            "5s",
            "--param",
            "text=HYPE",
            "--json",
        )
    )
    assert created["slug"] == "hype-text"
    assert created["cooldownMs"] == 5000
    assert signed_in.run("effects", "delete", "hype-text").returncode == 0
    assert signed_in.run("effects", "show", "hype-text").returncode == 5
    builtin = signed_in.run("effects", "delete", "banner")
    assert builtin.returncode == 5
    bad = signed_in.run(
        "effects",
        "create",
        "--name",
        "X",
        "--kind",
        "text",
        "--category",
        "text",
        "--duration",
        "soon",
    )
    assert bad.returncode == 2 and "not a duration" in bad.stderr


def test_upload_needs_creator_tier_then_works(server, signed_in, tmp_path):
    image = tmp_path / "logo.png"
    image.write_bytes(png())
    refused = signed_in.upload_logo(image)
    assert refused.returncode == 5
    assert "creator tier" in refused.stderr
    set_tier(server, signed_in.email, "creator")
    done = _json(signed_in.upload_logo(image, "--duration", "3s", "--json"))
    assert done["kind"] == "image"
    assert done["durationMs"] == 3000


def test_overlay_rotate_url_preview_clear(signed_in, tmp_path):
    missing = signed_in.run("overlay", "url")
    assert missing.returncode == 5 and "overlay rotate" in missing.stderr
    first = signed_in.run("overlay", "rotate")
    assert first.returncode == 0
    url = first.stdout.strip().splitlines()[-1]
    assert "/overlay?key=" in url
    assert signed_in.run("overlay", "url").stdout.strip() == url
    second = signed_in.run("overlay", "rotate").stdout.strip().splitlines()[-1]
    assert second != url

    assert signed_in.run("overlay", "clear").returncode == 0

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    signed_in.env["BROWSER"] = str(browser)
    shown = signed_in.run("overlay", "preview")
    assert shown.returncode == 0, shown.stderr
    assert opened.read_text().strip() == second + "&preview=1"


def test_effects_queue_mode_and_max_delay_on_create_update_and_show(signed_in):
    created = _json(
        signed_in.run(
            "effects",
            "create",
            "--name",
            "Pop",
            "--kind",
            "flash",
            "--category",
            "alert",
            "--queue-mode",
            "replace",
            "--max-delay",
            "1500ms",
            "--json",
        )
    )
    assert (created["queueMode"], created["maxDelayMs"]) == ("replace", 1500)
    shown = signed_in.run("effects", "show", "pop")
    assert shown.returncode == 0, shown.stderr
    assert "lane: full-frame" in shown.stdout
    assert "queue mode: replace" in shown.stdout
    assert "max delay: 1.5s" in shown.stdout

    updated = signed_in.run(
        "effects", "update", "pop", "--queue-mode", "skip", "--max-delay", "10s", "--name", "Pow"
    )
    assert updated.returncode == 0, updated.stderr
    assert "Updated pow" in updated.stdout
    assert "queue mode skip, max delay 10s" in updated.stdout
    after = _json(signed_in.run("effects", "show", "pow", "--json"))
    assert (after["name"], after["queueMode"], after["maxDelayMs"]) == ("Pow", "skip", 10_000)
    assert after["id"] == created["id"]
    assert signed_in.run("effects", "show", "pop").returncode == 5

    builtin = signed_in.run("effects", "update", "flash", "--queue-mode", "skip")
    assert builtin.returncode == 5
    assert "built-in effect and cannot be changed" in builtin.stderr
    assert _json(signed_in.run("effects", "show", "flash", "--json"))["queueMode"] == "queue"

    bad_mode = signed_in.run("effects", "update", "pow", "--queue-mode", "later")
    assert bad_mode.returncode == 2
    assert "later" in bad_mode.stderr
    too_late = signed_in.run("effects", "update", "pow", "--max-delay", "11m")
    assert too_late.returncode == 5
    assert "Invalid --max-delay:" in too_late.stderr
    nothing = signed_in.run("effects", "update", "pow")
    assert nothing.returncode == 2
    assert "Nothing to change" in nothing.stderr
    assert _json(signed_in.run("effects", "show", "pow", "--json")) == after
