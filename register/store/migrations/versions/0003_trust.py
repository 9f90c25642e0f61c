"""Trust: row digests in audit events (chain format 2) and clearance revocations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

``audit_event.format`` is the chain format of each event: 1 for the events written before
this revision (hashed over their nine fields, as they always were, so they keep verifying),
2 for the events that carry ``rows_json`` (the digests of the rows they wrote).  The first
open after the upgrade appends a ``schema.upgrade`` event binding every existing row
(:func:`register.store.engine.migrate`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("format", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("rows_json", sa.String(), nullable=True))
    with op.batch_alter_table("clearance") as batch:
        batch.add_column(sa.Column("revoked_at", sa.String(), nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clearance") as batch:
        batch.drop_column("revoked_reason")
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("rows_json")
        batch.drop_column("format")
