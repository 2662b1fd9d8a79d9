"""Can viewers see what StreamFX draws? The "shown" of docs/AGENT.md "Delivery record".

OBS starting an effect is not enough: the StreamFX scene must be in the program
output. It is when the program scene *is* the StreamFX scene, or when the program
scene holds the StreamFX scene as an item that is enabled and above every other
enabled item there. Otherwise the effect is `hidden`, and the reason says why in
plain words, with a hint that fixes it (`streamfx obs setup` puts StreamFX back on
top of every scene and turns it back on).

Choices:
- Only *enabled* items count as covering StreamFX: a disabled source above it draws
  nothing, so it hides nothing. (`streamfx obs setup` still moves StreamFX above
  them, so turning one on later does not hide the effects.)
- Only the program scene's own items are looked at, not scenes nested in it:
  `streamfx obs setup` nests StreamFX directly in each scene, and looking deeper
  would cost a round trip per nested scene on the hotkey path.
- Any item above StreamFX counts, however small: the contract says "above every
  other item", and a partial cover (a webcam over the banner) is a real miss.

`evaluate` is the pure rule (unit-tested); `check` asks OBS in one round trip;
`delivery_for` says what a kind's delivery is once OBS has started it.

On the hotkey path (`streamfx fire`): stdlib and this package's connection only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .connection import ObsConnection
from .errors import ObsError
from .setup import SCENE

# Kinds drawn by the StreamFX scene's own sources (docs/RENDER.md): viewers see them
# only when that scene is in the program output. The other kinds act on the program
# output itself or on the streamer's own sources, so OBS starting them is enough:
# `scene` makes its scene the program scene, `shake` moves every item of the program
# scene, `filter`, `filter-ramp`, `move` and `hotkey` act on what the streamer chose
# (whether that source is on screen is the streamer's layout, not StreamFX's), `replay`
# saves a file; `overlay` is not drawn in OBS.
DRAWN_BY_STREAMFX_SCENE = frozenset({"text", "flash", "image", "media"})

_MISSING_FIELD = 300  # obs-websocket's MissingRequestField


@dataclass(frozen=True)
class Visibility:
    """Whether the StreamFX scene is in the program output; if not, why and how to fix it."""

    visible: bool
    # Plain words: why not, when not visible; besides, what the effect's delivery must
    # say even when shown (a banner's "font fallback: ...", a replay's "saved to <path>").
    reason: str | None = None
    hint: str | None = None  # what the streamer can do about it, one sentence

    @property
    def status(self) -> str:
        """The delivery status this means once OBS has started an effect."""
        return "shown" if self.visible else "hidden"


def joined_reason(reason: str | None, notes: Sequence[str]) -> str | None:
    """A delivery's reason and the notes after it, "; " between; None if there is none."""
    parts = [p for p in (reason, *notes) if p]
    return "; ".join(parts) if parts else None


VISIBLE = Visibility(True)


def _index(item: Mapping[str, Any]) -> int:
    return int(item.get("sceneItemIndex", 0))


def evaluate(program_scene: str, items: Sequence[Mapping[str, Any]]) -> Visibility:
    """The rule, given the program scene's name and its `GetSceneItemList` items.

    obs-websocket numbers items bottom-up: a higher `sceneItemIndex` is drawn on top.
    """
    if program_scene == SCENE:
        return VISIBLE
    scene = repr(program_scene)
    mine = [i for i in items if i.get("sourceName") == SCENE]
    if not mine:
        return Visibility(
            False,
            f"the program scene {scene} has no StreamFX",
            f"Run `streamfx obs setup` to put StreamFX on top of scene {scene}.",
        )
    enabled = [i for i in mine if i.get("sceneItemEnabled")]
    if not enabled:
        return Visibility(
            False,
            f"StreamFX is hidden in scene {scene}",
            f"Turn StreamFX on (its eye icon) in scene {scene}, or run `streamfx obs setup`.",
        )
    top = max(_index(i) for i in enabled)
    above = [
        i
        for i in items
        if i.get("sceneItemEnabled") and i.get("sourceName") != SCENE and _index(i) > top
    ]
    if not above:
        return VISIBLE
    nearest = min(above, key=_index)
    return Visibility(
        False,
        f"StreamFX is below {str(nearest.get('sourceName'))!r} in scene {scene}",
        f"Move StreamFX to the top of scene {scene}, or run `streamfx obs setup`.",
    )


def check(conn: ObsConnection) -> Visibility:
    """Ask OBS for the program scene and its items in one batch, then `evaluate`.

    The batch hands the scene's name from the first request to the second with
    obs-websocket's batch variables; an obs-websocket without them answers the
    second with "missing field", and the items are then asked for separately.
    Raises the bridge's errors (ObsUnavailable, ObsRequestFailed).
    """
    results = conn.batch(
        [
            {
                "requestType": "GetCurrentProgramScene",
                "outputVariables": {"programScene": "currentProgramSceneName"},
            },
            {
                "requestType": "GetSceneItemList",
                "requestData": {},
                "inputVariables": {"sceneName": "programScene"},
            },
        ],
        halt_on_failure=True,
    )
    if not results:
        raise ObsError("OBS did not answer the question which scene is live.")
    results[0].raise_for_status()
    scene = str(results[0].data.get("currentProgramSceneName") or "")
    if scene == SCENE:
        return VISIBLE
    listed = results[1] if len(results) > 1 else None
    if listed is None or listed.code == _MISSING_FIELD:
        items = conn.call("GetSceneItemList", {"sceneName": scene}).get("sceneItems", [])
    else:
        listed.raise_for_status()
        items = listed.data.get("sceneItems", [])
    return evaluate(scene, list(items))


def delivery_for(kind: str, conn: ObsConnection, note: str | None = None) -> Visibility:
    """Once OBS has started an effect of `kind`: can viewers see it? (`.status` is the
    delivery's status, shown or hidden.) Only kinds drawn by the StreamFX scene ask OBS.

    `note` is what the delivery's reason must say besides (`draw.Drawn.note`: a font
    fallback, a replay's file): a shown delivery's whole reason, after a hidden one's why.
    """
    seen = check(conn) if kind in DRAWN_BY_STREAMFX_SCENE else VISIBLE
    if note:
        return replace(seen, reason=joined_reason(seen.reason, [note]))
    return seen
