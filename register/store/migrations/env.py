"""Alembic environment: always run with a connection handed over by register.store.engine."""

from __future__ import annotations

from alembic import context

from register.store.tables import SQLModel

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via register.store.engine
    raise RuntimeError("register migrations run through register.store.engine.migrate()")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
