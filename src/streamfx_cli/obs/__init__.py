"""obs-websocket bridge: draw StreamFX effect renders in OBS Studio.

A plain library (no Typer, Rich, Textual, pydantic or server imports, and
nothing from the CLI's commands or panel) so that the CLI, the control panel
and scripts can share it. Importing this package pulls in only the connection
layer; import `.draw`, `.setup`, `.show` and `.visibility` where needed.

- `obsws_adapter`: the only module that touches obsws-python and its socket;
- `connection`: one identified obs-websocket connection (requests, batches);
- `setup`: the StreamFX scene and sources in OBS; `draw`: a render as a batch;
- `show`: "show this render in OBS", for `streamfx fire` and the panel alike;
- `visibility`: whether viewers can see what StreamFX draws (the StreamFX scene in
  the program output), for a delivery's shown/hidden and `streamfx obs status`.
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
