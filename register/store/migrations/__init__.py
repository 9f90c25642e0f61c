"""Alembic migrations of the register schema (run automatically by ``Register.open``)."""
