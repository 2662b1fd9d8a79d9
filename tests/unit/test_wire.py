"""The wire contract (streamfx_wire): stdlib only, true to docs/RENDER.md, and served by
both sides: every kind has a renderer on the server and a drawer in the OBS bridge.

The overlay page's side is checked in real Chromium: tests/overlay/test_kinds.py.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import streamfx_wire
from streamfx_cli.obs.draw import DEFAULT_DURATION_MS, DRAWERS
from streamfx_server import effects
from streamfx_server.effect_params import MODELS
from streamfx_server.infra.ids import iso
from streamfx_server.render import RENDERERS, Effect, resolve
from streamfx_server.state import AppState
from streamfx_wire.kinds import ASSET_KINDS, COMMON_FIELDS, KIND_SPECS, KINDS, KindTable
from streamfx_wire.vocabulary import DEFAULT_PALETTE, PALETTE_ROLES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(streamfx_wire.__file__).parent
# Parameters an effect of each kind cannot do without.
REQUIRED_PARAMS = {
    "scene": {"scene": "BRB"},
    "filter": {"source": "Camera", "filter": "Blur"},
    "hotkey": {"hotkey": "OBSBasic.StartRecording"},
    "move": {"source": "Camera", "dx": 100},
    "filter-ramp": {"source": "Camera", "filter": "Blur", "settings": {"size": 12}},
}


# -- Standard library only ------------------------------------------------------------------


def imported_names(path: Path) -> set[str]:
    """Top-level names of the absolute imports in a Python file, at any depth in it."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_contract_imports_only_the_standard_library():
    files = sorted(PACKAGE.glob("*.py"))
    assert {f.stem for f in files} >= {"__init__", "kinds", "live", "vocabulary"}
    for path in files:
        outside = imported_names(path) - set(sys.stdlib_module_names) - {"streamfx_wire"}
        assert not outside, f"{path.name} imports {sorted(outside)}"


def test_importing_the_contract_loads_nothing_outside_the_standard_library():
    # A fresh interpreter: what importing every part of the contract brings in.
    probe = (
        "import sys; before = set(sys.modules); "
        "import streamfx_wire.kinds, streamfx_wire.live, streamfx_wire.vocabulary; "
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert "streamfx_wire.kinds" in loaded
    outside = {
        name
        for name in loaded
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] != "streamfx_wire"
    }
    assert not outside, sorted(outside)


# -- The contract is docs/RENDER.md -------------------------------------------------------


def render_md_tables() -> tuple[list[str], dict[str, set[str]]]:
    """From docs/RENDER.md: the common fields, and each kind's own fields, in order."""
    common: list[str] = []
    kinds: dict[str, set[str]] = {}
    for line in (ROOT / "docs" / "RENDER.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not line.startswith("|") or set(cells[0]) <= {"-"}:
            continue
        if re.fullmatch(r"`\w+`", cells[0]):
            common.append(cells[0].strip("`"))
        elif re.fullmatch(r"[a-z]+(-[a-z]+)?", cells[0]) and cells[0] not in ("field", "kind"):
            kinds[cells[0]] = {n for n in re.findall(r"`([^`]+)`", cells[1]) if n.isidentifier()}
    return common, kinds


def test_the_render_shapes_are_those_of_render_md():
    common, kinds = render_md_tables()
    assert set(common) == COMMON_FIELDS
    assert list(kinds) == list(KINDS)
    for kind, fields in kinds.items():
        assert KIND_SPECS[kind].fields == fields, kind


def test_kinds_and_palette_are_listed_once_in_one_order():
    assert tuple(KIND_SPECS) == KINDS
    assert all(spec.name == kind for kind, spec in KIND_SPECS.items())
    assert tuple(DEFAULT_PALETTE) == PALETTE_ROLES
    assert ASSET_KINDS == ("image", "media")


# -- Both sides serve every kind -----------------------------------------------------------


def test_every_kind_has_a_parameter_model_a_renderer_and_an_obs_drawer():
    assert set(MODELS) == set(KINDS), "server: effect_params.MODELS"
    assert RENDERERS.missing() == [], "server: render.RENDERERS"
    assert DRAWERS.missing() == [], "CLI: obs.draw.DRAWERS"
    assert set(RENDERERS) == set(DRAWERS) == set(KINDS)


def test_a_kind_table_takes_only_kinds_and_each_once():
    table: KindTable[str] = KindTable()
    table.register("flash")("the flash")
    assert dict(table) == {"flash": "the flash"}
    assert table.missing() == [k for k in KINDS if k != "flash"]
    with pytest.raises(ValueError, match="not a kind"):
        table.register("confetti")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="twice"):
        table.register("flash")


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_exactly_its_contract_fields(kind: str):
    effect = Effect("fx_k", "k", "K", "custom", kind, REQUIRED_PARAMS.get(kind, {}), 1000)
    render = resolve(effect, None)
    # Without an uploaded file an image or media render has no `asset` (RENDER.md: absent
    # when it does not apply); every other field is always there.
    assert set(render) == COMMON_FIELDS | (KIND_SPECS[kind].fields - {"asset"})
    assert render["kind"] == kind


def test_a_new_effect_lasts_its_kinds_default_duration(state: AppState):
    stamp = iso()
    with state.db.write() as conn:
        conn.execute(
            "INSERT INTO creators (id, email, display_name, password_hash, created_at, "
            "updated_at) VALUES ('cr_k', 'k@example.com', 'K', 'x', ?, ?)",
            (stamp, stamp),
        )
        made = {
            kind: effects.add(
                conn,
                "cr_k",
                "enterprise",
                effects.NewEffect(
                    f"My {kind}", "custom", kind, REQUIRED_PARAMS.get(kind, {}), None, 0
                ),
            )
            for kind in KINDS
            if kind not in ASSET_KINDS
        }
    assert {kind: e.duration_ms for kind, e in made.items()} == {
        "text": 4000,
        "flash": 250,
        "shake": 600,
        "scene": 0,
        "filter": 3000,
        "hotkey": 0,
        "overlay": 3000,
        "move": 1500,
        "filter-ramp": 1500,
        "replay": 0,
    }


def test_obs_shows_an_instant_render_for_its_kinds_default_duration():
    # Timed kinds drawn in OBS; the others either are not timed or are not OBS's.
    assert DEFAULT_DURATION_MS == {
        "text": 4000,
        "flash": 250,
        "image": 3000,
        "media": 5000,
        "shake": 600,
        "move": 1500,
        "filter-ramp": 1500,
    }
