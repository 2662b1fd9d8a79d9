"""`streamfx fire EFFECT`: the hotkey path. Keep imports here minimal.

The server records the trigger first and answers with the activation's
render; only then, and only for kinds OBS draws, is the OBS bridge imported.
OBS trouble never undoes the recording: the output says it was recorded but
not shown, and the exit code says why (7 or 8, docs/CLI.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import JsonFlag, ParamFlag

if TYPE_CHECKING:
    from ..client import Client

# Connecting gives up after this, so a dead or hung OBS costs a hotkey well
# under 2 s including the server round trip.
OBS_CONNECT_TIMEOUT_S = 1.5


def _show_in_obs(client: Client, render: dict[str, Any]) -> None:
    """Draw `render` in OBS; returns once OBS has started it. Raises the CLI's errors."""
    from ..obs_settings import connect

    with connect(timeout=OBS_CONNECT_TIMEOUT_S) as conn:
        from ..obs.draw import draw

        asset_path = None
        if render.get("asset") and render["kind"] in ("image", "media"):
            from ..asset_cache import ensure_local

            asset_path = str(ensure_local(client, render["asset"], render["effect"]["name"]))
        draw(conn, render, asset_path)


def fire(
    effect: Annotated[
        str, typer.Argument(metavar="EFFECT", help="Effect slug (e.g. banner) or id.")
    ],
    session: Annotated[
        str | None, typer.Option("--session", help="Session id; default: the live one.")
    ] = None,
    param: ParamFlag = None,
    source: Annotated[
        str, typer.Option(help="Recorded as the trigger's source: cli or hotkey.")
    ] = "cli",
    no_obs: Annotated[
        bool, typer.Option("--no-obs", help="Only record the trigger; do not draw in OBS.")
    ] = False,
    json_out: JsonFlag = False,
) -> None:
    """Fire an effect: record it on the server, then show it in OBS."""
    from ..client import Client
    from ..errors import StreamFXError
    from ..output import emit_json, error, say
    from .common import parse_params

    body: dict[str, Any] = {"effectId": effect, "source": source}
    if session:
        body["sessionId"] = session
    params = parse_params(param)
    if params:
        body["params"] = params
    failure: StreamFXError | None = None
    with Client() as client:
        activation = client.post("/api/effects/trigger", json=body)
        render = activation["render"]
        if no_obs:
            obs: dict[str, str] = {"status": "skipped", "reason": "--no-obs"}
        elif render["kind"] == "overlay":
            obs = {"status": "skipped", "reason": "overlay-only effect: nothing to do in OBS"}
        else:
            try:
                _show_in_obs(client, render)
                obs = {"status": "shown"}
            except StreamFXError as exc:
                failure = exc
                obs = {"status": "failed", "reason": exc.message}

    if json_out:
        emit_json({**activation, "obs": obs})
    else:
        what = (
            f"{render['effect']['slug']} ({render['kind']}, {render['durationMs'] / 1000:g}s) "
            f"in session {activation['sessionId']}: {activation['id']}"
        )
        if failure is not None:
            say(f"Recorded {what}, but it was not shown in OBS.")
        elif obs["status"] == "shown":
            say(f"Fired {what}; shown in OBS.")
        elif no_obs:
            say(f"Fired {what}; recorded only (--no-obs).")
        else:
            say(f"Fired {what}; overlay page only.")
    if failure is not None:
        error(failure.message, failure.hint)
        raise typer.Exit(failure.exit_code)
