"""`streamfx obs config|status|scenes|setup`: connect StreamFX to OBS Studio."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..output import emit_json, say, warn
from .options import JsonFlag

if TYPE_CHECKING:
    from ..obs.brb import BrbLook
    from ..obs.setup import SetupResult

app = typer.Typer(
    help="Connect to OBS Studio (obs-websocket 5) and set it up for StreamFX.",
    no_args_is_help=True,
)


def _password_source(settings: Any) -> str:
    from ..obs_settings import ENV_PASSWORD

    return {
        "env": f"from {ENV_PASSWORD}",
        "keyring": "saved in the system keyring",
        "file": "saved in a file only you can read",
        "none": "none",
    }[settings.password_from]


def _save_password(password_stdin: bool, ask_password: bool, no_password: bool) -> None:
    """Store the password read from stdin or a prompt, or forget it (--no-password)."""
    from ..errors import StreamFXError
    from ..obs_settings import password_store

    store = password_store()
    if password_stdin or ask_password:
        password = (
            sys.stdin.readline().rstrip("\r\n")
            if password_stdin
            else typer.prompt("OBS WebSocket password", hide_input=True)
        )
        if not password:
            raise StreamFXError(
                "No password was given.",
                "If OBS does not ask for one, use --no-password instead.",
            )
        if store.set(password) == "file":
            warn(
                f"no system keyring found; the OBS password is stored in {store.file.path} "
                "(readable only by you)."
            )
    elif no_password:
        store.delete()


@app.command()
def config(
    host: Annotated[
        str | None, typer.Option(help="Host OBS runs on (or a ws://host:port address).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="obs-websocket port (OBS's default: 4455)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the WebSocket password from stdin.")
    ] = False,
    ask_password: Annotated[
        bool, typer.Option("--ask-password", help="Prompt for the WebSocket password.")
    ] = False,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Forget the saved password.")
    ] = False,
    json_out: JsonFlag = False,
) -> None:
    """Save where OBS is and its WebSocket password; with no options, show them.

    The password is in OBS under Tools > WebSocket Server Settings > Show
    Connect Info. It goes to the system keyring, never to config.json.
    """
    from ..errors import StreamFXError
    from ..obs_settings import (
        ENV_PASSWORD,
        ENV_URL,
        load_settings,
        parse_address,
        save_address,
    )

    if sum((password_stdin, ask_password, no_password)) > 1:
        raise StreamFXError(
            "Use only one of --password-stdin, --ask-password and --no-password.",
        )
    if host is not None:
        try:
            parsed_host, parsed_port = parse_address(host)
        except ValueError as exc:
            raise StreamFXError(f"{exc}.", "Pass a host name or address, e.g. 127.0.0.1.") from None
        host, port = parsed_host, port or parsed_port
    if host is not None or port is not None:
        save_address(host, port)

    _save_password(password_stdin, ask_password, no_password)
    settings = load_settings()
    changed = host is not None or port is not None or password_stdin or ask_password
    if changed and settings.address_from == "env":
        warn(f"{ENV_URL} is set and overrides the saved address.")
    if (changed or no_password) and settings.password_from == "env":
        warn(f"{ENV_PASSWORD} is set and overrides the saved password.")
    if json_out:
        emit_json(
            {
                "url": settings.url,
                "host": settings.host,
                "port": settings.port,
                "addressFrom": settings.address_from,
                "password": settings.password_from,
            }
        )
        return
    say(f"OBS: {settings.url} ({settings.describe_address()})")
    say(f"Password: {_password_source(settings)}")
    if changed or no_password:
        say("Saved. Check the connection with `streamfx obs status`.")


@app.command()
def status(json_out: JsonFlag = False) -> None:
    """Show the OBS and obs-websocket versions, the program scene and whether StreamFX is set up.

    Warns when viewers cannot see StreamFX's effects: the program scene has no
    StreamFX, or it is turned off there, or something covers it.
    """
    from ..obs.brb import BRB_SCENE
    from ..obs.setup import status as obs_status
    from ..obs_settings import connect, load_settings

    url = load_settings().url
    with connect() as conn:
        info = obs_status(conn)
    seen = info.visibility
    kit, fonts, fonts_error = _fonts_here()
    if json_out:
        emit_json(
            {
                "url": url,
                "obsVersion": info.obs_version,
                "websocketVersion": info.websocket_version,
                "rpcVersion": info.rpc_version,
                "programScene": info.program_scene,
                "scenes": info.scenes,
                "setupComplete": info.setup_complete,
                "missing": info.missing,
                "nestedIn": info.nested_in,
                "visibility": {
                    "visible": seen.visible,
                    "reason": seen.reason,
                    "hint": seen.hint,
                },
                "brbScene": {"name": BRB_SCENE, "exists": info.brb_scene},
                "fonts": {
                    "kit": kit,
                    "fonts": [f.as_json() for f in fonts],
                    "error": fonts_error,
                },
            }
        )
        return
    say(f"OBS Studio {info.obs_version}, obs-websocket {info.websocket_version} at {url}")
    say(f"Program scene: {info.program_scene}")
    if info.setup_complete:
        say(f"StreamFX: set up, in {', '.join(info.nested_in) or 'no scene'}")
    else:
        say(f"StreamFX: not set up (missing {', '.join(info.missing)})")
        say("Run `streamfx obs setup` to add what is missing.")
    if info.brb_scene:
        say(f"brb: switches to the scene {BRB_SCENE!r}")
    else:
        say(
            f"brb: OBS has no scene {BRB_SCENE!r} to switch to; "
            "`streamfx obs setup` makes one in your brand kit's look."
        )
    if not seen.visible:
        # The words `streamfx fire` reports a hidden effect with (docs/AGENT.md).
        warn(f"viewers cannot see StreamFX's effects: {seen.reason}. {seen.hint}")
    if fonts_error is not None:
        say(f"Fonts: not checked: {fonts_error}")
    else:
        say(f"Fonts of {kit}: " + "; ".join(f.line() for f in fonts))
        for font in fonts:
            if font.choice.fallback:
                warn(f"banners will not look as designed: {font.choice.note}.")


def _fonts_here() -> tuple[str | None, list[Any], str | None]:
    """(whose fonts, each as drawn on this computer, why they were not checked)."""
    from ..api import Api
    from ..errors import StreamFXError
    from ..kit_fonts import active_typography, kit_fonts

    try:
        with Api.signed_in() as api:
            kit, typography = active_typography(api)
    except StreamFXError as exc:
        return None, [], f"cannot read your brand kit: {exc.message.rstrip('.')}"
    return kit, kit_fonts(typography), None


@app.command()
def scenes(json_out: JsonFlag = False) -> None:
    """List OBS's scenes (top first); * marks the program scene."""
    from ..obs.setup import PREVIEW_SCENE, SCENE
    from ..obs.setup import status as obs_status
    from ..obs_settings import connect

    with connect() as conn:
        info = obs_status(conn)
    rows = [
        {
            "name": name,
            "program": name == info.program_scene,
            "hasStreamFX": name in info.nested_in,
            "isStreamFX": name == SCENE,
            "isPreview": name == PREVIEW_SCENE,
        }
        for name in info.scenes
    ]
    if json_out:
        emit_json({"programScene": info.program_scene, "scenes": rows})
        return
    for row in rows:
        if row["isStreamFX"]:
            note = "  (StreamFX's own scene)"
        elif row["isPreview"]:
            note = "  (StreamFX's private preview scene, never on air)"
        else:
            note = "  [StreamFX]" if row["hasStreamFX"] else ""
        say(f"{'*' if row['program'] else ' '} {row['name']}{note}")


def _names(items: list[str]) -> str:
    return ", ".join(items)


def _brb_look() -> tuple[BrbLook, str]:
    """The look of a new BRB scene: the brand kit a fire would use now, else the defaults;
    and in words where it came from."""
    from ..api import Api
    from ..errors import NotLoggedIn, StreamFXError
    from ..obs.brb import BrbLook

    try:
        with Api.signed_in() as api:
            preview = api.preview("brb")
    except NotLoggedIn:
        return BrbLook(), "StreamFX's default look (you are not signed in)"
    except StreamFXError as exc:
        return BrbLook(), f"StreamFX's default look (the server said: {exc.message})"
    render = preview["render"]
    colors, font = render.get("colors") or {}, render.get("font") or {}
    defaults = BrbLook()
    look = BrbLook(
        background=str(colors.get("background") or defaults.background),
        text_color=str(colors.get("text") or defaults.text_color),
        font=str(font.get("heading") or defaults.font),
    )
    if preview["brandKitId"] is None:
        return look, "StreamFX's default look (you have no active brand kit)"
    return look, "your brand kit's look"


def _say_setup(result: SetupResult, look_from: str) -> None:
    from ..obs.brb import BRB_SCENE
    from ..obs.setup import SCENE

    if not result.changed:
        say("OBS was already set up for StreamFX; nothing changed.")
    if result.created_scene:
        say(f"Created the {SCENE!r} scene.")
    if result.created_sources:
        say(f"Created sources: {_names(result.created_sources)}.")
    if result.added_items:
        say(f"Put back into the {SCENE} scene: {_names(result.added_items)}.")
    if result.nested_in:
        say(f"Added StreamFX on top of: {_names(result.nested_in)}.")
    if result.raised_in:
        say(f"Moved StreamFX back to the top of: {_names(result.raised_in)}.")
    if result.enabled_in:
        say(f"Turned StreamFX back on in: {_names(result.enabled_in)}.")
    if result.reordered:
        say(f"Put the sources of the {SCENE} scene back in their order.")
    if result.placed:
        say(f"Moved the banner back to its place: {_names(result.placed)}.")
    if result.faded:
        say(f"Gave these sources their fade for motion: {_names(result.faded)}.")
    if result.brb_created:
        say(f"Created the {BRB_SCENE!r} scene for the brb effect, in {look_from}.")
    else:
        say(f"brb will switch to your scene {BRB_SCENE!r}.")


@app.command()
def setup(
    scene: Annotated[
        list[str] | None,
        typer.Option(
            "--scene",
            help="Program scene to put StreamFX on top of; repeat for more. Default: all.",
        ),
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Create the StreamFX scene and sources and nest them on top of your scenes.

    Safe to run again: it only adds what is missing, puts StreamFX back on top
    and turns it back on where it is not, and leaves the rest of your layout alone.
    If OBS has no "BRB" scene for the built-in brb effect, it makes one in your
    brand kit's look; a "BRB" scene you have is left as it is.
    """
    from ..obs import brb
    from ..obs.brb import BrbLook
    from ..obs.setup import setup as obs_setup
    from ..obs_settings import connect

    look, look_from = BrbLook(), ""
    with connect() as conn:
        if not brb.exists(conn):
            look, look_from = _brb_look()
        result = obs_setup(conn, scene or None, brb=look)
    if json_out:
        emit_json(
            {
                "changed": result.changed,
                "createdScene": result.created_scene,
                "createdSources": result.created_sources,
                "addedItems": result.added_items,
                "nestedIn": result.nested_in,
                "raisedIn": result.raised_in,
                "enabledIn": result.enabled_in,
                "reordered": result.reordered,
                "placed": result.placed,
                "faded": result.faded,
                "unsupported": result.unsupported,
                "brbScene": {
                    "name": brb.BRB_SCENE,
                    "created": result.brb_created,
                    "existed": result.brb_existed,
                },
            }
        )
    else:
        _say_setup(result, look_from)
    for source in result.unsupported:
        warn(f"this OBS has no source type for {source!r}; effects that need it will not show.")
