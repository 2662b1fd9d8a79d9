"""`streamfx session start|pause|resume|end|status|list|report|delete`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from streamfx_wire.vocabulary import PLATFORMS

from ..errors import StreamFXError
from ..output import emit_json, plural, say
from .options import JsonFlag
from .prompts import confirmed

if TYPE_CHECKING:
    from ..api_types import Session, SessionAction

app = typer.Typer(
    help="Stream sessions: start, pause, resume, end, and their live metrics.", no_args_is_help=True
)

_PLATFORM_HELP = f"{', '.join(PLATFORMS[:-1])} or {PLATFORMS[-1]}."

SessionOpt = Annotated[
    str | None, typer.Option("--session", help="Session id; default: the live session.")
]


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _where(session: Session) -> str:
    """`twitch "Launch day"`: the platform, and the title when there is one."""
    title = f' "{session["title"]}"' if session.get("title") else ""
    return f"{session['platform']}{title}"


def _line(session: Session) -> str:
    return (
        f"{session['id']}  {session['status']:<7} {_where(session)}  started {session['startTime']}"
    )


def _transition(action: SessionAction, session_id: str | None) -> Session:
    from ..api import Api

    with Api.signed_in() as api:
        return api.session_action(action, session_id or api.require_live_session()["id"])


# The API's fields, as the flags of `session start` that set them.
START_FLAGS = {"platform": "--platform", "brandKitId": "--brand-kit", "title": "--title"}


@app.command()
def start(
    platform: Annotated[str, typer.Option(help=_PLATFORM_HELP)],
    brand_kit: Annotated[
        str | None, typer.Option("--brand-kit", help="Brand kit name or id for this session.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Stream title.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Start a session (one live session at a time)."""
    from ..api import Api
    from ..field_flags import flags_named
    from ..kit_names import kit_id_of

    with Api.signed_in() as api:
        kit_id = kit_id_of(api, brand_kit, "--brand-kit") if brand_kit else None
        with flags_named(START_FLAGS):
            session = api.start_session(platform, kit_id, title)
    emit_json(session) if json_out else say(f"Started {session['id']} on {session['platform']}.")


@app.command()
def pause(session: SessionOpt = None, json_out: JsonFlag = False) -> None:
    """Pause the live session; paused time does not count."""
    done = _transition("pause", session)
    emit_json(done) if json_out else say(f"Paused {done['id']}.")


@app.command()
def resume(session: SessionOpt = None, json_out: JsonFlag = False) -> None:
    """Resume a paused session."""
    done = _transition("resume", session)
    emit_json(done) if json_out else say(f"Resumed {done['id']}.")


@app.command()
def end(session: SessionOpt = None, json_out: JsonFlag = False) -> None:
    """End the live session."""
    done = _transition("end", session)
    emit_json(done) if json_out else say(f"Ended {done['id']}.")


@app.command()
def status(
    session_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="Default: the live session.")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Status, live duration and metrics of a session."""
    from ..api import Api

    with Api.signed_in() as api:
        info = api.session_status(session_id or api.require_live_session()["id"])
    if json_out:
        emit_json(info)
        return
    metrics = info.get("metrics", {})
    live_for = _duration(info.get("liveDurationSeconds", 0))
    say(f"{info['id']}  {info['status']}  {_where(info)}  live for {live_for}")
    say(f"  effects fired: {metrics.get('effectsTriggered', 0)}")
    for category, count in sorted(metrics.get("byCategory", {}).items()):
        say(f"    {category}: {count}")


@app.command("list")
def list_sessions(
    status: Annotated[str | None, typer.Option(help="active, paused or ended.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """List your sessions, newest first."""
    from ..api import Api

    with Api.signed_in() as api:
        sessions = api.sessions(status)
    if json_out:
        emit_json(sessions)
        return
    if not sessions:
        say("No sessions yet.")
    for session in sessions:
        say(_line(session))


@app.command()
def report(
    session_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="Default: the live session, else the most recent."),
    ] = None,
    json_out: JsonFlag = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="One CSV row per bucket.")] = False,
    md_out: Annotated[bool, typer.Option("--md", help="A Markdown report.")] = False,
    png: Annotated[
        Path | None,
        typer.Option("--png", metavar="FILE", help="Also save a picture of the timeline."),
    ] = None,
) -> None:
    """What a session fired and what viewers saw: time live and paused, counts by effect,
    category, source and delivery, latency, and a timeline in 10-minute buckets."""
    from ..reports.command import show_report

    show_report(session_id, json_out=json_out, csv_out=csv_out, md_out=md_out, png=png)


@app.command()
def delete(
    session_id: Annotated[str, typer.Argument(metavar="ID", help="An ended session's id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Delete an ended session and its activations, for good (asks first)."""
    from ..api import Api

    with Api.signed_in() as api:
        info = api.session_status(session_id)
        # A live or paused one is refused by the server, with how to end it: no question.
        if info["status"] == "ended":
            fired = info.get("metrics", {}).get("effectsTriggered", 0)
            question = f"Delete {_line(info)} and its {plural(fired, 'activation')}?"
            if not confirmed(question, yes):
                raise StreamFXError(
                    f"Nothing was deleted: {session_id} is kept.",
                    "Pass --yes to delete without asking.",
                )
        done = api.delete_session(session_id)
    if json_out:
        emit_json(done)
    else:
        say(
            f"Deleted {done['sessionId']} and its {plural(done['activationsDeleted'], 'activation')}."
        )
