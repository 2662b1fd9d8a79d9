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
        email = email or prompt.text("Email")
        password = prompt.password(confirm=prompt.interactive)
        name = email.split("@", 1)[0]
        if prompt.interactive:
            name = prompt.text("Display name", default=name)
        with Api.anonymous(url) as api:
            api.register(email, password, name)
    else:
        say(f"Sign in to StreamFX at {url}.")
        email = email or prompt.text("Email")
        password = prompt.password(confirm=False)
    creator = log_in(url, email, password)
    say(f"Signed in as {creator['displayName']} <{creator['email']}> on {url}.")
    return creator


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
