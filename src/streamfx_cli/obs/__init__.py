"""obs-websocket bridge: draw StreamFX effect renders in OBS Studio.

A plain library (no Typer, no Textual, no server imports) so that the CLI,
the control panel and scripts can share it. Importing this package pulls in
only the connection layer; import `.draw` and `.setup` where needed.
"""

from .connection import DEFAULT_HOST, DEFAULT_PORT, ExecutionType, ObsConnection, RequestResult
from .errors import (
    ObsAuthFailed,
    ObsBusy,
    ObsError,
    ObsNotSetUp,
    ObsRequestFailed,
    ObsUnavailable,
)

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ExecutionType",
    "ObsAuthFailed",
    "ObsBusy",
    "ObsConnection",
    "ObsError",
    "ObsNotSetUp",
    "ObsRequestFailed",
    "ObsUnavailable",
    "RequestResult",
]
