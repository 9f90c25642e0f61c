"""Writes of governance, each with its audit event, in the caller's write transaction:
``approval.add`` (superseding the same subject, tier and role's earlier active sign-off),
``approval.invalidate`` (a reassessment found its evidence changed) and ``reassess.record``.
Rows are never deleted: history keeps every sign-off and its state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from register.store.audit import AuditWriter, now_iso
from register.store.decisions import dumps
from register.store.governance_tables import APPROVALS, REASSESSMENTS

__all__ = ["add_approval", "invalidate_approvals", "record_reassessment"]

_A, _R = APPROVALS, REASSESSMENTS


def add_approval(conn: Connection, *, values: dict[str, Any], actor: str) -> int:
    """Insert a sign-off (``values``: the approval columns but id/at/state); an earlier
    active sign-off of the same subject, tier and role becomes ``superseded``."""
    at = now_iso()
    audit = AuditWriter(conn, actor)
    older = [r.id for r in conn.execute(select(_A.c.id).where(
        _A.c.subject_id == values["subject_id"], _A.c.subject_kind == values["subject_kind"],
        _A.c.tier == values["tier"], _A.c.role == values["role"], _A.c.state == "active"))]
    key: Any = conn.execute(insert(_A).values(at=at, state="active", **values)
                            ).inserted_primary_key
    new_id = int(key[0])
    if older:
        conn.execute(update(_A).where(_A.c.id.in_(older)).values(
            state="superseded", state_at=at, state_reason=f"superseded by approval {new_id}"))
    audit.append("approval.add", None, {"superseded": older} if older else None, {
        "approval": new_id, "subject": f"{values['subject_kind']}:{values['subject_id']}",
        "tier": values["tier"], "role": values["role"], "by": values["by"],
        "use": values["use"], "evidence_digest": values["evidence_digest"],
        "signed": values.get("signature") is not None,
        "signer_fingerprint": values.get("signer_fingerprint")},
        values["reason"], at=at, rows=[(_A, i) for i in [new_id, *older]])
    audit.flush()
    return new_id


def invalidate_approvals(conn: Connection, reasons: dict[int, str], *, actor: str,
                         at: str | None = None) -> None:
    """Mark active approvals ``invalid`` (their evidence changed), with the reason."""
    if not reasons:
        return
    at = at or now_iso()
    audit = AuditWriter(conn, actor)
    for approval_id, reason in sorted(reasons.items()):
        conn.execute(update(_A).where(_A.c.id == approval_id, _A.c.state == "active").values(
            state="invalid", state_at=at, state_reason=reason))
        audit.append("approval.invalidate", None, {"approval": approval_id, "state": "active"},
                     {"approval": approval_id, "state": "invalid"}, reason, at=at,
                     rows=[(_A, approval_id)])
    audit.flush()


def record_reassessment(conn: Connection, *, on: str, refreshed_hub: bool, exit_code: int,
                        findings: Sequence[Mapping[str, Any]], actor: str) -> int:
    """Store one reassessment run and its findings (audited)."""
    at = now_iso()
    key: Any = conn.execute(insert(_R).values(
        at=at, by=actor, on=on, refreshed_hub=refreshed_hub, exit_code=exit_code,
        findings_json=dumps([dict(f) for f in findings]))).inserted_primary_key
    run_id = int(key[0])
    audit = AuditWriter(conn, actor)
    audit.append("reassess.record", None, None,
                 {"reassessment": run_id, "on": on, "exit_code": exit_code,
                  "findings": len(findings), "refreshed_hub": refreshed_hub},
                 None, at=at, rows=[(_R, run_id)])
    audit.flush()
    return run_id
