"""The "BRB" scene the built-in `brb` effect switches to (docs/EFFECTS.md "Built-ins").

`streamfx obs setup` makes one when OBS has no scene of that name: a card filling the
canvas in the brand kit's background colour and "Be right back" in its heading font and
text colour. A scene of that name that already exists is the streamer's: it is never
changed, and `brb` switches to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamfx_wire.vocabulary import DEFAULT_PALETTE, DEFAULT_TYPOGRAPHY

from .connection import ObsConnection
from .setup import FLASH, TEXT, pick_kind

BRB_SCENE = "BRB"  # the built-in `brb` effect's `scene` parameter
BRB_CARD = "StreamFX BRB Card"
BRB_TEXT = "StreamFX BRB Text"
BRB_MESSAGE = "Be right back"


@dataclass(frozen=True)
class BrbLook:
    """How a new BRB scene looks; the defaults are StreamFX's look without a brand kit."""

    background: str = DEFAULT_PALETTE["background"]
    text_color: str = DEFAULT_PALETTE["text"]
    font: str = DEFAULT_TYPOGRAPHY["headingFont"]


def exists(conn: ObsConnection) -> bool:
    return any(s["sceneName"] == BRB_SCENE for s in conn.call("GetSceneList").get("scenes", []))


def create(conn: ObsConnection, look: BrbLook, kinds: list[str]) -> list[str]:
    """Make the BRB scene with its card and message; returns the sources created.

    Call only when `exists` is False. A source name already taken (the scene was
    deleted but its sources live on elsewhere) is reused as it is.
    """
    from .draw import obs_color  # draw imports setup; imported here to keep this light

    video = conn.call("GetVideoSettings")
    width, height = int(video["baseWidth"]), int(video["baseHeight"])
    inputs = {i["inputName"] for i in conn.call("GetInputList").get("inputs", [])}
    conn.call("CreateScene", {"sceneName": BRB_SCENE})
    created: list[str] = []
    card_kind, text_kind = pick_kind(FLASH, kinds), pick_kind(TEXT, kinds)
    if BRB_CARD in inputs:
        conn.call("CreateSceneItem", {"sceneName": BRB_SCENE, "sourceName": BRB_CARD})
    elif card_kind is not None:
        conn.call(
            "CreateInput",
            {
                "sceneName": BRB_SCENE,
                "inputName": BRB_CARD,
                "inputKind": card_kind,
                "inputSettings": {
                    "color": obs_color(look.background),
                    "width": width,
                    "height": height,
                },
            },
        )
        created.append(BRB_CARD)
    if BRB_TEXT in inputs:
        item_id = conn.call("CreateSceneItem", {"sceneName": BRB_SCENE, "sourceName": BRB_TEXT})[
            "sceneItemId"
        ]
    elif text_kind is not None:
        color = obs_color(look.text_color)
        item_id = conn.call(
            "CreateInput",
            {
                "sceneName": BRB_SCENE,
                "inputName": BRB_TEXT,
                "inputKind": text_kind,
                "inputSettings": {
                    "text": BRB_MESSAGE,
                    # About a ninth of the canvas high: readable on any canvas size.
                    "font": {
                        "face": look.font,
                        "size": max(24, round(height / 9)),
                        "style": "Regular",
                        "flags": 0,
                    },
                    "color1": color,
                    "color2": color,
                    "color": color,
                },
            },
        )["sceneItemId"]
        created.append(BRB_TEXT)
    else:
        return created
    conn.call(
        "SetSceneItemTransform",
        {
            "sceneName": BRB_SCENE,
            "sceneItemId": item_id,
            "sceneItemTransform": {
                "alignment": 0,  # centred on its position
                "positionX": width / 2,
                "positionY": height / 2,
            },
        },
    )
    return created
