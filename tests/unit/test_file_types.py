"""Typing uploads by their first bytes (never by name or claimed type), and temp-file hygiene."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfx_server.app import create_app
from streamfx_server.infra.settings import Settings
from streamfx_server.uploads import SNIFF_BYTES, kind_accepts, sniff
from tests.support.media import SAMPLES

EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
}


@pytest.mark.parametrize("content_type", sorted(SAMPLES))
def test_each_accepted_type_is_recognised(content_type: str):
    assert sniff(SAMPLES[content_type][:SNIFF_BYTES]) == (content_type, EXTENSIONS[content_type])


@pytest.mark.parametrize(
    "head",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'>",
        b"<!DOCTYPE html><script>",
        b"%PDF-1.7\n",
        b"PK\x03\x04zipfile",
        b"\x7fELF\x02\x01\x01",
        b"MZ\x90\x00",
        b"\x00\x00\x00\x18ftypheic\x00\x00",  # HEIF still image, not MP4
        b"\x00\x00\x00\x14ftypqt  \x00\x00",  # QuickTime
        b"\x1a\x45\xdf\xa3\x93\x42\x82\x88matroska",  # Matroska, not WebM
        b"RIFF\x00\x00\x00\x00AVI LIST",
        b"",
        b"\x89PN",
    ],
)
def test_other_content_is_refused(head: bytes):
    assert sniff(head) is None


@given(st.binary(max_size=SNIFF_BYTES))
def test_sniffing_never_fails_on_any_bytes(head: bytes):
    found = sniff(head)
    assert found is None or found[0] in EXTENSIONS


@pytest.mark.parametrize(
    ("kind", "content_type", "ok"),
    [
        ("image", "image/png", True),
        ("image", "image/webp", True),
        ("image", "video/mp4", False),
        ("image", "audio/mpeg", False),
        ("media", "video/webm", True),
        ("media", "audio/wav", True),
        ("media", "image/gif", False),
    ],
)
def test_the_effect_kind_decides_which_types_fit(kind: str, content_type: str, ok: bool):
    assert kind_accepts(kind, content_type) is ok


def test_leftovers_of_a_crashed_upload_are_swept_at_startup(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.assets_dir.mkdir(parents=True)
    partial = settings.assets_dir / ".upload-abc123.part"
    partial.write_bytes(b"\x89PNG half a file")
    kept = settings.assets_dir / f"{'0' * 64}.png"
    kept.write_bytes(SAMPLES["image/png"])
    create_app(settings).state.streamfx.db.close()
    assert not partial.exists()
    assert kept.read_bytes() == SAMPLES["image/png"]
