"""Run the StreamFX benchmarks and print a table: `python bench/run.py [name ...]`.

Names: fire, trigger, fanout, growth, panel, agent (default: all). Not part of the test suite."""

from __future__ import annotations

import importlib
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

MODULES = {
    "fire": "fire_cli",
    "trigger": "trigger_load",
    "fanout": "fanout",
    "growth": "growth",
    "panel": "panel",
    "agent": "agent_draw",
}


def main(argv: list[str]) -> None:
    names = argv or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        raise SystemExit(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(MODULES)}"
        )
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()} ({platform.machine()}, "
        f"Python {platform.python_version()}, {platform.platform()})"
    )
    print(f"# {os.cpu_count()} CPUs; load average {_load()} at the start")
    print("| benchmark | StreamFX | baseline (same run) | verdict |")
    print("|---|---|---|---|")
    for name in names:
        for row in importlib.import_module(MODULES[name]).run():
            print("| " + " | ".join(row) + " |", flush=True)
    print(f"# load average {_load()} at the end")


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"


if __name__ == "__main__":
    main(sys.argv[1:])
