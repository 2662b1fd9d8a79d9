"""`streamfx fire EFFECT`, the hotkey path: everything it runs, without Typer.

A hotkey pays for every module `fire` imports, so this module imports none of
Typer, Rich, pydantic or the server. `streamfx_cli.main.run` hands it the
command line directly when it is a plain `fire` call (`parse_fire_args`); every
other shape (help, a typo, shell completion) goes through the Typer app, whose
`fire` command calls `fire_effect` here too, so both ways behave the same.

The server records the trigger first (`api.Api.trigger`) and answers with the
activation's render; only then, and only for kinds OBS draws, is the OBS bridge
imported (`obs.show`, which the panel uses too). OBS trouble never undoes the
recording: the output says it was recorded but not shown, and the exit code
says why (7 or 8, docs/CLI.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import StreamFXError

if TYPE_CHECKING:
    from .api import Api

# Connecting gives up after this, so a dead or hung OBS costs a hotkey well
# under 2 s including the server round trip.
OBS_CONNECT_TIMEOUT_S = 1.5


def parse_params(pairs: Sequence[str] | None) -> dict[str, Any]:
    """`--param key=value` pairs; values are read as JSON when they parse."""
    params: dict[str, Any] = {}
    for pair in pairs or ():
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise StreamFXError(
                f"{pair!r} is not key=value.", "Write parameters like --param text='Hello chat'."
            )
        try:
            params[key.strip()] = json.loads(raw)
        except ValueError:
            params[key.strip()] = raw
    return params


@dataclass
class FireArgs:
    effect: str
    session: str | None = None
    params: list[str] = field(default_factory=list)
    source: str = "cli"
    no_obs: bool = False
    json_out: bool = False


_VALUE_OPTIONS = {"--session": "session", "--source": "source", "--param": "params", "-p": "params"}
_FLAGS = {"--no-obs": "no_obs", "--json": "json_out"}


def parse_fire_args(argv: Sequence[str]) -> FireArgs | None:
    """`fire EFFECT [--session S] [--param|-p K=V]... [--source S] [--no-obs] [--json]`.

    Returns None for anything else (help, unknown or incomplete options, `--`,
    shell completion): the Typer app then parses it and answers as it always did.
    """
    if not argv or argv[0] != "fire":
        return None
    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        return None
    effect: str | None = None
    values: dict[str, Any] = {"params": []}
    rest = list(argv[1:])
    while rest:
        token = rest.pop(0)
        if token == "-" or not token.startswith("-"):
            if effect is not None:
                return None  # a second argument: Typer says what is wrong
            effect = token
            continue
        if token in _FLAGS:
            values[_FLAGS[token]] = True
            continue
        name, eq, value = token.partition("=")
        if name.startswith("--") and name in _VALUE_OPTIONS and eq:
            pass
        elif token in _VALUE_OPTIONS:
            name = token
            if not rest or rest[0].startswith("-"):
                return None
            value = rest.pop(0)
        elif token.startswith("-p") and not token.startswith("--") and len(token) > 2:
            name, value = "-p", token[2:]
        else:
            return None
        target = _VALUE_OPTIONS[name]
        if target == "params":
            values["params"].append(value)
        else:
            values[target] = value
    if effect is None:
        return None
    return FireArgs(effect=effect, **values)


def _show_in_obs(api: Api, render: dict[str, Any]) -> None:
    """Draw `render` in OBS; returns once OBS has started it. Raises the CLI's errors."""
    from .obs_settings import connect

    # Connect first: a closed OBS is reported before any file is downloaded.
    with connect(timeout=OBS_CONNECT_TIMEOUT_S) as conn:
        from .asset_cache import fetcher
        from .obs.show import show_on

        show_on(conn, render, fetcher(api))


def fire_effect(args: FireArgs) -> int:
    """Record the trigger, then show it in OBS; prints one line (or JSON). Returns the exit code.

    Errors before the trigger is recorded (not signed in, server unreachable or
    refusing) are raised as StreamFXError with their own exit codes.
    """
    params = parse_params(args.params)
    from .api import Api
    from .output import emit_json, error, say

    failure: StreamFXError | None = None
    with Api.signed_in() as api:
        activation = api.trigger(
            args.effect, session_id=args.session, params=params, source=args.source
        )
        render = activation["render"]
        if args.no_obs:
            obs: dict[str, str] = {"status": "skipped", "reason": "--no-obs"}
        elif render["kind"] == "overlay":  # checked here: importing `obs` loads its WebSocket
            obs = {"status": "skipped", "reason": "overlay-only effect: nothing to do in OBS"}
        else:
            try:
                _show_in_obs(api, render)
                obs = {"status": "shown"}
            except StreamFXError as exc:
                failure = exc
                obs = {"status": "failed", "reason": exc.message}

    if args.json_out:
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
        elif args.no_obs:
            say(f"Fired {what}; recorded only (--no-obs).")
        else:
            say(f"Fired {what}; overlay page only.")
    if failure is not None:
        error(failure.message, failure.hint)
        return failure.exit_code
    return 0
