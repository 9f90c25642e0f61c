"""Recorded checks (``check --record``) and card-derived rights suggestions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dataset") as batch:
        batch.add_column(
            sa.Column("suggestions_json", sa.String(), nullable=False, server_default="{}")
        )
    op.create_table(
        "check_record",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("corpus_name", sa.String(), nullable=True),
        sa.Column("use", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("policy", sa.String(), nullable=False),
        sa.Column("state_hash", sa.String(), nullable=False),
        sa.Column("result_json", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("check_record")
    with op.batch_alter_table("dataset") as batch:
        batch.drop_column("suggestions_json")
