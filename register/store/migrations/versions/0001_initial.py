"""Initial schema: datasets, versions, license decisions, rights history, clearances, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("revision", sa.String(), nullable=True),
        sa.Column("card_sha256", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pretty_name", sa.String(), nullable=True),
        sa.Column("metadata_json", sa.String(), nullable=False),
        sa.Column("raw_license_json", sa.String(), nullable=False),
        sa.Column("declared_license", sa.String(), nullable=True),
        sa.Column("declared_needs_review", sa.Boolean(), nullable=False),
        sa.Column("declared_reason", sa.String(), nullable=False),
        sa.Column("declared_confidence", sa.Float(), nullable=False),
        sa.Column("declared_method", sa.String(), nullable=False),
        sa.Column("concluded_license", sa.String(), nullable=True),
        sa.Column("concluded_by", sa.String(), nullable=True),
        sa.Column("concluded_reason", sa.String(), nullable=True),
        sa.Column("concluded_at", sa.String(), nullable=True),
        sa.Column("license_changed_at", sa.String(), nullable=True),
        sa.Column("previous_license", sa.String(), nullable=True),
        sa.Column("rights_json", sa.String(), nullable=True),
        sa.Column("personal_data", sa.String(), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("rights_by", sa.String(), nullable=True),
        sa.Column("rights_reason", sa.String(), nullable=True),
        sa.Column("rights_at", sa.String(), nullable=True),
        sa.Column("ingested_at", sa.String(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
    )
    op.create_index("ix_dataset_personal_data", "dataset", ["personal_data"])
    op.create_index("ix_dataset_retain_until", "dataset", ["retain_until"])
    op.create_table(
        "dataset_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("card_sha256", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("revision", sa.String(), nullable=True),
        sa.Column("raw_license_json", sa.String(), nullable=False),
        sa.Column("declared_license", sa.String(), nullable=True),
        sa.Column("declared_needs_review", sa.Boolean(), nullable=False),
        sa.Column("metadata_json", sa.String(), nullable=False),
        sa.Column("ingested_at", sa.String(), nullable=False),
        sa.UniqueConstraint("dataset_id", "version"),
    )
    op.create_index("ix_dataset_version_dataset_id", "dataset_version", ["dataset_id"])
    op.create_table(
        "license_decision",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.String(), nullable=False),
        sa.Column("expression", sa.String(), nullable=False),
        sa.Column("previous", sa.String(), nullable=True),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
    )
    op.create_index("ix_license_decision_dataset_id", "license_decision", ["dataset_id"])
    op.create_table(
        "rights_entry",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.String(), nullable=False),
        sa.Column("rights_json", sa.String(), nullable=False),
        sa.Column("previous_json", sa.String(), nullable=True),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
    )
    op.create_index("ix_rights_entry_dataset_id", "rights_entry", ["dataset_id"])
    op.create_table(
        "clearance",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.String(), nullable=False),
        sa.Column("use", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
    )
    op.create_index("ix_clearance_dataset_id", "clearance", ["dataset_id"])
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("dataset_id", sa.String(), nullable=True),
        sa.Column("before_json", sa.String(), nullable=True),
        sa.Column("after_json", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
    )
    op.create_index("ix_audit_event_action", "audit_event", ["action"])
    op.create_index("ix_audit_event_dataset_id", "audit_event", ["dataset_id"])


def downgrade() -> None:
    for table in (
        "audit_event", "clearance", "rights_entry", "license_decision", "dataset_version",
        "dataset",
    ):
        op.drop_table(table)
