#!/usr/bin/env bash
# Set up StreamFX and start the bundled server on its embedded SQLite database.
# Extra arguments go to `streamfx server run` (e.g. --port 8421).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/streamfx server run "$@"
