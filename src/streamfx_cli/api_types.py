"""What the StreamFX API answers, as the CLI reads it: one TypedDict per JSON shape.

They are plain dicts at run time (the decoded JSON, unchanged), so `--json`
output is exactly what the server sent and the panel keeps reading them with
`[...]` and `.get`; the names only tell a reader and a type checker which
fields are there. Field names are the wire's camelCase. The server's models
(streamfx_server) are the source of truth; docs/RENDER.md describes `render`.

Standard library only: `streamfx fire` imports this on the hotkey path.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

SessionAction = Literal["pause", "resume", "end"]


class Health(TypedDict):
    """`GET /api/health`."""

    status: str  # "ok"
    version: str
    name: str
    hasOwner: NotRequired[bool]  # absent on servers older than the field


class Creator(TypedDict):
    """An account: `GET /api/auth/me`, `POST /api/auth/register`, a login's `creator`."""

    id: str
    email: str
    displayName: str
    role: str  # owner | member
    tier: str  # free | creator | professional | enterprise
    settings: dict[str, Any]  # e.g. activeBrandKitId
    createdAt: str
    updatedAt: str


class LoginResult(TypedDict):
    """`POST /api/auth/login`: a token pair and the account it signs in."""

    accessToken: str
    refreshToken: str
    tokenType: str
    expiresIn: int
    creator: Creator


class Asset(TypedDict):
    sha256: str
    contentType: str
    size: NotRequired[int]
    url: str


class Effect(TypedDict):
    """One effect of the catalogue (built-in or the creator's own)."""

    id: str
    slug: str
    name: str
    category: str
    kind: str
    params: dict[str, Any]
    durationMs: int
    cooldownMs: int
    # What it does when its lane is busy, and how late it may still be drawn
    # (docs/AGENT.md "Lanes"); absent on servers older than the fields.
    queueMode: NotRequired[str]  # queue | replace | skip
    maxDelayMs: NotRequired[int]
    builtIn: bool
    # The panel's number key (1-9) that fires it, None without one (docs/PANEL.md
    # "Keys"); absent on servers older than keys.
    key: NotRequired[int | None]
    asset: NotRequired[Asset | None]
    createdAt: str


class EffectKey(TypedDict):
    """The answer of `PUT /api/effects/{id}/key`: the effect, and the one that held the
    key until now (it has none now), if any."""

    effect: Effect
    movedFrom: NotRequired[Effect | None]


class EffectDraft(TypedDict):
    """The body of `POST /api/effects` (an effect made from a kind, no file)."""

    name: str
    kind: str
    category: str
    durationMs: int
    cooldownMs: int
    params: dict[str, Any]
    queueMode: NotRequired[str]
    maxDelayMs: NotRequired[int]


class EffectChanges(TypedDict, total=False):
    """The body of `PATCH /api/effects/{id}`: only the fields to change."""

    name: str
    params: dict[str, Any]
    durationMs: int
    cooldownMs: int
    queueMode: str
    maxDelayMs: int


class Palette(TypedDict):
    primary: str
    secondary: str
    accent: str
    background: str
    text: str


class Typography(TypedDict):
    headingFont: str
    bodyFont: str
    baseSize: int


class BrandKit(TypedDict):
    id: str
    name: str
    colorPalette: Palette
    typography: Typography
    motionIntensity: int
    allowedCategories: list[str]
    createdAt: str
    updatedAt: str


class Metrics(TypedDict):
    effectsTriggered: int
    byEffect: dict[str, int]
    byCategory: dict[str, int]
    lastTriggeredAt: str | None


class Session(TypedDict):
    """A stream session; `status` is active, paused or ended ("live": not ended)."""

    id: str
    platform: str
    status: str
    brandKitId: str | None
    title: str | None
    startTime: str
    endTime: str | None
    pausedAt: str | None
    liveDurationSeconds: float
    metrics: Metrics


class PausedSpan(TypedDict):
    start: str
    end: str | None  # None: paused now


class Latency(TypedDict):
    """Nearest-rank percentiles, ms, over delivered activations; None when there are none."""

    p50: int | None
    p95: int | None
    max: int | None


class ReportBucket(TypedDict):
    start: str  # covers [start, start + bucketSeconds)
    total: int
    byCategory: dict[str, int]
    byDelivery: dict[str, int]


class SessionReport(TypedDict):
    """`GET /api/sessions/{id}/report` (docs/REPORTS.md)."""

    sessionId: str
    title: str | None
    platform: str
    status: str
    startTime: str
    endTime: str | None
    until: str  # endTime, or the moment of the report while live
    liveSeconds: float
    pausedSeconds: float
    unplacedPausedSeconds: float  # paused before pauses were recorded one by one
    pausedSpans: list[PausedSpan]
    total: int
    byEffect: dict[str, int]
    byCategory: dict[str, int]
    bySource: dict[str, int]
    byDelivery: dict[str, int]
    deliveryRate: float | None
    latencyMs: Latency
    bucketSeconds: int
    buckets: list[ReportBucket]
    colors: Palette  # the session's brand kit palette


class SessionDeleted(TypedDict):
    """`DELETE /api/sessions/{id}`: an ended session, gone with its activations."""

    sessionId: str
    activationsDeleted: int


class Delivery(TypedDict):
    """What viewers saw of an activation (docs/AGENT.md "Delivery record")."""

    status: str  # pending, shown, hidden, failed, expired, skipped, overlay
    reason: str | None
    agentId: str | None
    drawnAt: str | None
    latencyMs: int | None


class Activation(TypedDict):
    """`POST /api/effects/trigger`: one recorded firing and what to draw for it."""

    id: str
    effectId: str
    sessionId: str
    triggeredAt: str
    source: str
    # The rule that fired it (source `rule`, docs/RULES.md); absent on older servers.
    ruleId: NotRequired[str | None]
    # The effect resolved against the brand kit: `kind`, `effect`, `durationMs`,
    # colours, font, and the kind's own fields (docs/RENDER.md). Kept a plain
    # mapping: its shape depends on the kind, and only `obs/` draws it.
    render: dict[str, Any]
    delivery: NotRequired[Delivery]  # absent on servers older than the field


class ActivationPage(TypedDict):
    """`GET /api/sessions/{id}/activations`, `GET /api/activations`: one page of the history
    (docs/EFFECTS.md "History")."""

    activations: list[Activation]
    next: str | None  # pass as `after` for the next page; None: this page reached the end


class AgentRef(TypedDict):
    """The agent holding a drawing lease (docs/AGENT.md "Lease")."""

    agentId: str
    target: str  # the OBS it draws in, host:port


class AgentHolder(AgentRef):
    """`GET /api/agents`: one per OBS target, the oldest holding first."""

    since: str


class Triggered(Activation):
    """`POST /api/effects/trigger`: the new activation, and the agent that draws it."""

    agent: NotRequired[AgentRef | None]  # absent on servers older than the field


class RuleLastFired(TypedDict):
    """A rule's last firing: when, its activation, and that activation's delivery now."""

    at: str
    activationId: str
    delivery: Delivery | None  # None: deleted with its session


class RuleLastRefused(TypedDict):
    """The last time a rule did not fire, and why (docs/RULES.md "Why a rule did not fire")."""

    at: str
    code: str  # no_live_session, session_paused, cooldown, rule_cooldown, tier_limit, ...
    reason: str


class Rule(TypedDict):
    """`GET /api/rules`, `GET|PUT /api/rules/{id}` (docs/RULES.md)."""

    id: str
    name: str
    enabled: bool
    # {"type": "timer", "everySeconds", "offsetSeconds"}, {"type": "session", "on"},
    # {"type": "obs", "event", "scene"?, "input"?} or {"type": "webhook"}
    trigger: dict[str, Any]
    effectId: str
    effectSlug: str
    params: dict[str, Any]
    liveOnly: bool
    cooldownMs: int
    hookId: str | None
    hookPath: str | None  # POST here to call a webhook rule
    lastFired: RuleLastFired | None
    lastRefused: RuleLastRefused | None
    createdAt: str
    updatedAt: str


class RuleCreated(Rule):
    """`POST /api/rules`: the new rule, and a webhook rule's secret (shown this once)."""

    secret: str | None


class RuleDraft(TypedDict):
    """The body of `POST /api/rules`."""

    name: str
    enabled: NotRequired[bool]
    trigger: dict[str, Any]
    effectId: str
    params: NotRequired[dict[str, Any]]
    liveOnly: NotRequired[bool]
    cooldownMs: NotRequired[int]


class HookSecret(TypedDict):
    """`POST /api/rules/{id}/rotate-secret`: a webhook rule's new secret, shown this once."""

    ruleId: str
    hookId: str
    hookPath: str
    secret: str


class HookAccepted(TypedDict):
    """`POST /api/hooks/{hookId}` (202): the activation a webhook call made."""

    activationId: str
    ruleId: str
    sessionId: str


class CachedEffect(TypedDict):
    """One effect of `GET /api/effects/renders`: what the agent needs beside its render."""

    id: str
    slug: str
    name: str
    kind: str
    cooldownMs: int
    queueMode: str
    maxDelayMs: int


class Renders(TypedDict):
    """`GET /api/effects/renders`: every effect's render if fired now, for the agent's cache
    (docs/AGENT.md "The local socket and server-down fires")."""

    renders: dict[str, dict[str, Any]]  # effect id -> render (docs/RENDER.md)
    activeBrandKitId: str | None  # the kit the renders use; None: the defaults
    effects: list[CachedEffect]


class PreviewDraft(TypedDict):
    """The body of `POST /api/effects/{id}/preview`."""

    params: NotRequired[dict[str, Any]]  # checked like a trigger's
    brandKitId: NotRequired[str | None]  # omitted: the kit a trigger would use now


class Preview(TypedDict):
    """`POST /api/effects/{id}/preview`: a render that records nothing (`streamfx preview`)."""

    render: dict[str, Any]  # docs/RENDER.md
    brandKitId: str | None  # the kit it used; None: the defaults


class OverlayKey(TypedDict):
    """`POST /api/overlay/key`: shown once; the previous key stops working."""

    key: str
    url: str
    replaced: bool  # an earlier key existed (and now stops working)


class ImportCounts(TypedDict):
    created: int  # new here
    matched: int  # already here (by id; kits and effects also by name)
    skipped: int  # not imported; the notes say why


class ImportResult(TypedDict):
    """`POST /api/import`: what one part of an export did (docs/EXPORT.md "Import")."""

    dryRun: bool
    brandKits: ImportCounts
    effects: ImportCounts
    sessions: ImportCounts
    activations: ImportCounts
    notes: list[str]
