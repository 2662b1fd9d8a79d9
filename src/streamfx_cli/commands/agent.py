"""`streamfx agent run|start|stop|status`: the process that draws every activation in OBS."""

from __future__ import annotations

from typing import Annotated

import typer

from ..output import emit_json, say

app = typer.Typer(
    help="The OBS agent: draws every effect fired from anywhere, and records what viewers saw.",
    no_args_is_help=True,
)

JsonOut = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def run() -> None:
    """Run the agent in the foreground (Ctrl+C stops it)."""
    from ..agent.runner import run_agent

    raise typer.Exit(run_agent(say))


@app.command()
def start(json_out: JsonOut = False) -> None:
    """Start the agent in the background, unless one is running."""
    from ..agent import background

    state = background.start()
    if json_out:
        emit_json(state)
        return
    say(_describe(state))


@app.command()
def stop(json_out: JsonOut = False) -> None:
    """Stop the background agent; what it shows ends at once and OBS is put back."""
    from ..agent import background

    pid = background.stop()
    if json_out:
        emit_json({"stopped": pid is not None, "pid": pid})
        return
    say(
        "No StreamFX agent was running."
        if pid is None
        else f"Stopped the StreamFX agent (pid {pid})."
    )


@app.command()
def status(json_out: JsonOut = False) -> None:
    """Whether an agent runs here, and whether it draws or waits as standby."""
    from ..agent import background

    state = background.status()
    if json_out:
        emit_json(state or {"state": "down"})
        return
    if state is None:
        say("No StreamFX agent is running here: start one with `streamfx agent start`.")
        raise typer.Exit(1)
    say(_describe(state))


def _describe(state: dict[str, object]) -> str:
    role = {"drawing": "drawing (holds the lease)", "standby": "standby"}.get(
        str(state.get("state")), str(state.get("state"))
    )
    running = state.get("running") or []
    showing = f"; {len(running)} effect(s) showing" if isinstance(running, list) and running else ""
    events = state.get("obsEvents") or []
    watching = (
        f"; watching OBS for {', '.join(map(str, events))} (rules)"
        if isinstance(events, list) and events
        else ""
    )
    return (
        f"Agent {state.get('agentId')} (pid {state.get('pid')}): {role}; OBS at {state.get('target')} "
        f"{state.get('obs')}; server {state.get('server')}{showing}{watching}."
    )
