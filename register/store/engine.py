"""Engines, migrations and write transactions for SQLite and PostgreSQL.

``open_engine(target)`` accepts a file path or an SQLAlchemy URL.  SQLite registers run in
WAL mode with a busy timeout so several processes can share one file; every write
transaction starts with ``BEGIN IMMEDIATE`` (SQLite) or takes a transaction-level advisory
lock (PostgreSQL), so writers are serialized: the audit hash chain stays linear and no
read-modify-write loses another writer's change.  "database is locked" is retried within a
bounded time instead of surfacing.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from register.errors import StoreError
from register.store.target import (  # noqa: F401  (HEAD_REVISION, resolve_target: re-exported)
    HEAD_REVISION,
    missing_register,
    read_only_uri,
    resolve_target,
    sqlite_path,
    sqlite_pragmas,
)
from register.store.target import read_only as target_read_only

LOCK_RETRY_SECONDS = 60.0
_PG_LOCK_KEY = 0x5245474953  # "REGIS"

T = TypeVar("T")


def open_engine(target: str | os.PathLike[str] | None, *, create: bool = True) -> Engine:
    url = resolve_target(target)
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            if not path.exists() and not create:
                raise missing_register(path)
            if not path.parent.is_dir():
                raise StoreError(f"{path}: directory {path.parent} does not exist")
        read_only = path is not None and target_read_only(path)
        if read_only and path is not None:
            url = f"sqlite:///{read_only_uri(path)}&uri=true"
        engine = create_engine(
            url, connect_args={"timeout": 30, "isolation_level": None}, future=True
        )
        _install_sqlite_hooks(engine, in_memory=path is None, read_only=read_only)
        return engine
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except ModuleNotFoundError as exc:  # the driver is an optional extra
        hint = ("install the PostgreSQL driver: pip install 'dataset-rights-register[postgres]'"
                if "psycopg" in str(exc.name) else f"install the {exc.name!r} database driver")
        raise StoreError(f"cannot open register {_safe(url)}: no database driver "
                         f"({exc.name} is not installed)", hint=hint) from exc
    except Exception as exc:  # bad URL
        raise StoreError(f"cannot open register {_safe(url)}: {exc}") from exc
    return engine


def _safe(url: str) -> str:
    """The URL as shown in an error: without a password."""
    from sqlalchemy.engine import make_url

    try:
        return repr(make_url(url).render_as_string(hide_password=True))
    except Exception:
        return repr(url)


def _install_sqlite_hooks(engine: Engine, *, in_memory: bool, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        for statement in sqlite_pragmas(in_memory=in_memory, read_only=read_only):
            cur.execute(statement)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.info.pop("begin_mode", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_locked_error(exc: BaseException) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in msg or "database table is locked" in msg or "busy" in msg


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One serialized write transaction (commit on success, rollback on any error)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.info["begin_mode"] = "IMMEDIATE"
            with conn.begin():
                yield conn
        else:
            with conn.begin():
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                yield conn


def run_write(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in a write transaction, retrying while the database is locked."""
    deadline = time.monotonic() + LOCK_RETRY_SECONDS
    delay = 0.02
    while True:
        try:
            with write_transaction(engine) as conn:
                return work(conn)
        except OperationalError as exc:
            if "readonly" in str(exc.orig).lower() or "read-only" in str(exc.orig).lower():
                raise StoreError(f"register write failed: the register is read-only "
                                 f"({exc.orig})", hint="reads work; to change it, use a "
                                 "writable copy of the register file") from None
            if not is_locked_error(exc) or time.monotonic() > deadline:
                raise StoreError(f"register write failed: {exc.orig}") from exc
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 2, 0.5)
        except DBAPIError as exc:
            raise StoreError(f"register write failed: {exc.orig}") from exc


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    try:
        with engine.connect() as conn:
            yield conn
    except DBAPIError as exc:  # e.g. a NUL byte in a query parameter on PostgreSQL
        raise StoreError(f"register read failed: {exc.orig}") from exc


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One consistent read snapshot: a read-only REPEATABLE READ transaction on PostgreSQL,
    one read transaction on SQLite (WAL: every SELECT in it sees the same commit)."""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                with conn.begin():
                    yield conn
            else:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    conn.execute(text("SET TRANSACTION READ ONLY"))
                    yield conn
    except DBAPIError as exc:
        raise StoreError(f"register read failed: {exc.orig}") from exc


def current_revision(engine: Engine) -> str | None:
    try:
        conn = engine.connect()
    except DBAPIError as exc:
        raise _open_error(engine, exc) from None
    with conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except (OperationalError, DBAPIError):
            conn.rollback()
            return None
        return row[0] if row else None


def _open_error(engine: Engine, exc: DBAPIError) -> StoreError:
    """One line for a register that cannot be opened; a missing PostgreSQL database named."""
    url = engine.url
    if url.get_backend_name() == "postgresql" and "does not exist" in str(exc.orig):
        where = f"{url.host or 'localhost'}:{url.port or 5432}"
        return StoreError(f"PostgreSQL database {url.database!r} does not exist on {where}",
                          hint=f"create it first (createdb {url.database}) or name another "
                               "database in the URL")
    first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else repr(exc.orig)
    return StoreError(f"cannot open the register: {first}",
                      hint="check the register path or URL and that you may read it")


def _revision_in(conn: Connection) -> str | None:
    try:
        with conn.begin_nested():
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, DBAPIError):
        return None
    return row[0] if row else None


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (alembic), creating it when the register is new."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))

    def _upgrade(conn: Connection) -> None:
        from register.store import audit

        before = _revision_in(conn)
        legacy = audit.legacy_problem(conn) if before in ("0001", "0002") else None
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        after = _revision_in(conn)
        if (before is not None and after != before and after == HEAD_REVISION
                and audit.head_hash(conn) != audit.GENESIS_HASH):
            # bind every existing row (columns a migration added included) to the chain
            writer = audit.AuditWriter(conn, "register")
            writer.append("schema.upgrade", None, {"revision": before},
                          {"revision": after, "legacy_problem": legacy}, None,
                          rows_json=audit.state_digests(conn))
            writer.flush()

    try:
        run_write(engine, _upgrade)
    except StoreError:
        raise
    except DBAPIError as exc:  # cannot open the file at all (e.g. a /proc path)
        raise StoreError(f"cannot open the register: {exc.orig}") from None
    except Exception as exc:
        raise StoreError(f"cannot migrate the register schema: {exc}") from exc
