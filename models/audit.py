"""The append-only, hash-chained audit log: writing entries and checking the chain.

Each entry's hash covers its own fields and the previous entry's hash, so changing or
deleting a past entry breaks every hash after it. Entries are written by the services in
the same transaction as the change they describe; the single `audit_head` row is locked
while appending, so concurrent writers on PostgreSQL still form one chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlmodel import Session, select

from models.actor import Actor
from models.tables import AuditEntry, AuditHead
from models.timeutil import utcnow

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def entry_hash(entry: AuditEntry) -> str:
    """The SHA-256 of an entry's content and its predecessor's hash."""
    payload = {
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "user_id": str(entry.user_id) if entry.user_id else None,
        "username": entry.username,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "changes": entry.changes,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str = "",
    entity_id: Any = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction and return it."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        changes=_jsonable(changes or {}),
        prev_hash=head.hash,
        hash="",
    )
    entry.hash = entry_hash(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.add(entry)
    session.add(head)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain: `ok`, how many entries, and the first bad one."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def _entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole log and report the first entry whose hash or link is wrong."""
    prev, expected_seq, count = GENESIS, 1, 0
    for entry in _entries(session):
        if entry.seq != expected_seq:
            return ChainReport(False, count, expected_seq, "missing entry")
        if entry.prev_hash != prev:
            return ChainReport(False, count, entry.seq, "broken link")
        if entry_hash(entry) != entry.hash:
            return ChainReport(False, count, entry.seq, "content changed")
        prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != count or head.hash != prev):
        return ChainReport(False, count, count + 1 if head.seq > count else count, "truncated")
    return ChainReport(True, count)
