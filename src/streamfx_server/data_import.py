"""`POST /api/import`: a creator's export (or a part of one) restored into their account
on this server, in one transaction per request (docs/EXPORT.md "Import").

Idempotent: each record is looked up by its id in the file, which is kept with the row
it made (`imported_from`, migration m009), or is the row's own id when the file came
from this very account. What is already there is counted `matched` and left as it is;
importing the same file twice changes nothing the second time. Brand kits and effects
the file has but that are not found by id are matched by name (effects by slug), and
kept as they are here.

Every look-up is the signed-in creator's own: a file naming another creator's ids (even
one exported from them on this server) makes new rows in the importer's account and
never reads or changes theirs. These are the import's own INSERTs: the rows keep their
times, sources and deliveries, where the resources' own modules make rows that start now.
"""

from __future__ import annotations

import json
import shlex
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from streamfx_wire.kinds import ASSET_KINDS
from streamfx_wire.vocabulary import DEFAULT_MAX_DELAY_MS

from . import effect_keys
from .brand_kits import BrandKitOut, canonical_categories, get
from .effects import RESERVED_SLUGS, params_or_422, slugify
from .export_format import (
    ActivationRecord,
    EffectRecord,
    ExportPart,
    KitRecord,
    SessionRecord,
    stamp,
)
from .infra.ids import new_id, now
from .schemas import ApiModel
from .tiers import check_import_room, limits_for


class ImportCounts(ApiModel):
    created: int = Field(0, description="New here.")
    matched: int = Field(0, description="Already here (by id, or kits and effects by name).")
    skipped: int = Field(0, description="Not imported; `notes` says why.")


class ImportOut(ApiModel):
    dry_run: bool = Field(description="True: checked and counted, nothing changed.")
    brand_kits: ImportCounts
    effects: ImportCounts
    sessions: ImportCounts
    activations: ImportCounts
    notes: list[str] = Field(description="One sentence per thing a person should know.")


@dataclass
class Tally:
    created: int = 0
    matched: int = 0
    skipped: int = 0

    def out(self) -> ImportCounts:
        return ImportCounts(created=self.created, matched=self.matched, skipped=self.skipped)


@dataclass
class Imported:
    """What one part did: the counts, the notes, and the kits it made (to push)."""

    kits: Tally = field(default_factory=Tally)
    effects: Tally = field(default_factory=Tally)
    sessions: Tally = field(default_factory=Tally)
    activations: Tally = field(default_factory=Tally)
    notes: list[str] = field(default_factory=list)
    new_kits: list[BrandKitOut] = field(default_factory=list)

    def out(self, dry_run: bool) -> ImportOut:
        return ImportOut(
            dry_run=dry_run,
            brand_kits=self.kits.out(),
            effects=self.effects.out(),
            sessions=self.sessions.out(),
            activations=self.activations.out(),
            notes=self.notes,
        )


# The four tables an import writes; names fixed here, never from a request.
_TABLES = ("brand_kits", "effects", "stream_sessions", "effect_activations")


def _by_origin(
    conn: sqlite3.Connection, table: str, creator_id: str, origin: str
) -> sqlite3.Row | None:
    """The creator's row that `origin` (an id in an export) names: one imported from it,
    or the row itself when the export came from this account."""
    assert table in _TABLES
    sql = f"SELECT * FROM {table} WHERE creator_id = ? AND (imported_from = ? OR id = ?)"  # noqa: S608
    return conn.execute(sql, (creator_id, origin, origin)).fetchone()


def _count(conn: sqlite3.Connection, table: str, creator_id: str) -> int:
    assert table in _TABLES
    sql = f"SELECT COUNT(*) FROM {table} WHERE creator_id = ?"  # noqa: S608
    return int(conn.execute(sql, (creator_id,)).fetchone()[0])


def _adopt(conn: sqlite3.Connection, table: str, row: sqlite3.Row, origin: str) -> None:
    """Remember that `row`, matched by name, is the file's `origin`: the next import finds
    it by id. Only a row made here (no origin yet), and only that column, is changed."""
    assert table in _TABLES
    if row["imported_from"] is None and row["id"] != origin:
        sql = f"UPDATE {table} SET imported_from = ? WHERE id = ?"  # noqa: S608
        conn.execute(sql, (origin, row["id"]))


def apply(conn: sqlite3.Connection, creator_id: str, tier: str, part: ExportPart) -> Imported:
    """Import `part` for `creator_id` inside the caller's transaction (header checked)."""
    done = Imported()
    kit_ids = _kits(conn, creator_id, tier, part.brand_kits, done)
    effect_ids = _effects(conn, creator_id, tier, part.effects, done)
    for session in part.sessions:
        _session(conn, creator_id, session, kit_ids, effect_ids, done)
    return done


# -- brand kits -------------------------------------------------------------------------


def _kits(
    conn: sqlite3.Connection, creator_id: str, tier: str, kits: list[KitRecord], done: Imported
) -> dict[str, str]:
    """Match or make each kit; returns file id -> local id."""
    local: dict[str, str] = {}
    new: dict[str, KitRecord] = {}
    for kit in kits:
        if kit.id in local or kit.id in new:
            done.kits.matched += 1  # the same kit twice in one file
            continue
        row = _by_origin(conn, "brand_kits", creator_id, kit.id)
        if row is None:
            row = conn.execute(
                "SELECT * FROM brand_kits WHERE creator_id = ? AND name = ? ORDER BY created_at",
                (creator_id, kit.name),
            ).fetchone()
            if row is not None:
                _adopt(conn, "brand_kits", row, kit.id)
                done.notes.append(
                    f"Brand kit '{kit.name}' was already here (same name): kept as it is here."
                )
        if row is None:
            new[kit.id] = kit
        else:
            local[kit.id] = row["id"]
            done.kits.matched += 1
    if new:
        have = _count(conn, "brand_kits", creator_id)
        check_import_room(tier, "brand kit", limits_for(tier).brand_kits, have, len(new))
    for kit in new.values():
        local[kit.id] = new_id("bk")
        conn.execute(
            "INSERT INTO brand_kits (id, creator_id, name, color_palette, typography, "
            "motion_intensity, allowed_categories, created_at, updated_at, imported_from) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                local[kit.id],
                creator_id,
                kit.name,
                kit.color_palette.model_dump_json(by_alias=True),
                kit.typography.model_dump_json(by_alias=True),
                kit.motion_intensity,
                json.dumps(canonical_categories(list(kit.allowed_categories))),
                stamp(kit.created_at),
                stamp(kit.updated_at),
                kit.id,
            ),
        )
        done.kits.created += 1
        done.new_kits.append(get(conn, creator_id, local[kit.id]))
    return local


# -- effects ----------------------------------------------------------------------------


def _asset_id(conn: sqlite3.Connection, creator_id: str, sha256: str) -> str | None:
    """The creator's own copy of this file, if they have one here (never another's)."""
    row = conn.execute(
        "SELECT id FROM assets WHERE creator_id = ? AND sha256 = ?", (creator_id, sha256)
    ).fetchone()
    return None if row is None else str(row["id"])


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def _missing_file_note(effect: EffectRecord) -> str:
    asset = effect.asset
    what = (
        "its file"
        if asset is None
        else (
            f"its file ({asset.original_name or asset.content_type}, {_size(asset.size)}, "
            f"sha256 {asset.sha256[:12]}…)"
        )
    )
    return (
        f"Effect '{effect.name}' ({effect.kind}) was not imported: an export has no file "
        f"bytes, and {what} is not among yours here. Upload it with `streamfx effects upload "
        f"FILE --name {shlex.quote(effect.name)} --category {effect.category}`, then import "
        "again to link its history."
    )


def _effects(
    conn: sqlite3.Connection,
    creator_id: str,
    tier: str,
    effects: list[EffectRecord],
    done: Imported,
) -> dict[str, str]:
    """Match or make each effect; returns file id -> local id (skipped ones left out)."""
    local: dict[str, str] = {}
    new: dict[str, tuple[EffectRecord, str | None]] = {}
    new_slugs: set[str] = set()
    for effect in effects:
        slug = slugify(effect.name)
        if effect.id in local or effect.id in new:
            done.effects.matched += 1  # the same effect twice in one file
            continue
        if slug in new_slugs:
            done.effects.skipped += 1
            done.notes.append(
                f"Effect '{effect.name}' was not imported: another effect of the file "
                f"has the same name ('{slug}')."
            )
            continue
        row = _by_origin(conn, "effects", creator_id, effect.id)
        if row is None:
            row = conn.execute(
                "SELECT * FROM effects WHERE COALESCE(creator_id, '') IN (?, '') AND slug = ? "
                "ORDER BY creator_id IS NULL LIMIT 1",
                (creator_id, slug),
            ).fetchone()
            built_in = row is not None and row["creator_id"] is None
            if built_in or slug in RESERVED_SLUGS:
                done.effects.skipped += 1
                done.notes.append(
                    f"Effect '{effect.name}' was not imported: its name '{slug}' is taken "
                    f"by a built-in effect here. Rename it where it came from and export again."
                )
                continue
            if row is not None:
                _adopt(conn, "effects", row, effect.id)
                done.notes.append(
                    f"Effect '{effect.name}' was already here (same name): kept as it is here."
                )
        if row is not None:
            local[effect.id] = row["id"]
            done.effects.matched += 1
            continue
        asset_id = None
        if effect.kind in ASSET_KINDS:
            asset_id = (
                None if effect.asset is None else _asset_id(conn, creator_id, effect.asset.sha256)
            )
            if asset_id is None:
                done.effects.skipped += 1
                done.notes.append(_missing_file_note(effect))
                continue
        new[effect.id] = (effect, asset_id)
        new_slugs.add(slug)
    if new:
        have = _count(conn, "effects", creator_id)
        check_import_room(tier, "custom effect", limits_for(tier).custom_effects, have, len(new))
    for effect, asset_id in new.values():
        local[effect.id] = _insert_effect(conn, creator_id, effect, asset_id)
        effect_keys.give_imported(conn, creator_id, local[effect.id], effect.key)
        done.effects.created += 1
    _relink(conn, creator_id, local)
    return local


def _insert_effect(
    conn: sqlite3.Connection, creator_id: str, effect: EffectRecord, asset_id: str | None
) -> str:
    effect_id = new_id("fx")
    conn.execute(
        "INSERT INTO effects (id, creator_id, slug, name, category, kind, params, duration_ms, "
        "cooldown_ms, asset_id, queue_mode, max_delay_ms, created_at, imported_from) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            effect_id,
            creator_id,
            slugify(effect.name),
            effect.name,
            effect.category,
            effect.kind,
            json.dumps(params_or_422(effect.kind, effect.params)),
            effect.duration_ms,
            effect.cooldown_ms,
            asset_id,
            effect.queue_mode,
            effect.max_delay_ms,
            stamp(effect.created_at),
            effect.id,
        ),
    )
    return effect_id


def _relink(conn: sqlite3.Connection, creator_id: str, local: dict[str, str]) -> None:
    """Point activations imported before their effect was (it was skipped for its file,
    then uploaded) at it: they kept the file's effect id until now."""
    for origin, effect_id in local.items():
        if origin != effect_id:
            conn.execute(
                "UPDATE effect_activations SET effect_id = ? WHERE creator_id = ? AND effect_id = ?",
                (effect_id, creator_id, origin),
            )


# -- sessions and activations -----------------------------------------------------------


def _session(
    conn: sqlite3.Connection,
    creator_id: str,
    session: SessionRecord,
    kit_ids: dict[str, str],
    effect_ids: dict[str, str],
    done: Imported,
) -> None:
    if session.status != "ended":
        done.sessions.skipped += 1
        done.activations.skipped += len(session.activations)
        title = f"'{session.title}' " if session.title else ""
        done.notes.append(
            f"Session {title}({session.id}) was {session.status} when it was exported: not "
            "imported. End it where it came from, export again, and import that file."
        )
        return
    row = _by_origin(conn, "stream_sessions", creator_id, session.id)
    if row is not None:
        done.sessions.matched += 1
        session_id = str(row["id"])
    else:
        session_id = _insert_session(conn, creator_id, session, kit_ids, done)
        done.sessions.created += 1
    _activations(conn, creator_id, session_id, session.activations, effect_ids, done)


def _local_kit(
    conn: sqlite3.Connection, creator_id: str, origin: str | None, kit_ids: dict[str, str]
) -> str | None:
    if origin is None:
        return None
    if origin in kit_ids:
        return kit_ids[origin]
    row = _by_origin(conn, "brand_kits", creator_id, origin)
    return None if row is None else str(row["id"])


def _insert_session(
    conn: sqlite3.Connection,
    creator_id: str,
    session: SessionRecord,
    kit_ids: dict[str, str],
    done: Imported,
) -> str:
    kit_id = _local_kit(conn, creator_id, session.brand_kit_id, kit_ids)
    if session.brand_kit_id is not None and kit_id is None:
        done.notes.append(
            f"Session {session.id} used a brand kit that is not in the file: "
            "imported without a kit."
        )
    session_id = new_id("ss")
    conn.execute(
        "INSERT INTO stream_sessions (id, creator_id, platform, status, brand_kit_id, title, "
        "start_time, end_time, paused_at, paused_seconds, metrics, imported_from) "
        "VALUES (?, ?, ?, 'ended', ?, ?, ?, ?, NULL, ?, ?, ?)",
        (
            session_id,
            creator_id,
            session.platform,
            kit_id,
            session.title,
            stamp(session.start_time),
            None if session.end_time is None else stamp(session.end_time),
            session.paused_seconds,
            session.metrics.model_dump_json(by_alias=True),
            session.id,
        ),
    )
    conn.executemany(
        "INSERT INTO session_pauses (session_id, paused_at, resumed_at) VALUES (?, ?, ?)",
        [(session_id, stamp(span.start), stamp(span.end)) for span in session.paused_spans],
    )
    return session_id


def _already_here(conn: sqlite3.Connection, creator_id: str, origins: list[str]) -> set[str]:
    """Which of these activation ids the creator already has (imported, or their own)."""
    listed = json.dumps(origins)
    rows = conn.execute(
        "SELECT imported_from FROM effect_activations WHERE creator_id = ? "
        "AND imported_from IN (SELECT value FROM json_each(?)) "
        "UNION SELECT id FROM effect_activations WHERE creator_id = ? "
        "AND id IN (SELECT value FROM json_each(?))",
        (creator_id, listed, creator_id, listed),
    ).fetchall()
    return {str(r[0]) for r in rows}


def _activations(
    conn: sqlite3.Connection,
    creator_id: str,
    session_id: str,
    records: list[ActivationRecord],
    effect_ids: dict[str, str],
    done: Imported,
) -> None:
    here = _already_here(conn, creator_id, [a.id for a in records])
    rows: list[tuple[Any, ...]] = []
    for record in records:
        if record.id in here:
            done.activations.matched += 1
            continue
        here.add(record.id)  # the same id twice in one file is one activation
        rows.append(_activation_row(conn, creator_id, session_id, record, effect_ids))
    conn.executemany(
        "INSERT INTO effect_activations (id, effect_id, session_id, creator_id, triggered_at, "
        "triggered_ms, source, render, expires_ms, delivery_status, delivery_reason, "
        "delivery_agent_id, drawn_at, latency_ms, imported_from, params, recorded_ms, rule_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    done.activations.created += len(rows)


def _effect_of(
    conn: sqlite3.Connection, creator_id: str, origin: str, effect_ids: dict[str, str]
) -> str:
    """The local effect the file's effect id names: one imported (now or before), or the
    id itself (a built-in, the same everywhere; or an effect not here, linked later)."""
    if origin not in effect_ids:
        row = _by_origin(conn, "effects", creator_id, origin)
        effect_ids[origin] = origin if row is None else str(row["id"])
    return effect_ids[origin]


def _activation_row(
    conn: sqlite3.Connection,
    creator_id: str,
    session_id: str,
    record: ActivationRecord,
    effect_ids: dict[str, str],
) -> tuple[Any, ...]:
    triggered_ms = int(record.triggered_at.timestamp() * 1000)
    # Recorded here now (the history's `since` walks the order rows were recorded in).
    recorded_ms = int(now().timestamp() * 1000)
    delivery = record.delivery
    # A delivery still pending was never reported where it was drawn, and nobody will
    # report it here: no expiry, so the sweeper leaves it as the file has it.
    expires_ms = None
    if delivery.status != "pending":
        max_delay = record.render.get("maxDelayMs", DEFAULT_MAX_DELAY_MS)
        expires_ms = triggered_ms + (max_delay if isinstance(max_delay, int) else 0)
    return (
        new_id("act"),
        _effect_of(conn, creator_id, record.effect_id, effect_ids),
        session_id,
        creator_id,
        stamp(record.triggered_at),
        triggered_ms,
        record.source,
        json.dumps(record.render, separators=(",", ":")),
        expires_ms,
        delivery.status,
        delivery.reason,
        delivery.agent_id,
        None if delivery.drawn_at is None else stamp(delivery.drawn_at),
        delivery.latency_ms,
        record.id,
        None if record.params is None else json.dumps(record.params, separators=(",", ":")),
        recorded_ms,
        record.rule_id,
    )
