"""Database tables of the register (SQLModel).

The schema is owned by the alembic migrations in :mod:`register.store.migrations`; these classes
describe the current head and are used for queries.  ``create_all`` is never used to alter a
table.  JSON payloads are stored as text (portable across SQLite and PostgreSQL) and
timestamps as ISO 8601 UTC strings (they enter the audit hash chain byte for byte).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class DatasetBase(SQLModel):
    source: str
    revision: str | None = None
    card_sha256: str
    version: int = 1
    pretty_name: str | None = None
    metadata_json: str = "{}"
    raw_license_json: str = "{}"
    declared_license: str | None = None
    declared_needs_review: bool = True
    declared_reason: str = ""
    declared_confidence: float = 0.0
    declared_method: str = ""
    concluded_license: str | None = None
    concluded_by: str | None = None
    concluded_reason: str | None = None
    concluded_at: str | None = None
    license_changed_at: str | None = None
    previous_license: str | None = None
    rights_json: str | None = None
    personal_data: str = "unknown"
    retain_until: date | None = None
    rights_by: str | None = None
    rights_reason: str | None = None
    rights_at: str | None = None
    suggestions_json: str = "{}"
    ingested_at: str
    updated_at: str


class Dataset(DatasetBase, table=True):
    __tablename__ = "dataset"
    __table_args__ = (
        Index("ix_dataset_personal_data", "personal_data"),
        Index("ix_dataset_retain_until", "retain_until"),
    )
    id: str = Field(primary_key=True)


class DatasetVersion(SQLModel, table=True):
    __tablename__ = "dataset_version"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: str = Field(index=True)
    version: int
    card_sha256: str
    source: str
    revision: str | None = None
    raw_license_json: str = "{}"
    declared_license: str | None = None
    declared_needs_review: bool = True
    metadata_json: str = "{}"
    ingested_at: str


class LicenseDecision(SQLModel, table=True):
    __tablename__ = "license_decision"
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: str = Field(index=True)
    expression: str
    previous: str | None = None
    by: str
    reason: str
    at: str


class RightsEntry(SQLModel, table=True):
    __tablename__ = "rights_entry"
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: str = Field(index=True)
    rights_json: str
    previous_json: str | None = None
    by: str
    reason: str
    at: str


class ClearanceRow(SQLModel, table=True):
    __tablename__ = "clearance"
    id: int | None = Field(default=None, primary_key=True)
    dataset_id: str = Field(index=True)
    use: str
    by: str
    reason: str
    until: date | None = None
    created_at: str
    revoked_at: str | None = None
    revoked_by: str | None = None
    revoked_reason: str | None = None


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    seq: int = Field(primary_key=True)
    at: str
    actor: str
    action: str = Field(index=True)
    dataset_id: str | None = Field(default=None, index=True)
    before_json: str | None = None
    after_json: str | None = None
    reason: str | None = None
    prev_hash: str
    hash: str
    format: int = 1
    rows_json: str | None = None


class CheckRecord(SQLModel, table=True):
    __tablename__ = "check_record"
    id: int | None = Field(default=None, primary_key=True)
    at: str
    by: str
    corpus_name: str | None = None
    use: str
    verdict: str
    policy: str
    state_hash: str
    result_json: str


# Core ``Table`` objects of the models above, for the queries and writes in this package.
DATASETS: Any = Dataset.__table__  # type: ignore[attr-defined]
VERSIONS: Any = DatasetVersion.__table__  # type: ignore[attr-defined]
DECISIONS: Any = LicenseDecision.__table__  # type: ignore[attr-defined]
RIGHTS_HISTORY: Any = RightsEntry.__table__  # type: ignore[attr-defined]
CLEARANCES: Any = ClearanceRow.__table__  # type: ignore[attr-defined]
AUDIT_EVENTS: Any = AuditEvent.__table__  # type: ignore[attr-defined]
CHECKS: Any = CheckRecord.__table__  # type: ignore[attr-defined]

# The governance tables (approvals, reassessment runs) and the model register's tables (their
# own modules; imported so the metadata holds them).
from register.store.governance_tables import (  # noqa: E402,F401  (after the dataset tables)
    APPROVALS,
    REASSESSMENTS,
)
from register.store.model_tables import (  # noqa: E402,F401  (after the dataset tables)
    MODEL_RECORDS,
    MODEL_VERSIONS,
    MODELS,
)
