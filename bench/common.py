"""Shared set-up for the benchmarks: a real server in a subprocess, an account, a session."""

from __future__ import annotations

import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PASSWORD = "benchmark password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_timed(
    command: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time and CPU time (user + system) of one run of `command`, in ms."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    wall = (time.perf_counter() - started) * 1000
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (usage.ru_utime + usage.ru_stime - cpu) * 1000, done


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class BenchServer:
    """`bench/bench_server.py`: the real app plus one bare endpoint to compare against."""

    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="streamfx-bench-")))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    token: str = ""
    session_id: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def env(self) -> dict[str, str]:
        return {**os.environ, "STREAMFX_HOME": str(self.home)}

    def start(self) -> BenchServer:
        log = open(self.home / "server.log", "ab")  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("bench_server.py")),
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("benchmark server did not start")

    def sign_in(self, email: str = "bench@example.com") -> BenchServer:
        httpx.post(
            f"{self.url}/api/auth/register",
            json={"email": email, "password": PASSWORD, "displayName": "Bench"},
        )
        tokens = httpx.post(
            f"{self.url}/api/auth/login", json={"email": email, "password": PASSWORD}
        ).json()
        self.token = tokens["accessToken"]
        return self

    def start_session(self) -> str:
        response = httpx.post(
            f"{self.url}/api/sessions/start", json={"platform": "twitch"}, headers=self.auth
        )
        if response.status_code == 409:
            live = httpx.get(f"{self.url}/api/sessions?status=live", headers=self.auth).json()
            self.session_id = live[0]["id"]
        else:
            self.session_id = response.json()["id"]
        return self.session_id

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
