"""Rules (DESIGN.md section 14, docs/RULES.md): the API's models, their checks and the SQL.

A rule fires an effect when its trigger happens (rule_triggers.py), with params whose
`{field}` placeholders are filled from the trigger's fields; the firing itself is
rule_firing.py's, through the trigger's one path (triggering.py).

Saving a rule checks everything that can be known then, and answers every problem at
once in one 422 (`details`, one entry per field): the effect (the creator's own or a
built-in), the trigger, each placeholder against the fields the trigger provides, and
the params against the effect's own parameters (effect_params.py), with the
placeholders filled by sample values. A webhook's fields are whatever its caller
sends, so its placeholders are checked when it is called.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic.alias_generators import to_camel

from streamfx_wire.names import quoted

from . import effects, rule_timers
from .activations import DeliveryOut, delivery_of
from .effect_params import ParamsError, at_trigger
from .errors import APIError, not_found
from .identity import Creator
from .infra.ids import iso, new_id
from .rule_triggers import (
    Trigger,
    WebhookTrigger,
    fill,
    placeholders,
    sample_fields,
    whole_placeholder_keys,
)
from .schemas import ApiModel, PartialUpdate
from .tiers import check_rule_room, limits_for
from .webhooks import HookSecrets, hook_path, new_hook_id, new_salt

MAX_COOLDOWN_MS = effects.MAX_COOLDOWN_MS


def _check_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


RuleName = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_name)]
EffectRef = Annotated[str, Field(min_length=1, max_length=100, description="Id or slug.")]
RuleCooldown = Annotated[
    int,
    Field(ge=0, le=MAX_COOLDOWN_MS, description="The rule's own: least time between two firings."),
]
Params = Annotated[
    dict[str, Any],
    Field(
        max_length=64,
        description="Given to the effect when it fires; `{field}` placeholders are filled "
        "from the trigger's fields (docs/RULES.md).",
    ),
]


class RuleCreate(ApiModel):
    name: RuleName
    enabled: bool = True
    trigger: Trigger
    effect_id: EffectRef
    params: Params = Field(default_factory=dict)
    live_only: bool = Field(
        default=True,
        description="Fire only while a session is live and not paused (docs/RULES.md).",
    )
    cooldown_ms: RuleCooldown = 0


class RuleUpdate(PartialUpdate):
    """`PUT /api/rules/{id}`: only the fields given change; at least one, none null. The
    trigger may change but not its type (a webhook's hook id and secret are its own)."""

    name: RuleName | None = None
    enabled: bool | None = None
    trigger: Trigger | None = None
    effect_id: EffectRef | None = None
    params: Params | None = None
    live_only: bool | None = None
    cooldown_ms: RuleCooldown | None = None


class LastFired(ApiModel):
    at: str
    activation_id: str
    delivery: DeliveryOut | None = Field(
        description="The activation's delivery now (docs/AGENT.md); null if it was deleted "
        "with its session."
    )


class LastRefused(ApiModel):
    at: str
    code: str = Field(
        description="Why it did not fire: no_live_session, session_paused, cooldown, "
        "rule_cooldown, category_not_allowed, tier_limit, missing_field, invalid_params, …"
    )
    reason: str


class RuleOut(ApiModel):
    id: str
    name: str
    enabled: bool
    trigger: Trigger
    effect_id: str
    effect_slug: str
    params: dict[str, Any]
    live_only: bool
    cooldown_ms: int
    hook_id: str | None = Field(description="Webhook rules: POST /api/hooks/{hookId}.")
    hook_path: str | None
    last_fired: LastFired | None = Field(description="Its last firing.")
    last_refused: LastRefused | None = Field(description="The last time it did not fire.")
    created_at: str
    updated_at: str


class RuleCreated(RuleOut):
    secret: str | None = Field(
        description="Webhook rules: the hook's signing secret, shown this once "
        "(`POST /api/rules/{id}/rotate-secret` makes a new one)."
    )


class HookSecretOut(ApiModel):
    rule_id: str
    hook_id: str
    hook_path: str
    secret: str = Field(description="Shown this once; the previous secret stops working.")


_SELECT = (
    "SELECT r.*, e.slug AS effect_slug, a.delivery_status, a.delivery_reason, "
    "a.delivery_agent_id, a.drawn_at, a.latency_ms "
    "FROM rules r JOIN effects e ON e.id = r.effect_id "
    "LEFT JOIN effect_activations a ON a.id = r.last_activation_id "
)


def rule_out(row: sqlite3.Row) -> RuleOut:
    last_fired = None
    if row["last_activation_id"] is not None:
        last_fired = LastFired(
            at=row["last_fired_at"],
            activation_id=row["last_activation_id"],
            delivery=None if row["delivery_status"] is None else delivery_of(row),
        )
    last_refused = None
    if row["last_refused_at"] is not None:
        last_refused = LastRefused(
            at=row["last_refused_at"],
            code=row["last_refused_code"],
            reason=row["last_refused_reason"],
        )
    return RuleOut.model_validate(
        {
            "id": row["id"],
            "name": row["name"],
            "enabled": bool(row["enabled"]),
            "trigger": json.loads(row["trigger"]),
            "effectId": row["effect_id"],
            "effectSlug": row["effect_slug"],
            "params": json.loads(row["params"]),
            "liveOnly": bool(row["live_only"]),
            "cooldownMs": row["cooldown_ms"],
            "hookId": row["hook_id"],
            "hookPath": None if row["hook_id"] is None else hook_path(row["hook_id"]),
            "lastFired": last_fired,
            "lastRefused": last_refused,
            "createdAt": row["created_at"],
            "updatedAt": row["updated_at"],
        }
    )


def listing(conn: sqlite3.Connection, creator_id: str) -> list[RuleOut]:
    rows = conn.execute(
        _SELECT + "WHERE r.creator_id = ? ORDER BY r.created_at, r.id", (creator_id,)
    ).fetchall()
    return [rule_out(row) for row in rows]


def fetch(conn: sqlite3.Connection, creator_id: str, rule_id: str) -> sqlite3.Row:
    """The creator's own rule; 404 for anyone else's, as for one that does not exist."""
    row = conn.execute(
        _SELECT + "WHERE r.id = ? AND r.creator_id = ?", (rule_id, creator_id)
    ).fetchone()
    if row is None:
        raise not_found("rule")
    return row


def by_hook(conn: sqlite3.Connection, hook_id: str) -> sqlite3.Row | None:
    """The enabled webhook rule of `hook_id`; None for an unknown hook or a disabled rule
    (the same answer to a caller, docs/RULES.md)."""
    return conn.execute(
        "SELECT * FROM rules WHERE hook_id = ? AND enabled = 1 AND trigger_type = 'webhook'",
        (hook_id,),
    ).fetchone()


def count_own(conn: sqlite3.Connection, creator_id: str) -> int:
    row = conn.execute("SELECT COUNT(*) FROM rules WHERE creator_id = ?", (creator_id,)).fetchone()
    return int(row[0])


def over_tier_limit(
    conn: sqlite3.Connection, creator_id: str, tier: str, rule_id: str
) -> int | None:
    """The tier's rule limit if this rule is beyond it (the oldest rules within the limit
    fire; a creator moved to a lower tier keeps the others but they do not); else None."""
    limit = limits_for(tier).rules
    if limit is None:
        return None
    (older,) = conn.execute(
        "SELECT COUNT(*) FROM rules WHERE creator_id = ? AND (created_at, id) < "
        "(SELECT created_at, id FROM rules WHERE id = ?)",
        (creator_id, rule_id),
    ).fetchone()
    return limit if older >= limit else None


# -- checks ------------------------------------------------------------------------------


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _trigger_words(trigger: Any) -> str:
    article = "an" if trigger.type[0] in "aeiou" else "a"  # "an obs trigger"
    return f"{article} {trigger.type} trigger"


def check(
    conn: sqlite3.Connection, creator_id: str, trigger: Any, effect_ref: str, params: dict[str, Any]
) -> sqlite3.Row:
    """The effect the rule fires (its row), once the effect, the placeholders and the
    params are known to be good; else one 422 listing every problem."""
    problems: list[dict[str, str]] = []
    effect = effects.find(conn, creator_id, effect_ref)
    if effect is None:
        close = effects.close_slugs(conn, creator_id, effect_ref)
        problems.append(
            _problem(
                "effectId",
                "no effect with that id or slug among yours and the built-ins"
                + (f" (did you mean {quoted(close)}?)" if close else ""),
            )
        )
    provided = sample_fields(trigger)
    if provided is not None:
        offered = ", ".join(sorted(provided)) or "nothing"
        problems += [
            _problem(
                p.where,
                f"{{{p.field}}} is not a field {_trigger_words(trigger)} provides; "
                f"it provides {offered}",
            )
            for p in placeholders(params)
            if p.field not in provided
        ]
    if effect is not None and not problems:
        problems += _params_problems(effect, trigger, params)
    if problems:
        first = problems[0]
        raise APIError(
            422,
            "validation_error",
            f"Invalid {first['field']}: {first['message']}.",
            details=problems,
            hint="Fix the fields listed in details and try again; docs/RULES.md lists what "
            "each trigger provides.",
        )
    assert effect is not None
    return effect


def _params_problems(
    effect: sqlite3.Row, trigger: Any, params: dict[str, Any]
) -> list[dict[str, str]]:
    """The effect's own parameter check (effect_params.py) of the params with their
    placeholders filled by the trigger's sample values. A webhook's fields are unknown
    until it is called: a value that is one placeholder is left out (and its absence
    not held against it), one inside text becomes a sample word."""
    provided = sample_fields(trigger)
    left_out: set[str] = set()
    if provided is None:
        left_out = whole_placeholder_keys(params)
        given = {k: v for k, v in params.items() if k not in left_out}
        provided = {p.field: "sample" for p in placeholders(given)}
    else:
        given = params
    filled = fill(given, provided)
    try:
        at_trigger(effect["kind"], json.loads(effect["params"]), filled)
    except ParamsError as exc:
        skip = _aliases(left_out)
        return [
            d for d in exc.details if d["field"].removeprefix("params.").split(".")[0] not in skip
        ]
    return []


def _aliases(keys: set[str]) -> set[str]:
    """A params key as the effect's model may name it back (snake_case or camelCase)."""
    return {*keys, *(to_camel(k) for k in keys)}


# -- writes ------------------------------------------------------------------------------


def add(
    conn: sqlite3.Connection,
    creator: Creator,
    draft: RuleCreate,
    hook_secrets: HookSecrets,
    at: datetime,
) -> RuleCreated:
    """A new rule; a webhook rule's secret is in the answer, and only there."""
    effect = check(conn, creator.id, draft.trigger, draft.effect_id, draft.params)
    check_rule_room(creator.tier, count_own(conn, creator.id))
    rule_id = new_id("rl")
    stamp = iso(at)
    hook_id = salt = None
    if isinstance(draft.trigger, WebhookTrigger):
        hook_id, salt = new_hook_id(), new_salt()
    conn.execute(
        "INSERT INTO rules (id, creator_id, name, enabled, trigger_type, trigger, effect_id, "
        "params, live_only, cooldown_ms, hook_id, secret_salt, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            rule_id,
            creator.id,
            draft.name,
            int(draft.enabled),
            draft.trigger.type,
            _trigger_json(draft.trigger),
            effect["id"],
            json.dumps(draft.params, separators=(",", ":")),
            int(draft.live_only),
            draft.cooldown_ms,
            hook_id,
            salt,
            stamp,
            stamp,
        ),
    )
    if draft.enabled:
        rule_timers.place(conn, creator.id, rule_id, draft.trigger, at)
    out = rule_out(fetch(conn, creator.id, rule_id))
    secret = None if hook_id is None or salt is None else hook_secrets.secret(hook_id, salt)
    return RuleCreated(**out.model_dump(), secret=secret)


def _trigger_json(trigger: Any) -> str:
    return str(trigger.model_dump_json(by_alias=True, exclude_none=True))


def update(
    conn: sqlite3.Connection, creator_id: str, rule_id: str, changes: RuleUpdate, at: datetime
) -> RuleOut:
    """Change the fields given; the result is checked as a new rule would be."""
    row = fetch(conn, creator_id, rule_id)
    current = rule_out(row)
    trigger = changes.trigger if changes.trigger is not None else current.trigger
    if trigger.type != current.trigger.type:
        message = (
            f"A rule's trigger type cannot change (this one is {current.trigger.type}); "
            "create a new rule instead"
        )
        raise APIError(
            422,
            "validation_error",
            f"Invalid trigger.type: {message}.",
            details=[_problem("trigger.type", message)],
            hint="Delete this rule and create one with the trigger you want.",
        )
    effect_ref = changes.effect_id if changes.effect_id is not None else current.effect_id
    params = changes.params if changes.params is not None else current.params
    effect = check(conn, creator_id, trigger, effect_ref, params)
    enabled = changes.enabled if changes.enabled is not None else current.enabled
    live_only = changes.live_only if changes.live_only is not None else current.live_only
    cooldown = changes.cooldown_ms if changes.cooldown_ms is not None else current.cooldown_ms
    conn.execute(
        "UPDATE rules SET name = ?, enabled = ?, trigger = ?, effect_id = ?, params = ?, "
        "live_only = ?, cooldown_ms = ?, updated_at = ? WHERE id = ?",
        (
            changes.name if changes.name is not None else current.name,
            int(enabled),
            _trigger_json(trigger),
            effect["id"],
            json.dumps(params, separators=(",", ":")),
            int(live_only),
            cooldown,
            iso(at),
            rule_id,
        ),
    )
    # A timer changed, or switched on again, takes its place on the session's grid anew.
    if enabled and (changes.trigger is not None or not current.enabled):
        rule_timers.place(conn, creator_id, rule_id, trigger, at)
    return rule_out(fetch(conn, creator_id, rule_id))


def remove(conn: sqlite3.Connection, creator_id: str, rule_id: str) -> None:
    """Delete the creator's rule; its hook stops answering at once. Activations it fired
    keep its id (a label, migrations m011)."""
    row = fetch(conn, creator_id, rule_id)
    conn.execute("DELETE FROM rules WHERE id = ?", (rule_id,))
    if row["hook_id"] is not None:
        conn.execute("DELETE FROM hook_deliveries WHERE hook_id = ?", (row["hook_id"],))


def rotate_secret(
    conn: sqlite3.Connection, creator_id: str, rule_id: str, hook_secrets: HookSecrets, at: datetime
) -> HookSecretOut:
    """A new secret for a webhook rule (a new salt); the previous one stops working at once.
    The hook id stays, so the caller only needs the new secret."""
    row = fetch(conn, creator_id, rule_id)
    if row["hook_id"] is None:
        raise APIError(
            409,
            "not_a_webhook",
            f"The rule {row['name']!r} has a {row['trigger_type']} trigger, so it has no secret.",
            hint="Only webhook rules have a hook and a secret.",
        )
    salt = new_salt()
    conn.execute(
        "UPDATE rules SET secret_salt = ?, updated_at = ? WHERE id = ?", (salt, iso(at), rule_id)
    )
    return HookSecretOut(
        rule_id=rule_id,
        hook_id=row["hook_id"],
        hook_path=hook_path(row["hook_id"]),
        secret=hook_secrets.secret(row["hook_id"], salt),
    )
