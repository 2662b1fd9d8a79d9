"""What a hostile web page or a crafted request can try against a server on loopback.

Covered elsewhere and not repeated: a foreign Host over HTTP (tests/api/test_auth.py),
foreign Origins on the WebSocket (tests/api/test_ws.py), `../` in an upload's name with
valid content, a PNG name on SVG bytes, and uploads over the tier cap with and without
Content-Length (tests/api/test_uploads.py), a 2 MB JSON body with Content-Length
(tests/api/test_auth.py).

Added here:
- DNS rebinding on the WebSocket: a foreign Host never gets a handshake (HTTP already
  gets 400 `invalid_host`);
- no CORS: neither a preflight nor a plain request from a foreign origin gets an
  Access-Control-Allow-Origin (or -Credentials) header;
- hostile upload names (absolute paths, backslashes, NUL, encoded dots) with lying
  content, or lying extensions, or too big: refused, and nothing is written anywhere
  in the data folder; and with honest content, stored only as <sha256>.<ext>;
- an oversize JSON body sent chunked (no Content-Length) gets 413, and the server
  goes on serving.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.accounts import TestCreator, new_creator
from tests.support.live_server import LiveServer
from tests.support.media import SAMPLES, png, upload

MB = 1024 * 1024


# -- DNS rebinding ----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "attacker.test:{port}", "127.0.0.1.nip.io"])
def test_a_foreign_host_gets_no_websocket(server: LiveServer, creator: TestCreator, host: str):
    """A page on attacker.test that rebinds its name to 127.0.0.1 sends Host: attacker.test."""
    host = host.format(port=server.port)
    http = httpx.get(f"{server.url}/api/health", headers={"Host": host})
    assert (http.status_code, http.json()["code"]) == (400, "invalid_host")
    # The browser resolved the attacker's name to 127.0.0.1: the socket goes to us, the
    # URL (and so Host and Origin) names the attacker.
    name = host if ":" in host else f"{host}:{server.port}"
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
        pytest.raises(InvalidStatus) as refused,
    ):
        connect(
            f"ws://{name}/api/ws",
            sock=sock,
            origin=f"http://{name}",  # type: ignore[arg-type]
            open_timeout=10,
        )
    # Refused before the handshake (uvicorn answers a refused handshake with 403): no 101,
    # so no message and no token ever crosses.
    assert refused.value.response.status_code == 403


# -- CORS ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/me", "/api/effects/trigger"])
def test_no_cross_origin_access_is_granted(server: LiveServer, creator: TestCreator, path: str):
    evil = "https://evil.example"
    preflight = httpx.options(
        f"{server.url}{path}",
        headers={
            "Origin": evil,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code < 500
    simple = httpx.get(f"{server.url}{path}", headers={"Origin": evil, **creator.auth})
    for response in (preflight, simple):
        allowed = {k.lower() for k in response.headers if k.lower().startswith("access-control-")}
        assert allowed == set(), f"{response.request.method} {path}: {allowed}"


# -- Uploads -------------------------------------------------------------------------


def _tree(root: Path) -> dict[str, int]:
    """Every file under the data folder except SQLite's own, with its size."""
    return {
        str(p.relative_to(root)): p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith("streamfx.db")
    }


HOSTILE_NAMES = [
    "../../../../../tmp/streamfx-escape.png",
    "/etc/cron.d/streamfx-escape",
    "..\\..\\..\\streamfx-escape.png",
    "streamfx-escape.png\x00.html",
    "%2e%2e%2f%2e%2e%2fstreamfx-escape.png",
    "assets/../../streamfx-escape.png",
    ".upload-streamfx-escape",
    "",
]


@pytest.fixture(scope="module")
def uploader(server: LiveServer) -> Iterator[TestCreator]:
    made = new_creator(server, "creator")
    yield made
    made.client.close()


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_hostile_names_with_lying_content_write_nothing(
    server: LiveServer, uploader: TestCreator, filename: str
):
    before = _tree(server.data_dir)
    lying = b"<!doctype html><script>fetch('/api/auth/me')</script>" + b" " * 200
    response = upload(uploader.client, lying, filename=filename, content_type="image/png")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert _tree(server.data_dir) == before
    assert not list(server.data_dir.parent.rglob("streamfx-escape*"))


@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_hostile_names_with_honest_content_are_stored_by_hash_only(
    server: LiveServer, uploader: TestCreator, filename: str
):
    content = png(rgb=(HOSTILE_NAMES.index(filename), 99, 42))
    before = _tree(server.data_dir)
    response = upload(uploader.client, content, filename=filename)
    assert response.status_code == 201, response.text
    added = set(_tree(server.data_dir)) - set(before)
    assert added == {f"assets/{hashlib.sha256(content).hexdigest()}.png"}
    assert not list(server.data_dir.parent.rglob("streamfx-escape*"))


@pytest.mark.parametrize(
    ("filename", "content", "kind"),
    [
        ("logo.png", SAMPLES["video/mp4"], "image"),  # video bytes, image name and kind
        ("clip.mp4", SAMPLES["image/gif"], "media"),  # image bytes, video name and kind
        ("logo.png", b"MZ\x90\x00" + os.urandom(256), "image"),  # an .exe with a .png name
        ("photo.jpg", b"%PDF-1.7\n" + os.urandom(256), "image"),
        ("sound.mp3", b"#!/bin/sh\nrm -rf ~\n", "media"),
    ],
)
def test_lying_extensions_write_nothing(
    server: LiveServer, uploader: TestCreator, filename: str, content: bytes, kind: str
):
    before = _tree(server.data_dir)
    response = upload(uploader.client, content, filename=filename, kind=kind)
    assert response.status_code == 415
    assert _tree(server.data_dir) == before


def _chunks(total: int, block: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = b" " * min(block, total - sent)
        sent += len(piece)
        yield piece


def test_an_oversize_upload_without_length_writes_nothing(
    server: LiveServer, uploader: TestCreator
):
    before = _tree(server.data_dir)
    boundary = "streamfx-reliability"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nBig\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nalert\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nmedia\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="../../big.mp4"\r\nContent-Type: video/mp4\r\n\r\n'
        ).encode() + SAMPLES["video/mp4"]
        yield from _chunks(40 * MB, MB)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = uploader.client.post(
        "/api/effects/upload",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=60,
    )
    assert response.status_code == 413
    assert _tree(server.data_dir) == before


# -- Oversize JSON ---------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_oversize_json_body_gets_413(server: LiveServer, creator: TestCreator, declared: bool):
    size = 3 * MB
    headers = {**creator.auth, "Content-Type": "application/json"}
    if declared:
        response = httpx.post(
            f"{server.url}/api/brand-kit", content=b" " * size, headers=headers, timeout=30
        )
    else:
        response = httpx.post(
            f"{server.url}/api/brand-kit", content=_chunks(size), headers=headers, timeout=30
        )
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    # Nothing was created from it, and the server is fine.
    assert creator.client.get("/api/brand-kit").json() == []
    assert httpx.get(f"{server.url}/api/health").status_code == 200
