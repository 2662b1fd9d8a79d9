"""Schema history. Add a new migration for every change; never edit an applied one."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("streamfx")


def _run(db: sqlite_utils.Database, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m001_accounts(db: sqlite_utils.Database) -> None:
    _run(
        db,
        """
        CREATE TABLE creators (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member')),
            subscription_tier TEXT NOT NULL DEFAULT 'free'
                CHECK (subscription_tier IN ('free', 'creator', 'professional', 'enterprise')),
            settings TEXT NOT NULL DEFAULT '{}',
            overlay_key_hash TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE auth_sessions (
            id TEXT PRIMARY KEY,
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            revoked_reason TEXT
        );
        CREATE INDEX idx_auth_sessions_creator ON auth_sessions(creator_id);
        CREATE TABLE refresh_tokens (
            id TEXT PRIMARY KEY,
            family_id TEXT NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            expires_at REAL NOT NULL,
            spent_at TEXT
        );
        CREATE INDEX idx_refresh_tokens_family ON refresh_tokens(family_id)
        """,
    )


@migrations()
def m002_brand_sessions_effects(db: sqlite_utils.Database) -> None:
    """The brand kit, session, effect, asset and activation tables (long: it is their DDL)."""
    _run(
        db,
        """
        CREATE TABLE brand_kits (
            id TEXT PRIMARY KEY,
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            color_palette TEXT NOT NULL,
            typography TEXT NOT NULL,
            motion_intensity INTEGER NOT NULL CHECK (motion_intensity BETWEEN 1 AND 5),
            allowed_categories TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_brand_kits_creator ON brand_kits(creator_id);
        CREATE TABLE stream_sessions (
            id TEXT PRIMARY KEY,
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            platform TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'ended')),
            brand_kit_id TEXT REFERENCES brand_kits(id) ON DELETE SET NULL,
            title TEXT,
            start_time TEXT NOT NULL,
            end_time TEXT,
            paused_at TEXT,
            paused_seconds REAL NOT NULL DEFAULT 0,
            metrics TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX idx_stream_sessions_creator ON stream_sessions(creator_id);
        CREATE INDEX idx_stream_sessions_status ON stream_sessions(status);
        CREATE UNIQUE INDEX idx_one_live_session ON stream_sessions(creator_id)
            WHERE status != 'ended';
        CREATE TABLE assets (
            id TEXT PRIMARY KEY,
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            sha256 TEXT NOT NULL,
            content_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            original_name TEXT,
            path TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (creator_id, sha256)
        );
        CREATE INDEX idx_assets_sha ON assets(sha256);
        CREATE TABLE effects (
            id TEXT PRIMARY KEY,
            creator_id TEXT REFERENCES creators(id) ON DELETE CASCADE,
            slug TEXT NOT NULL,
            name TEXT NOT NULL,
            category TEXT NOT NULL,
            kind TEXT NOT NULL,
            params TEXT NOT NULL DEFAULT '{}',
            duration_ms INTEGER NOT NULL,
            cooldown_ms INTEGER NOT NULL DEFAULT 0,
            asset_id TEXT REFERENCES assets(id),
            created_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX idx_effects_slug ON effects(COALESCE(creator_id, ''), slug);
        CREATE TABLE effect_activations (
            id TEXT PRIMARY KEY,
            effect_id TEXT NOT NULL,
            session_id TEXT NOT NULL REFERENCES stream_sessions(id) ON DELETE CASCADE,
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            triggered_at TEXT NOT NULL,
            triggered_ms INTEGER NOT NULL,
            source TEXT NOT NULL,
            render TEXT NOT NULL
        );
        CREATE INDEX idx_activations_session ON effect_activations(session_id);
        CREATE INDEX idx_activations_cooldown
            ON effect_activations(creator_id, effect_id, triggered_ms)
        """,
    )


# Frozen copy of what m003 seeded: later changes to built-ins need a new migration.
_BUILT_INS = (
    # id, slug, name, category, kind, params, duration_ms, cooldown_ms
    ("fx_banner", "banner", "Banner", "text", "text", {"text": "Thanks for the follow!"}, 4000, 0),
    ("fx_flash", "flash", "Flash", "alert", "flash", {"color": "primary", "opacity": 0.85}, 250, 0),
    (
        "fx_shake",
        "shake",
        "Shake",
        "alert",
        "shake",
        {"amplitude": 12, "frequencyHz": 12},
        600,
        500,
    ),
    (
        "fx_confetti",
        "confetti",
        "Confetti",
        "celebration",
        "overlay",
        {"animation": "confetti", "particleCount": 150},
        3000,
        # A burst of confetti per second is a celebration; more is noise.
        1000,
    ),
    (
        "fx_sparkles",
        "sparkles",
        "Sparkles",
        "ambient",
        "overlay",
        {"animation": "sparkles", "particleCount": 60},
        5000,
        0,
    ),
    (
        "fx_brb",
        "brb",
        "Be right back",
        "transition",
        "scene",
        {"scene": "BRB"},
        # Returns to the previous scene after five minutes unless fired with another durationMs.
        300_000,
        # Guards against a double press switching away and straight back.
        2000,
    ),
)


@migrations()
def m003_built_in_effects(db: sqlite_utils.Database) -> None:
    db.execute("CREATE INDEX idx_effects_creator ON effects(creator_id)")
    for fx_id, slug, name, category, kind, params, duration, cooldown in _BUILT_INS:
        db.execute(
            "INSERT INTO effects (id, creator_id, slug, name, category, kind, params, duration_ms, "
            "cooldown_ms, asset_id, created_at) VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, NULL, "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            (fx_id, slug, name, category, kind, json.dumps(params), duration, cooldown),
        )


@migrations()
def m004_event_log(db: sqlite_utils.Database) -> None:
    """The event log (event_log.py): every pushed event, numbered per creator."""
    _run(
        db,
        """
        ALTER TABLE creators ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE events (
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            type TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_ms INTEGER NOT NULL,
            PRIMARY KEY (creator_id, seq)
        ) WITHOUT ROWID
        """,
    )


@migrations()
def m005_lanes_and_delivery(db: sqlite_utils.Database) -> None:
    """Lanes on effects, the delivery record and idempotency keys on activations.

    docs/AGENT.md: `queueMode` and `maxDelayMs` per effect; each activation's delivery
    (`pending` until someone reports); a trigger's `idempotencyKey`, unique per creator,
    so a repeated fire returns the first activation instead of making a second.
    """
    _run(
        db,
        """
        ALTER TABLE effects ADD COLUMN queue_mode TEXT NOT NULL DEFAULT 'queue'
            CHECK (queue_mode IN ('queue', 'replace', 'skip'));
        ALTER TABLE effects ADD COLUMN max_delay_ms INTEGER NOT NULL DEFAULT 5000
            CHECK (max_delay_ms BETWEEN 0 AND 600000);
        ALTER TABLE effect_activations ADD COLUMN delivery_status TEXT NOT NULL
            DEFAULT 'pending' CHECK (delivery_status IN
            ('pending', 'shown', 'hidden', 'failed', 'expired', 'skipped', 'overlay'));
        ALTER TABLE effect_activations ADD COLUMN delivery_reason TEXT;
        ALTER TABLE effect_activations ADD COLUMN delivery_agent_id TEXT;
        ALTER TABLE effect_activations ADD COLUMN drawn_at TEXT;
        ALTER TABLE effect_activations ADD COLUMN latency_ms INTEGER;
        ALTER TABLE effect_activations ADD COLUMN overlay_pages INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE effect_activations ADD COLUMN idempotency_key TEXT;
        CREATE UNIQUE INDEX idx_activations_idempotency
            ON effect_activations(creator_id, idempotency_key)
            WHERE idempotency_key IS NOT NULL
        """,
    )


@migrations()
def m006_delivery_expiry(db: sqlite_utils.Database) -> None:
    """When each activation's delivery expires, indexed for the sweeper.

    docs/AGENT.md "Delivery record": a `pending` activation older than its effect's
    `maxDelayMs` becomes `expired`. `expires_ms` is `triggered_ms + maxDelayMs`, fixed
    at trigger time like the render; the partial index holds the pending rows only,
    so the sweeper's look is one short range scan however long the history is.

    Rows from before this migration get it from their render (5000 ms where the
    render predates `maxDelayMs`). Those whose time ran out more than a minute ago
    are closed here, without events: nobody is waiting to hear of them, and a
    first sweep would otherwise push one event per old activation.
    """
    _run(
        db,
        """
        ALTER TABLE effect_activations ADD COLUMN expires_ms INTEGER;
        UPDATE effect_activations SET expires_ms = triggered_ms
            + COALESCE(json_extract(render, '$.maxDelayMs'), 5000)
            WHERE json_valid(render);
        UPDATE effect_activations SET expires_ms = triggered_ms + 5000
            WHERE expires_ms IS NULL;
        UPDATE effect_activations SET delivery_status = 'expired',
            delivery_reason = 'no delivery was reported'
            WHERE delivery_status = 'pending'
            AND expires_ms < (julianday('now') - 2440587.5) * 86400000 - 60000;
        CREATE INDEX idx_activations_pending ON effect_activations(expires_ms, id)
            WHERE delivery_status = 'pending'
        """,
    )


@migrations()
def m007_session_pauses(db: sqlite_utils.Database) -> None:
    """Each pause of a session, for the report's timeline (docs/REPORTS.md).

    Until now a session kept only the sum of its pauses (`paused_seconds`) and the start
    of the current one (`paused_at`). A session paused right now gets its open pause
    here; pauses that ended before this migration cannot be placed on a timeline, and
    the report says how many seconds of them there are (`unplacedPausedSeconds`).
    """
    _run(
        db,
        """
        CREATE TABLE session_pauses (
            session_id TEXT NOT NULL REFERENCES stream_sessions(id) ON DELETE CASCADE,
            paused_at TEXT NOT NULL,
            resumed_at TEXT
        );
        CREATE INDEX idx_session_pauses_session ON session_pauses(session_id, paused_at);
        INSERT INTO session_pauses (session_id, paused_at)
            SELECT id, paused_at FROM stream_sessions WHERE paused_at IS NOT NULL
        """,
    )


@migrations()
def m008_activation_report_indexes(db: sqlite_utils.Database) -> None:
    """What a session report groups by, answered from indexes (docs/REPORTS.md).

    An activation's effect slug and category are the ones it was fired with, kept in its
    render (an effect renamed later keeps its old slug in the history). They become
    virtual columns, computed from the render, so no writer changes and every row, old
    or new, has them; the indexes store the values, so a report over a million rows
    reads them from the index without parsing one render. A render that is not JSON
    (none is written so) gives NULL rather than failing the write.

    The latency index holds only delivered activations with a latency: the report's
    percentiles step through it in order.
    """
    _run(
        db,
        """
        ALTER TABLE effect_activations ADD COLUMN effect_slug TEXT GENERATED ALWAYS AS
            (CASE WHEN json_valid(render) THEN json_extract(render, '$.effect.slug') END)
            VIRTUAL;
        ALTER TABLE effect_activations ADD COLUMN category TEXT GENERATED ALWAYS AS
            (CASE WHEN json_valid(render) THEN json_extract(render, '$.effect.category') END)
            VIRTUAL;
        CREATE INDEX idx_activations_report_time
            ON effect_activations(session_id, category, delivery_status, triggered_ms);
        CREATE INDEX idx_activations_report_effect
            ON effect_activations(session_id, effect_slug, source);
        CREATE INDEX idx_activations_report_latency
            ON effect_activations(session_id, latency_ms)
            WHERE latency_ms IS NOT NULL AND delivery_status IN ('shown', 'overlay')
        """,
    )


@migrations()
def m009_import_origins(db: sqlite_utils.Database) -> None:
    """Where an imported row came from (docs/EXPORT.md "Import").

    `imported_from` holds the row's id in the export it was imported from: the id it
    was first given, on whichever server made it. Importing the same file again finds
    each row by it and changes nothing. Unique per creator (two creators may import the
    same file, each into their own copy); NULL for rows made here, so the partial
    indexes hold imported rows only.
    """
    _run(
        db,
        """
        ALTER TABLE brand_kits ADD COLUMN imported_from TEXT;
        ALTER TABLE effects ADD COLUMN imported_from TEXT;
        ALTER TABLE stream_sessions ADD COLUMN imported_from TEXT;
        ALTER TABLE effect_activations ADD COLUMN imported_from TEXT;
        CREATE UNIQUE INDEX idx_brand_kits_imported ON brand_kits(creator_id, imported_from)
            WHERE imported_from IS NOT NULL;
        CREATE UNIQUE INDEX idx_effects_imported ON effects(creator_id, imported_from)
            WHERE imported_from IS NOT NULL;
        CREATE UNIQUE INDEX idx_sessions_imported ON stream_sessions(creator_id, imported_from)
            WHERE imported_from IS NOT NULL;
        CREATE UNIQUE INDEX idx_activations_imported
            ON effect_activations(creator_id, imported_from) WHERE imported_from IS NOT NULL
        """,
    )


@migrations()
def m010_activation_history(db: sqlite_utils.Database) -> None:
    """What the history pages read, and what firing an activation again needs.

    DESIGN.md section 13: the history is paged by keyset on the table's rowid, the
    order activations were recorded in (history.py). A session's pages already have
    their index (`idx_activations_session` ends in the rowid, as every SQLite index
    does); a creator's need `(creator_id)` for the same walk, and `recorded_ms` (when
    the server recorded the row) under `(creator_id, recorded_ms)` to find where
    `since` starts, so a page costs the same at a million rows as at ten. `params`
    keeps the parameters a trigger was given (NULL: none, or a row from before this),
    so firing it again sends the same.

    Older rows get a `recorded_ms` that is never earlier than when they were recorded,
    which is all history.py needs: a live fire was recorded when it was triggered; a
    row with an idempotency key may be a journal replay, recorded at most 24 hours
    (and 5 s) after it happened.
    """
    _run(
        db,
        """
        ALTER TABLE effect_activations ADD COLUMN params TEXT;
        ALTER TABLE effect_activations ADD COLUMN recorded_ms INTEGER;
        UPDATE effect_activations SET recorded_ms = CASE WHEN idempotency_key IS NULL
            THEN triggered_ms ELSE triggered_ms + 86405000 END;
        CREATE INDEX idx_activations_creator ON effect_activations(creator_id);
        CREATE INDEX idx_activations_recorded
            ON effect_activations(creator_id, recorded_ms)
        """,
    )


@migrations()
def m011_rules(db: sqlite_utils.Database) -> None:
    """Rules, the webhook deliveries they have seen, and which rule fired an activation
    (DESIGN.md section 14, docs/RULES.md).

    A rule's `trigger` is its JSON as the API takes it; `trigger_type` repeats its type
    for the scheduler's and the agent's lookups. A webhook rule has a `hook_id` (the
    capability in its URL) and a `secret_salt`: its secret is derived from the salt and
    the server's key, never stored (docs/SECURITY.md "Webhook rules"). A timer rule
    keeps where it stands in the session it counts in: the live-seconds mark of its
    next tick and how many it has fired, so a restart neither fires a tick twice nor
    loses its place. `last_*` is what the rule last did, fired or refused and why.

    `effect_activations.rule_id` names the rule that fired it: a label, not a
    reference, so the history keeps it after the rule is deleted, and an imported
    activation keeps its rule's id from the server it came from.
    """
    _run(
        db,
        """
        CREATE TABLE rules (
            id TEXT PRIMARY KEY,
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
            trigger_type TEXT NOT NULL
                CHECK (trigger_type IN ('timer', 'session', 'obs', 'webhook')),
            trigger TEXT NOT NULL,
            effect_id TEXT NOT NULL REFERENCES effects(id) ON DELETE CASCADE,
            params TEXT NOT NULL DEFAULT '{}',
            live_only INTEGER NOT NULL DEFAULT 1 CHECK (live_only IN (0, 1)),
            cooldown_ms INTEGER NOT NULL DEFAULT 0,
            hook_id TEXT UNIQUE,
            secret_salt TEXT,
            timer_session_id TEXT,
            timer_next_mark REAL,
            timer_count INTEGER NOT NULL DEFAULT 0,
            last_fired_ms INTEGER,
            last_fired_at TEXT,
            last_activation_id TEXT,
            last_refused_at TEXT,
            last_refused_code TEXT,
            last_refused_reason TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_rules_creator ON rules(creator_id, trigger_type);
        CREATE INDEX idx_rules_effect ON rules(effect_id);
        CREATE INDEX idx_rules_timers ON rules(trigger_type, enabled) WHERE trigger_type = 'timer';
        CREATE TABLE hook_deliveries (
            hook_id TEXT NOT NULL,
            seen TEXT NOT NULL,
            seen_ms INTEGER NOT NULL,
            PRIMARY KEY (hook_id, seen)
        ) WITHOUT ROWID;
        CREATE INDEX idx_hook_deliveries_age ON hook_deliveries(seen_ms);
        ALTER TABLE effect_activations ADD COLUMN rule_id TEXT
        """,
    )


# The panel's grid order when keys were introduced (m012): categories in this order,
# built-ins first within a category, then by name. Frozen here: this migration must
# give today's keys even after the panel's order changes.
_M012_CATEGORIES = ("celebration", "alert", "transition", "ambient", "sound", "text", "custom")


@migrations()
def m012_effect_keys(db: sqlite_utils.Database) -> None:
    """Each creator's number keys (effect_keys.py, docs/PANEL.md "Keys"): key 1-9 of
    the panel and the effect it fires, built-ins included (a creator's key for a
    built-in is theirs). An effect holds one key at most; deleting it frees its key.

    Existing creators get the keys their panel showed until now, the first nine
    effects of its grid, so nobody's keys change on upgrade.
    """
    _run(
        db,
        """
        CREATE TABLE effect_keys (
            creator_id TEXT NOT NULL REFERENCES creators(id) ON DELETE CASCADE,
            number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 9),
            effect_id TEXT NOT NULL REFERENCES effects(id) ON DELETE CASCADE,
            PRIMARY KEY (creator_id, number),
            UNIQUE (creator_id, effect_id)
        ) WITHOUT ROWID;
        CREATE INDEX idx_effect_keys_effect ON effect_keys(effect_id)
        """,
    )

    def rank(category: str) -> int:
        return _M012_CATEGORIES.index(category) if category in _M012_CATEGORIES else 7

    for (creator_id,) in db.execute("SELECT id FROM creators").fetchall():
        rows = db.execute(
            "SELECT id, slug, name, category, creator_id IS NULL AS built_in FROM effects "
            "WHERE creator_id = ? OR creator_id IS NULL",
            (creator_id,),
        ).fetchall()
        grid = sorted(rows, key=lambda r: (rank(r[3]), not r[4], r[2].lower(), r[1]))
        for number, row in enumerate(grid[:9], start=1):
            db.execute(
                "INSERT INTO effect_keys (creator_id, number, effect_id) VALUES (?, ?, ?)",
                (creator_id, number, row[0]),
            )


def apply_migrations(path: Path) -> None:
    db = sqlite_utils.Database(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(db)
    finally:
        db.close()
