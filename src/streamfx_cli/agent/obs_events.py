"""What the agent sees in OBS for its creator's obs rules (docs/AGENT.md "OBS events").

The server says which rule events to watch (`agent.obsEvents`, to the lease holder
only); `Watcher` subscribes to exactly the obs-websocket categories those need
(`mask_for`: 0, and no OBS connection at all, when there are none) on a second OBS
connection with its own thread, so reading events never waits behind a draw on the
stage's connection, and a draw never waits behind an event. Each raw OBS event is
turned into the rules' words (`rule_event`) and handed to `report`.

StreamFX's own doings are not reported (`OwnActions`): a scene effect's switch and its
switch back, a replay effect's save, a media effect's clip ending. So a rule that fires
a scene effect on a scene change cannot fire itself again, and again, for ever.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from streamfx_wire import live as wire

from ..obs import ObsConnection, ObsError

log = logging.getLogger("streamfx.agent")

# obs-websocket 5's EventSubscription bits (its protocol.md).
SCENES = 1 << 2
OUTPUTS = 1 << 6
MEDIA_INPUTS = 1 << 8
_CATEGORY: dict[str, int] = {
    "sceneChanged": SCENES,
    "streamStarted": OUTPUTS,
    "streamStopped": OUTPUTS,
    "recordingStarted": OUTPUTS,
    "recordingStopped": OUTPUTS,
    "replaySaved": OUTPUTS,
    "mediaEnded": MEDIA_INPUTS,
}
assert set(_CATEGORY) == set(wire.OBS_EVENTS)

_STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
_STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"
# How long StreamFX's own request is expected to show as an event. A media clip plays
# for minutes at most as an effect.
_OWN_WITHIN_S = {"sceneChanged": 5.0, "replaySaved": 15.0, "mediaEnded": 600.0}
POLL_S = 0.25
RETRY_S = 1.0


def mask_for(events: Iterable[str]) -> int:
    """The EventSubscription bitmask the rule events need: nothing more."""
    mask = 0
    for event in events:
        mask |= _CATEGORY.get(event, 0)
    return mask


def rule_event(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """An obs-websocket event (`{eventType, eventData}`) in the rules' words, or None
    for one no rule is about (a stream that is starting, not yet started)."""
    kind = raw.get("eventType")
    data = raw.get("eventData") or {}
    if not isinstance(data, Mapping):
        return None
    if kind == "CurrentProgramSceneChanged" and data.get("sceneName"):
        return {"event": "sceneChanged", "scene": str(data["sceneName"])}
    if kind in ("StreamStateChanged", "RecordStateChanged"):
        what = "stream" if kind == "StreamStateChanged" else "recording"
        state = data.get("outputState")
        if state == _STARTED and data.get("outputActive"):
            return {"event": f"{what}Started"}
        if state == _STOPPED and not data.get("outputActive"):
            stopped: dict[str, Any] = {"event": f"{what}Stopped"}
            if what == "recording" and data.get("outputPath"):
                stopped["path"] = str(data["outputPath"])
            return stopped
        return None
    if kind == "ReplayBufferSaved":
        saved: dict[str, Any] = {"event": "replaySaved"}
        if data.get("savedReplayPath"):
            saved["path"] = str(data["savedReplayPath"])
        return saved
    if kind == "MediaInputPlaybackEnded" and data.get("inputName"):
        return {"event": "mediaEnded", "input": str(data["inputName"])}
    return None


class OwnActions:
    """The events StreamFX's own requests will cause, each taken back once when it comes.

    The stage notes every request it sends (`note`, from the OBS thread); the watcher
    asks `caused` (from its thread) before reporting an event.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._expected: list[tuple[str, str | None, float]] = []

    def note(self, requests: Sequence[Mapping[str, Any]]) -> None:
        now = self._clock()
        found: list[tuple[str, str | None]] = []
        for entry in requests:
            kind = entry.get("requestType")
            data = entry.get("requestData") or {}
            if kind == "SetCurrentProgramScene":
                found.append(("sceneChanged", str(data.get("sceneName"))))
            elif kind == "SaveReplayBuffer":
                found.append(("replaySaved", None))
            elif kind == "TriggerMediaInputAction":
                found.append(("mediaEnded", str(data.get("inputName"))))
        if found:
            with self._lock:
                self._expected += [(e, v, now + _OWN_WITHIN_S[e]) for e, v in found]

    def caused(self, event: Mapping[str, Any]) -> bool:
        """Whether `event` is one StreamFX's own request caused (forgetting it if so)."""
        kind = event.get("event")
        value = event.get("scene") if kind == "sceneChanged" else event.get("input")
        now = self._clock()
        with self._lock:
            self._expected = [x for x in self._expected if x[2] > now]
            for index, (expected, expected_value, _) in enumerate(self._expected):
                if expected == kind and expected_value in (None, value):
                    del self._expected[index]
                    return True
        return False


class Watcher:
    """A second OBS connection in its own thread, subscribed to what the rules need."""

    def __init__(
        self,
        connect: Callable[[], ObsConnection],
        report: Callable[[dict[str, Any]], None],
        own: OwnActions,
    ) -> None:
        self._connect = connect
        self._report = report
        self._own = own
        self._wanted: frozenset[str] = frozenset()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.reported = 0

    @property
    def watching(self) -> list[str]:
        return sorted(self._wanted)

    def watch(self, events: Iterable[str]) -> None:
        """Watch these rule events from now on (unknown names ignored; none: stop)."""
        wanted = frozenset(e for e in events if e in _CATEGORY)
        if wanted != self._wanted:
            self._wanted = wanted
            log.info("watching OBS for %s", ", ".join(sorted(wanted)) or "nothing")
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="streamfx-obs-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        conn: ObsConnection | None = None
        subscribed: int | None = None
        while not self._stopping.is_set():
            wanted = self._wanted
            mask = mask_for(wanted)
            if mask == 0:
                if conn is not None:
                    conn.close()
                    conn, subscribed = None, None
                self._wake.wait()
                self._wake.clear()
                continue
            try:
                if conn is None or not conn.connected:
                    conn, subscribed = self._connect(), None
                if subscribed != mask:
                    conn.subscribe(mask)
                    subscribed = mask
                raw = conn.next_event(POLL_S)
            except ObsError as exc:
                log.info("cannot watch OBS events yet: %s", exc)
                if conn is not None:
                    conn.close()
                conn, subscribed = None, None
                self._stopping.wait(RETRY_S)
                continue
            event = rule_event(raw) if raw is not None else None
            if event is None or event["event"] not in wanted or self._own.caused(event):
                continue
            self.reported += 1
            log.info("OBS: %s", " ".join(str(v) for v in event.values()))
            self._report(event)
        if conn is not None:
            conn.close()
