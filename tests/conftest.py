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
from contextlib import contextmanager
from pathlib import Path

import pytest

# the fake Hub and back-off sleep fixtures, for every test
from tests.hub_helpers import fake_hub, sleeps  # noqa: F401

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL_ENV = "REGISTER_TEST_PG_URL"


def _pg_base_url() -> str | None:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"${PG_URL_ENV} is not set: CI must run the PostgreSQL tests")
        return None
    return url


@contextmanager
def _pg_database(base: str, template: str | None = None,
                 icu_locale: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of ``template`` if given; with ``icu_locale``, an
    empty one whose collation is that ICU locale's), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"register_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        if icu_locale:  # another collation than the template's needs template0
            copy = f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'"
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
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
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (its SQLAlchemy URL)."""
    base = _pg_base_url()
    if base is None:
        pytest.skip(f"set ${PG_URL_ENV} to run PostgreSQL tests")
    with _pg_database(base) as url:
        yield url


@pytest.fixture
def pg_en_us_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database collating text as ICU ``en-US`` (``a_b`` before
    ``A/b`` before ``abc``, unlike the byte order of SQLite and the C locale)."""
    base = _pg_base_url()
    if base is None:
        pytest.skip(f"set ${PG_URL_ENV} to run PostgreSQL tests")
    with _pg_database(base, icu_locale="en-US") as url:
        yield url


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to head once per session, copied (CREATE
    DATABASE ... TEMPLATE) by the ``reg`` fixture instead of migrating a database per test."""
    base = _pg_base_url()
    if base is None:
        pytest.skip(f"set ${PG_URL_ENV} to run PostgreSQL tests")
    from sqlalchemy.engine import make_url

    from register import Register

    with _pg_database(base) as url:
        Register.open(url).close()  # migrate; close so no session holds the template
        yield str(make_url(url).database)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite register migrated to head once per session; tests get a copy of the file."""
    from register import Register

    path = tmp_path_factory.mktemp("template") / "register.db"
    Register.open(path, create=True).close()
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "register.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test against a SQLite file and a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "register.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def reg(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """An empty register at schema head, on SQLite and on PostgreSQL (copied from a template
    migrated once per session: a per-test migration is most of a small test's time)."""
    from register import Register

    if request.param == "sqlite":
        target = tmp_path / "register.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        with Register.open(target) as r:
            yield r
        return
    template = request.getfixturevalue("pg_template")  # skips without a server URL
    base = _pg_base_url()
    assert base is not None
    with _pg_database(base, template) as url, Register.open(url) as r:
        yield r


@pytest.fixture
def sqlite_reg(db_path: Path, sqlite_template: Path) -> Iterator[object]:
    from register import Register

    shutil.copyfile(sqlite_template, db_path)
    with Register.open(db_path) as r:
        yield r


@pytest.fixture
def cards_dir(tmp_path: Path) -> Path:
    """A copy of the real fixture cards (dataset directories) in a temporary directory."""
    dest = tmp_path / "cards"
    shutil.copytree(FIXTURES / "cards", dest)
    return dest
