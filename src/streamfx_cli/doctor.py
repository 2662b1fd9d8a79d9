"""`streamfx doctor`: is everything a stream needs in place? One check per part.

Each check asks one thing with a short timeout and says ok, warn or fail, with the
command that fixes it. A check that cannot run because another part is down says so
and does not wait on it: a down server still lets the OBS checks run
(docs/CLI.md "`streamfx doctor`").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .errors import APIError, NotLoggedIn, StreamFXError

if TYPE_CHECKING:  # imported by the checks that use them, so a down part costs no import
    from .client import Session
    from .obs.setup import ObsStatus

Status = Literal["ok", "warn", "fail"]

# Seconds each network check may take: the doctor answers in a few seconds at worst.
QUICK = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def overall(checks: list[Check]) -> Status:
    statuses = {c.status for c in checks}
    return "fail" if "fail" in statuses else "warn" if "warn" in statuses else "ok"


@dataclass
class Findings:
    """What later checks need from earlier ones (a down server skips the sign-in's call)."""

    session: Session | None = None  # the stored sign-in, read from the keyring once
    server_url: str = ""
    server_up: bool = False
    signed_in: bool = False
    obs: ObsStatus | None = None  # when OBS answered
    checks: list[Check] = field(default_factory=list)


def check_server(found: Findings) -> Check:
    from .api import Api
    from .client import Session
    from .config import server_url, start_command

    found.session = Session()
    stored = found.session.stored()
    found.server_url = url = server_url(stored=stored.server if stored else None)
    try:
        with Api.anonymous(url) as api:
            health = api.health(timeout=QUICK)
    except (StreamFXError, ValueError) as exc:
        reason = exc.message if isinstance(exc, StreamFXError) else str(exc)
        fix = start_command(url) or f"check that the server at {url} is running"
        return Check("server", "fail", reason.rstrip("."), fix)
    found.server_up = True
    return Check("server", "ok", f"StreamFX {health.get('version')} at {url}")


def check_sign_in(found: Findings) -> Check:
    from .api import Api

    try:
        with Api.signed_in(found.server_url, found.session) as api:
            if not found.server_up:
                api.sign_in.current()  # raises NotLoggedIn when nothing is stored
                return Check(
                    "sign-in", "warn", "a sign-in is stored; not checked: the server is down"
                )
            me = api.me(timeout=QUICK)
    except NotLoggedIn:
        return Check(
            "sign-in", "fail", "not signed in", f"streamfx login --server {found.server_url}"
        )
    except APIError as exc:
        if exc.status == 401:
            return Check(
                "sign-in",
                "fail",
                f"the sign-in is no longer valid: {exc.message.rstrip('.')}",
                f"streamfx login --server {found.server_url}",
            )
        return Check("sign-in", "fail", f"the server refused: {exc.message.rstrip('.')}")
    found.signed_in = True
    return Check("sign-in", "ok", f"{me['displayName']} <{me['email']}> ({me['tier']} tier)")


def check_secret_store(found: Findings) -> Check:
    from .client import Session

    found.session = found.session or Session()
    store = found.session.store
    if found.session.stored() is None:
        return Check("keyring", "warn", "not checked: nothing is stored (not signed in)")
    if store.where == "keyring":
        return Check("keyring", "ok", "the sign-in is kept in the system keyring")
    why = (
        "STREAMFX_NO_KEYRING=1 is set"
        if os.environ.get("STREAMFX_NO_KEYRING") == "1"
        else "no secure system keyring answered"
    )
    return Check(
        "keyring",
        "warn",
        f"the sign-in is kept in {store.fallback_path} (readable only by you): {why}",
        "unlock or install a keyring (e.g. gnome-keyring), then `streamfx login`",
    )


def check_obs(found: Findings) -> list[Check]:
    """OBS reachable, its password right: two checks from one connection."""
    from .obs import ObsAuthFailed, ObsConnection, ObsError
    from .obs.setup import status as obs_status
    from .obs_settings import ENV_PASSWORD, load_settings

    try:
        settings = load_settings()
    except StreamFXError as exc:
        return [Check("obs", "fail", exc.message.rstrip("."), exc.hint)]
    try:
        with ObsConnection(settings.host, settings.port, settings.password, timeout=QUICK) as conn:
            found.obs = info = obs_status(conn)
    except ObsAuthFailed as exc:
        fix = (
            f"fix or unset {ENV_PASSWORD}"
            if settings.password_from == "env"
            else "streamfx obs config --ask-password"
        )
        return [
            Check("obs", "ok", f"OBS answers at {settings.url}"),
            Check("obs password", "fail", f"OBS refused the password: {str(exc).rstrip('.')}", fix),
        ]
    except ObsError as exc:
        return [
            Check(
                "obs",
                "fail",
                str(exc).rstrip("."),
                "start OBS with its WebSocket server on, or point StreamFX at it: "
                "`streamfx obs config --host HOST --port PORT`",
            ),
            Check("obs password", "warn", "not checked: OBS did not answer"),
        ]
    password = "none needed" if settings.password_from == "none" else "accepted"
    return [
        Check(
            "obs",
            "ok",
            f"OBS Studio {info.obs_version}, obs-websocket {info.websocket_version} at {settings.url}",
        ),
        Check("obs password", "ok", password),
    ]


def check_setup(found: Findings) -> list[Check]:
    info = found.obs
    if info is None:
        return [
            Check("obs setup", "warn", "not checked: OBS did not answer"),
            Check("on air", "warn", "not checked: OBS did not answer"),
        ]
    if info.setup_complete:
        setup = Check(
            "obs setup", "ok", f"StreamFX is in {', '.join(info.nested_in) or 'no scene'}"
        )
    else:
        setup = Check(
            "obs setup",
            "fail",
            f"StreamFX is not set up (missing {', '.join(info.missing)})",
            "streamfx obs setup",
        )
    seen = info.visibility
    if seen.visible:
        on_air = Check(
            "on air", "ok", f"StreamFX is on top in the program scene {info.program_scene!r}"
        )
    else:
        # A warning, as `streamfx obs status` words it: effects still fire, viewers miss them.
        on_air = Check(
            "on air",
            "warn",
            f"viewers cannot see StreamFX's effects: {seen.reason}",
            "streamfx obs setup",
        )
    return [setup, on_air]


def check_fonts(found: Findings) -> Check:
    from .api import Api
    from .kit_fonts import active_typography, kit_fonts

    if not found.signed_in:
        return Check("fonts", "warn", "not checked: needs the server and a sign-in")
    try:
        with Api.signed_in(found.server_url, found.session) as api:
            kit, typography = active_typography(api)
    except StreamFXError as exc:
        return Check("fonts", "warn", f"not checked: {exc.message.rstrip('.')}")
    fonts = kit_fonts(typography)
    missing = [f for f in fonts if f.choice.fallback]
    if missing:
        names = ", ".join(f.choice.wanted for f in missing)
        return Check(
            "fonts",
            "warn",
            f"{kit}: " + "; ".join(f.line() for f in missing),
            f"install {names} on this computer (the one running OBS)",
        )
    return Check("fonts", "ok", f"{kit}: " + "; ".join(f.line() for f in fonts))


def check_overlay_key(found: Findings) -> Check:
    from .commands.overlay import stored_overlay_url

    if stored_overlay_url():
        return Check("overlay key", "ok", "an overlay URL is saved on this computer")
    return Check(
        "overlay key",
        "warn",
        "no overlay URL on this computer (the Browser Source overlay needs one)",
        "streamfx overlay rotate",
    )


def check_agent(found: Findings) -> Check:
    from .agent import background

    state = background.status(timeout=QUICK)
    if state is None:
        return Check(
            "agent",
            "warn",
            "no agent runs here; `streamfx fire` draws by itself",
            "streamfx agent start",
        )
    where = f"pid {state.get('pid')}, OBS {state.get('obs')}, server {state.get('server')}"
    if state.get("state") == "drawing":
        return Check("agent", "ok", f"running and holding the lease ({where})")
    return Check(
        "agent",
        "warn",
        f"running as standby: another agent holds the lease for {state.get('target')} ({where})",
        "streamfx agent status",
    )


CHECKS: tuple[Callable[[Findings], Check | list[Check]], ...] = (
    check_server,
    check_sign_in,
    check_secret_store,
    check_obs,
    check_setup,
    check_fonts,
    check_overlay_key,
    check_agent,
)


def run_checks() -> list[Check]:
    """Every check in order; one that breaks is a failed line, never the end of the others."""
    found = Findings()
    for check in CHECKS:
        try:
            result = check(found)
        except StreamFXError as exc:
            result = Check(_name(check), "fail", exc.message.rstrip("."), exc.hint)
        except Exception as exc:  # a bug in one check must not hide the others
            result = Check(_name(check), "fail", f"could not check: {type(exc).__name__}: {exc}")
        found.checks.extend(result if isinstance(result, list) else [result])
    return found.checks


def _name(check: Callable[..., object]) -> str:
    return getattr(check, "__name__", "check").removeprefix("check_").replace("_", " ")
