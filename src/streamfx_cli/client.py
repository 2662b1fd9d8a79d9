"""The transport under `api.Api`: token auth with one refresh-and-retry on 401.

`Client` sends JSON and returns the decoded body, or raises the CLI's errors
(ServerUnreachable, APIError); `TokenAuth` is an httpx auth flow that adds the
access token and, on a 401, refreshes it once (under a cross-process lock, so
parallel hotkeys refresh once) and sends the request again. Paths and bodies
are `api.py`'s business.
"""

from __future__ import annotations

import base64
import json
import ssl
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import replace
from typing import Any

if "httpx" not in sys.modules:
    # httpx imports its own command-line tool (and with it Rich, Click and Pygments,
    # about 40 ms) whenever those are installed; the CLI never uses it, and `fire`
    # runs from hotkeys. With the module marked missing, httpx skips it.
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx
    finally:
        del sys.modules["httpx._main"]
else:
    import httpx

from .config import server_url, start_command
from .credentials import CredentialStore, Login
from .errors import APIError, NotLoggedIn, ServerUnreachable
from .locks import file_lock

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# Refresh a little before expiry so a request never starts with a token about to die.
EXPIRY_MARGIN = 5


def token_expiry(token: str) -> float | None:
    """The `exp` of a JWT, read without verifying (only the server can verify)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return float(json.loads(base64.urlsafe_b64decode(payload))["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def unreachable(url: str, exc: Exception | None = None) -> ServerUnreachable:
    """Exit 4, with a hint that starts a server where this URL points (not the default)."""
    reason = f" ({type(exc).__name__})" if exc else ""
    start = start_command(url)
    hint = (
        f"Start it with `{start}` (or `streamfx up`), or pass --server URL."
        if start
        else f"Check that the server at {url} is running, or pass --server URL."
    )
    return ServerUnreachable(f"Cannot reach the StreamFX server at {url}{reason}.", hint)


def api_error(response: httpx.Response) -> APIError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("error") or f"The server answered {response.status_code}."
    return APIError(
        response.status_code, body.get("code", "error"), message, body.get("hint"), body
    )


class Session:
    """The stored sign-in, refreshed under a cross-process lock."""

    def __init__(self, store: CredentialStore | None = None) -> None:
        self.store = store or CredentialStore()
        self._login: Login | None = None

    def stored(self) -> Login | None:
        """The stored sign-in, read once per process (a keyring look-up), or None."""
        if self._login is None:
            self._login = self.store.load()
        return self._login

    def current(self) -> Login:
        login = self.stored()
        if login is None:
            raise NotLoggedIn()
        return login

    def fresh(self) -> Login:
        """The stored sign-in, refreshed first when its access token is (nearly) expired."""
        login = self.current()
        expiry = token_expiry(login.access_token)
        if expiry is not None and expiry - EXPIRY_MARGIN < time.time():
            login = self.refresh(login.access_token)
        return login

    def refresh(self, used_access_token: str) -> Login:
        """Get a fresh access token, unless another process already did."""
        with file_lock(self.store.lock_path):
            stored = self.store.load()
            if stored is None:
                raise NotLoggedIn()
            if stored.access_token != used_access_token:
                self._login = stored  # someone refreshed while we waited for the lock
                return stored
            try:
                response = httpx.post(
                    f"{stored.server}/api/auth/refresh",
                    json={"refreshToken": stored.refresh_token},
                    timeout=TIMEOUT,
                )
            except httpx.TransportError as exc:
                raise unreachable(stored.server, exc) from None
            if response.status_code == 401:
                self.store.clear()
                self._login = None
                raise NotLoggedIn(
                    "Your sign-in has expired.", "Run `streamfx login` to sign in again."
                )
            if response.status_code != 200:
                raise api_error(response)
            data = response.json()
            fresh = replace(
                stored, access_token=data["accessToken"], refresh_token=data["refreshToken"]
            )
            self.store.save(fresh)
            self._login = fresh
            return fresh


class TokenAuth(httpx.Auth):
    def __init__(self, session: Session) -> None:
        self.session = session

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        login = self.session.fresh()
        request.headers["Authorization"] = f"Bearer {login.access_token}"
        response = yield request
        if response.status_code == 401:
            login = self.session.refresh(login.access_token)
            request.headers["Authorization"] = f"Bearer {login.access_token}"
            yield request


def _tls_context(base_url: str) -> ssl.SSLContext | bool:
    """Certificate checks for the server's URL.

    Loading the CA bundle takes about 30 ms, a fifth of a hotkey's budget, and a
    plain-http server (the default, on loopback) never uses it. Such a client
    gets a context that verifies certificates but trusts no CA: should an
    https URL ever reach it, the request fails rather than goes unchecked.
    """
    if base_url.lower().startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return True


class Client:
    """A thin JSON client: methods return decoded bodies or raise the CLI's errors."""

    def __init__(
        self,
        base_url: str | None = None,
        session: Session | None = None,
        *,
        authenticated: bool = True,
    ) -> None:
        self.session = session or Session()
        if base_url is None:
            stored = self.session.stored() if authenticated else None
            base_url = server_url(stored=stored.server if stored else None)
        self.base_url = base_url
        self._http = httpx.Client(
            base_url=base_url,
            auth=TokenAuth(self.session) if authenticated else None,
            timeout=TIMEOUT,
            verify=_tls_context(base_url),
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def ensure_fresh_token(self) -> None:
        """Refresh ahead of a request whose body cannot be sent twice (a streamed upload)."""
        if self._http.auth is not None:
            self.session.fresh()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise unreachable(self.base_url, exc) from None
        if response.status_code >= 400:
            raise api_error(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response whatever its status; only an unreachable server raises."""
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise unreachable(self.base_url, exc) from None

    def download(self, path: str, write: Callable[[bytes], object]) -> None:
        """GET `path` and hand its bytes to `write` as they arrive (never all in memory)."""
        try:
            with self._http.stream("GET", path) as response:
                if response.status_code >= 400:
                    response.read()
                    raise api_error(response)
                for chunk in response.iter_bytes():
                    write(chunk)
        except httpx.TransportError as exc:
            raise unreachable(self.base_url, exc) from None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)
