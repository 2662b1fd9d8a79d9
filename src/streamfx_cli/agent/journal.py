"""Fires drawn while the server was down, kept until the server has recorded each once.

`<data>/agent-journal.jsonl` (0600): one JSON line per event, appended and fsync'd
before the fire's answer goes back, so a crash loses nothing that was drawn.
Two kinds of line, joined by the fire's idempotency key:

    {"fire": {"idempotencyKey", "effectId", "sessionId"?, "source", "occurredAt"}}
    {"delivered": "<key>", "delivery": {"status", "reason"?, "drawnAt"?}}

When the link is back, each fire is sent once as `POST /api/effects/trigger` with
its key, `occurredAt` and `delivery` (docs/AGENT.md). The server answers a repeated
key with the first activation, so a resend after a crash mid-replay records
nothing twice. Sent entries are dropped by rewriting the file; one the server
refuses for good (4xx) moves to `agent-journal.refused.jsonl` with the reason, so
nothing is silently lost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Entry:
    fire: dict[str, Any]
    delivery: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return str(self.fire["idempotencyKey"])

    def body(self) -> dict[str, Any]:
        """The trigger's request body for the replay."""
        body = {k: v for k, v in self.fire.items() if v is not None}
        if self.delivery is not None:
            body["delivery"] = self.delivery
        return body


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _append(self, record: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, (json.dumps(record) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def add_fire(self, fire: Mapping[str, Any]) -> None:
        self._append({"fire": dict(fire)})

    def add_delivery(self, key: str, delivery: Mapping[str, Any]) -> None:
        self._append({"delivered": key, "delivery": dict(delivery)})

    def entries(self) -> list[Entry]:
        """The fires not yet recorded by the server, in the order they happened."""
        try:
            lines = self.path.read_text().splitlines()
        except OSError:
            return []
        found: dict[str, Entry] = {}
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash mid-write
            if isinstance(record.get("fire"), dict) and "idempotencyKey" in record["fire"]:
                found.setdefault(str(record["fire"]["idempotencyKey"]), Entry(record["fire"]))
            elif isinstance(record.get("delivered"), str) and record["delivered"] in found:
                found[record["delivered"]].delivery = record.get("delivery")
        return list(found.values())

    def drop(self, keys: set[str]) -> None:
        """Rewrite the journal without the entries of `keys` (sent, or refused)."""
        kept = [e for e in self.entries() if e.key not in keys]
        fresh = self.path.with_suffix(".tmp")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            for entry in kept:
                out.write(json.dumps({"fire": entry.fire}) + "\n")
                if entry.delivery is not None:
                    out.write(
                        json.dumps({"delivered": entry.key, "delivery": entry.delivery}) + "\n"
                    )
            out.flush()
            os.fsync(out.fileno())
        os.replace(fresh, self.path)

    def refuse(self, entry: Entry, reason: str) -> None:
        refused = self.path.with_name(self.path.stem + ".refused.jsonl")
        fd = os.open(refused, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, (json.dumps({**entry.body(), "refused": reason}) + "\n").encode())
        finally:
            os.close(fd)
