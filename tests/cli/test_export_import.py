"""A creator's data moves to another server: `streamfx export` on one real server,
`streamfx import` into a second, both as subprocesses (docs/EXPORT.md).

What is compared is what the API shows on each server (ids differ, content must not);
importing again changes nothing; bad files are refused and change nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.accounts import TestCreator, new_creator, register
from tests.support.cli import Cli
from tests.support.live_server import LiveServer, start_server
from tests.support.media import png


@pytest.fixture(scope="module")
def second_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("second-server") / "data")
    register(live, "owner@example.com")  # the owner; test creators are members
    yield live
    live.stop()


def signed_in_cli(home: Path, server: LiveServer, creator: TestCreator) -> Cli:
    cli = Cli.without_keyring(home)
    done = cli.login(server.url, creator.email)
    assert done.returncode == 0, done.stderr
    return cli


def ok(result: Any) -> Any:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def activation_ids(server: LiveServer, session_id: str) -> list[str]:
    """The session's activations, oldest first (read-only; the API gives each one)."""
    uri = f"file:{server.data_dir / 'streamfx.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        rows = db.execute(
            "SELECT id FROM effect_activations WHERE session_id = ? ORDER BY triggered_ms, id",
            (session_id,),
        ).fetchall()
    return [r[0] for r in rows]


def seen_through_the_api(server: LiveServer, client: httpx.Client) -> dict[str, Any]:
    """Everything of the creator's, as the API answers it, with this server's ids replaced
    by what they name (a kit's name, an effect's slug, a session's start)."""
    kits = client.get("/api/brand-kit").json()
    effects = client.get("/api/effects").json()
    sessions = client.get("/api/sessions").json()
    kit_names = {k["id"]: k["name"] for k in kits}
    slugs = {e["id"]: e["slug"] for e in effects}
    seen: dict[str, Any] = {
        "brandKits": sorted(({**k, "id": None} for k in kits), key=lambda k: k["name"]),
        "effects": sorted(
            ({**e, "id": None} for e in effects if not e["builtIn"]), key=lambda e: e["slug"]
        ),
        "sessions": [],
    }
    for session in sorted(sessions, key=lambda s: s["startTime"]):
        fired = [
            client.get(f"/api/activations/{a}").json()
            for a in activation_ids(server, session["id"])
        ]
        seen["sessions"].append(
            {
                **session,
                "id": None,
                "brandKitId": kit_names.get(session["brandKitId"]),
                "activations": [
                    {**a, "id": None, "sessionId": None, "effectId": slugs.get(a["effectId"])}
                    for a in fired
                ],
            }
        )
    return seen


def two_streams(alice: TestCreator, cli: Cli, logo: Path) -> None:
    """Alice's kits, an uploaded logo, an effect of her own, and two ended sessions whose
    fires have every kind of delivery."""
    client = alice.client
    neon = client.post(
        "/api/brand-kit", json={"name": "Neon", "colorPalette": {"accent": "#00FF88"}}
    ).json()
    calm = client.post("/api/brand-kit", json={"name": "Calm", "motionIntensity": 1}).json()
    ok(cli.upload_logo(logo))
    client.post(
        "/api/effects",
        json={"name": "Hype", "category": "celebration", "kind": "shake", "cooldownMs": 250},
    )

    def fire(ref: str, **delivery: str) -> None:
        fired = client.post("/api/effects/trigger", json={"effectId": ref, "source": "hotkey"})
        assert fired.status_code == 201, fired.text
        if delivery:
            reported = client.post(f"/api/activations/{fired.json()['id']}/delivery", json=delivery)
            assert reported.status_code == 200, reported.text

    first = client.post(
        "/api/sessions/start",
        json={"platform": "twitch", "brandKitId": neon["id"], "title": "Friday"},
    ).json()
    fire("banner", status="shown")
    fire("logo", status="hidden", reason="StreamFX is below 'Game' in scene 'Scene'")
    fire("hype", status="failed", reason="OBS is not reachable")
    client.post("/api/sessions/end", json={"sessionId": first["id"]})
    second = client.post(
        "/api/sessions/start", json={"platform": "youtube", "brandKitId": calm["id"]}
    ).json()
    fire("flash", status="skipped")
    client.post("/api/sessions/pause", json={"sessionId": second["id"]})
    client.post("/api/sessions/resume", json={"sessionId": second["id"]})
    fire("logo", status="shown", drawnAt="2030-01-01T00:00:00Z")
    client.post("/api/sessions/end", json={"sessionId": second["id"]})


def counts(created: int = 0, matched: int = 0, skipped: int = 0) -> dict[str, int]:
    return {"created": created, "matched": matched, "skipped": skipped}


def test_a_creators_data_moves_to_another_server_and_importing_again_changes_nothing(
    server: LiveServer, second_server: LiveServer, tmp_path: Path
) -> None:
    alice, bob = new_creator(server, "creator"), new_creator(second_server, "creator")
    cli_a = signed_in_cli(tmp_path / "a", server, alice)
    cli_b = signed_in_cli(tmp_path / "b", second_server, bob)
    logo = tmp_path / "logo.png"
    logo.write_bytes(png(rgb=(200, 30, 30)))
    two_streams(alice, cli_a, logo)
    out = tmp_path / "alice.json"

    exported = ok(cli_a.run("export", "--out", str(out)))

    assert exported.stdout.startswith(
        f"Exported 2 brand kits, 2 effects, 2 sessions and 5 activations to {out}.\n"
    )
    assert "note: the file of effect 'Logo' (logo.png) is not in the export" in exported.stdout
    doc = json.loads(out.read_text())
    assert (doc["format"], doc["version"]) == ("streamfx-export", 1)

    first = json.loads(ok(cli_b.run("import", str(out), "--json")).stdout)

    assert first["brandKits"] == counts(created=2)
    assert first["effects"] == counts(created=1, skipped=1)
    assert first["sessions"] == counts(created=2)
    assert first["activations"] == counts(created=5)
    [note] = first["notes"]
    assert note.startswith("Effect 'Logo' (image) was not imported: an export has no file bytes")
    assert "streamfx effects upload FILE --name Logo --category custom" in note

    # As the note says: upload the file here, import again, and the logo's history links up.
    ok(cli_b.upload_logo(logo))
    second = json.loads(ok(cli_b.run("import", str(out), "--json")).stdout)

    assert second["effects"] == counts(matched=2)
    assert second["activations"] == counts(matched=5)
    assert second["notes"] == ["Effect 'Logo' was already here (same name): kept as it is here."]
    on_first = seen_through_the_api(server, alice.client)
    on_second = seen_through_the_api(second_server, bob.client)
    # The logo was uploaded anew on the second server: only its creation time differs.
    for seen in (on_first, on_second):
        for effect in seen["effects"]:
            if effect["slug"] == "logo":
                effect["createdAt"] = None
    assert on_second == on_first
    assert [len(s["activations"]) for s in on_second["sessions"]] == [3, 2]
    assert on_second["sessions"][0]["activations"][1]["delivery"]["reason"] == (
        "StreamFX is below 'Game' in scene 'Scene'"
    )

    third = ok(cli_b.run("import", str(out)))

    assert third.stdout.splitlines()[1:5] == [
        "  brand kits:  0 new, 2 already here",
        "  effects:     0 new, 2 already here",
        "  sessions:    0 new, 2 already here",
        "  activations: 0 new, 5 already here",
    ]
    again = seen_through_the_api(second_server, bob.client)
    for effect in again["effects"]:
        if effect["slug"] == "logo":
            effect["createdAt"] = None
    assert again == on_second


def test_bad_files_are_refused_and_change_nothing(
    server: LiveServer, second_server: LiveServer, tmp_path: Path
) -> None:
    alice = new_creator(server, "creator")
    bob = new_creator(second_server)  # the free tier: one brand kit
    cli_a = signed_in_cli(tmp_path / "a", server, alice)
    cli_b = signed_in_cli(tmp_path / "b", second_server, bob)
    for name in ("One", "Two"):
        alice.client.post("/api/brand-kit", json={"name": name})
    session = alice.client.post("/api/sessions/start", json={"platform": "kick"}).json()
    alice.client.post("/api/effects/trigger", json={"effectId": "banner"})
    alice.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    good = tmp_path / "alice.json"
    ok(cli_a.run("export", "--out", str(good)))
    doc = json.loads(good.read_text())
    before = seen_through_the_api(second_server, bob.client)

    def refused(name: str, content: str) -> Any:
        path = tmp_path / name
        path.write_text(content)
        result = cli_b.run("import", str(path))
        assert "Traceback" not in result.stderr
        assert seen_through_the_api(second_server, bob.client) == before
        return result

    broken = refused("broken.json", '{"format": "streamfx-export", "version": 1, ')
    assert broken.returncode == 2
    assert broken.stderr.startswith("error: broken.json is not a StreamFX export: it is not JSON")

    a_kit = refused("kit.json", json.dumps({"name": "Neon", "colorPalette": {}}))
    assert a_kit.returncode == 2
    assert a_kit.stderr == (
        'error: kit.json is not a StreamFX export: it has no "format": "streamfx-export".\n'
        "hint: Import a file made by `streamfx export`.\n"
    )

    newer = refused("newer.json", json.dumps({**doc, "version": 2}))
    assert newer.returncode == 2
    assert newer.stderr == (
        "error: newer.json is export version 2, made by a newer StreamFX; this one reads "
        "version 1.\nhint: Update StreamFX, then import it again.\n"
    )

    activations = doc["sessions"][0]["activations"]
    bad_source = {**doc, "brandKits": doc["brandKits"][:1]}
    bad_source["sessions"] = [
        {**doc["sessions"][0], "activations": [{**activations[0], "source": "pigeon"}]}
    ]
    wrong = refused("wrong.json", json.dumps(bad_source))
    assert wrong.returncode == 5
    assert wrong.stderr.startswith(
        "error: The import was refused: Invalid sessions.0.activations.0.source:"
    )
    assert wrong.stderr.endswith("Nothing was imported.\n")

    too_many = refused("alice.json", good.read_text())
    assert too_many.returncode == 5
    assert too_many.stderr == (
        "error: The import was refused: Importing would add 2 brand kits, but the free tier "
        "allows 1 and you have 0.\nhint: Delete one you no longer use, or ask the server "
        "owner for a higher tier. Then import again. Nothing was imported.\n"
    )


def test_thousands_of_activations_go_out_in_one_stream_and_come_in_parts(
    server: LiveServer, second_server: LiveServer, tmp_path: Path
) -> None:
    alice, bob = new_creator(server, "creator"), new_creator(second_server, "creator")
    cli_a = signed_in_cli(tmp_path / "a", server, alice)
    cli_b = signed_in_cli(tmp_path / "b", second_server, bob)
    session = alice.client.post("/api/sessions/start", json={"platform": "twitch"}).json()
    fired = alice.client.post("/api/effects/trigger", json={"effectId": "banner"}).json()
    alice.client.post("/api/sessions/end", json={"sessionId": session["id"]})
    # 3000 more like it, written straight in: the export and import are under test here.
    uri = f"file:{server.data_dir / 'streamfx.db'}"
    with sqlite3.connect(uri, uri=True, timeout=10) as db:
        db.executemany(
            "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, "
            "triggered_at, triggered_ms, source, render, delivery_status, expires_ms) "
            "SELECT ?, effect_id, session_id, creator_id, triggered_at, triggered_ms + ?, "
            "source, render, 'shown', expires_ms FROM effect_activations WHERE id = ?",
            [(f"act_bulk{n:05d}", n, fired["id"]) for n in range(3000)],
        )
    out = tmp_path / "big.json"

    ok(cli_a.run("export", "--out", str(out), "--json"))

    [exported] = json.loads(out.read_text())["sessions"]
    assert len(exported["activations"]) == 3001
    done = json.loads(
        ok(
            cli_b.run("import", str(out), "--json"),
        ).stdout
    )
    assert done["parts"] >= 3  # over the server's 1 MB body limit, so sent in parts
    assert done["sessions"] == counts(created=1)
    assert done["activations"] == counts(created=3001)
    again = json.loads(ok(cli_b.run("import", str(out), "--json")).stdout)
    assert again["activations"] == counts(matched=3001)
    [imported] = bob.client.get("/api/sessions").json()
    assert len(activation_ids(second_server, imported["id"])) == 3001
