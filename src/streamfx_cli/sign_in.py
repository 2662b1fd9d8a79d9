"""Signing this computer in to a StreamFX server, and out again.

`log_in` is what `streamfx login` does: trade the email and password for a
token pair and keep it in the OS keyring (or a 0600 file where there is none).
`set_up_account` is what `streamfx up` does first: nothing when the stored
sign-in still works; on a server without an account (its health says
`hasOwner: false`) it creates the owner and signs in; otherwise it signs in.
Questions go through a `Prompt`, so this module needs no terminal library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .api import Api
from .config import update_config
from .credentials import CredentialStore, Login
from .errors import APIError, NotLoggedIn, ServerUnreachable
from .output import say, warn

if TYPE_CHECKING:
    from .api_types import Creator


class Prompt(Protocol):
    """How `set_up_account` asks the streamer (a terminal, or a script through stdin)."""

    @property
    def interactive(self) -> bool:
        """False when answers come from a script: no confirmations, no optional questions."""
        ...

    def text(self, label: str, default: str | None = None) -> str: ...

    def password(self, confirm: bool) -> str: ...

    def new_password(self) -> str:
        """A new account's password that fits the server's rule (streamfx_wire.accounts)."""
        ...

    def tell(self, problem: str) -> None:
        """Say why an answer will not do, before it is asked again."""
        ...


# A sign-up's API fields, as `up` asks for them (field_flags.py); an email given as
# `--email` is named so.
SIGN_UP_FLAGS = {"email": "email", "password": "password", "displayName": "display name"}
# Wrong passwords typed at the terminal before `login` or `up` gives up (exit 3).
SIGN_IN_TRIES = 3


def log_in(url: str, email: str, password: str) -> Creator:
    """Sign in and keep the tokens (keyring, else a private file); returns the account.

    The server becomes the saved default. Raises APIError (401) for a wrong
    email or password, ServerUnreachable when nothing answers.
    """
    with Api.anonymous(url) as api:
        tokens = api.login(email, password)
    store = CredentialStore()
    where = store.save(
        Login(
            server=url,
            email=tokens["creator"]["email"],
            creator_id=tokens["creator"]["id"],
            access_token=tokens["accessToken"],
            refresh_token=tokens["refreshToken"],
        )
    )
    update_config(server=url)
    if where == "file":
        warn(
            f"no system keyring found; your sign-in is stored in {store.fallback_path} "
            "(readable only by you)."
        )
    return tokens["creator"]


def signed_in_account(url: str) -> Creator | None:
    """The account this computer is signed in to on `url`, if that sign-in still works."""
    stored = CredentialStore().load()
    if stored is None or stored.server.rstrip("/") != url:
        return None
    try:
        with Api.signed_in(url) as api:
            return api.me()
    except NotLoggedIn:
        return None
    except APIError as exc:
        if exc.status == 401:
            return None
        raise


def has_owner(url: str) -> bool:
    """Whether the server at `url` has its first account yet (asked of its health)."""
    with Api.anonymous(url) as api:
        # A server from before the field: assume an owner, so `up` asks to sign in.
        return bool(api.health().get("hasOwner", True))


def set_up_account(url: str, prompt: Prompt, email: str | None = None) -> Creator:
    """Sign this computer in to `url`, creating the owner's account on a fresh server."""
    me = signed_in_account(url)
    if me is not None:
        return me
    if not has_owner(url):
        say("This StreamFX server has no account yet: create yours (you will own the server).")
        email, password = _create_owner(url, prompt, email)
        creator = log_in(url, email, password)
    else:
        say(f"Sign in to StreamFX at {url}.")
        email = email or prompt.text("Email")
        creator = log_in_asking(url, email, prompt)
    say(f"Signed in as {creator['displayName']} <{creator['email']}> on {url}.")
    return creator


def _create_owner(url: str, prompt: Prompt, email: str | None) -> tuple[str, str]:
    """Ask for the owner's email, password and name, and create the account; its email
    and password. Each answer is checked before the next question (the password by the
    server's rule); whatever the server still refuses is asked again at the terminal,
    keeping the other answers, and is an error naming it from a script."""
    from .field_flags import in_flags

    flags = {**SIGN_UP_FLAGS, "email": "--email"} if email else SIGN_UP_FLAGS
    email = email or prompt.text("Email")
    password = prompt.new_password()
    name = email.split("@", 1)[0]
    if prompt.interactive:
        name = prompt.text("Display name", default=name)
    while True:
        try:
            with Api.anonymous(url) as api:
                api.register(email, password, name)
            return email, password
        except APIError as exc:
            fields = {str(d.get("field")) for d in exc.body.get("details") or []}
            if exc.status != 422 or not prompt.interactive or not fields:
                raise in_flags(exc, flags) from None
            prompt.tell(in_flags(exc, flags).message.removesuffix("."))
            if "email" in fields:
                email = prompt.text("Email", default=email)
            if "password" in fields:
                password = prompt.new_password()
            if "displayName" in fields:
                name = prompt.text("Display name", default=email.split("@", 1)[0])


def log_in_asking(url: str, email: str, prompt: Prompt) -> Creator:
    """Sign in with a password asked at the terminal (or read once from a script); a wrong
    one typed at the terminal is asked again, up to SIGN_IN_TRIES times."""
    for attempt in range(1, SIGN_IN_TRIES + 1):
        password = prompt.password(confirm=False)
        try:
            return log_in(url, email, password)
        except APIError as exc:
            wrong = exc.status == 401 and exc.code == "invalid_credentials"
            if not (wrong and prompt.interactive and attempt < SIGN_IN_TRIES):
                raise
            prompt.tell(exc.message.removesuffix("."))
    raise AssertionError("unreachable: the last try returns or raises")


@dataclass(frozen=True)
class SignedOut:
    email: str | None  # None: nobody was signed in
    server: str = ""
    server_told: bool = True  # False: the server could not be reached


def sign_out() -> SignedOut:
    """Forget the stored sign-in here, and end it on its server when that answers."""
    store = CredentialStore()
    stored = store.load()
    if stored is None:
        return SignedOut(None)
    told = True
    try:
        with Api.anonymous(stored.server) as api:
            api.logout(stored.refresh_token, timeout=5.0)
    except ServerUnreachable:
        told = False
    except APIError:
        pass  # already ended there (spent or revoked): signing out here is all that is left
    store.clear()
    return SignedOut(stored.email, stored.server, told)
