"""Database tables of governance (issue 15): sign-offs bound to evidence, reassessment runs.

Owned by the alembic migration ``0005_governance``; imported by :mod:`register.store.tables`
so the metadata holds them (and the audit chain binds every row).  An approval is never
deleted: a newer sign-off of the same subject, tier and role marks it ``superseded``, a
reassessment that finds its evidence changed marks it ``invalid``; the row stays as history.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, SQLModel


class ApprovalRow(SQLModel, table=True):
    """One sign-off: who (role, name) approved which subject for which tier, on what evidence."""

    __tablename__ = "approval"
    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str  # model | corpus
    subject_id: str = Field(index=True)
    tier: str
    role: str
    use: str
    by: str
    reason: str
    at: str
    evidence_digest: str
    evidence_json: str
    signature: str | None = None
    signer_fingerprint: str | None = None
    state: str = "active"  # active | superseded | invalid
    state_at: str | None = None
    state_reason: str | None = None


class ReassessmentRow(SQLModel, table=True):
    """One recorded ``register reassess`` run and what it found."""

    __tablename__ = "reassessment"
    id: int | None = Field(default=None, primary_key=True)
    at: str
    by: str
    on: str
    refreshed_hub: bool = False
    exit_code: int = 0
    findings_json: str = "[]"


APPROVALS: Any = ApprovalRow.__table__  # type: ignore[attr-defined]
REASSESSMENTS: Any = ReassessmentRow.__table__  # type: ignore[attr-defined]
