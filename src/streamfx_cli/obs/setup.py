"""Create (idempotently) and inspect the StreamFX scene in OBS.

`setup` makes StreamFX visible in every scene it is given: nested there, enabled,
above everything else; `status` says whether that is so for the program scene in
the words of `visibility` (docs/AGENT.md "Delivery record").

It also brings a StreamFX scene made by an older version up to date: missing
sources are added (the banner's bar and stripe came later), the StreamFX sources
are put back in their order, the banner's items in their place on the canvas
(banner_layout), and the sources that fade in and out get their fade filter
(docs/EFFECTS.md "Motion"), each only if it is not so already.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import banner_layout
from .connection import ObsConnection
from .errors import ObsError, ObsRequestFailed

if TYPE_CHECKING:
    from .brb import BrbLook
    from .visibility import Visibility

SCENE = "StreamFX"
TEXT = "StreamFX Text"
FLASH = "StreamFX Flash"
IMAGE = "StreamFX Image"
MEDIA = "StreamFX Media"
BANNER_BAR = "StreamFX Banner Bar"
BANNER_STRIPE = "StreamFX Banner Stripe"


@dataclass(frozen=True)
class Stage:
    """A scene holding the StreamFX sources: where `draw` puts an effect.

    `ON_AIR` is the StreamFX scene that `setup` nests into the program scenes;
    `streamfx preview` draws on a private copy that is never on air (obs/preview.py).
    """

    scene: str
    text: str
    flash: str
    image: str
    media: str
    bar: str  # the banner's bar, under its text
    stripe: str  # the banner's accent stripe, under its bar
    # The scene a shake moves every item of; None: the program scene.
    shake_scene: str | None = None

    def named(self, source: str) -> str:
        """This stage's name for one of the on-air sources (TEXT, FLASH, IMAGE, MEDIA,
        BANNER_BAR, BANNER_STRIPE)."""
        return {
            TEXT: self.text,
            FLASH: self.flash,
            IMAGE: self.image,
            MEDIA: self.media,
            BANNER_BAR: self.bar,
            BANNER_STRIPE: self.stripe,
        }[source]


ON_AIR = Stage(SCENE, TEXT, FLASH, IMAGE, MEDIA, BANNER_BAR, BANNER_STRIPE)
# `streamfx preview`'s private copy (obs/preview.py): never nested anywhere, never made
# the program or studio preview scene, so nothing drawn there reaches viewers.
PREVIEW_SCENE = "StreamFX Preview"
PREVIEW = Stage(
    PREVIEW_SCENE,
    f"{PREVIEW_SCENE} Text",
    f"{PREVIEW_SCENE} Flash",
    f"{PREVIEW_SCENE} Image",
    f"{PREVIEW_SCENE} Media",
    f"{PREVIEW_SCENE} Banner Bar",
    f"{PREVIEW_SCENE} Banner Stripe",
    shake_scene=PREVIEW_SCENE,
)
# StreamFX's own scenes: never a program scene to nest StreamFX into.
OWN_SCENES = (SCENE, PREVIEW_SCENE)

# Input kinds by preference. Debian's OBS 29 has text_ft2_source_v2 (no
# GDI+ text, no Browser Source, no VLC); Windows builds have text_gdiplus.
SOURCE_KINDS: dict[str, tuple[str, ...]] = {
    TEXT: ("text_ft2_source_v2", "text_gdiplus_v2", "text_gdiplus_v3", "text_ft2_source"),
    FLASH: ("color_source_v3", "color_source_v2", "color_source"),
    BANNER_BAR: ("color_source_v3", "color_source_v2", "color_source"),
    BANNER_STRIPE: ("color_source_v3", "color_source_v2", "color_source"),
    IMAGE: ("image_source",),
    MEDIA: ("ffmpeg_source", "vlc_source"),
}
# Bottom to top inside the StreamFX scene: a flash must not hide the banner; the
# banner's stripe is under its bar, the text on top.
SOURCE_ORDER: tuple[str, ...] = (FLASH, MEDIA, IMAGE, BANNER_STRIPE, BANNER_BAR, TEXT)
BANNER_ITEMS: tuple[str, ...] = (BANNER_STRIPE, BANNER_BAR, TEXT)
# The sources whose effects fade in and out: each has a colour-correction filter whose
# opacity the effect moves frame by frame (obs/draw_motion.py), 1.0 at rest.
FADE = "StreamFX Fade"
FADE_KIND = "color_filter_v2"
FADED: tuple[str, ...] = (FLASH, IMAGE, BANNER_STRIPE, BANNER_BAR, TEXT)

_STATUS_NOT_FOUND = 600


@dataclass(frozen=True)
class SetupResult:
    """What `setup` changed; all lists are empty when OBS was already set up."""

    created_scene: bool = False
    created_sources: list[str] = field(default_factory=list)
    added_items: list[str] = field(default_factory=list)
    nested_in: list[str] = field(default_factory=list)
    raised_in: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    enabled_in: list[str] = field(default_factory=list)
    reordered: bool = False  # the StreamFX sources were put back in SOURCE_ORDER
    placed: list[str] = field(default_factory=list)  # banner items moved to their place
    faded: list[str] = field(default_factory=list)  # sources given their fade filter
    # The BRB scene the built-in `brb` switches to: made now, or already there (the
    # streamer's, left alone); both False when setup was not asked to see to it.
    created_brb: list[str] = field(default_factory=list)  # the sources made for it
    brb_created: bool = False
    brb_existed: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.brb_created
            or self.created_scene
            or self.created_sources
            or self.added_items
            or self.nested_in
            or self.raised_in
            or self.enabled_in
            or self.reordered
            or self.placed
            or self.faded
        )


@dataclass(frozen=True)
class ObsStatus:
    obs_version: str
    websocket_version: str
    rpc_version: int
    program_scene: str
    scenes: list[str]
    input_kinds: list[str]
    setup_complete: bool
    missing: list[str]
    nested_in: list[str]
    visibility: Visibility  # whether viewers see StreamFX in the program scene
    brb_scene: bool = False  # OBS has the scene the built-in `brb` switches to


def pick_kind(source: str, available: Iterable[str]) -> str | None:
    """The input kind this OBS build offers for one of the StreamFX sources."""
    have = set(available)
    return next((kind for kind in SOURCE_KINDS[source] if kind in have), None)


def _scene_names(conn: ObsConnection) -> tuple[str, list[str]]:
    data = conn.call("GetSceneList")
    # OBS lists scenes bottom-up (the UI's order reversed).
    names = [s["sceneName"] for s in reversed(data.get("scenes", []))]
    return str(data.get("currentProgramSceneName") or ""), names


def _items(conn: ObsConnection, scene: str) -> list[dict[str, Any]]:
    return list(conn.call("GetSceneItemList", {"sceneName": scene}).get("sceneItems", []))


def _input_names(conn: ObsConnection) -> set[str]:
    return {i["inputName"] for i in conn.call("GetInputList").get("inputs", [])}


def _initial_settings(source: str, width: int, height: int) -> dict[str, Any]:
    if source == FLASH:
        return {"color": 0xFFFFFFFF, "width": width, "height": height}
    if source in (BANNER_BAR, BANNER_STRIPE):
        return {"color": 0xFF000000, "width": 1, "height": 1}  # sized by each banner
    if source == TEXT:
        return {
            "text": "",
            "font": {"face": "Sans Serif", "size": 48, "style": "Bold", "flags": 1},
            "color1": 0xFFFFFFFF,
            "color2": 0xFFFFFFFF,
        }
    if source == MEDIA:
        # Restart from the beginning each time the effect shows it.
        return {"is_local_file": True, "restart_on_activate": True, "close_when_inactive": True}
    return {}


def _initial_transform(source: str, width: int, height: int) -> dict[str, Any] | None:
    """Where a fresh item goes; never reapplied to the image and media, so a streamer's
    layout of them stays. The banner's items are StreamFX's to place (`place_banner`)."""
    if source in BANNER_ITEMS:
        return _banner_transform(source, width, height)
    center = {"alignment": 0, "positionX": width / 2}
    if source in (IMAGE, MEDIA):
        return center | {
            "positionY": height / 2,
            "boundsType": "OBS_BOUNDS_MAX_ONLY",
            "boundsAlignment": 0,
            "boundsWidth": width * 0.8,
            "boundsHeight": height * 0.8,
        }
    return None


def _banner_transform(source: str, width: int, height: int) -> dict[str, Any]:
    home = banner_layout.home(width, height)
    if source == TEXT:
        return home.text_transform()
    return home.bar_transform() if source == BANNER_BAR else home.stripe_transform()


def _differs(have: dict[str, Any], want: dict[str, Any]) -> bool:
    for key, value in want.items():
        current = have.get(key)
        if isinstance(value, float) and isinstance(current, (int, float)):
            if abs(current - value) > 0.01:
                return True
        elif current != value:
            return True
    return False


def place_banner(conn: ObsConnection, width: int, height: int, stage: Stage = ON_AIR) -> list[str]:
    """Put a stage's banner items where a banner on this canvas goes, if they are not
    there (a scene from an older version, or a canvas resized since); the items placed."""
    roles = {stage.named(role): role for role in BANNER_ITEMS}
    placed: list[str] = []
    for item in _items(conn, stage.scene):
        source = item["sourceName"]
        if source not in roles:
            continue
        want = _banner_transform(roles[source], width, height)
        if _differs(item.get("sceneItemTransform", {}), want):
            conn.call(
                "SetSceneItemTransform",
                {
                    "sceneName": stage.scene,
                    "sceneItemId": item["sceneItemId"],
                    "sceneItemTransform": want,
                },
            )
            placed.append(source)
    return placed


def put_in_order(conn: ObsConnection, stage: Stage = ON_AIR, floor: int = 0) -> bool:
    """Restack a stage's sources bottom to top as SOURCE_ORDER says, if they are not;
    True if it did. They go right above the lowest `floor` items (the preview's
    backdrop); anything else the streamer put in the scene stays above them."""
    order = [stage.named(role) for role in SOURCE_ORDER]
    items = sorted(_items(conn, stage.scene), key=lambda i: i["sceneItemIndex"])
    mine = [i for i in items if i["sourceName"] in order]
    want = sorted(mine, key=lambda i: order.index(i["sourceName"]))
    have = [i["sceneItemId"] for i in items[floor : floor + len(mine)]]
    if have == [i["sceneItemId"] for i in want]:
        return False
    for index, item in enumerate(want, start=floor):
        conn.call(
            "SetSceneItemIndex",
            {
                "sceneName": stage.scene,
                "sceneItemId": item["sceneItemId"],
                "sceneItemIndex": index,
            },
        )
    return True


def ensure_sources(
    conn: ObsConnection, width: int, height: int, kinds: Sequence[str], stage: Stage = ON_AIR
) -> tuple[list[str], list[str], list[str]]:
    """Create what is missing of a stage's sources; (created, added, unsupported)."""
    inputs = _input_names(conn)
    scene = stage.scene
    in_scene = {item["sourceName"] for item in _items(conn, scene)}
    created: list[str] = []
    added: list[str] = []
    unsupported: list[str] = []
    for role in SOURCE_ORDER:
        source = stage.named(role)
        if source in in_scene:
            continue
        if source in inputs:
            # The input survived but its item was deleted from the scene.
            item_id = conn.call(
                "CreateSceneItem",
                {"sceneName": scene, "sourceName": source, "sceneItemEnabled": False},
            )["sceneItemId"]
            added.append(source)
        else:
            kind = pick_kind(role, kinds)
            if kind is None:
                unsupported.append(source)
                continue
            item_id = conn.call(
                "CreateInput",
                {
                    "sceneName": scene,
                    "inputName": source,
                    "inputKind": kind,
                    "inputSettings": _initial_settings(role, width, height),
                    "sceneItemEnabled": False,
                },
            )["sceneItemId"]
            created.append(source)
        transform = _initial_transform(role, width, height)
        if transform:
            conn.call(
                "SetSceneItemTransform",
                {"sceneName": scene, "sceneItemId": item_id, "sceneItemTransform": transform},
            )
    return created, added, unsupported


def _fade_filters(conn: ObsConnection, source: str) -> dict[str, dict[str, Any]]:
    """The source's filters by name; none for a source that is gone (one removed a moment
    ago is still listed in its scene until OBS releases it)."""
    try:
        answer = conn.call("GetSourceFilterList", {"sourceName": source})
    except ObsRequestFailed as exc:
        if exc.code != _STATUS_NOT_FOUND:
            raise
        return {}
    return {str(f["filterName"]): f for f in answer.get("filters", [])}


def ensure_fades(conn: ObsConnection, stage: Stage = ON_AIR) -> list[str]:
    """Give each of a stage's fading sources its fade filter at full opacity, if it has
    not; the sources changed. A source this OBS could not make is left out."""
    changed: list[str] = []
    for role in FADED:
        source = stage.named(role)
        try:
            have = _fade_filters(conn, source).get(FADE)
        except ObsRequestFailed as exc:
            if exc.code != _STATUS_NOT_FOUND:
                raise
            continue
        if have is None:
            conn.call(
                "CreateSourceFilter",
                {
                    "sourceName": source,
                    "filterName": FADE,
                    "filterKind": FADE_KIND,
                    "filterSettings": {"opacity": 1.0},
                },
            )
        elif have.get("filterSettings", {}).get("opacity", 1.0) != 1.0 or not have.get(
            "filterEnabled", True
        ):
            # Left part-way by something that did not finish: at rest it is opaque.
            conn.call(
                "SetSourceFilterSettings",
                {"sourceName": source, "filterName": FADE, "filterSettings": {"opacity": 1.0}},
            )
            conn.call(
                "SetSourceFilterEnabled",
                {"sourceName": source, "filterName": FADE, "filterEnabled": True},
            )
        else:
            continue
        changed.append(source)
    return changed


def _nest_on_top(
    conn: ObsConnection, targets: Sequence[str]
) -> tuple[list[str], list[str], list[str]]:
    """Nest the StreamFX scene, turned on, on top of each target scene; (nested, raised, enabled).

    On top of every item, disabled ones too, so turning one on later hides nothing.
    """
    nested: list[str] = []
    raised: list[str] = []
    enabled: list[str] = []
    for scene in targets:
        items = _items(conn, scene)
        mine = [i for i in items if i["sourceName"] == SCENE]
        if not mine:
            conn.call(
                "CreateSceneItem",
                {"sceneName": scene, "sourceName": SCENE, "sceneItemEnabled": True},
            )
            nested.append(scene)
            continue  # new items land on top already
        top = max(i["sceneItemIndex"] for i in items)
        item = max(mine, key=lambda i: i["sceneItemIndex"])
        if item["sceneItemIndex"] != top:
            conn.call(
                "SetSceneItemIndex",
                {"sceneName": scene, "sceneItemId": item["sceneItemId"], "sceneItemIndex": top},
            )
            raised.append(scene)
        if not item.get("sceneItemEnabled", True):
            conn.call(
                "SetSceneItemEnabled",
                {"sceneName": scene, "sceneItemId": item["sceneItemId"], "sceneItemEnabled": True},
            )
            enabled.append(scene)
    return nested, raised, enabled


def setup(
    conn: ObsConnection,
    program_scenes: Sequence[str] | None = None,
    brb: BrbLook | None = None,
) -> SetupResult:
    """Create the StreamFX scene and sources and nest it on top of program scenes.

    With `brb`, also create the "BRB" scene the built-in `brb` effect switches to, in
    that look, if OBS has no scene of that name (an existing one is left alone); it is
    then a program scene like any other.

    Safe to run any number of times: only what is missing is created, and
    the StreamFX item is moved back to the top of a scene only if it is not
    there, and turned back on only if it was turned off.
    `program_scenes` defaults to every scene except StreamFX's own (the StreamFX
    scene and the private preview scene).
    """
    _, scenes = _scene_names(conn)
    # Before anything is made: a wrong name changes nothing.
    unknown = [s for s in program_scenes or () if s not in scenes]
    if unknown:
        raise ObsError(f"OBS has no scene named {unknown[0]!r}: check the name in OBS.")
    video = conn.call("GetVideoSettings")
    width, height = int(video["baseWidth"]), int(video["baseHeight"])
    kinds = conn.call("GetInputKindList", {"unversioned": False}).get("inputKinds", [])

    brb_created = brb_existed = False
    brb_sources: list[str] = []
    if brb is not None:
        from . import brb as brb_scene

        brb_existed = brb_scene.BRB_SCENE in scenes
        if not brb_existed:
            brb_sources = brb_scene.create(conn, brb, kinds)
            brb_created = True
            scenes.append(brb_scene.BRB_SCENE)

    created_scene = SCENE not in scenes
    if created_scene:
        conn.call("CreateScene", {"sceneName": SCENE})

    created, added, unsupported = ensure_sources(conn, width, height, kinds)
    reordered = put_in_order(conn)
    placed = [s for s in place_banner(conn, width, height) if s not in created + added]
    faded = [s for s in ensure_fades(conn) if s not in created]

    if program_scenes is None:
        targets = [s for s in scenes if s not in OWN_SCENES]
    else:
        targets = [s for s in program_scenes if s not in OWN_SCENES]

    nested, raised, enabled = _nest_on_top(conn, targets)
    return SetupResult(
        created_scene,
        created,
        added,
        nested,
        raised,
        unsupported,
        enabled,
        created_brb=brb_sources,
        brb_created=brb_created,
        brb_existed=brb_existed,
        reordered=reordered,
        placed=placed,
        faded=faded,
    )


def status(conn: ObsConnection) -> ObsStatus:
    """What OBS runs, whether `setup` has been done, and whether viewers see StreamFX."""
    from .brb import BRB_SCENE  # it uses this module's names: imported when used
    from .visibility import evaluate  # it names this module's SCENE: imported when used

    version = conn.call("GetVersion")
    program, scenes = _scene_names(conn)
    kinds = conn.call("GetInputKindList", {"unversioned": False}).get("inputKinds", [])
    missing: list[str] = []
    nested_in: list[str] = []
    program_items: list[dict[str, Any]] = []
    if SCENE not in scenes:
        missing.append(f"scene {SCENE!r}")
    else:
        in_scene = {i["sourceName"] for i in _items(conn, SCENE)}
        missing += [
            f"source {s!r}"
            for s in SOURCE_ORDER
            if s not in in_scene and pick_kind(s, kinds) is not None
        ]
        missing += [
            f"the fade filter of {s!r}"
            for s in FADED
            if s in in_scene and FADE not in _fade_filters(conn, s)
        ]
    for scene in scenes:
        if scene in OWN_SCENES:
            continue
        try:
            items = _items(conn, scene)
        except ObsRequestFailed as exc:
            if exc.code != _STATUS_NOT_FOUND:  # removed while we looked
                raise
            continue
        if scene == program:
            program_items = items
        if any(i["sourceName"] == SCENE for i in items):
            nested_in.append(scene)
    if SCENE in scenes and program and program != SCENE and program not in nested_in:
        missing.append(f"StreamFX in the program scene {program!r}")
    return ObsStatus(
        obs_version=str(version.get("obsVersion", "")),
        websocket_version=str(version.get("obsWebSocketVersion", "")),
        rpc_version=int(version.get("rpcVersion", 0)),
        program_scene=program,
        scenes=scenes,
        input_kinds=list(kinds),
        setup_complete=not missing,
        missing=missing,
        nested_in=nested_in,
        visibility=evaluate(program, program_items),
        brb_scene=BRB_SCENE in scenes,
    )
