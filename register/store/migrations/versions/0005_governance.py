"""Governance: approvals bound to evidence digests, recorded reassessment runs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("subject_kind", sa.String(), nullable=False),
        sa.Column("subject_id", sa.String(), nullable=False),
        sa.Column("tier", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("use", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("evidence_digest", sa.String(), nullable=False),
        sa.Column("evidence_json", sa.String(), nullable=False),
        sa.Column("signature", sa.String(), nullable=True),
        sa.Column("signer_fingerprint", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False, server_default="active"),
        sa.Column("state_at", sa.String(), nullable=True),
        sa.Column("state_reason", sa.String(), nullable=True),
    )
    op.create_index("ix_approval_subject_id", "approval", ["subject_id"])
    op.create_table(
        "reassessment",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("on", sa.String(), nullable=False),
        sa.Column("refreshed_hub", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("exit_code", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("findings_json", sa.String(), nullable=False, server_default="[]"),
    )


def downgrade() -> None:
    op.drop_table("reassessment")
    op.drop_table("approval")
