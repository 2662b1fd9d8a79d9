"""The CLI's exception tree. Each carries one sentence, a hint and a stable exit code."""

from __future__ import annotations


class ExitCode:
    """Documented in docs/CLI.md; scripts depend on these, so never renumber."""

    OK = 0
    ERROR = 1  # anything unexpected
    USAGE = 2  # bad flags or arguments (Typer/Click)
    AUTH = 3  # not signed in, sign-in expired, wrong email or password
    UNREACHABLE = 4  # the server could not be reached
    REJECTED = 5  # the server refused the request (bad input, not found, conflict, forbidden)
    RATE_LIMITED = 6  # too many attempts, or the effect is cooling down
    OBS_UNAVAILABLE = 7  # OBS is not running, not reachable, or refused the password
    OBS_FAILED = 8  # not shown: OBS could not show it (e.g. not set up), or viewers cannot see it


class StreamFXError(Exception):
    exit_code = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class NotLoggedIn(StreamFXError):
    exit_code = ExitCode.AUTH

    def __init__(self, message: str = "You are not signed in.", hint: str | None = None) -> None:
        super().__init__(message, hint or "Run `streamfx login`.")


class ServerUnreachable(StreamFXError):
    exit_code = ExitCode.UNREACHABLE


class APIError(StreamFXError):
    """The server answered with an error envelope."""

    exit_code = ExitCode.REJECTED

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        hint: str | None = None,
        body: dict | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.status = status
        self.code = code
        self.body = body or {}
        if status == 401:
            self.exit_code = ExitCode.AUTH
        elif status == 429:
            self.exit_code = ExitCode.RATE_LIMITED


class Refused(StreamFXError):
    """Refused before the server is asked: what the command acts on does not exist
    (no live session, no session at all, no overlay URL yet). Exit 5, as the server's
    own "not found" (docs/CLI.md "Usage or refusal")."""

    exit_code = ExitCode.REJECTED


class CredentialStoreError(StreamFXError):
    pass


class ObsUnreachable(StreamFXError):
    """OBS is not running, not reachable, or refused the password."""

    exit_code = ExitCode.OBS_UNAVAILABLE


class ObsCannotShow(StreamFXError):
    """OBS answered but could not show the effect (not set up, missing source, busy)."""

    exit_code = ExitCode.OBS_FAILED


class BadArgument(StreamFXError):
    """An argument StreamFX cannot use (checked before anything is changed)."""

    exit_code = ExitCode.USAGE


class InvalidInput(StreamFXError):
    """Input the server refuses, caught here first (a new password too short, a brand kit
    name you have none of): exit 5, as when the server says it."""

    exit_code = ExitCode.REJECTED
