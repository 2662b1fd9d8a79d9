"""End effects `streamfx fire` drew by itself (no agent), and put back what they changed.

Such effects are timed inside OBS by a sleeping batch that cannot be cancelled;
stopping one early hides its StreamFX source, or puts back the positions and
the program scene that shake and scene kept in OBS's persistent data. When the
batch wakes later it hides, moves or switches to the same state again, which
changes nothing. (With an agent running, `stop` asks the agent instead.)
"""

from __future__ import annotations

import time
from typing import Any

from .connection import ObsConnection, request
from .draw import _PERSIST_REALM, _SLOT_SCENE, _SLOT_SHAKE, end_now
from .setup import BANNER_BAR, BANNER_STRIPE, FLASH, IMAGE, MEDIA, SCENE, TEXT

# The StreamFX sources each kind shows (the banner is three).
SOURCES_OF_KIND: dict[str, tuple[str, ...]] = {
    "text": (TEXT, BANNER_BAR, BANNER_STRIPE),
    "flash": (FLASH,),
    "image": (IMAGE,),
    "media": (MEDIA,),
}
KINDS = (*SOURCES_OF_KIND, "shake", "scene")


def _slot(conn: ObsConnection, slot: str) -> dict[str, Any] | None:
    value = conn.call("GetPersistentData", {"realm": _PERSIST_REALM, "slotName": slot}).get(
        "slotValue"
    )
    if isinstance(value, dict) and int(value.get("untilMs", 0)) > time.time() * 1000:
        return value
    return None


def stop_kinds(conn: ObsConnection, kinds: tuple[str, ...] = KINDS) -> list[str]:
    """End whatever of `kinds` shows now; returns the kinds that were ended."""
    ended: list[str] = []
    items = {
        i["sourceName"]: i
        for i in conn.call("GetSceneItemList", {"sceneName": SCENE}).get("sceneItems", [])
    }
    requests: list[dict[str, Any]] = []
    for kind, sources in SOURCES_OF_KIND.items():
        if kind not in kinds:
            continue
        showing = [items[s] for s in sources if s in items and items[s].get("sceneItemEnabled")]
        for item in showing:
            requests.append(
                request(
                    "SetSceneItemEnabled",
                    {
                        "sceneName": SCENE,
                        "sceneItemId": item["sceneItemId"],
                        "sceneItemEnabled": False,
                    },
                )
            )
        if showing:
            ended.append(kind)
    shake = _slot(conn, _SLOT_SHAKE) if "shake" in kinds else None
    if shake is not None:
        for item_id, (x, y) in (shake.get("state", {}).get("positions") or {}).items():
            requests.append(
                request(
                    "SetSceneItemTransform",
                    {
                        "sceneName": shake["scene"],
                        "sceneItemId": int(item_id),
                        "sceneItemTransform": {"positionX": x, "positionY": y},
                    },
                )
            )
        ended.append("shake")
    scene = _slot(conn, _SLOT_SCENE) if "scene" in kinds else None
    if scene is not None and scene.get("state", {}).get("sceneName"):
        requests.append(
            request("SetCurrentProgramScene", {"sceneName": scene["state"]["sceneName"]})
        )
        ended.append("scene")
    for slot, value in ((_SLOT_SHAKE, shake), (_SLOT_SCENE, scene)):
        if value is not None:  # ended now: a later firing must not restore to it
            requests.append(
                request(
                    "SetPersistentData",
                    {
                        "realm": _PERSIST_REALM,
                        "slotName": slot,
                        "slotValue": {**value, "untilMs": 0},
                    },
                )
            )
    if requests:
        end_now(conn, requests)
    return ended
