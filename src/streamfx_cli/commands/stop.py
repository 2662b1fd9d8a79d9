"""`streamfx stop EFFECT|--all`: end running effects now and put back what they changed."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import BadArgument, Refused
from ..output import emit_json, say
from .options import JsonFlag


def stop(
    effect: Annotated[
        str | None, typer.Argument(metavar="EFFECT", help="Effect slug to end, e.g. brb.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="End every running effect.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """End running effects now; OBS is put back as it was before them."""
    if (effect is None) == (not all_):
        raise BadArgument(
            "Name one effect, or give --all.",
            "For example: `streamfx stop brb` or `streamfx stop --all`.",
        )
    from ..agent.local_socket import ask

    answer = ask({"type": "stop", **({"effect": effect} if effect else {})}, timeout=10.0)
    if answer is not None:
        stopped = [str(e.get("effect")) for e in answer.get("stopped", [])]
        by = "agent"
    else:
        stopped = _stop_without_agent(effect)
        by = "obs"
    if json_out:
        emit_json({"stopped": stopped, "by": by})
    elif stopped:
        say(f"Ended {', '.join(stopped)}; OBS is as it was before.")
    else:
        say("Nothing of that was running." if effect else "Nothing was running.")


def _stop_without_agent(effect: str | None) -> list[str]:
    from ..obs.stop import KINDS, stop_kinds
    from ..obs_settings import connect

    kinds = KINDS
    if effect is not None:
        from ..api import Api

        with Api.signed_in() as api:
            found = [e for e in api.effects() if effect in (e["slug"], e["id"])]
        if not found:
            raise Refused(f"There is no effect {effect!r}.", "See `streamfx effects list`.")
        kinds = (str(found[0]["kind"]),)
    with connect(timeout=2.0) as conn:
        return stop_kinds(conn, kinds)
