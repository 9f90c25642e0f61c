"""Models and lineage: model cards, their versions, recorded fine-tunes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _card_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("card_sha256", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("revision", sa.String(), nullable=True),
        sa.Column("raw_license_json", sa.String(), nullable=False, server_default="{}"),
        sa.Column("declared_license", sa.String(), nullable=True),
        sa.Column("declared_needs_review", sa.Boolean(), nullable=False,
                  server_default=sa.true()),
        sa.Column("base_models_json", sa.String(), nullable=False, server_default="[]"),
        sa.Column("base_model_relation", sa.String(), nullable=True),
        sa.Column("datasets_json", sa.String(), nullable=False, server_default="[]"),
        sa.Column("weights_json", sa.String(), nullable=False, server_default="[]"),
        sa.Column("metadata_json", sa.String(), nullable=False, server_default="{}"),
        sa.Column("ingested_at", sa.String(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "model",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False, server_default="card"),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("declared_reason", sa.String(), nullable=False, server_default=""),
        sa.Column("pipeline_tag", sa.String(), nullable=True),
        sa.Column("gated_json", sa.String(), nullable=False, server_default="null"),
        sa.Column("updated_at", sa.String(), nullable=False),
        *_card_columns(),
    )
    op.create_table(
        "model_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_card_columns(),
        sa.UniqueConstraint("model_id", "version"),
    )
    op.create_table(
        "model_record",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(), nullable=False),
        sa.Column("base_id", sa.String(), nullable=False),
        sa.Column("corpus_name", sa.String(), nullable=False),
        sa.Column("corpus_file", sa.String(), nullable=False),
        sa.Column("use", sa.String(), nullable=False),
        sa.Column("dataset_versions_json", sa.String(), nullable=False),
        sa.Column("check_verdict", sa.String(), nullable=False),
        sa.Column("check_hash", sa.String(), nullable=False),
        sa.Column("check_state_hash", sa.String(), nullable=False),
        sa.Column("weights_json", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("code_revision", sa.String(), nullable=True),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
    )
    op.create_index("ix_model_version_model_id", "model_version", ["model_id"])
    op.create_index("ix_model_record_model_id", "model_record", ["model_id"])


def downgrade() -> None:
    op.drop_table("model_record")
    op.drop_table("model_version")
    op.drop_table("model")
