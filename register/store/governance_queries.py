"""Reads of governance: approvals (current and history) and recorded reassessment runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from register.store.governance_tables import APPROVALS, REASSESSMENTS
from register.store.queries import clearances_of, in_id_order
from register.store.tables import CHECKS, DATASETS

__all__ = ["approval_rows", "approved_subjects", "check_records", "dataset_evidence",
           "last_reassessment"]

_A, _R, _K, _D = APPROVALS, REASSESSMENTS, CHECKS, DATASETS


def dataset_evidence(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """What an approval's evidence holds of each dataset the register has: its current
    version, card, revision, licenses, retention and standing clearances."""
    out: dict[str, dict[str, Any]] = {}
    if not ids:
        return out
    for r in conn.execute(select(
        _D.c.id, _D.c.version, _D.c.card_sha256, _D.c.revision, _D.c.source,
        _D.c.declared_license, _D.c.declared_needs_review, _D.c.concluded_license,
        _D.c.retain_until, _D.c.personal_data,
    ).where(_D.c.id.in_(list(ids)))):
        out[r.id] = {
            "version": r.version, "card_sha256": r.card_sha256, "revision": r.revision,
            "source": r.source, "declared_license": r.declared_license,
            "declared_needs_review": bool(r.declared_needs_review),
            "concluded_license": r.concluded_license,
            "retain_until": r.retain_until.isoformat() if r.retain_until else None,
            "personal_data": r.personal_data,
            "clearances": [{"use": c.use, "by": c.by,
                            "until": c.until.isoformat() if c.until else None}
                           for c in clearances_of(conn, r.id)],
        }
    return out


def approval_rows(conn: Connection, subject_ids: Sequence[str] | None = None, *,
                  states: Sequence[str] | None = None) -> list[Any]:
    """Approval rows (all, or of these subjects; of these states), oldest first."""
    stmt = select(_A).order_by(_A.c.id)
    if subject_ids is not None:
        stmt = stmt.where(_A.c.subject_id.in_(list(subject_ids)))
    if states is not None:
        stmt = stmt.where(_A.c.state.in_(list(states)))
    return list(conn.execute(stmt))


def approved_subjects(conn: Connection) -> list[tuple[str, str]]:
    """``(kind, id)`` of every subject that has an approval row, in id order."""
    rows = conn.execute(select(_A.c.subject_kind, _A.c.subject_id).distinct()
                        .order_by(in_id_order(conn, _A.c.subject_id)))
    return [(r.subject_kind, r.subject_id) for r in rows]


def check_records(conn: Connection) -> list[Any]:
    """Every recorded check (``check --record``), oldest first."""
    return list(conn.execute(select(_K).order_by(_K.c.id)))


def last_reassessment(conn: Connection) -> Any | None:
    return conn.execute(select(_R).order_by(_R.c.id.desc()).limit(1)).first()
