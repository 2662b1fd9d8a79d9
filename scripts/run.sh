#!/usr/bin/env bash
# Set up StreamFX, start the bundled server (embedded SQLite, built-in effects
# seeded) in the background and open the control panel. The first run asks for
# an email and password and makes that account the server's owner.
# Extra arguments go to `streamfx up` (e.g. --server http://127.0.0.1:8421).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[charts]'
exec .venv/bin/streamfx up "$@"
