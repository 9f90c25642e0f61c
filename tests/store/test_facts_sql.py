"""The facts read path of :mod:`register.store.facts_sql`: the plain ``register check`` over
stdlib sqlite3 and the API over SQLAlchemy's driver connection read the same facts and give
the same verdicts (pinned and abbreviated revisions, missing ids, clearances, concluded
licenses); the file is opened only when it is at the schema head."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from register.check_verbs import plain_check
from register.errors import CorpusError, StoreError
from register.store import facts_sql
from register.store.facts_sql import open_sqlite_file
from register.store.target import HEAD_REVISION
from tests.card_helpers import license_card

ON = "2026-12-01"


def _fill(reg: Any, root: Path) -> str:
    """d0..d4 with two versions of d0 (returns d0's first card checksum), clearances of d1
    (one standing, one revoked), a concluded license on d2, rights on d3 and d4."""
    from register.rights.record import RightsChange

    for i, lic in enumerate(["mit", "cc-by-4.0", "other", "cc-by-sa-4.0", "cc-by-nc-4.0"]):
        license_card(root, f"d{i}", lic)
    reg.ingest_paths([root], recursive=True)
    old_sha = str(reg.show("d0").card_sha256)
    license_card(root, "d0", "cc-by-nc-4.0")
    reg.ingest_paths([root], recursive=True)
    reg.clear("d1", use="service", reason="bought", by="counsel", until=None)
    reg.clear("d1", use="research", reason="old", by="counsel")
    reg.revoke_clearance("d1", use="research", reason="ended", by="counsel")
    reg.clear("d3", use="service", reason="until then", by="counsel",
              until=__import__("datetime").date(2027, 6, 30))
    reg.set_license("d2", "Apache-2.0", reason="read the files", by="legal")
    for ident in ("d3", "d4"):
        reg.set_rights(ident, RightsChange(personal_data="no"), reason="checked", by="legal")
    return old_sha


@pytest.fixture
def filled(sqlite_reg: Any, tmp_path: Path) -> tuple[Any, str, Path]:
    old_sha = _fill(sqlite_reg, tmp_path / "cards")
    return sqlite_reg, old_sha, tmp_path / "register.db"


def _plain_facts(path: Path, wanted: list[tuple[str, str | None]], **kw: Any) -> list[Any]:
    db = open_sqlite_file(path)
    assert db is not None
    try:
        return facts_sql.facts(db, wanted, **kw)
    finally:
        db.close()


def test_the_plain_read_and_the_api_read_give_the_same_facts(
        filled: tuple[Any, str, Path]) -> None:
    reg, old_sha, path = filled
    cases: list[list[tuple[str, str | None]]] = [
        [("d4", None), ("d0", None), ("d1", None), ("d2", None), ("d3", None)],
        [("d0", old_sha), ("d1", None)],
        [("d0", old_sha[:7]), ("d2", "anything: a concluded license wins")],
        [("d0", old_sha[:12].upper())],
    ]
    for wanted in cases:
        api = reg.facts([{"id": i, "revision": r} for i, r in wanted])
        assert _plain_facts(path, wanted) == api and api
    got = {f.id: f for f in _plain_facts(path, cases[0])}
    assert [(c.use, c.until) for c in got["d1"].clearances] == [("service", None)]
    assert [str(c.until) for c in got["d3"].clearances] == ["2027-06-30"]
    assert got["d2"].license == "Apache-2.0" and got["d2"].extra == {"concluded_by": "legal"}
    assert got["d3"].rights is got["d4"].rights and got["d3"].license_needs_review is False
    assert _plain_facts(path, [("d0", old_sha)])[0].license == "MIT"


def test_missing_ids_and_bad_revisions_fail_alike(filled: tuple[Any, str, Path]) -> None:
    reg, _sha, path = filled
    wanted = [("d0", None), ("nope", None), ("gone", None)]
    for read in (lambda **kw: _plain_facts(path, wanted, **kw),
                 lambda **kw: reg.facts([i for i, _ in wanted], **kw)):
        with pytest.raises(CorpusError, match=r"'nope' is not in the register \(and 1 more\)"):
            read()
        assert [f.id for f in read(strict=False)] == ["d0"]
    for rev in ("zzz", "abcdef"):
        with pytest.raises(CorpusError, match=f"no version with revision '{rev}'"):
            _plain_facts(path, [("d0", rev)])
    assert facts_sql.existing_ids(open_sqlite_file(path), ["d1", "x", "d1"]) == ["d1"]  # type: ignore[arg-type]


def test_plain_check_is_the_api_check(filled: tuple[Any, str, Path], tmp_path: Path) -> None:
    reg, old_sha, path = filled
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: mix\ndatasets:\n  - d1\n  - id: d0\n    revision: "
                      f"{old_sha[:9]}\n  - d2\n  - d3\n", encoding="utf-8")

    def no_fallback(_corpus: Any) -> Any:
        raise AssertionError("the plain check fell back to the engine path")

    for use in ("service", "research", "release-weights"):
        kw: dict[str, Any] = {"use": use, "on": ON, "non_commercial": False, "region": "DE",
                              "policy": None}
        api = reg.check_corpus(corpus, extra_datasets=["d4"], **kw).to_dict()
        assert plain_check(path, corpus, ["d4"], fallback=no_fallback, **kw).to_dict() == api
        ids = reg.check(["d4", "d1"], **kw).to_dict()
        assert plain_check(path, None, ["d4", "d1", "d4"], fallback=no_fallback,
                           **kw).to_dict() == ids
    for check in (lambda: reg.check(["nope"], use="service"),
                  lambda: plain_check(path, None, ["nope"], fallback=no_fallback, use="service")):
        with pytest.raises(CorpusError, match="dataset 'nope' is not in the register"):
            check()


def test_a_corpus_with_a_base_model_falls_back_with_the_corpus_read(
        filled: tuple[Any, str, Path], tmp_path: Path) -> None:
    _reg, _sha, path = filled
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: tuned\nbase_model: {id: org/m, license: mit}\ndatasets: [d1]\n",
                      encoding="utf-8")
    seen: list[Any] = []
    plain_check(path, corpus, [], fallback=lambda c: seen.append(c) or "engine",  # type: ignore[func-returns-value]
                use="service")
    assert [c.name for c in seen] == ["tuned"]


def test_the_file_is_opened_only_at_the_schema_head(sqlite_reg: Any, tmp_path: Path) -> None:
    path = tmp_path / "register.db"
    db = open_sqlite_file(path)
    assert db is not None
    db.close()
    with pytest.raises(StoreError, match="no register at .*missing.db"):
        open_sqlite_file(tmp_path / "missing.db")
    for target in (":memory:", "postgresql://u@h/db", f"sqlite:///{path}?mode=ro"):
        assert open_sqlite_file(target) is None
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    assert open_sqlite_file(tmp_path / "junk.db") is None  # the engine path says why
    sqlite_reg.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    assert open_sqlite_file(path) is None  # a migration first: the engine path
    seen: list[Any] = []
    plain_check(path, None, ["d0"], fallback=lambda c: seen.append(c) or "engine",  # type: ignore[func-returns-value]
                use="service")
    assert seen == [None]
    assert HEAD_REVISION != "0001"


def test_a_read_only_register_file_is_opened_read_only(
        filled: tuple[Any, str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _reg, _sha, path = filled
    monkeypatch.setattr("register.store.target.read_only", lambda _path: True)
    db = open_sqlite_file(path)
    assert db is not None
    assert [f.id for f in facts_sql.facts(db, [("d1", None)])] == ["d1"]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.conn.execute("DELETE FROM clearance")
    db.close()


@pytest.mark.parametrize(("style", "sql"), [
    ("named", "SELECT 1 WHERE a = :x AND b LIKE 'q%' AND c::text = :y"),
    ("pyformat", "SELECT 1 WHERE a = %(x)s AND b LIKE 'q%%' AND c::text = %(y)s"),
])
def test_parameters_take_the_drivers_paramstyle(style: str, sql: str) -> None:
    got = facts_sql._translate("SELECT 1 WHERE a = :x AND b LIKE 'q%' AND c::text = :y", style)
    assert got == sql


@pytest.mark.parametrize("style", ["qmark", "format", "numeric"])
def test_a_paramstyle_no_driver_of_ours_uses_is_refused(style: str) -> None:
    with pytest.raises(StoreError, match=f"unsupported database driver paramstyle '{style}'"):
        facts_sql._translate("SELECT :x", style)


def test_the_register_drivers_paramstyles_are_the_translated_ones(reg: Any) -> None:
    from register.store import queries
    from register.store.engine import read_connection

    with read_connection(reg.engine) as conn:
        db = queries.dbapi(conn)
        assert db.paramstyle == {"sqlite": "named", "postgresql": "pyformat"}[db.dialect]
        sql = "SELECT :x || '%', CAST(:y AS integer) + 1"
        assert list(db.rows(sql, {"x": "a%", "y": 2})) == [("a%%", 3)]


def test_a_driver_error_is_a_store_error(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db")
    db = facts_sql.Db(conn, dialect="sqlite", paramstyle="named", error=sqlite3.Error)
    with pytest.raises(StoreError, match="register read failed: no such table: dataset"):
        facts_sql.existing_ids(db, ["a"])
    conn.close()


def test_the_api_reads_the_facts_on_sqlite_and_postgresql(reg: Any, tmp_path: Path) -> None:
    old_sha = _fill(reg, tmp_path / "cards")
    got = reg.facts(["d1", {"id": "d0", "revision": old_sha[:8]}, "d2", "d3", "d4", "d0"])
    assert [(f.id, f.license) for f in got] == [
        ("d1", "CC-BY-4.0"), ("d0", "MIT"), ("d2", "Apache-2.0"), ("d3", "CC-BY-SA-4.0"),
        ("d4", "CC-BY-NC-4.0")]
    assert [(c.use, c.until) for c in got[0].clearances] == [("service", None)]
    assert [str(c.until) for c in got[3].clearances] == ["2027-06-30"]
    assert got[3].rights is got[4].rights and got[3].rights.personal_data == "no"
    assert got[2].extra == {"concluded_by": "legal"} and got[0].license_needs_review is False
    with pytest.raises(CorpusError, match=r"'x' is not in the register \(and 1 more\)"):
        reg.facts(["d0", "x", "y"])
    assert [f.id for f in reg.facts(["x", "d4"], strict=False)] == ["d4"]

    def compute() -> Any:
        return reg.check(["d1", {"id": "d0", "revision": old_sha}, "d3"], use="service", on=ON)

    recorded, _state = reg.check_and_record(compute, by="ci")  # read in the write transaction
    assert recorded.to_dict() == compute().to_dict()
    assert reg.existing_ids(["d2", "zz", "d2"]) == ["d2"]
