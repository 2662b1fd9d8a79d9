"""The import rules in pyproject.toml ([tool.importlinter]) hold for the whole tree.

They keep the layers apart (docs/ARCHITECTURE.md): the server never imports the CLI,
infrastructure knows no domain, the domain no routes, and the hotkey path and `obs/`
stay free of the slow and heavy libraries.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_import_contract_is_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
