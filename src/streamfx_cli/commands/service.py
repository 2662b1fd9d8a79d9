"""`streamfx service install|uninstall|status --user`: the server and agent as systemd user units."""

from __future__ import annotations

from typing import Annotated

import typer

from ..output import emit_json, say, warn
from .options import JsonFlag

app = typer.Typer(
    help="Run the server and the agent as systemd user services (start at login, restart on failure).",
    no_args_is_help=True,
)

UserFlag = Annotated[
    bool,
    typer.Option(
        "--user", help="systemd user units (~/.config/systemd/user); the only kind supported."
    ),
]


def _require_user(user: bool) -> None:
    from ..errors import BadArgument

    if not user:
        # System units would run as root, or need root to write and a user to run as;
        # the agent reads this user's keyring and talks to this user's OBS.
        raise BadArgument(
            "Only user services are supported: pass --user.",
            "They start when you log in; to start them at boot, run `loginctl enable-linger`.",
        )


@app.command()
def install(user: UserFlag = False, json_out: JsonFlag = False) -> None:
    """Write the units for the server and the agent, and enable and start them."""
    from .. import services
    from ..config import server_url
    from ..credentials import CredentialStore
    from ..errors import StreamFXError

    _require_user(user)
    stored = CredentialStore().load()
    host, port = services.server_address(server_url(stored=stored.server if stored else None))
    folder = services.units_dir()
    texts = {
        services.SERVER_UNIT: services.server_unit(host, port),
        services.AGENT_UNIT: services.agent_unit(),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (folder / name).write_text(text)
    except OSError as exc:
        raise StreamFXError(f"Could not write the units to {folder}: {exc.strerror}.") from None
    started = services.user_systemd()
    if started:
        for args in (("daemon-reload",), ("enable", "--now", *services.UNITS)):
            done = services.systemctl(*args)
            if done.returncode != 0:
                raise StreamFXError(
                    f"systemctl --user {' '.join(args)} failed: {done.stderr.strip() or done.returncode}.",
                    "See `journalctl --user -u streamfx-server -u streamfx-agent`.",
                )
    commands = [] if started else services.enable_commands()
    if json_out:
        emit_json(
            {
                "units": [{"name": n, "path": str(folder / n)} for n in texts],
                "server": f"{host}:{port}",
                "enabled": started,
                "commands": commands,
            }
        )
    else:
        for name in texts:
            say(f"Wrote {folder / name}")
        if started:
            say(
                f"Enabled and started {', '.join(services.UNITS)}; their logs: "
                "journalctl --user -u streamfx-server -u streamfx-agent"
            )
    if not started:
        warn(
            "systemd is not reachable for this user here, so nothing was started; run: "
            + "; ".join(commands)
        )


@app.command()
def uninstall(user: UserFlag = False, json_out: JsonFlag = False) -> None:
    """Stop and disable the units, and remove them."""
    from .. import services

    _require_user(user)
    states = services.unit_states(ask_systemd=False)
    present = [s for s in states if s.installed]
    stopped = bool(present) and services.user_systemd()
    if stopped:
        services.systemctl("disable", "--now", *services.UNITS)
    for state in present:
        state.path.unlink(missing_ok=True)
    if stopped:
        services.systemctl("daemon-reload")
    commands = [] if stopped or not present else services.disable_commands()
    if json_out:
        emit_json(
            {"removed": [str(s.path) for s in present], "stopped": stopped, "commands": commands}
        )
    elif not present:
        say("No StreamFX units were installed.")
    else:
        for state in present:
            say(f"Removed {state.path}")
    if commands:
        warn(
            "systemd is not reachable for this user here; if the units were running, run: "
            + "; ".join(commands)
        )


@app.command()
def status(user: UserFlag = False, json_out: JsonFlag = False) -> None:
    """Each unit: installed, enabled, active."""
    from .. import services

    _require_user(user)
    reachable = services.user_systemd()
    states = services.unit_states(ask_systemd=reachable)
    if json_out:
        emit_json({"systemd": reachable, "units": [s.as_json() for s in states]})
        return
    for state in states:
        if not state.installed:
            say(f"{state.name}: not installed (`streamfx service install --user`)")
        elif state.enabled is None:
            say(f"{state.name}: installed at {state.path}; systemd not reachable here")
        else:
            say(f"{state.name}: installed, {state.enabled}, {state.active}")
