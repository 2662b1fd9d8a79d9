"""Errors raised by the OBS bridge.

Every message is one sentence a streamer can act on; the CLI prints it as is.
"""

from __future__ import annotations


class ObsError(Exception):
    """Base class for everything the OBS bridge raises."""

    message = "Something went wrong while talking to OBS."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class ObsUnavailable(ObsError):
    """OBS is not running, or its WebSocket server is off or unreachable."""

    message = (
        "OBS is not reachable: start OBS Studio and enable its WebSocket server "
        "(Tools > WebSocket Server Settings)."
    )


class ObsAuthFailed(ObsError):
    """OBS refused the WebSocket password (close code 4009)."""

    message = (
        "OBS refused the WebSocket password: copy it from Tools > WebSocket Server "
        "Settings and run `streamfx obs config` again."
    )


class ObsNotSetUp(ObsError):
    """The StreamFX scene or one of its sources is missing in OBS."""

    message = (
        "OBS is not set up for StreamFX (its scene or one of its sources is missing): "
        "run `streamfx obs setup`; it only adds what is missing."
    )


class ObsRequestFailed(ObsError):
    """OBS answered a request with an error status."""

    def __init__(
        self,
        request_type: str,
        code: int | None = None,
        comment: str | None = None,
        message: str | None = None,
    ) -> None:
        self.request_type = request_type
        self.code = code
        self.comment = comment
        if message is None:
            detail = f": {comment.rstrip('.')}" if comment else ""
            message = f"OBS could not do {request_type} (code {code}){detail}."
        super().__init__(message)


class ObsBusy(ObsError):
    """OBS did not start an effect in time: its worker pool is full.

    obs-websocket runs messages on one thread per CPU core, and every timed
    effect holds one until it ends.
    """

    message = "OBS is busy running other effects and did not take this one in time."
