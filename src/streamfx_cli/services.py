"""`streamfx service`: the server and the agent as systemd user units.

Two units in `$XDG_CONFIG_HOME/systemd/user` (default `~/.config/systemd/user`):
`streamfx-server.service` runs `streamfx server run` on the saved server URL's host and
port, and `streamfx-agent.service` runs `streamfx agent run` after it. Both restart on
failure and log to the journal. Only settings that are not secret go into a unit
(`Environment=`): the password and tokens stay in the keyring or their 0600 files,
where the processes read them as `streamfx` always does (docs/CLI.md "Services").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SERVER_UNIT = "streamfx-server.service"
AGENT_UNIT = "streamfx-agent.service"
UNITS = (SERVER_UNIT, AGENT_UNIT)
# Settings a unit passes on when they are set here; never a secret (no password, no token).
PASSED_ON = (
    "STREAMFX_HOME",
    "STREAMFX_SERVER",
    "STREAMFX_DATA_DIR",
    "STREAMFX_PUBLIC_URL",
    "STREAMFX_OBS_URL",
    "STREAMFX_NO_KEYRING",
)
# The agent exits 3 when its sign-in ends (docs/CLI.md): restarting cannot help.
SIGNED_OUT_EXIT = 3
SYSTEMCTL_TIMEOUT = 10.0


def units_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def _quote(arg: str) -> str:
    """One ExecStart word: systemd splits on spaces and reads C-style escapes in quotes."""
    if arg and all(c.isalnum() or c in "/._-:=+@," for c in arg):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{escaped}"'


def _exec(*args: str) -> str:
    return " ".join(_quote(a) for a in (sys.executable, "-m", "streamfx_cli", *args))


def _environment() -> list[str]:
    lines = []
    for name in PASSED_ON:
        value = os.environ.get(name)
        if value:
            lines.append(f"Environment={_quote(f'{name}={value}')}")
    return lines


def server_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 8420)


def server_unit(host: str, port: int) -> str:
    return "\n".join(
        [
            "[Unit]",
            "Description=StreamFX server",
            "After=network.target",
            "",
            "[Service]",
            "Type=simple",
            f"ExecStart={_exec('server', 'run', '--host', host, '--port', str(port))}",
            *_environment(),
            "Restart=on-failure",
            "RestartSec=2",
            "StandardOutput=journal",
            "StandardError=journal",
            "SyslogIdentifier=streamfx-server",
            "",
            "[Install]",
            "WantedBy=default.target",
            "",
        ]
    )


def agent_unit() -> str:
    return "\n".join(
        [
            "[Unit]",
            "Description=StreamFX agent (draws effects in OBS)",
            f"After={SERVER_UNIT}",
            f"Wants={SERVER_UNIT}",
            "",
            "[Service]",
            "Type=simple",
            f"ExecStart={_exec('agent', 'run')}",
            *_environment(),
            "Restart=on-failure",
            "RestartSec=2",
            f"RestartPreventExitStatus={SIGNED_OUT_EXIT}",
            "StandardOutput=journal",
            "StandardError=journal",
            "SyslogIdentifier=streamfx-agent",
            "",
            "[Install]",
            "WantedBy=default.target",
            "",
        ]
    )


def user_systemd() -> bool:
    """Whether `systemctl --user` reaches a running user manager."""
    if shutil.which("systemctl") is None:
        return False
    try:
        done = subprocess.run(
            ["systemctl", "--user", "show-environment"],
            capture_output=True,
            timeout=SYSTEMCTL_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def systemctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemctl", "--user", *args],
        capture_output=True,
        text=True,
        timeout=SYSTEMCTL_TIMEOUT,
        check=False,
    )


def enable_commands() -> list[str]:
    return ["systemctl --user daemon-reload", f"systemctl --user enable --now {' '.join(UNITS)}"]


def disable_commands() -> list[str]:
    return [f"systemctl --user disable --now {' '.join(UNITS)}", "systemctl --user daemon-reload"]


@dataclass(frozen=True)
class UnitState:
    name: str
    path: Path
    installed: bool
    enabled: str | None  # systemctl is-enabled's word, None when systemd cannot be asked
    active: str | None  # systemctl is-active's word, likewise

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "path": str(self.path),
            "installed": self.installed,
            "enabled": self.enabled,
            "active": self.active,
        }


def unit_states(ask_systemd: bool) -> list[UnitState]:
    states = []
    for name in UNITS:
        path = units_dir() / name
        enabled = active = None
        if ask_systemd:
            enabled = systemctl("is-enabled", name).stdout.strip() or "unknown"
            active = systemctl("is-active", name).stdout.strip() or "unknown"
        states.append(UnitState(name, path, path.exists(), enabled, active))
    return states
