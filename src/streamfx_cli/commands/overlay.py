"""`streamfx overlay url|rotate`: the Browser Source address for OBS."""

from __future__ import annotations

import typer

from ..output import emit_json, say
from .options import JsonFlag

app = typer.Typer(help="The overlay page for OBS's Browser Source.", no_args_is_help=True)


def _store():
    from ..credentials import SecretStore
    from ..paths import config_dir

    # The key is shown once by the server; we keep it like the tokens so `url` can print it again.
    return SecretStore("overlay-key", config_dir() / "overlay-key.json")


@app.command()
def rotate(json_out: JsonFlag = False) -> None:
    """Make a new overlay key; the old URL stops working at once."""
    from ..api import Api

    with Api.signed_in() as api:
        issued = api.rotate_overlay_key()
    _store().set(issued["url"])
    if json_out:
        emit_json(issued)
    else:
        # The first key replaces nothing; servers from before `replaced` leave it out.
        replaced = issued.get("replaced", True)
        say(
            "New overlay URL (the previous one no longer works):"
            if replaced
            else "Your overlay URL:"
        )
        say(issued["url"])


def stored_overlay_url() -> str | None:
    """The overlay URL saved by `streamfx overlay rotate` on this machine, if any."""
    return _store().get()


def _stored_url() -> str:
    from ..errors import Refused

    stored = stored_overlay_url()
    if not stored:
        raise Refused(
            "No overlay URL on this machine yet.", "Run `streamfx overlay rotate` to make one."
        )
    return stored


@app.command()
def url(json_out: JsonFlag = False) -> None:
    """Print the overlay URL to paste into an OBS Browser Source."""
    emit_json({"url": _stored_url()}) if json_out else say(_stored_url())


@app.command()
def preview(json_out: JsonFlag = False) -> None:
    """Open the overlay in your default browser, over a checkerboard."""
    import webbrowser

    address = _stored_url() + "&preview=1"
    opened = webbrowser.open(address)
    if json_out:
        emit_json({"url": address, "opened": opened})
    elif opened:
        say("Opened the overlay preview in your browser.")
    else:
        say(f"Could not open a browser; open this address yourself:\n{address}")


@app.command()
def clear(json_out: JsonFlag = False) -> None:
    """Empty every open overlay: effects on screen and everything queued."""
    from ..api import Api

    with Api.signed_in() as api:
        api.clear_overlay()
    emit_json({"cleared": True}) if json_out else say("Cleared the overlay.")
