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

Once OBS has started the effect, `obs.visibility` asks whether viewers can see
it, and the outcome is reported as the activation's delivery (docs/AGENT.md
"Delivery record": shown, hidden, failed, or skipped for `--no-obs`). The report
comes after the draw and may fail without changing what `fire` says or exits
with: the effect is on screen (or not) either way. Overlay-only effects are
left `pending` here; the overlay pages acknowledge them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from .errors import BadArgument, ExitCode, StreamFXError

if TYPE_CHECKING:
    from .api import Api
    from .api_types import Activation, Triggered
    from .obs.visibility import Visibility

# Connecting gives up after this, so a dead or hung OBS costs a hotkey well
# under 2 s including the server round trip.
OBS_CONNECT_TIMEOUT_S = 1.5
# The delivery report comes after the draw: a server that went away must not hold
# the hotkey for the client's usual 10 s.
REPORT_TIMEOUT_S = 2.0
# The server keeps at most this much of a delivery's reason.
REASON_MAX = 500


def parse_params(pairs: Sequence[str] | None) -> dict[str, Any]:
    """`--param key=value` pairs; values are read as JSON when they parse."""
    params: dict[str, Any] = {}
    for pair in pairs or ():
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise BadArgument(
                f"{pair!r} is not key=value.", "Write parameters like --param text='Hello chat'."
            )
        try:
            params[key.strip()] = json.loads(raw)
        except ValueError:
            params[key.strip()] = raw
    return params


class FireArgs(NamedTuple):
    """A NamedTuple, not a dataclass: `dataclasses` loads inspect, ast and dis, about a
    fifth of the import time of a fire handed to the agent (docs/BENCHMARKS.md, "The OBS
    agent")."""

    effect: str
    session: str | None = None
    params: tuple[str, ...] = ()
    source: str = "cli"
    no_obs: bool = False
    json_out: bool = False
    wait: bool = False  # with an agent: wait (up to 3 s) for the delivery and exit by it


_VALUE_OPTIONS = {"--session": "session", "--source": "source", "--param": "params", "-p": "params"}
_FLAGS = {"--no-obs": "no_obs", "--json": "json_out", "--wait": "wait"}


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
    values["params"] = tuple(values["params"])
    return FireArgs(effect=effect, **values)


def _show_in_obs(api: Api, render: dict[str, Any]) -> tuple[Visibility, str]:
    """Draw `render` in OBS, then ask whether viewers can see it.

    Returns that, and when OBS confirmed the start (ISO 8601, UTC). Raises the CLI's errors.
    """
    from datetime import UTC, datetime

    from .obs_settings import connect

    # Connect first: a closed OBS is reported before any file is downloaded.
    with connect(timeout=OBS_CONNECT_TIMEOUT_S) as conn:
        from .asset_cache import fetcher
        from .obs.show import show_on
        from .obs.visibility import delivery_for

        drawn = show_on(conn, render, fetcher(api))
        drawn_at = datetime.now(UTC)
        # The note: a banner's font fallback, a replay's file (docs/AGENT.md).
        seen = delivery_for(str(render["kind"]), conn, drawn.note if drawn else None)
        return seen, drawn_at.isoformat(timespec="milliseconds")


def _report_delivery(api: Api, activation: Activation, report: dict[str, Any]) -> Activation:
    """Record `report` as the activation's delivery; the activation as the server now has it.

    A report the server does not take (gone, refusing) only warns on stderr: the
    effect was drawn or not whatever the server says, so `fire`'s answer stands, and
    the activation keeps the delivery seen here.
    """
    try:
        return api.report_delivery(activation["id"], timeout=REPORT_TIMEOUT_S, **report)
    except StreamFXError as exc:
        from .output import warn

        warn(f"the server did not record whether it was shown: {exc.message}")
    drawn_at = report.get("drawn_at")
    latency = None
    if drawn_at:
        from datetime import datetime

        triggered = datetime.fromisoformat(activation["triggeredAt"].replace("Z", "+00:00"))
        latency = max(
            0, round((datetime.fromisoformat(drawn_at) - triggered).total_seconds() * 1000)
        )
    delivery = {
        "status": report["status"],
        "reason": report.get("reason"),
        "agentId": None,
        "drawnAt": drawn_at,
        "latencyMs": latency,
    }
    return cast("Activation", {**activation, "delivery": delivery})


def _through_agent(args: FireArgs, params: dict[str, Any]) -> int | None:
    """Hand the fire to the local agent; its exit code, or None when no agent took it."""
    from .agent.handoff import describe, exit_code_of_error, hand_off
    from .output import emit_json, error, say

    answer = hand_off(
        args.effect, params=params, session=args.session, source=args.source, wait=args.wait
    )
    if answer is None:
        return None
    if not answer.get("ok"):
        refused = answer.get("answer") or {}
        error(str(refused.get("error") or answer.get("error")), refused.get("hint"))
        return exit_code_of_error(refused)
    activation = answer["activation"]
    delivery = answer.get("delivery") or activation.get("delivery")
    offline = activation.get("id") is None  # drawn from the agent's cache: delivery known
    line, code = describe(activation, delivery if args.wait or offline else None, args.wait)
    if args.json_out:
        emit_json({**activation, "delivery": delivery})
    else:
        say(line)
    return code


def _wait_for_agent(api: Api, activation: Activation) -> Activation:
    """Poll the activation until the agent elsewhere reports it (at most 3 s)."""
    import time

    from .agent.handoff import WAIT_MS

    deadline = time.monotonic() + WAIT_MS / 1000
    current = activation
    while current["delivery"]["status"] == "pending" and time.monotonic() < deadline:
        time.sleep(0.05)
        current = api.activation(activation["id"])
    return current


def _agent_draws(api: Api, args: FireArgs, activation: Activation) -> int:
    """An agent holds the lease (somewhere this CLI cannot hand off to): it draws."""
    from .agent.handoff import describe
    from .output import emit_json, say

    if args.wait:
        activation = _wait_for_agent(api, activation)
    line, code = describe(
        cast("dict[str, Any]", activation), dict(activation["delivery"]), args.wait
    )
    if args.json_out:
        emit_json(activation)
    else:
        say(line)
    return code


def fire_effect(args: FireArgs) -> int:
    """Record the trigger, show it in OBS, report the delivery; prints one line (or JSON).

    Returns the exit code: 0 when shown (or not for OBS: `--no-obs`, overlay-only),
    8 when viewers cannot see it, the error's own code when it could not be drawn.
    Errors before the trigger is recorded (not signed in, server unreachable or
    refusing) are raised as StreamFXError with their own exit codes.
    """
    params = parse_params(args.params)
    if not args.no_obs:
        handed = _through_agent(args, params)
        if handed is not None:
            return handed
    from .api import Api

    with Api.signed_in() as api:
        activation = api.trigger(
            args.effect, session_id=args.session, params=params, source=args.source
        )
        return draw_and_report(api, args, activation)


def fire_again(activation_id: str, args: FireArgs) -> int:
    """`streamfx replay ACTIVATION`: the server fires it again (the same effect and
    params, source `replay`, in the live session); then it is drawn, reported and said
    exactly as a `fire` is. Not through the local agent's socket: only the server knows
    the activation; an agent holding the lease is named in its answer and draws it."""
    from .api import Api

    with Api.signed_in() as api:
        return draw_and_report(api, args, api.replay(activation_id))


def draw_and_report(api: Api, args: FireArgs, activation: Triggered) -> int:
    """What `fire` does once the server recorded the activation: leave it to the agent the
    answer names, or draw it in OBS and report the delivery; print the line (or JSON)."""
    from .output import emit_json, error, say

    failure: StreamFXError | None = None
    seen: Visibility | None = None
    render = activation["render"]
    report: dict[str, Any] | None = None
    if activation.get("agent") and not args.no_obs:
        return _agent_draws(api, args, activation)
    if args.no_obs and activation.get("agent"):
        obs: dict[str, str | None] = {"status": "skipped", "reason": "--no-obs"}
    elif args.no_obs:
        obs = {"status": "skipped", "reason": "--no-obs"}
        report = {"status": "skipped", "reason": "fired with --no-obs: recorded only"}
    elif render["kind"] == "overlay":  # checked here: importing `obs` loads its WebSocket
        obs = {"status": "skipped", "reason": "overlay-only effect: nothing to do in OBS"}
    else:
        try:
            seen, drawn_at = _show_in_obs(api, render)
            obs = {"status": seen.status}
            if seen.reason:
                obs["reason"] = seen.reason
            report = {"status": seen.status, "reason": seen.reason, "drawn_at": drawn_at}
        except StreamFXError as exc:
            failure = exc
            obs = {"status": "failed", "reason": exc.message}
            report = {"status": "failed", "reason": exc.message[:REASON_MAX]}
    answer: Triggered = activation
    if report is not None:
        answer = {**activation, **_report_delivery(api, activation, report)}

    if args.json_out:
        emit_json({**answer, "obs": obs})
    else:
        what = (
            f"{render['effect']['slug']} ({render['kind']}, {render['durationMs'] / 1000:g}s) "
            f"in session {answer['sessionId']}: {answer['id']}"
        )
        if failure is not None:
            say(f"Recorded {what}, but it was not shown in OBS.")
        elif seen is not None and not seen.visible:
            say(f"Fired {what}, but viewers cannot see it: {seen.reason}.")
        elif seen is not None and seen.reason:  # a font fallback, a replay's file
            say(f"Fired {what}; shown in OBS ({seen.reason}).")
        elif seen is not None:
            say(f"Fired {what}; shown in OBS.")
        elif args.no_obs:
            say(f"Fired {what}; recorded only (--no-obs).")
        else:
            say(f"Fired {what}; overlay page only.")
    if failure is not None:
        error(failure.message, failure.hint)
        return failure.exit_code
    if seen is not None and not seen.visible:
        error(f"Viewers cannot see it: {seen.reason}.", seen.hint)
        return ExitCode.OBS_FAILED
    return 0
