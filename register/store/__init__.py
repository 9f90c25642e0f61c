"""Persistence: engines and write transactions (SQLite and PostgreSQL), the tables and their
migrations, the audit chain, and the only SQL of the package (queries and decisions)."""
