"""Shared fixtures: registers on SQLite (temporary file) and PostgreSQL (fresh database).

PostgreSQL tests use ``$REGISTER_TEST_PG_URL`` (an SQLAlchemy URL of a server where the user
may create databases, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).  Each test
gets its own new database, dropped afterwards.  Without the variable they are skipped locally,
but under CI (``$CI`` set) a missing server is an error, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL_ENV = "REGISTER_TEST_PG_URL"


def _pg_base_url() -> str | None:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"${PG_URL_ENV} is not set: CI must run the PostgreSQL tests")
        return None
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (its SQLAlchemy URL)."""
    base = _pg_base_url()
    if base is None:
        pytest.skip(f"set ${PG_URL_ENV} to run PostgreSQL tests")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"register_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "register.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against a SQLite file and a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "register.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def reg(db_target: str) -> Iterator[object]:
    from register import Register

    r = Register.open(db_target)
    try:
        yield r
    finally:
        r.close()


@pytest.fixture
def sqlite_reg(db_path: Path) -> Iterator[object]:
    from register import Register

    r = Register.open(db_path)
    try:
        yield r
    finally:
        r.close()


@pytest.fixture
def cards_dir(tmp_path: Path) -> Path:
    """A copy of the real fixture cards (dataset directories) in a temporary directory."""
    dest = tmp_path / "cards"
    shutil.copytree(FIXTURES / "cards", dest)
    return dest
