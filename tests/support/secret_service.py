"""A private Secret Service (dbus + gnome-keyring) so keyring tests use a real keyring."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class SecretService:
    env: dict[str, str]
    dbus_pid: int

    def stop(self) -> None:
        subprocess.run(["pkill", "-f", f"gnome-keyring-daemon.*{self.env['HOME']}"], check=False)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.dbus_pid, signal.SIGTERM)


def missing_tools() -> list[str]:
    return [tool for tool in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(tool) is None]


def start_secret_service(home: Path) -> SecretService:
    """Start a session bus and an unlocked keyring whose files live under `home`."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_RUNTIME_DIR": str(home / "run"),
    }
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.pop("STREAMFX_NO_KEYRING", None)
    out = subprocess.run(
        ["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.split()
    env["DBUS_SESSION_BUS_ADDRESS"], dbus_pid = out[0], int(out[1])
    subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input="test-keyring-password",
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    )
    service = SecretService(env, dbus_pid)
    # The daemon registers on the bus asynchronously; wait until a write round-trips.
    probe = (
        "import keyring; keyring.set_password('streamfx-probe', 'p', 'ok'); "
        "assert keyring.get_password('streamfx-probe', 'p') == 'ok'"
    )
    deadline = time.monotonic() + 10
    while True:
        result = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, timeout=10
        )
        if result.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return service
