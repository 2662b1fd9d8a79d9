"""The StreamFX API as the CLI, `streamfx fire` and the panel call it: one method per call.

`Api` sits on the transport in `client.py` (token auth, one refresh-and-retry
on a 401, the CLI's errors for refusals and an unreachable server) and knows
the paths, the bodies and what comes back (`api_types`). Everything that talks
to the server goes through here, so a route that changes is changed in one place.

Errors: ServerUnreachable when the server cannot be reached, APIError (with the
server's code, message and hint) when it refuses, NotLoggedIn without a sign-in.

No Typer, Rich or pydantic here: `streamfx fire` imports it from a hotkey.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from .client import Client
from .client import Session as SignIn
from .errors import Refused

if TYPE_CHECKING:
    # Names for a reader and a type checker only: defining the TypedDicts costs
    # about 2 ms, which `streamfx fire` would pay on every hotkey for nothing.
    from .api_types import (
        Activation,
        ActivationPage,
        AgentHolder,
        BrandKit,
        Creator,
        Effect,
        EffectChanges,
        EffectDraft,
        EffectKey,
        Health,
        HookSecret,
        ImportResult,
        LoginResult,
        OverlayKey,
        Preview,
        PreviewDraft,
        Rule,
        RuleCreated,
        RuleDraft,
        Session,
        SessionAction,
        SessionDeleted,
        SessionReport,
        Triggered,
    )

# Sign-in and account creation hash a password on the server (argon2, about
# 100 ms each, more on a busy machine): give them longer than other calls.
PASSWORD_CALL_TIMEOUT_S = 15.0


class NoLiveSession(Refused):
    def __init__(self) -> None:
        super().__init__(
            "There is no live session.",
            "Start one with `streamfx session start --platform twitch`.",
        )


class Api:
    """Typed calls over one `Client`; a context manager that closes it."""

    def __init__(self, http: Client) -> None:
        self.http = http

    @classmethod
    def signed_in(cls, base_url: str | None = None, sign_in: SignIn | None = None) -> Api:
        """As the stored sign-in (default: on its own server)."""
        return cls(Client(base_url, sign_in))

    @classmethod
    def anonymous(cls, base_url: str) -> Api:
        """Without a sign-in: health, login, register, logout."""
        return cls(Client(base_url, authenticated=False))

    @property
    def base_url(self) -> str:
        return self.http.base_url

    @property
    def sign_in(self) -> SignIn:
        """The stored sign-in this client uses (the panel's WebSocket reads its tokens)."""
        return self.http.session

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # -- without a sign-in ---------------------------------------------------------

    def health(self, timeout: float | None = None) -> Health:
        kwargs = {} if timeout is None else {"timeout": timeout}
        return cast("Health", self.http.get("/api/health", **kwargs))

    def login(self, email: str, password: str) -> LoginResult:
        body = {"email": email, "password": password}
        return cast(
            "LoginResult",
            self.http.post("/api/auth/login", json=body, timeout=PASSWORD_CALL_TIMEOUT_S),
        )

    def register(self, email: str, password: str, display_name: str) -> Creator:
        """Create an account; on a server without one, it becomes the owner."""
        body = {"email": email, "password": password, "displayName": display_name}
        return cast(
            "Creator",
            self.http.post("/api/auth/register", json=body, timeout=PASSWORD_CALL_TIMEOUT_S),
        )

    def logout(self, refresh_token: str, timeout: float | None = None) -> None:
        """End this sign-in (its whole token family) on the server."""
        kwargs = {} if timeout is None else {"timeout": timeout}
        self.http.post("/api/auth/logout", json={"refreshToken": refresh_token}, **kwargs)

    # -- the account ---------------------------------------------------------------

    def me(self, timeout: float | None = None) -> Creator:
        kwargs = {} if timeout is None else {"timeout": timeout}
        return cast("Creator", self.http.get("/api/auth/me", **kwargs))

    def set_active_kit(self, kit_id: str | None) -> Creator:
        """Make `kit_id` the account's active brand kit (None: no kit)."""
        body = {"settings": {"activeBrandKitId": kit_id}}
        return cast("Creator", self.http.patch("/api/auth/me", json=body))

    # -- effects -------------------------------------------------------------------

    def effects(self, category: str | None = None) -> list[Effect]:
        params = {"category": category} if category else None
        return cast("list[Effect]", self.http.get("/api/effects", params=params))

    def effect(self, ref: str) -> Effect:
        """One effect by slug or id."""
        return cast("Effect", self.http.get(f"/api/effects/{ref}"))

    def create_effect(self, draft: EffectDraft) -> Effect:
        return cast("Effect", self.http.post("/api/effects", json=draft))

    def update_effect(self, ref: str, changes: EffectChanges) -> Effect:
        """Change the fields given of one of the creator's own effects (slug or id)."""
        return cast("Effect", self.http.patch(f"/api/effects/{ref}", json=changes))

    def set_effect_key(self, ref: str, key: int | None) -> EffectKey:
        """Give the effect (slug or id, built-ins too) number key `key`, moving it from
        the effect that holds it; None frees its key."""
        return cast("EffectKey", self.http.put(f"/api/effects/{ref}/key", json={"key": key}))

    def upload_effect(self, content: Iterable[bytes], content_type: str) -> Effect:
        """POST a multipart body as it is produced (see `uploads.py`), without a time limit.

        The token is refreshed first when it is close to expiry: a body that
        streams from a generator cannot be sent a second time after a 401.
        """
        self.http.ensure_fresh_token()
        return cast(
            "Effect",
            self.http.post(
                "/api/effects/upload",
                content=content,
                headers={"Content-Type": content_type},
                timeout=None,
            ),
        )

    def delete_effect(self, effect_id: str) -> None:
        self.http.delete(f"/api/effects/{effect_id}")

    def trigger(
        self,
        effect: str,
        *,
        session_id: str | None = None,
        params: Mapping[str, Any] | None = None,
        source: str = "api",
    ) -> Triggered:
        """Fire `effect` (slug or id) in `session_id`, default the live session.

        The server records it and answers with the render to draw (docs/RENDER.md),
        and the agent that draws it, if one is connected (docs/AGENT.md).
        """
        body: dict[str, Any] = {"effectId": effect, "source": source}
        if session_id:
            body["sessionId"] = session_id
        if params:
            body["params"] = dict(params)
        return cast("Triggered", self.http.post("/api/effects/trigger", json=body))

    def report_delivery(
        self,
        activation_id: str,
        status: str,
        *,
        reason: str | None = None,
        drawn_at: str | None = None,
        timeout: float | None = None,
    ) -> Activation:
        """Record what became of an activation this process drew itself (docs/AGENT.md
        "Delivery record"): shown, hidden, failed or skipped, once. `drawn_at` (ISO 8601)
        is when OBS confirmed the start, for shown and hidden only."""
        body: dict[str, Any] = {"status": status}
        if reason:
            body["reason"] = reason
        if drawn_at:
            body["drawnAt"] = drawn_at
        kwargs = {} if timeout is None else {"timeout": timeout}
        return cast(
            "Activation",
            self.http.post(f"/api/activations/{activation_id}/delivery", json=body, **kwargs),
        )

    def effect_renders(self) -> dict[str, Any]:
        """Every effect this creator can fire and its render right now (the agent's cache)."""
        return cast("dict[str, Any]", self.http.get("/api/effects/renders"))

    def preview(
        self, ref: str, params: Mapping[str, Any] | None = None, kit_id: str | None = None
    ) -> Preview:
        """The render `ref` (slug or id) would get with these params and kit; records nothing."""
        body: PreviewDraft = {"params": dict(params or {})}
        if kit_id is not None:
            body["brandKitId"] = kit_id
        return cast("Preview", self.http.post(f"/api/effects/{ref}/preview", json=body))

    def replay_trigger(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Send one fire the agent journaled while the server was down (docs/AGENT.md).

        Returns (HTTP status, answer) instead of raising for a refusal: the agent
        decides what a refusal means for its journal. Raises ServerUnreachable.
        """
        response = self.http.raw("POST", "/api/effects/trigger", json=body)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return response.status_code, answer if isinstance(answer, dict) else {}

    def activation(self, activation_id: str) -> Activation:
        """One activation with its delivery (docs/AGENT.md "Delivery record")."""
        return cast("Activation", self.http.get(f"/api/activations/{activation_id}"))

    def replay(self, activation_id: str) -> Triggered:
        """Fire an earlier activation again: the same effect and params, in the live session,
        as a new activation with source `replay` (docs/EFFECTS.md "History")."""
        return cast("Triggered", self.http.post(f"/api/activations/{activation_id}/replay"))

    def session_activations(
        self,
        session_id: str,
        *,
        after: str | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> ActivationPage:
        """One page of a session's history, oldest first unless `newest_first`; its `next`
        goes back as `after` for the page that follows."""
        params: dict[str, Any] = {}
        if after:
            params["after"] = after
        if limit is not None:
            params["limit"] = limit
        if newest_first:
            params["order"] = "newest"
        return cast(
            "ActivationPage",
            self.http.get(f"/api/sessions/{session_id}/activations", params=params or None),
        )

    def download_asset(self, sha256: str, write: Callable[[bytes], object]) -> None:
        """Hand an uploaded file's bytes to `write` as they arrive."""
        self.http.download(f"/api/assets/{sha256}", write)

    # -- brand kits ----------------------------------------------------------------

    def brand_kits(self) -> list[BrandKit]:
        return cast("list[BrandKit]", self.http.get("/api/brand-kit"))

    def brand_kit(self, kit_id: str) -> BrandKit:
        return cast("BrandKit", self.http.get(f"/api/brand-kit/{kit_id}"))

    def create_brand_kit(self, body: Mapping[str, Any]) -> BrandKit:
        return cast("BrandKit", self.http.post("/api/brand-kit", json=dict(body)))

    def update_brand_kit(self, kit_id: str, changes: Mapping[str, Any]) -> BrandKit:
        """Change only the fields given (nested colours and fonts one by one)."""
        return cast("BrandKit", self.http.put(f"/api/brand-kit/{kit_id}", json=dict(changes)))

    def delete_brand_kit(self, kit_id: str) -> None:
        self.http.delete(f"/api/brand-kit/{kit_id}")

    # -- sessions ------------------------------------------------------------------

    def sessions(self, status: str | None = None, limit: int | None = None) -> list[Session]:
        """Newest first; `status` is active, paused, ended or live (active or paused)."""
        params: dict[str, Any] = {}
        if status:
            params["status"] = status
        if limit is not None:
            params["limit"] = limit
        return cast("list[Session]", self.http.get("/api/sessions", params=params or None))

    def live_session(self) -> Session | None:
        """The session that has not ended (there is at most one), or None."""
        found = self.sessions("live", limit=1)
        return found[0] if found else None

    def require_live_session(self) -> Session:
        """The live session; NoLiveSession (with how to start one) when there is none."""
        live = self.live_session()
        if live is None:
            raise NoLiveSession()
        return live

    def session_status(self, session_id: str) -> Session:
        """Status, live duration and metrics of one session."""
        return cast("Session", self.http.get(f"/api/sessions/{session_id}/status"))

    def session_report(self, session_id: str) -> SessionReport:
        """Live and paused time, counts, delivery and a 10-minute timeline of one session."""
        return cast("SessionReport", self.http.get(f"/api/sessions/{session_id}/report"))

    def start_session(
        self, platform: str, brand_kit_id: str | None = None, title: str | None = None
    ) -> Session:
        body: dict[str, Any] = {"platform": platform}
        if brand_kit_id:
            body["brandKitId"] = brand_kit_id
        if title:
            body["title"] = title
        return cast("Session", self.http.post("/api/sessions/start", json=body))

    def session_action(self, action: SessionAction, session_id: str) -> Session:
        """Pause, resume or end a session."""
        return cast(
            "Session", self.http.post(f"/api/sessions/{action}", json={"sessionId": session_id})
        )

    def delete_session(self, session_id: str) -> SessionDeleted:
        """Delete an ended session and its activations (409 for a live or paused one)."""
        return cast("SessionDeleted", self.http.delete(f"/api/sessions/{session_id}"))

    # -- the creator's data (docs/EXPORT.md) -----------------------------------------

    def download_export(self, write: Callable[[bytes], object]) -> None:
        """Hand the signed-in creator's export to `write` as the server writes it."""
        self.http.download("/api/export", write)

    def import_part(self, part: Mapping[str, Any], *, dry_run: bool = False) -> ImportResult:
        """Import an export, or a part of one, in one transaction; `dry_run` only counts."""
        params = {"dryRun": "true"} if dry_run else None
        return cast("ImportResult", self.http.post("/api/import", json=dict(part), params=params))

    # -- rules (docs/RULES.md) --------------------------------------------------------

    def rules(self) -> list[Rule]:
        """The creator's rules, oldest first, each with its last firing and refusal."""
        return cast("list[Rule]", self.http.get("/api/rules"))

    def rule(self, rule_id: str) -> Rule:
        return cast("Rule", self.http.get(f"/api/rules/{rule_id}"))

    def create_rule(self, draft: RuleDraft) -> RuleCreated:
        """A new rule; a webhook rule's answer holds its secret, shown this once."""
        return cast("RuleCreated", self.http.post("/api/rules", json=dict(draft)))

    def update_rule(self, rule_id: str, changes: Mapping[str, Any]) -> Rule:
        """Change only the fields given (`enabled` switches it on or off)."""
        return cast("Rule", self.http.put(f"/api/rules/{rule_id}", json=dict(changes)))

    def delete_rule(self, rule_id: str) -> None:
        self.http.delete(f"/api/rules/{rule_id}")

    def rotate_hook_secret(self, rule_id: str) -> HookSecret:
        """A webhook rule's new secret (the old one stops working at once)."""
        return cast("HookSecret", self.http.post(f"/api/rules/{rule_id}/rotate-secret"))

    # -- the overlay page ----------------------------------------------------------

    def rotate_overlay_key(self) -> OverlayKey:
        return cast("OverlayKey", self.http.post("/api/overlay/key"))

    def clear_overlay(self) -> None:
        """Empty every open overlay page: effects on screen and everything queued."""
        self.http.post("/api/overlay/clear")

    # -- the OBS agents --------------------------------------------------------------

    def agents(self) -> list[AgentHolder]:
        """The agents drawing now, one per OBS target (docs/AGENT.md "Lease")."""
        return cast("list[AgentHolder]", self.http.get("/api/agents"))
