"""The store on SQLite and PostgreSQL: opening, creating, migrating, write transactions."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from register import Register
from register.cards.files import parse_card_bytes
from register.errors import StoreError, UsageError
from register.store.audit import GENESIS_HASH, AuditWriter, canonical, event_hash
from register.store.engine import (
    HEAD_REVISION,
    current_revision,
    migrate,
    open_engine,
    resolve_target,
    run_write,
    write_transaction,
)

CARD = b"---\nlicense: mit\npretty_name: Demo\n---\n# Demo\n\nSome text.\n"


def _doc(dataset_id: str, body: bytes = CARD):
    return parse_card_bytes(body, None, dataset_id, f"mem://{dataset_id}")


def _table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("dataset", "dataset_version", "license_decision", "rights_entry",
                      "clearance", "audit_event")
        }


# --------------------------------------------------------------------------- targets

def test_resolve_target_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_target(tmp_path / "r.db") == f"sqlite:///{(tmp_path / 'r.db').resolve()}"
    assert resolve_target(":memory:") == "sqlite://"
    assert resolve_target("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_target("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("REGISTER_DB", str(tmp_path / "env.db"))
    assert resolve_target(None).endswith("env.db")
    monkeypatch.delenv("REGISTER_DB")
    monkeypatch.chdir(tmp_path)
    assert resolve_target(None) == f"sqlite:///{(tmp_path / 'register.db').resolve()}"


def test_missing_register_is_not_created_by_readers(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no register at"):
        Register.open(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_missing_directory_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Register.open(tmp_path / "no" / "such" / "dir" / "r.db", create=True)


def test_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError):
        Register.open("nosuchdialect://x/y")


def test_sqlite_register_uses_wal(tmp_path: Path) -> None:
    with Register.open(tmp_path / "r.db", create=True) as reg, reg.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar()) >= 1000


# --------------------------------------------------------------------------- open / create

def test_open_creates_schema_at_head(db_target: str) -> None:
    with Register.open(db_target, create=True) as reg:
        assert current_revision(reg.engine) == HEAD_REVISION
        assert reg.count() == 0
        assert reg.audit_verify().ok
    # opening again is idempotent and keeps the data
    with Register.open(db_target, create=True) as reg:
        reg.ingest_documents([_doc("a"), _doc("b")], actor="t")
    with Register.open(db_target, create=False) as reg:
        assert current_revision(reg.engine) == HEAD_REVISION
        assert reg.dataset_ids() == ["a", "b"]
        assert reg.audit_verify().events == 2


def test_round_trip_of_a_dataset(reg: Register) -> None:
    reg.ingest_documents([_doc("org/name")], actor="alice")
    shown = reg.show("org/name")
    assert shown.id == "org/name"
    assert shown.version == 1
    assert shown.license.raw["license"] == "mit"
    assert shown.pretty_name == "Demo"
    reg.set_license("org/name", "Apache-2.0", reason="checked upstream", by="bob")
    shown = reg.show("org/name")
    assert shown.license.concluded == "Apache-2.0"
    assert shown.license.effective == "Apache-2.0"
    assert shown.license.decisions[0].by == "bob"


def test_reingest_identical_is_a_no_op_and_changes_make_versions(reg: Register) -> None:
    reg.ingest_documents([_doc("a")], actor="t")
    before = _table_counts(reg.engine)
    s = reg.ingest_documents([_doc("a")], actor="t")
    assert (s.ingested, s.updated, s.unchanged) == (0, 0, 1)
    assert _table_counts(reg.engine) == before
    s = reg.ingest_documents([_doc("a", CARD.replace(b"Some", b"Other"))], actor="t")
    assert s.updated == 1
    assert [h.version for h in reg.show("a").history] == [1, 2]
    assert reg.audit_verify().ok


# --------------------------------------------------------------------------- migrations

def _write_at_0001(engine) -> None:
    """Data as a register at schema revision 0001 holds it (no suggestions_json column)."""
    at = "2026-01-02T03:04:05.000000Z"

    def work(conn) -> None:
        conn.execute(text(
            "INSERT INTO dataset (id, source, revision, card_sha256, version, pretty_name,"
            " metadata_json, raw_license_json, declared_license, declared_needs_review,"
            " declared_reason, declared_confidence, declared_method, concluded_license,"
            " concluded_by, concluded_reason, concluded_at, personal_data, rights_json,"
            " ingested_at, updated_at) VALUES (:id, 'old://x', NULL, :sha, 1, 'Old', '{}',"
            " '{\"license\": \"mit\"}', 'MIT', :f, '', 1.0, 'hub-id', 'Apache-2.0', 'bob',"
            " 'read the repo', :at, 'unknown', NULL, :at, :at)"
        ), {"id": "legacy/ds", "sha": "ab" * 32, "at": at, "f": False})
        conn.execute(text(
            "INSERT INTO dataset_version (dataset_id, version, card_sha256, source,"
            " raw_license_json, declared_license, declared_needs_review, metadata_json,"
            " ingested_at) VALUES ('legacy/ds', 1, :sha, 'old://x', '{}', 'MIT', :f, '{}', :at)"
        ), {"sha": "ab" * 32, "at": at, "f": False})
        conn.execute(text(
            "INSERT INTO license_decision (dataset_id, expression, previous, by, reason, at)"
            " VALUES ('legacy/ds', 'Apache-2.0', NULL, 'bob', 'read the repo', :at)"
        ), {"at": at})
        # chain format 1, as the register wrote it before revision 0003
        prev = GENESIS_HASH
        for seq, actor, action, before, after, reason in (
            (1, "migrator", "dataset.ingest", None, {
                "version": 1, "card_sha256": "ab" * 32, "source": "old://x", "revision": None,
                "declared_license": "MIT", "needs_review": False}, None),
            (2, "bob", "license.conclude", {"concluded_license": None},
             {"concluded_license": "Apache-2.0"}, "read the repo"),
        ):
            b = None if before is None else canonical(before)
            a = canonical(after)
            h = event_hash(seq, at, actor, action, "legacy/ds", b, a, reason, prev)
            conn.execute(text(
                "INSERT INTO audit_event (seq, at, actor, action, dataset_id, before_json,"
                " after_json, reason, prev_hash, hash) VALUES (:s, :at, :actor, :action,"
                " 'legacy/ds', :b, :a, :r, :p, :h)"),
                {"s": seq, "at": at, "actor": actor, "action": action, "b": b, "a": a,
                 "r": reason, "p": prev, "h": h})
            prev = h

    run_write(engine, work)


def test_upgrade_from_0001_keeps_everything(db_target: str) -> None:
    engine = open_engine(db_target)
    migrate(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.connect() as conn:
        cols = set(conn.execute(text("SELECT * FROM dataset WHERE 1=0")).keys())
    assert "suggestions_json" not in cols
    _write_at_0001(engine)
    counts = _table_counts(engine)
    engine.dispose()

    with Register.open(db_target, create=True) as reg:
        assert current_revision(reg.engine) == HEAD_REVISION
        assert _table_counts(reg.engine) == {**counts,
                                             "audit_event": counts["audit_event"] + 1}
        shown = reg.show("legacy/ds")
        assert shown.license.declared == "MIT"
        assert shown.license.concluded == "Apache-2.0"
        assert shown.license.effective == "Apache-2.0"
        assert shown.rights.suggestions == {}
        assert [d.reason for d in shown.license.decisions] == ["read the repo"]
        report = reg.audit_verify()
        assert report.ok, report.problem
        assert report.events == 3  # the two old events and the upgrade's baseline
        upgrade = reg.audit_log()[-1]
        assert upgrade.action == "schema.upgrade"
        assert upgrade.after == {"revision": HEAD_REVISION, "legacy_problem": None}
        # the upgraded register is fully usable: new writes extend the same chain
        reg.ingest_documents([_doc("new")], actor="t")
        reg.record_check(reg.check(["legacy/ds"], use="research"), by="carol")
        assert reg.audit_verify().events == 5
        with reg.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM check_record")).scalar_one() == 1


def test_schema_matches_models(db_target: str) -> None:
    """alembic autogenerate finds no difference between the migrations and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with Register.open(db_target, create=True) as reg, reg.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []


def test_migrate_to_head_twice_is_harmless(db_target: str) -> None:
    engine = open_engine(db_target)
    try:
        migrate(engine)
        migrate(engine)
        migrate(engine, "head")
        assert current_revision(engine) == HEAD_REVISION
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- transactions

def test_failed_write_rolls_back_everything(reg: Register) -> None:
    reg.ingest_documents([_doc("a")], actor="t")
    before = _table_counts(reg.engine)

    def work(conn) -> None:
        conn.execute(text("DELETE FROM dataset"))
        AuditWriter(conn, "x").append("dataset.delete", "a", None, {})
        raise UsageError("boom")

    with pytest.raises(UsageError):
        run_write(reg.engine, work)
    assert _table_counts(reg.engine) == before
    assert reg.audit_verify().ok


def test_api_errors_write_nothing(reg: Register) -> None:
    reg.ingest_documents([_doc("a")], actor="t")
    before = _table_counts(reg.engine)
    with pytest.raises(UsageError):
        reg.set_license("a", "not a license (((", reason="x")
    with pytest.raises(UsageError):
        reg.set_license("a", "MIT", reason="   ")
    from register.errors import NotFoundError

    with pytest.raises(NotFoundError):
        reg.set_license("missing", "MIT", reason="x")
    assert _table_counts(reg.engine) == before


def test_sqlite_lock_is_retried_not_surfaced(tmp_path: Path) -> None:
    """A writer holding the lock for a while delays, but does not fail, another writer."""
    db = tmp_path / "r.db"
    with Register.open(db, create=True) as reg:
        reg.ingest_documents([_doc("a")], actor="t")
    holder = open_engine(db)
    other = open_engine(db)
    # make the other engine's busy timeout short so the retry loop (not SQLite) must wait
    from sqlalchemy import event

    @event.listens_for(other, "connect")
    def _short(dbapi_conn, _rec) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA busy_timeout=50")

    locked = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with write_transaction(holder) as conn:
            conn.execute(text("UPDATE dataset SET pretty_name='held' WHERE id='a'"))
            locked.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    assert locked.wait(10)
    threading.Timer(1.0, release.set).start()
    start = time.monotonic()
    run_write(other, lambda conn: conn.execute(
        text("UPDATE dataset SET revision='r2' WHERE id='a'")))
    waited = time.monotonic() - start
    t.join()
    assert waited >= 0.5
    with other.connect() as conn:
        row = conn.execute(text("SELECT pretty_name, revision FROM dataset")).one()
    assert tuple(row) == ("held", "r2")  # neither write was lost
    holder.dispose()
    other.dispose()


def test_postgres_writers_are_serialized(pg_url: str) -> None:
    """The advisory lock serializes read-modify-write transactions on PostgreSQL."""
    with Register.open(pg_url) as reg:
        reg.ingest_documents([_doc("a")], actor="t")
        reg.engine.dispose()
    engines = [open_engine(pg_url) for _ in range(4)]

    def bump(engine) -> None:
        for _ in range(25):
            def work(conn) -> None:
                v = conn.execute(text("SELECT version FROM dataset WHERE id='a'")).scalar_one()
                time.sleep(0.001)
                conn.execute(text("UPDATE dataset SET version=:v WHERE id='a'"), {"v": v + 1})
            run_write(engine, work)

    threads = [threading.Thread(target=bump, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT version FROM dataset WHERE id='a'")).scalar_one() \
            == 1 + 4 * 25
    for e in engines:
        e.dispose()


def test_postgres_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """psycopg is the optional ``[postgres]`` extra: without it, a one-line error says so."""
    import sys

    from register.store.engine import open_engine

    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ModuleNotFoundError
    with pytest.raises(StoreError) as info:
        open_engine("postgresql://ann:secret@db.example/reg")
    assert "no database driver (psycopg is not installed)" in info.value.message
    assert "secret" not in info.value.message
    assert "dataset-rights-register[postgres]" in (info.value.hint or "")
