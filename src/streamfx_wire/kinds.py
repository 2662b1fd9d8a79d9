"""The twelve effect kinds: the `render` each one carries, and where each is drawn.

docs/RENDER.md describes the render; the TypedDicts below are that description
as code. The server builds renders to these shapes (streamfx_server.render),
the OBS bridge (streamfx_cli.obs.draw) and the overlay page
(streamfx_server/static/overlay/overlay.js) draw them. Tests check that every
kind here has a renderer, an OBS drawer and an overlay handler, and that these
shapes are the ones docs/RENDER.md lists.

No `from __future__ import annotations` here: TypedDict tells `NotRequired`
fields apart only when the annotations are real objects.
"""

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, Literal, NamedTuple, NotRequired, TypedDict, TypeVar, get_args

Kind = Literal[
    "text",
    "flash",
    "image",
    "media",
    "shake",
    "scene",
    "filter",
    "hotkey",
    "overlay",
    "move",
    "filter-ramp",
    "replay",
]
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)

# Where an effect is drawn in OBS (docs/AGENT.md "Lanes"). Lanes never wait for each
# other; within one, the effect's queueMode decides. Hotkeys and replays (instant) and
# overlay-only effects (drawn by the overlay page) have no lane: `lane` is null in their
# render.
Lane = Literal["full-frame", "lower-third", "centre", "filter"]
LANES: Final[tuple[Lane, ...]] = get_args(Lane)

OverlayAnimation = Literal["confetti", "sparkles"]
OVERLAY_ANIMATIONS: Final[tuple[OverlayAnimation, ...]] = get_args(OverlayAnimation)

# How a move or a filter ramp gets to its target and back, frame by frame.
Easing = Literal["ease-in-out", "linear", "ease-in", "ease-out"]
EASINGS: Final[tuple[Easing, ...]] = get_args(Easing)


# -- What every render carries ---------------------------------------------------------


class RenderEffect(TypedDict):
    """The effect that was fired."""

    id: str
    slug: str
    name: str
    category: str


class RenderFont(TypedDict):
    heading: str
    body: str
    size: int


class RenderCommon(TypedDict):
    kind: str
    effect: RenderEffect
    durationMs: int  # how long it stays visible; 0 = instant
    colors: dict[str, str]  # every palette role, each #RRGGBB
    font: RenderFont
    motionIntensity: int
    lane: str | None  # one of LANES; null for hotkey, replay, overlay (docs/AGENT.md "Lanes")
    queueMode: str  # queue | replace | skip: what it does when its lane is busy
    maxDelayMs: int  # older than this when it would be drawn: `expired`, not drawn late


# -- What each kind adds (absent when it does not apply) --------------------------------


class AssetRef(TypedDict):
    sha256: str
    contentType: str
    url: str  # the server path /api/assets/<sha256>


class TextFields(TypedDict):
    text: str
    color: str  # the text colour, #RRGGBB
    background: str


class FlashFields(TypedDict):
    color: str
    opacity: float  # 0..1


class ImageFields(TypedDict):
    asset: NotRequired[AssetRef]  # absent when the effect's file is gone


class MediaFields(TypedDict):
    asset: NotRequired[AssetRef]
    volume: float  # 0..1


class ShakeFields(TypedDict):
    amplitude: float  # px, already scaled by motionIntensity
    frequencyHz: float


class SceneFields(TypedDict):
    scene: str
    returnAfterMs: int  # 0 = stay on the scene


class FilterFields(TypedDict):
    source: str
    filter: str


class HotkeyFields(TypedDict):
    hotkey: str


class OverlayFields(TypedDict):
    animation: str  # one of OVERLAY_ANIMATIONS
    particleCount: int


class MoveTarget(TypedDict, total=False):
    """Where a move goes: only what is given changes; absolute and relative exclude each other."""

    x: float  # px on the canvas, absolute
    y: float
    dx: float  # px, from where the item is
    dy: float
    scale: float  # absolute, both axes
    scaleBy: float  # a factor of the item's scale
    rotation: float  # degrees, absolute
    rotateBy: float  # degrees, from the item's rotation


class MoveFields(TypedDict):
    source: str
    scene: str | None  # null: the program scene
    to: MoveTarget  # never empty
    easing: str  # one of EASINGS
    animateMs: int  # the way there (and again back); durationMs is the hold between


class FilterRampFields(TypedDict):
    source: str
    filter: str
    settings: dict[str, float]  # numeric filter setting -> the value to ramp to
    easing: str
    animateMs: int


class ReplayFields(TypedDict):
    """Nothing of its own: it saves OBS's replay buffer; the file is in the delivery."""


def field_names(shape: Any) -> frozenset[str]:
    """The keys a TypedDict class describes, required or not."""
    return frozenset(shape.__required_keys__ | shape.__optional_keys__)


COMMON_FIELDS: Final = field_names(RenderCommon)


class KindSpec(NamedTuple):
    """One kind: the shape of its render and how long, and where, it is drawn.

    (A NamedTuple, not a frozen dataclass: the hotkey path imports this module, and a
    dataclass costs several times as long to create.)
    """

    name: Kind
    shape: Any  # the TypedDict of the kind's own render fields, beside RenderCommon's
    # What an effect of this kind lasts when its creator does not say.
    default_duration_ms: int
    # Shows and then goes by itself, so a render with durationMs 0 is still shown, for
    # default_duration_ms. For the others 0 means at once, or until switched back.
    timed: bool
    in_obs: bool  # drawn in OBS by the CLI's bridge
    on_overlay: bool  # drawn by the browser overlay page
    lane: Lane | None  # its lane in OBS; None: instant (hotkey, replay) or overlay page only
    uploaded: bool = False  # shows an uploaded file; made by POST /api/effects/upload only

    @property
    def fields(self) -> frozenset[str]:
        return field_names(self.shape)


KIND_SPECS: Final[Mapping[str, KindSpec]] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "text", TextFields, 4000, timed=True, in_obs=True, on_overlay=True, lane="lower-third"
        ),
        KindSpec(
            "flash", FlashFields, 250, timed=True, in_obs=True, on_overlay=True, lane="full-frame"
        ),
        KindSpec(
            "image",
            ImageFields,
            3000,
            timed=True,
            in_obs=True,
            on_overlay=True,
            lane="centre",
            uploaded=True,
        ),
        KindSpec(
            "media",
            MediaFields,
            5000,
            timed=True,
            in_obs=True,
            on_overlay=True,
            lane="centre",
            uploaded=True,
        ),
        KindSpec(
            "shake", ShakeFields, 600, timed=True, in_obs=True, on_overlay=True, lane="full-frame"
        ),
        KindSpec(
            "scene", SceneFields, 0, timed=False, in_obs=True, on_overlay=False, lane="full-frame"
        ),
        KindSpec(
            "filter", FilterFields, 3000, timed=False, in_obs=True, on_overlay=False, lane="filter"
        ),
        KindSpec("hotkey", HotkeyFields, 0, timed=False, in_obs=True, on_overlay=False, lane=None),
        KindSpec(
            "overlay", OverlayFields, 3000, timed=True, in_obs=False, on_overlay=True, lane=None
        ),
        # A move changes the streamer's layout like a shake (and a shake puts back every
        # position it found), so the two share the full-frame lane: they never overlap.
        KindSpec(
            "move", MoveFields, 1500, timed=True, in_obs=True, on_overlay=False, lane="full-frame"
        ),
        KindSpec(
            "filter-ramp",
            FilterRampFields,
            1500,
            timed=True,
            in_obs=True,
            on_overlay=False,
            lane="filter",
        ),
        KindSpec("replay", ReplayFields, 0, timed=False, in_obs=True, on_overlay=False, lane=None),
    )
}

# Kinds that show an uploaded file.
ASSET_KINDS: Final[tuple[Kind, ...]] = tuple(k for k in KINDS if KIND_SPECS[k].uploaded)

T = TypeVar("T")


class KindTable(Mapping[str, T]):
    """One entry per kind (a renderer, a drawer...), each registered beside its code:

        DRAWERS: KindTable[Drawer] = KindTable()

        @DRAWERS.register("flash")
        def _flash(...): ...

    A name that is not a kind fails at import; `missing()` names the kinds that have no
    entry yet, for a test to insist on none.
    """

    def __init__(self) -> None:
        self._entries: dict[str, T] = {}

    def register(self, kind: Kind) -> Callable[[T], T]:
        if kind not in KIND_SPECS:
            raise ValueError(f"{kind!r} is not a kind of effect; the kinds are {KINDS}")
        if kind in self._entries:
            raise ValueError(f"{kind!r} is registered twice")

        def add(entry: T) -> T:
            self._entries[kind] = entry
            return entry

        return add

    def missing(self) -> list[str]:
        return [kind for kind in KINDS if kind not in self._entries]

    def __getitem__(self, kind: str) -> T:
        return self._entries[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
