"""The effects catalogue: built-ins (creator_id NULL) plus each creator's own."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from streamfx_wire.kinds import ASSET_KINDS, KIND_SPECS, Kind
from streamfx_wire.names import close_names, did_you_mean
from streamfx_wire.vocabulary import (
    DEFAULT_MAX_DELAY_MS,
    DEFAULT_QUEUE_MODE,
    MAX_MAX_DELAY_MS,
    Category,
    QueueMode,
)

from . import effect_keys, effect_params
from .errors import APIError, not_found
from .infra.ids import iso, new_id
from .render import Asset, Effect
from .schemas import ApiModel, PartialUpdate
from .tiers import check_effect_room

MAX_COOLDOWN_MS = 24 * 3600 * 1000

# The first placeholder is the creator whose key the answer carries (effect_keys.py).
_SELECT = (
    "SELECT e.*, a.sha256 AS asset_sha256, a.content_type AS asset_type, a.size AS asset_size, "
    "k.number AS key_number "
    "FROM effects e LEFT JOIN assets a ON a.id = e.asset_id "
    "LEFT JOIN effect_keys k ON k.effect_id = e.id AND k.creator_id = ? "
)


def slugify(name: str) -> str:
    """`Big Hype!` -> `big-hype`: what `streamfx fire` takes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:48].strip("-")


def _check_name(value: str) -> str:
    value = value.strip()
    if not slugify(value):
        raise ValueError("must contain at least one letter or digit")
    return value


EffectName = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_check_name)]
Duration = Annotated[int, Field(ge=0, le=effect_params.MAX_DURATION_MS)]
Cooldown = Annotated[int, Field(ge=0, le=MAX_COOLDOWN_MS)]
MaxDelay = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_MAX_DELAY_MS,
        description="Older than this when it would be drawn: expired, not drawn late.",
    ),
]


class EffectCreate(ApiModel):
    name: EffectName
    category: Category
    kind: Kind
    params: dict[str, Any] = Field(default_factory=dict)
    duration_ms: Duration | None = Field(default=None, description="Defaults by kind.")
    cooldown_ms: Cooldown = 0
    queue_mode: QueueMode = DEFAULT_QUEUE_MODE
    max_delay_ms: MaxDelay = DEFAULT_MAX_DELAY_MS

    @field_validator("kind")
    @classmethod
    def _no_file_kinds(cls, value: str) -> str:
        if value in ASSET_KINDS:
            raise ValueError(f"{value} effects need a file: use POST /api/effects/upload")
        return value


class EffectUpdate(PartialUpdate):
    """`PATCH /api/effects/{id}`: only the fields given change; at least one, none null."""

    name: EffectName | None = None
    params: dict[str, Any] | None = None
    duration_ms: Duration | None = None
    cooldown_ms: Cooldown | None = None
    queue_mode: QueueMode | None = None
    max_delay_ms: MaxDelay | None = None


class AssetOut(ApiModel):
    sha256: str
    content_type: str
    size: int
    url: str


class EffectOut(ApiModel):
    id: str
    slug: str
    name: str
    category: str
    kind: str
    params: dict[str, Any]
    duration_ms: int
    cooldown_ms: int
    queue_mode: str
    max_delay_ms: int
    built_in: bool
    key: int | None = Field(
        description="The panel's number key (1-9) that fires it; null when it has none "
        '(docs/PANEL.md "Keys").'
    )
    asset: AssetOut | None = None
    created_at: str


def effect_out(row: sqlite3.Row) -> EffectOut:
    asset = None
    if row["asset_sha256"]:
        asset = AssetOut(
            sha256=row["asset_sha256"],
            content_type=row["asset_type"],
            size=row["asset_size"],
            url=f"/api/assets/{row['asset_sha256']}",
        )
    return EffectOut(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        category=row["category"],
        kind=row["kind"],
        params=json.loads(row["params"]),
        duration_ms=row["duration_ms"],
        cooldown_ms=row["cooldown_ms"],
        queue_mode=row["queue_mode"],
        max_delay_ms=row["max_delay_ms"],
        built_in=row["creator_id"] is None,
        key=row["key_number"],
        asset=asset,
        created_at=row["created_at"],
    )


def render_effect(row: sqlite3.Row) -> Effect:
    asset = Asset(row["asset_sha256"], row["asset_type"]) if row["asset_sha256"] else None
    return Effect(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        category=row["category"],
        kind=row["kind"],
        params=json.loads(row["params"]),
        duration_ms=row["duration_ms"],
        asset=asset,
        queue_mode=row["queue_mode"],
        max_delay_ms=row["max_delay_ms"],
    )


def find(conn: sqlite3.Connection, creator_id: str, ref: str) -> sqlite3.Row | None:
    """A built-in or the creator's own effect, by id or by slug."""
    if ref.startswith("fx_"):
        return conn.execute(
            _SELECT + "WHERE e.id = ? AND (e.creator_id = ? OR e.creator_id IS NULL)",
            (creator_id, ref, creator_id),
        ).fetchone()
    # Matches the expression index on (COALESCE(creator_id, ''), slug).
    return conn.execute(
        _SELECT + "WHERE COALESCE(e.creator_id, '') IN (?, '') AND e.slug = ? "
        "ORDER BY e.creator_id IS NULL LIMIT 1",
        (creator_id, creator_id, ref),
    ).fetchone()


def get(conn: sqlite3.Connection, creator_id: str, ref: str) -> sqlite3.Row:
    row = find(conn, creator_id, ref)
    if row is None:
        raise _missing(conn, creator_id, ref)
    return row


def _missing(conn: sqlite3.Connection, creator_id: str, ref: str) -> APIError:
    """404 for an effect that is not there, with the closest slugs (`close_slugs`)."""
    if ref.startswith("fx_"):
        return not_found("effect")
    return APIError(
        404,
        "not_found",
        f'No effect "{ref[:100]}".',
        hint=did_you_mean(ref, _slugs(conn, creator_id), "`streamfx effects list`"),
    )


def close_slugs(conn: sqlite3.Connection, creator_id: str, ref: str) -> list[str]:
    """The slugs that look like `ref` among those this creator can fire (built-ins and
    their own: never another creator's)."""
    return [] if ref.startswith("fx_") else close_names(ref, _slugs(conn, creator_id))


def _slugs(conn: sqlite3.Connection, creator_id: str) -> list[str]:
    return [
        row["slug"]
        for row in conn.execute(
            "SELECT slug FROM effects WHERE COALESCE(creator_id, '') IN (?, '')", (creator_id,)
        )
    ]


def fireable(
    conn: sqlite3.Connection, creator_id: str, category: str | None = None
) -> list[sqlite3.Row]:
    """Every effect the creator can fire: the built-ins, then their own in the order
    they were made; never another creator's."""
    sql = _SELECT + "WHERE (e.creator_id = ? OR e.creator_id IS NULL)"
    args: list[Any] = [creator_id, creator_id]
    if category is not None:
        sql += " AND e.category = ?"
        args.append(category)
    sql += " ORDER BY e.creator_id IS NOT NULL, e.created_at, e.slug"
    return conn.execute(sql, args).fetchall()


def listing(conn: sqlite3.Connection, creator_id: str, category: str | None) -> list[EffectOut]:
    return [effect_out(r) for r in fireable(conn, creator_id, category)]


# Slugs that name a route of their own under GET /api/effects/…: an effect with one
# could not be read by its slug (routes/effects.py).
RESERVED_SLUGS = frozenset({"renders"})


def check_slug_free(conn: sqlite3.Connection, creator_id: str, slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise APIError(
            409,
            "slug_taken",
            f"The name {slug!r} is reserved: GET /api/effects/{slug} is another route.",
            hint="Pick another name.",
            extra={"slug": slug},
        )
    taken = conn.execute(
        "SELECT creator_id FROM effects WHERE COALESCE(creator_id, '') IN (?, '') AND slug = ?",
        (creator_id, slug),
    ).fetchone()
    if taken is not None:
        whose = "a built-in effect" if taken["creator_id"] is None else "one of your effects"
        raise APIError(
            409,
            "slug_taken",
            f"The name {slug!r} is already used by {whose}.",
            hint="Pick another name.",
            extra={"slug": slug},
        )


def count_own(conn: sqlite3.Connection, creator_id: str) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM effects WHERE creator_id = ?", (creator_id,)
    ).fetchone()
    return int(row[0])


@dataclass(frozen=True)
class NewEffect:
    name: str
    category: str
    kind: str
    params: dict[str, Any]
    duration_ms: int | None
    cooldown_ms: int
    asset_id: str | None = None
    queue_mode: str = DEFAULT_QUEUE_MODE
    max_delay_ms: int = DEFAULT_MAX_DELAY_MS

    @property
    def slug(self) -> str:
        return slugify(self.name)


def check_can_add(conn: sqlite3.Connection, creator_id: str, tier: str, slug: str) -> None:
    """403 at the tier's limit, 409 when the slug is taken; run inside the write transaction."""
    check_effect_room(tier, count_own(conn, creator_id))
    check_slug_free(conn, creator_id, slug)


def add(conn: sqlite3.Connection, creator_id: str, tier: str, new: NewEffect) -> EffectOut:
    check_can_add(conn, creator_id, tier, new.slug)
    effect_id = new_id("fx")
    default = KIND_SPECS[new.kind].default_duration_ms
    duration = default if new.duration_ms is None else new.duration_ms
    conn.execute(
        "INSERT INTO effects (id, creator_id, slug, name, category, kind, params, duration_ms, "
        "cooldown_ms, asset_id, queue_mode, max_delay_ms, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            effect_id,
            creator_id,
            new.slug,
            new.name,
            new.category,
            new.kind,
            json.dumps(new.params),
            duration,
            new.cooldown_ms,
            new.asset_id,
            new.queue_mode,
            new.max_delay_ms,
            iso(),
        ),
    )
    effect_keys.give_next(conn, creator_id, effect_id)
    return effect_out(get(conn, creator_id, effect_id))


def _own(conn: sqlite3.Connection, creator_id: str, ref: str, verb: str, hint: str) -> sqlite3.Row:
    """The creator's own effect; 403 for a built-in (shared by everyone), 404 otherwise."""
    row = get(conn, creator_id, ref)
    if row["creator_id"] is None:
        raise APIError(
            403, "built_in", f"{row['name']} is a built-in effect and cannot be {verb}.", hint=hint
        )
    return row


# EffectUpdate's fields and their columns; the name also makes the slug.
_COLUMNS = {
    "params": "params",
    "duration_ms": "duration_ms",
    "cooldown_ms": "cooldown_ms",
    "queue_mode": "queue_mode",
    "max_delay_ms": "max_delay_ms",
}


def update(conn: sqlite3.Connection, creator_id: str, ref: str, changes: EffectUpdate) -> EffectOut:
    """Change the fields given of the creator's own effect. A new name makes a new slug
    (the slug is always the name's), refused with 409 when another effect has it."""
    row = _own(
        conn,
        creator_id,
        ref,
        "changed",
        "Built-ins are shared by everyone on this server: create your own effect "
        "of the same kind (`streamfx effects create`) and change that.",
    )
    values: dict[str, Any] = {}
    for field in changes.model_fields_set:
        value = getattr(changes, field)
        if field == "name":
            slug = slugify(value)
            if slug != row["slug"]:
                check_slug_free(conn, creator_id, slug)
            values["name"], values["slug"] = value, slug
        elif field == "params":
            values["params"] = json.dumps(params_or_422(row["kind"], value))
        else:
            values[_COLUMNS[field]] = value
    # Column names come from the fixed table above, never from the request.
    assignments = ", ".join(f"{column} = ?" for column in values)
    sql = f"UPDATE effects SET {assignments} WHERE id = ?"  # noqa: S608 (columns fixed above)
    conn.execute(sql, (*values.values(), row["id"]))
    return effect_out(get(conn, creator_id, row["id"]))


def remove(conn: sqlite3.Connection, creator_id: str, ref: str) -> sqlite3.Row:
    """Delete the creator's own effect; returns its row (for the asset it used)."""
    row = _own(conn, creator_id, ref, "deleted", "Built-ins are shared by everyone on this server.")
    # A rule that fires it would go with it (migrations m011): say so instead.
    rule = conn.execute(
        "SELECT id, name FROM rules WHERE effect_id = ? ORDER BY created_at LIMIT 1", (row["id"],)
    ).fetchone()
    if rule is not None:
        raise APIError(
            409,
            "effect_in_use",
            f"{row['name']} is fired by the rule {rule['name']!r}, so it cannot be deleted.",
            hint=f"Delete the rule (`streamfx rules delete {rule['id']}`) or point it at "
            "another effect first.",
            extra={"ruleId": rule["id"]},
        )
    conn.execute("DELETE FROM effects WHERE id = ?", (row["id"],))
    return row


def params_or_422(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return effect_params.normalize(kind, params)
    except effect_params.ParamsError as exc:
        raise APIError(
            422,
            "invalid_params",
            str(exc),
            details=exc.details,
            hint="See docs/EFFECTS.md for each kind's parameters.",
        ) from None


class EffectKeyIn(ApiModel):
    """`PUT /api/effects/{id}/key`: the number key to give the effect, or null to free it."""

    key: (
        Annotated[int, Field(strict=True, ge=effect_keys.FIRST_KEY, le=effect_keys.LAST_KEY)] | None
    ) = Field(description="1-9; null frees the effect's key.")


class EffectKeyOut(ApiModel):
    effect: EffectOut
    moved_from: EffectOut | None = Field(
        default=None, description="The effect that held the key until now; it has none now."
    )


def set_key(conn: sqlite3.Connection, creator_id: str, ref: str, key: int | None) -> EffectKeyOut:
    """Give the effect (a built-in or the creator's own) a number key, or free its key."""
    row = get(conn, creator_id, ref)
    change = effect_keys.assign(conn, creator_id, row["id"], key)
    moved = None
    if change.moved_from is not None:
        moved = effect_out(get(conn, creator_id, change.moved_from))
    return EffectKeyOut(effect=effect_out(get(conn, creator_id, row["id"])), moved_from=moved)


def updated_event(effect: EffectOut, deleted: bool = False) -> dict[str, Any]:
    """The `effect.updated` message the creator's panels get (created, changed, a key
    given or taken, deleted); never sent to overlay pages (event_log.CONTROL_ONLY)."""
    message: dict[str, Any] = {"type": "effect.updated", "effect": effect.model_dump(by_alias=True)}
    if deleted:
        message["deleted"] = True
    return message
