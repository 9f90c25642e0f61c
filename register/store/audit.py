"""The tamper-evident audit trail: an append-only hash chain of events.

Every change to the register appends one event (when, who, what before and after, why).
Each event's ``hash`` is the SHA-256 of its canonical content and the previous event's hash,
as in append-only transparency logs, so editing, deleting or inserting a row behind the
register's back breaks the chain at that row.  ``verify`` recomputes the chain and replays
the events to the state they imply, then compares it with the tables.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from typing_extensions import TypedDict

from register.store.tables import AuditEvent, ClearanceRow, Dataset

GENESIS_HASH = "0" * 64
_T = AuditEvent.__table__  # type: ignore[attr-defined]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def default_actor() -> str:
    try:
        return os.environ.get("REGISTER_USER") or getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def event_hash(
    seq: int, at: str, actor: str, action: str, dataset_id: str | None,
    before_json: str | None, after_json: str | None, reason: str | None, prev_hash: str,
) -> str:
    payload = canonical([seq, at, actor, action, dataset_id, before_json, after_json, reason,
                         prev_hash])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AuditWriter:
    """Appends events inside one write transaction (which holds the writer lock)."""

    def __init__(self, conn: Connection, actor: str) -> None:
        self.conn = conn
        self.actor = actor
        last = conn.execute(
            select(_T.c.seq, _T.c.hash).order_by(_T.c.seq.desc()).limit(1)
        ).first()
        self.seq = last[0] if last else 0
        self.prev = last[1] if last else GENESIS_HASH
        self._pending: list[dict[str, Any]] = []

    def append(
        self, action: str, dataset_id: str | None, before: Any, after: Any,
        reason: str | None = None, *, at: str | None = None, actor: str | None = None,
    ) -> None:
        self.seq += 1
        at = at or now_iso()
        actor = actor or self.actor
        before_json = None if before is None else canonical(before)
        after_json = None if after is None else canonical(after)
        digest = event_hash(self.seq, at, actor, action, dataset_id, before_json, after_json,
                            reason, self.prev)
        self._pending.append({
            "seq": self.seq, "at": at, "actor": actor, "action": action,
            "dataset_id": dataset_id, "before_json": before_json, "after_json": after_json,
            "reason": reason, "prev_hash": self.prev, "hash": digest,
        })
        self.prev = digest
        if len(self._pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.conn.execute(insert(_T), self._pending)
            self._pending = []


class VerifyReportJSON(TypedDict):
    """``register audit verify --format json``."""

    ok: bool
    events: int
    first_bad_event: int | None
    problem: str | None
    head_hash: str


@dataclass
class VerifyReport:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head_hash: str = GENESIS_HASH

    def to_dict(self) -> VerifyReportJSON:
        return {
            "ok": self.ok, "events": self.events, "first_bad_event": self.first_bad_seq,
            "problem": self.problem, "head_hash": self.head_hash,
        }


def _replay(state: dict[str, dict[str, Any]], clearances: set[tuple[Any, ...]],
            action: str, dataset_id: str | None, after: Any) -> None:
    if dataset_id is None or not isinstance(after, dict):
        return
    entry = state.setdefault(dataset_id, {})
    if action in ("dataset.ingest", "dataset.update"):
        entry["card_sha256"] = after.get("card_sha256")
        entry["version"] = after.get("version")
        entry["declared_license"] = after.get("declared_license")
    elif action == "license.conclude":
        entry["concluded_license"] = after.get("concluded_license")
    elif action == "rights.set":
        entry["rights"] = after
    elif action == "clearance.add":
        clearances.add((dataset_id, after.get("use"), after.get("until"), after.get("by")))


def verify(conn: Connection) -> VerifyReport:
    """Recompute the chain, then compare the state it implies with the tables."""
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    state: dict[str, dict[str, Any]] = {}
    clearances: set[tuple[Any, ...]] = set()
    rows = conn.execute(select(_T).order_by(_T.c.seq)).mappings()
    for row in rows:
        count += 1
        seq = row["seq"]
        if seq != expected_seq:
            bad = expected_seq if seq > expected_seq else seq
            return VerifyReport(False, count - 1, bad,
                                f"event {expected_seq} is missing (found {seq} next)"
                                if seq > expected_seq else f"event {seq} is out of order")
        if row["prev_hash"] != prev:
            return VerifyReport(False, count - 1, seq,
                                f"event {seq} does not link to the event before it")
        digest = event_hash(seq, row["at"], row["actor"], row["action"], row["dataset_id"],
                            row["before_json"], row["after_json"], row["reason"], prev)
        if digest != row["hash"]:
            return VerifyReport(False, count - 1, seq,
                                f"event {seq} ({row['action']}) was altered: hash mismatch")
        after = json.loads(row["after_json"]) if row["after_json"] else None
        _replay(state, clearances, row["action"], row["dataset_id"], after)
        prev = digest
        expected_seq += 1
    problem = _compare_state(conn, state, clearances)
    if problem:
        return VerifyReport(False, count, None, problem, prev)
    return VerifyReport(True, count, None, None, prev)


def _compare_state(conn: Connection, state: dict[str, dict[str, Any]],
                   clearances: set[tuple[Any, ...]]) -> str | None:
    d = Dataset.__table__  # type: ignore[attr-defined]
    seen: set[str] = set()
    for row in conn.execute(select(
        d.c.id, d.c.card_sha256, d.c.version, d.c.declared_license, d.c.concluded_license,
        d.c.rights_json,
    )).mappings():
        ds_id = row["id"]
        seen.add(ds_id)
        want = state.get(ds_id)
        if want is None or "card_sha256" not in want:
            return f"dataset {ds_id!r} has no ingest event in the audit trail"
        for key in ("card_sha256", "version", "declared_license"):
            if row[key] != want.get(key):
                return f"dataset {ds_id!r}: {key} differs from the audit trail"
        if row["concluded_license"] != want.get("concluded_license"):
            return f"dataset {ds_id!r}: concluded license differs from the audit trail"
        have_rights = json.loads(row["rights_json"]) if row["rights_json"] else None
        if have_rights != want.get("rights"):
            return f"dataset {ds_id!r}: rights differ from the audit trail"
    missing = sorted(k for k, v in state.items() if "card_sha256" in v and k not in seen)
    if missing:
        return f"dataset {missing[0]!r} is in the audit trail but missing from the register"
    c = ClearanceRow.__table__  # type: ignore[attr-defined]
    have = {
        (r["dataset_id"], r["use"], r["until"].isoformat() if r["until"] else None, r["by"])
        for r in conn.execute(select(c.c.dataset_id, c.c.use, c.c.until, c.c.by)).mappings()
    }
    if have != clearances:
        diff = sorted(map(str, have ^ clearances))
        return f"clearances differ from the audit trail: {diff[0]}"
    return None


def head_hash(conn: Connection) -> str:
    row = conn.execute(select(_T.c.hash).order_by(_T.c.seq.desc()).limit(1)).first()
    return row[0] if row else GENESIS_HASH
