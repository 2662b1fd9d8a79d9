"""The overlay page against the wire contract, asked in real Chromium: it knows every kind
of effect (and draws those streamfx_wire says it draws), and falls back to the same
brand defaults and durations as the server and the OBS bridge.

overlay.js cannot import the contract, so this is what keeps its copy honest; the
server's renderers and the OBS drawers are checked in tests/unit/test_wire.py.
"""

from __future__ import annotations

from streamfx_wire.kinds import KIND_SPECS, KINDS
from streamfx_wire.vocabulary import DEFAULT_PALETTE


def test_the_page_handles_every_kind_of_the_contract(open_overlay):
    kinds = open_overlay().state()["kinds"]
    assert sorted(kinds) == sorted(KINDS)
    # true: the page draws it; false: OBS does it all, and the page knows to leave it.
    assert kinds == {kind: spec.on_overlay for kind, spec in KIND_SPECS.items()}


def test_the_page_falls_back_to_the_contracts_defaults(open_overlay):
    defaults = open_overlay().state()["defaults"]
    assert defaults["colors"] == dict(DEFAULT_PALETTE)
    assert list(defaults["colors"]) == list(DEFAULT_PALETTE)
    assert defaults["durationMs"] == {
        kind: spec.default_duration_ms
        for kind, spec in KIND_SPECS.items()
        if spec.timed and spec.on_overlay
    }
