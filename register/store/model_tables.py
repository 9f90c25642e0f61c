"""Database tables of the model register (SQLModel): models, their versions, fine-tune records.

Owned by the alembic migration ``0003_models``; imported by :mod:`register.store.tables` so the
metadata holds them.  JSON payloads are text, timestamps ISO 8601 UTC strings, as elsewhere.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ModelRow(SQLModel, table=True):
    """A model: from a model card (``kind`` ``card``) or recorded as trained (``recorded``)."""

    __tablename__ = "model"
    id: str = Field(primary_key=True)
    kind: str = "card"
    source: str
    revision: str | None = None
    card_sha256: str
    version: int = 1
    raw_license_json: str = "{}"
    declared_license: str | None = None
    declared_needs_review: bool = True
    declared_reason: str = ""
    base_models_json: str = "[]"
    base_model_relation: str | None = None
    datasets_json: str = "[]"
    pipeline_tag: str | None = None
    gated_json: str = "null"
    weights_json: str = "[]"
    metadata_json: str = "{}"
    ingested_at: str
    updated_at: str


class ModelVersionRow(SQLModel, table=True):
    __tablename__ = "model_version"
    __table_args__ = (UniqueConstraint("model_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    model_id: str = Field(index=True)
    version: int
    card_sha256: str
    source: str
    revision: str | None = None
    raw_license_json: str = "{}"
    declared_license: str | None = None
    declared_needs_review: bool = True
    base_models_json: str = "[]"
    base_model_relation: str | None = None
    datasets_json: str = "[]"
    weights_json: str = "[]"
    metadata_json: str = "{}"
    ingested_at: str


class ModelRecordRow(SQLModel, table=True):
    """What a recorded fine-tune was trained on, under which check, with which weights."""

    __tablename__ = "model_record"
    id: int | None = Field(default=None, primary_key=True)
    model_id: str = Field(index=True)
    base_id: str
    corpus_name: str
    corpus_file: str
    use: str
    dataset_versions_json: str
    check_verdict: str
    check_hash: str
    check_state_hash: str
    weights_json: str
    owner: str
    scope: str
    code_revision: str | None = None
    by: str
    at: str


MODELS: Any = ModelRow.__table__  # type: ignore[attr-defined]
MODEL_VERSIONS: Any = ModelVersionRow.__table__  # type: ignore[attr-defined]
MODEL_RECORDS: Any = ModelRecordRow.__table__  # type: ignore[attr-defined]
