"""The `streamfx` command's entry point.

A hotkey runs `streamfx fire EFFECT` and waits for the whole process, so a plain
`fire` call skips Typer (and the pydantic it builds on) and goes straight to
`firing.fire_effect`; a plain `tui` skips it too (`panel_start`), so the panel is
on screen sooner. Everything else, `fire --help` included, goes through the
Typer app in `streamfx_cli.app`.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import NoReturn

from .errors import ExitCode, StreamFXError


def _report(exc: BaseException) -> int:
    """Print what went wrong as the CLI does everywhere; returns the exit code."""
    from .output import error

    if isinstance(exc, StreamFXError):
        from .errors import APIError

        if isinstance(exc, APIError) and "details" in (exc.hint or ""):
            # A refusal pointing at `details` no command told in its flags: tell them here,
            # by the API's field names, rather than point at what is not shown.
            from .field_flags import in_flags

            exc = in_flags(exc, {})
        error(exc.message, exc.hint)
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        error("Interrupted.")
        return 130
    # A bug: one line for the user, not a traceback.
    error(f"Unexpected {type(exc).__name__}: {exc}", "Please report this with the command you ran.")
    return ExitCode.ERROR


def _fire_fast(argv: list[str]) -> int | None:
    """Run a plain `fire` command line without Typer; None when it is not one."""
    from .firing import fire_effect, parse_fire_args

    args = parse_fire_args(argv)
    if args is None:
        return None
    # A short run that allocates little besides imported modules: collecting cycles
    # would only cost time (about 5% of it).
    gc.disable()
    try:
        return fire_effect(args)
    except Exception as exc:
        return _report(exc)
    except KeyboardInterrupt:
        return 130  # what Typer answers to Ctrl-C, silently


def _exit_now(code: int) -> NoReturn:
    """Exit without tearing the interpreter down (20-25 ms for the modules `fire` loads).

    Safe here because everything `fire` does has finished by now: the server has
    answered, the OBS connection and the HTTP client are closed, files were written
    and renamed, no other thread is left that matters (keyring calls run in daemon
    threads). Only the standard streams still hold output.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader went away (EPIPE), or it is closed
            code = code or ExitCode.ERROR
    os._exit(code)


def _tui_fast(argv: list[str]) -> int | None:
    """Open the panel for a plain `tui` command line without Typer; None when it is not one."""
    from .panel_start import open_panel, parse_tui_args

    args = parse_tui_args(argv)
    if args is None:
        return None
    try:
        open_panel(*args)
    except Exception as exc:
        return _report(exc)
    except KeyboardInterrupt as exc:
        return _report(exc)
    return 0


def run() -> None:
    if sys.argv[1:2] == ["fire"]:
        code = _fire_fast(sys.argv[1:])
        if code is not None:
            _exit_now(code)
    if sys.argv[1:2] == ["tui"]:
        code = _tui_fast(sys.argv[1:])
        if code is not None:
            sys.exit(code)
    try:
        from .app import app

        # The same name however it was started (`python -m streamfx_cli` too): usage
        # lines and the shell completion script say `streamfx`.
        app(prog_name="streamfx")
    except Exception as exc:
        sys.exit(_report(exc))
    except KeyboardInterrupt as exc:
        sys.exit(_report(exc))
