"""Uploads and assets against the real server: tiers, caps, types by content, storage by hash."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.accounts import TestCreator, login, new_creator, register
from tests.support.live_server import LiveServer, start_server
from tests.support.media import SAMPLES, png, upload

MB = 1024 * 1024
BOUNDARY = "streamfx-test-boundary"


def assets_dir(server: LiveServer) -> Path:
    return server.data_dir / "assets"


def stored_files(server: LiveServer) -> set[str]:
    return {p.name for p in assets_dir(server).iterdir()}


@pytest.fixture(scope="module")
def uploader(server: LiveServer) -> Iterator[TestCreator]:
    """One creator-tier account for the module; tests that need a clean slate make their own."""
    made = new_creator(server, "creator")
    yield made
    made.client.close()


@pytest.fixture
def fresh_uploader(make_creator) -> TestCreator:
    return make_creator("creator")


def multipart_stream(
    fields: dict[str, str], file_head: bytes, file_size: int, sent: list[int]
) -> Iterator[bytes]:
    """A multipart body produced lazily, so a huge file never exists in the test either."""
    for name, value in fields.items():
        part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        yield part.encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    yield file_head
    sent[0] += len(file_head)
    block = b"\x00" * MB
    while sent[0] < file_size:
        chunk = block[: min(MB, file_size - sent[0])]
        sent[0] += len(chunk)
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def post_media_stream(
    client: httpx.Client, name: str, size: int, sent: list[int], declared: int | None = None
) -> httpx.Response:
    """Upload a `size`-byte video streamed in chunks (`sent[0]` counts the bytes that went
    out); with `declared`, a Content-Length saying the body is that long."""
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if declared is not None:
        headers["Content-Length"] = str(declared)
    fields = {"name": name, "category": "alert", "kind": "media"}
    return client.post(
        "/api/effects/upload",
        content=multipart_stream(fields, SAMPLES["video/mp4"], size, sent),
        headers=headers,
        timeout=60,
    )


def test_uploads_need_the_creator_tier(creator: TestCreator):
    response = upload(creator.client, png())
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "tier_required"
    assert body["error"] == "This needs the creator tier or higher; your account is on free."


def test_upload_an_image_and_read_it_back(server: LiveServer, uploader: TestCreator):
    content = png(rgb=(0, 200, 80))
    response = upload(uploader.client, content, name="Green Logo", durationMs="2500")
    assert response.status_code == 201, response.text
    effect = response.json()
    sha = hashlib.sha256(content).hexdigest()
    assert effect["slug"] == "green-logo"
    assert (effect["kind"], effect["category"], effect["durationMs"]) == ("image", "alert", 2500)
    assert effect["asset"] == {
        "sha256": sha,
        "contentType": "image/png",
        "size": len(content),
        "url": f"/api/assets/{sha}",
    }
    assert f"{sha}.png" in stored_files(server)
    served = uploader.client.get(effect["asset"]["url"])
    assert served.status_code == 200
    assert served.content == content
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("image/png", "image"),
        ("image/jpeg", "image"),
        ("image/gif", "image"),
        ("image/webp", "image"),
        ("video/mp4", "media"),
        ("video/webm", "media"),
        ("audio/mpeg", "media"),
        ("audio/ogg", "media"),
        ("audio/wav", "media"),
    ],
)
def test_each_accepted_type_is_known_by_its_bytes(
    uploader: TestCreator, content_type: str, kind: str
):
    # The client claims the wrong type and name on purpose: only the bytes count.
    response = upload(
        uploader.client,
        SAMPLES[content_type],
        kind=kind,
        filename="whatever.bin",
        content_type="application/octet-stream",
    )
    assert response.status_code == 201, response.text
    asset = response.json()["asset"]
    assert asset["contentType"] == content_type
    assert uploader.client.get(asset["url"]).headers["content-type"] == content_type


def test_a_png_name_on_other_bytes_is_refused(server: LiveServer, uploader: TestCreator):
    before = stored_files(server)
    response = upload(
        uploader.client, b"<svg onload=alert(1)>" + b" " * 200, name="Fake", filename="logo.png"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert stored_files(server) == before
    assert uploader.client.get("/api/effects/fake").status_code == 404


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("image", "audio/mpeg"), ("image", "video/mp4"), ("media", "image/gif")],
)
def test_the_kind_must_fit_the_file(
    server: LiveServer, uploader: TestCreator, kind: str, content_type: str
):
    before = stored_files(server)
    response = upload(uploader.client, SAMPLES[content_type], kind=kind)
    assert response.status_code == 415
    assert f"A {kind} effect needs" in response.json()["error"]
    assert content_type in response.json()["error"]
    assert stored_files(server) == before


def test_identical_files_are_stored_once(server: LiveServer, uploader: TestCreator, make_creator):
    content = png(rgb=(9, 9, 9))
    sha = hashlib.sha256(content).hexdigest()
    first = upload(uploader.client, content, name="One").json()
    second = upload(uploader.client, content, name="Two", filename="other.png").json()
    third = upload(make_creator("professional").client, content, name="Three").json()
    assert first["asset"]["sha256"] == second["asset"]["sha256"] == third["asset"]["sha256"] == sha
    assert [name for name in stored_files(server) if name.startswith(sha)] == [f"{sha}.png"]


def test_the_file_stays_while_anyone_uses_it(
    server: LiveServer, uploader: TestCreator, make_creator
):
    content = png(rgb=(1, 2, 3), width=3)
    sha = hashlib.sha256(content).hexdigest()
    other = make_creator("creator")
    mine = upload(uploader.client, content, name="Mine").json()
    theirs = upload(other.client, content, name="Theirs").json()
    assert uploader.client.delete(f"/api/effects/{mine['id']}").status_code == 204
    # Gone for me, still there for them.
    assert uploader.client.get(f"/api/assets/{sha}").status_code == 404
    assert other.client.get(f"/api/assets/{sha}").content == content
    assert other.client.delete(f"/api/effects/{theirs['id']}").status_code == 204
    assert f"{sha}.png" not in stored_files(server)


def test_the_client_file_name_is_never_a_path(server: LiveServer, uploader: TestCreator):
    content = png(rgb=(7, 7, 7))
    response = upload(uploader.client, content, filename="../../../escape.png")
    assert response.status_code == 201
    assert not (server.data_dir.parent / "escape.png").exists()
    assert not list(server.data_dir.parent.rglob("escape.png"))
    assert f"{hashlib.sha256(content).hexdigest()}.png" in stored_files(server)


def test_over_the_tier_cap_is_refused_while_reading(server: LiveServer, uploader: TestCreator):
    before = stored_files(server)
    sent = [0]
    # No Content-Length: the cap can only be found by counting.
    response = post_media_stream(uploader.client, "Huge", 2048 * MB, sent)
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "file_too_large"
    assert body["error"] == "Files on the creator tier can be at most 25 MB."
    # Refused near the cap, not after 2 GB.
    assert sent[0] < 200 * MB
    # No partial file, no temp file.
    assert stored_files(server) == before
    assert uploader.client.get("/api/effects/huge").status_code == 404
    # The server is fine afterwards.
    assert upload(uploader.client, png(rgb=(5, 5, 5)), name="Small").status_code == 201


def test_a_refusal_before_the_body_is_read_hangs_up(uploader: TestCreator, creator: TestCreator):
    # Otherwise the server would go on reading, and throwing away, the rest of a huge body.
    refused = upload(creator.client, png())
    assert refused.status_code == 403
    assert refused.headers["connection"] == "close"
    # Requests whose body was read keep their connection.
    kept = uploader.client.post("/api/brand-kit", json={"name": "Kept"})
    assert kept.status_code == 201
    assert "connection" not in kept.headers


def test_a_crash_mid_upload_leaves_nothing_after_restart(tmp_path):
    own = start_server(tmp_path / "data")
    try:
        # The first account owns the server and is on the enterprise tier.
        register(own, "first@example.com")
        token = login(own, "first@example.com")["accessToken"]
        halfway = threading.Event()

        def body() -> Iterator[bytes]:
            sent = [0]
            for chunk in multipart_stream(
                {"name": "Crash", "category": "alert", "kind": "media"},
                SAMPLES["video/mp4"],
                100 * MB,
                sent,
            ):
                yield chunk
                if sent[0] > 5 * MB:
                    halfway.set()
                    time.sleep(0.01)

        def send() -> None:
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(
                    f"{own.url}/api/effects/upload",
                    content=body(),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                    },
                    timeout=30,
                )

        sender = threading.Thread(target=send)
        sender.start()
        assert halfway.wait(20)
        time.sleep(0.2)
        partials = list(assets_dir(own).glob(".upload-*"))
        assert partials, "the upload should be on its way to disk"
        own.kill()
        sender.join(30)
        assert all(p.exists() for p in partials)  # the crash left it behind...
        own.start()
        assert stored_files(own) == set()  # ...and the restart swept it.
    finally:
        own.stop()


def test_just_under_the_cap_is_accepted(uploader: TestCreator):
    sent = [0]
    response = post_media_stream(uploader.client, "Exactly", 25 * MB, sent)
    assert response.status_code == 201, response.text
    assert response.json()["asset"]["size"] == 25 * MB


def test_a_declared_huge_body_is_refused_before_reading(server: LiveServer, uploader: TestCreator):
    before = stored_files(server)
    sent = [0]
    response = post_media_stream(
        uploader.client, "Declared", 2048 * MB, sent, declared=2048 * MB + 600
    )
    assert response.status_code == 413
    assert sent[0] < 200 * MB
    assert stored_files(server) == before


def test_a_body_over_this_tiers_cap_is_refused_by_its_declared_length(uploader: TestCreator):
    # Under the server-wide limit, over the creator tier's: refused without reading.
    sent = [0]
    response = post_media_stream(uploader.client, "Declared", 40 * MB, sent, declared=40 * MB + 600)
    assert response.status_code == 413
    assert response.json()["error"] == "Files on the creator tier can be at most 25 MB."


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "alert", "kind": "image"}, "name"),
        ({"name": "X", "category": "loud", "kind": "image"}, "category"),
        ({"name": "X", "category": "alert", "kind": "text"}, "kind"),
        ({"name": "X", "category": "alert", "kind": "image", "durationMs": "soon"}, "durationMs"),
        ({"name": "X", "category": "alert", "kind": "image", "color": "red"}, "color"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_kept(
    server: LiveServer, uploader: TestCreator, data: dict, field: str
):
    before = stored_files(server)
    response = uploader.client.post(
        "/api/effects/upload", data=data, files={"file": ("a.png", png(rgb=(3, 3, 3)), "image/png")}
    )
    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["details"]]
    assert stored_files(server) == before


def test_a_missing_file_or_a_non_multipart_body_is_refused(uploader: TestCreator):
    no_file = uploader.client.post(
        "/api/effects/upload",
        data={"name": "X", "category": "alert", "kind": "image"},
        files={"note": (None, "hi")},
    )
    assert no_file.status_code == 422
    assert no_file.json()["details"][0]["field"] == "file"
    as_json = uploader.client.post("/api/effects/upload", json={"name": "X"})
    assert as_json.status_code == 415
    assert as_json.json()["error"] == "Send the upload as multipart/form-data."


def test_a_cut_off_upload_leaves_nothing(server: LiveServer, uploader: TestCreator):
    before = stored_files(server)
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="name"\r\n\r\nCut\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
    ).encode() + png()
    response = uploader.client.post(
        "/api/effects/upload",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_upload"
    assert stored_files(server) == before


def test_a_taken_name_is_refused_before_the_file_is_read(server: LiveServer, uploader: TestCreator):
    assert upload(uploader.client, png(rgb=(4, 4, 4)), name="Logo").status_code == 201
    before = stored_files(server)
    sent = [0]
    response = uploader.client.post(
        "/api/effects/upload",
        content=multipart_stream(
            {"name": "Logo", "category": "alert", "kind": "media"},
            SAMPLES["video/mp4"],
            20 * MB,
            sent,
        ),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        timeout=60,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "slug_taken"
    assert sent[0] < 20 * MB
    assert stored_files(server) == before


def test_uploads_count_towards_the_effect_limit(fresh_uploader: TestCreator):
    for i in range(50):
        fresh_uploader.client.post(
            "/api/effects", json={"name": f"Fx {i}", "category": "alert", "kind": "flash"}
        )
    response = upload(fresh_uploader.client, png(rgb=(6, 6, 6)), name="Fifty-one")
    assert response.status_code == 403
    assert response.json()["code"] == "tier_limit"


def test_an_uploaded_effect_fires_with_its_asset(uploader: TestCreator):
    effect = upload(uploader.client, SAMPLES["audio/ogg"], name="Ding", kind="media").json()
    session = uploader.client.post("/api/sessions/start", json={"platform": "kick"}).json()
    response = uploader.client.post(
        "/api/effects/trigger",
        json={"effectId": "ding", "sessionId": session["id"], "params": {"volume": 0.4}},
    )
    assert response.status_code == 201, response.text
    render = response.json()["render"]
    assert render["kind"] == "media"
    assert render["volume"] == 0.4
    assert render["asset"] == {
        "sha256": effect["asset"]["sha256"],
        "contentType": "audio/ogg",
        "url": effect["asset"]["url"],
    }


def test_assets_are_served_only_to_their_creator_and_overlay(
    server: LiveServer, uploader: TestCreator, make_creator
):
    content = png(rgb=(200, 0, 200))
    url = upload(uploader.client, content, name="Purple").json()["asset"]["url"]
    key = uploader.client.post("/api/overlay/key").json()["key"]

    by_key = httpx.get(f"{server.url}{url}", params={"key": key})
    assert by_key.status_code == 200
    assert by_key.content == content

    stranger = make_creator("creator")
    assert stranger.client.get(url).status_code == 404
    strangers_key = stranger.client.post("/api/overlay/key").json()["key"]
    assert httpx.get(f"{server.url}{url}", params={"key": strangers_key}).status_code == 404

    anonymous = httpx.get(f"{server.url}{url}")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert httpx.get(f"{server.url}{url}", params={"key": "not-a-key"}).status_code == 401

    # A rotated key stops working at once.
    uploader.client.post("/api/overlay/key")
    assert httpx.get(f"{server.url}{url}", params={"key": key}).status_code == 401


@pytest.mark.parametrize("sha", ["abc", "../streamfx.db", "A" * 64, "0" * 64])
def test_odd_asset_addresses_are_not_found(uploader: TestCreator, sha: str):
    response = uploader.client.get(f"/api/assets/{sha}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
