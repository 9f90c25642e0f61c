"""Trust (issue 12): every stored fact is bound to the chain, stale writes are refused, and
decisions can be undone.

The tamper tests are generated from the table metadata: every column of every table the
chain binds is edited behind the register's back, and ``audit_verify`` must name the table
and the column (a new column is covered without touching this file)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from register import Register
from register.cards.files import parse_card_bytes
from register.errors import ConflictError, UsageError, ValidationError
from register.rights.record import parse_rights_options
from register.store.audit import covered_tables
from register.store.tables import DATASETS
from tests.cli_helpers import run_cli


def doc(dataset_id: str, license_id: str = "mit", body: str = ""):
    card = f"---\nlicense: {license_id}\n---\n# Card\n{body}\n".encode()
    return parse_card_bytes(card, None, dataset_id, f"mem://{dataset_id}")


def sql(reg: Register, statement: str, **params: Any) -> None:
    with reg.engine.begin() as conn:
        conn.execute(text(statement), params)


MODEL_CARDS = Path(__file__).parents[1] / "fixtures" / "model-cards"
LLAMA = "NousResearch/Meta-Llama-3-8B"


def seed(reg: Register) -> Register:
    """A row in every table: two versions, a decision, rights, a clearance, a check, a model
    card and a fine-tune recorded on it, signed sign-offs and a reassessment run."""
    reg.ingest_documents([doc("a"), doc("b", "apache-2.0"), doc("org/c", "unknown")],
                         actor="ingester")
    reg.ingest_documents([doc("a", "mit", "v2")], actor="ingester")
    reg.set_license("org/c", "CC-BY-4.0", reason="read the paper", by="alice")
    reg.set_rights("a", parse_rights_options(personal_data="no", allowed_region=["EU"],
                                             retain_until="2030-01-01"),
                   reason="DPA review", by="bob")
    reg.clear("org/c", use="service", reason="counsel ok", by="carol",
              until=date.today() + timedelta(days=30))
    reg.check_and_record(lambda: reg.check(["a", "b"], use="research"), by="dave")
    reg.ingest_models([MODEL_CARDS / "NousResearch__Meta-Llama-3-8B"], actor="ingester")
    work = Path(tempfile.mkdtemp(prefix="trust-seed-"))
    corpus = work / "corpus.yaml"
    corpus.write_text(f"name: tuned\nbase_model: {LLAMA}\ndatasets: [a, b]\n",
                      encoding="utf-8")
    (work / "out").mkdir()
    (work / "out" / "adapter_model.safetensors").write_bytes(b"trained weights")
    reg.record_model("acme/tuned", base=LLAMA, corpus=corpus, weights=[work / "out"],
                     owner="erin", scope="seed", by="erin")
    # governance: a signed sign-off (under a policy whose pilot only needs not-blocked) and
    # a recorded reassessment run
    policy = work / "policy.yaml"
    policy.write_text("tiers:\n  controlled-pilot:\n    checks: [not-blocked]\n",
                      encoding="utf-8")
    key = work / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                   check=True, capture_output=True)
    reg.approve("acme/tuned", tier="controlled-pilot", role="legal", by="frank",
                reason="first look", sign_with=key, policy=policy)
    reg.reassess(policy=policy, by="frank")
    shutil.rmtree(work)
    assert reg.audit_verify().ok
    return reg


@pytest.fixture
def seeded(reg: Register) -> Register:
    return seed(reg)


# --------------------------------------------------------------------------- tampering


def _columns() -> list[tuple[str, str]]:
    return [(t.name, c.name) for t in covered_tables() for c in t.columns]


def _changed(value: Any, kind: str) -> Any:
    if kind == "bool":
        return not value
    if kind == "int":
        return (value or 0) + 100
    if kind == "float":
        return (value or 0.0) + 0.5
    if kind == "date":
        return (value or date(2030, 1, 1)) + timedelta(days=1)
    return (value or "") + "x"


def _kind(col: Any) -> str:
    from register.store.audit import _kind as kind  # noqa: PLC2701 - the same rule

    return kind(col)


@pytest.mark.parametrize("table_name,column_name", _columns(),
                         ids=[f"{t}.{c}" for t, c in _columns()])
def test_every_column_of_every_table_is_bound(seeded: Register, table_name: str,
                                              column_name: str) -> None:
    tbl = next(t for t in covered_tables() if t.name == table_name)
    col = tbl.c[column_name]
    pk = list(tbl.primary_key.columns)[0]
    with seeded.engine.begin() as conn:
        row = conn.execute(tbl.select().order_by(pk).limit(1)).mappings().first()
        assert row is not None, f"the seed wrote no {table_name} row"
        new = _changed(row[column_name], _kind(col))
        conn.execute(tbl.update().where(pk == row[pk.name]).values({column_name: new}))
    report = seeded.audit_verify()
    assert not report.ok
    assert report.first_bad_seq is None  # the chain is intact; the state is not
    assert report.table == table_name, report.problem
    if column_name == pk.name:  # the row now has a key no event wrote
        assert "not written by any event" in report.problem
    else:
        assert report.column == column_name, report.problem
        assert f"column {column_name}" in report.problem
        assert report.row == str(row[pk.name])


def test_every_table_is_covered() -> None:
    names = {t.name for t in covered_tables()}
    assert {"dataset", "dataset_version", "license_decision", "rights_entry", "clearance",
            "check_record", "model", "model_version", "model_record", "approval",
            "reassessment"} <= names
    assert "audit_event" not in names


def test_flipped_review_flag_is_caught(seeded: Register) -> None:
    """The issue's first hole: the card's sources disagree, check says needs-review; an
    edit of declared_needs_review would make it allowed."""
    seeded.ingest_documents([doc("d", "other")], actor="t")
    assert seeded.check(["d"], use="research").verdict == "needs-review"
    sql(seeded, "UPDATE dataset SET declared_needs_review = :f WHERE id = 'd'", f=False)
    report = seeded.audit_verify(anchors=[seeded.audit_verify().head_hash])
    assert not report.ok
    assert (report.table, report.row, report.column) == ("dataset", "d",
                                                         "declared_needs_review")


def test_old_version_license_is_caught(seeded: Register) -> None:
    sql(seeded, "UPDATE dataset_version SET declared_license = 'CC0-1.0' "
        "WHERE dataset_id = 'a' AND version = 1")
    report = seeded.audit_verify()
    assert (report.ok, report.table, report.column) == (False, "dataset_version",
                                                        "declared_license")


def test_deleted_and_inserted_rows_are_named(seeded: Register) -> None:
    sql(seeded, "DELETE FROM rights_entry")
    report = seeded.audit_verify()
    assert not report.ok and report.table == "rights_entry"
    assert "missing from the register" in report.problem


def test_corrupt_values_are_named_not_internal_errors(sqlite_reg: Register) -> None:
    reg = seed(sqlite_reg)
    sql(reg, "UPDATE dataset SET rights_json = '{bad json' WHERE id = 'a'")
    report = reg.audit_verify()
    assert (report.ok, report.table, report.row, report.column) == (
        False, "dataset", "a", "rights_json")
    sql(reg, "UPDATE dataset SET rights_json = NULL WHERE id = 'a'")
    sql(reg, "UPDATE clearance SET until = 'not-a-date'")
    report = reg.audit_verify()
    assert (report.ok, report.table, report.column) == (False, "clearance", "until")


def test_changed_schema_revision_is_named(seeded: Register) -> None:
    sql(seeded, "UPDATE alembic_version SET version_num = '0002'")
    report = seeded.audit_verify()
    assert not report.ok
    assert report.table == "alembic_version" and "'0002'" in report.problem


def test_cli_verify_names_a_corrupt_row(sqlite_reg: Register, capsys) -> None:
    reg = seed(sqlite_reg)
    sql(reg, "UPDATE clearance SET until = 'soon'")
    db = reg.engine.url.database
    result = run_cli(capsys, "--db", db, "audit", "verify")
    assert result.code == 1
    assert "table clearance, row '1', column until" in result.err
    assert "internal error" not in result.err.lower()


def test_anchor_still_catches_a_tail_rewrite(seeded: Register) -> None:
    head = seeded.audit_verify().head_hash
    seeded.set_rights("b", parse_rights_options(personal_data="no"), reason="r", by="x")
    sql(seeded, "DELETE FROM audit_event WHERE seq >= 3")
    sql(seeded, "DELETE FROM dataset")  # an attacker who also rewrites the state...
    report = seeded.audit_verify(anchors=[head])
    assert not report.ok


# --------------------------------------------------------------------------- snapshot


@pytest.mark.postgres
def test_postgres_verify_under_a_concurrent_writer(pg_url: str, capsys) -> None:
    """100 verifies while another connection keeps writing: no false alarm; an edit is
    still caught."""
    with Register.open(pg_url) as reg:
        seed(reg)
        stop = threading.Event()
        writes = [0]

        def writer() -> None:
            with Register.open(pg_url) as w:
                i = 0
                while not stop.is_set():
                    i += 1
                    w.set_rights("b", parse_rights_options(
                        personal_data="no" if i % 2 else "unknown"), reason=f"w{i}", by="w")
                    w.ingest_documents([doc(f"n{i}")], actor="w")
                    writes[0] += 1

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            alarms = [r.problem for r in (reg.audit_verify() for _ in range(100)) if not r.ok]
            cli = [run_cli(capsys, "--db", pg_url, "audit", "verify") for _ in range(10)]
        finally:
            stop.set()
            thread.join()
        assert writes[0] > 0
        assert alarms == []
        assert [r.err for r in cli if r.code != 0] == []
        sql(reg, "UPDATE dataset SET pretty_name = 'forged' WHERE id = 'b'")
        report = reg.audit_verify()
        assert (report.ok, report.table, report.column) == (False, "dataset", "pretty_name")


# --------------------------------------------------------------------------- stale writes


def _export(reg: Register, path: Path) -> Path:
    from register.exports import export_register

    export_register(reg, "xlsx", path)
    return path


def _events(reg: Register) -> int:
    return len(reg.audit_log())


def test_stale_import_is_refused_and_nothing_written(seeded: Register, tmp_path: Path) -> None:
    old = _export(seeded, tmp_path / "old.xlsx")
    seeded.set_rights("a", parse_rights_options(retain_until="2027-06-30"), reason="shorter",
                      by="ann")
    seeded.set_license("b", "MIT", reason="vendor", by="ann")
    before = _events(seeded)
    with pytest.raises(ConflictError) as err:
        seeded.import_rights(old, by="carol")
    text_ = "\n".join(err.value.conflicts)
    assert "(a)" in text_ and "rights.set by ann" in text_ and "shorter" in text_
    assert _events(seeded) == before
    assert seeded.show("a").rights.in_force["retain_until"] == "2027-06-30"
    assert seeded.audit_verify().ok


def test_untouched_rows_of_an_old_sheet_are_no_conflict(seeded: Register,
                                                       tmp_path: Path) -> None:
    old = _export(seeded, tmp_path / "old.xlsx")
    seeded.set_rights("b", parse_rights_options(personal_data="no"), reason="r", by="ann")
    # row b of the old sheet has empty rights cells: it keeps ann's change, not undo it
    summary = seeded.import_rights(old, by="carol")
    assert summary["rights_changed"] == 0


def test_forced_import_applies_and_is_recorded(seeded: Register, tmp_path: Path) -> None:
    old = _export(seeded, tmp_path / "old.xlsx")
    seeded.set_rights("a", parse_rights_options(retain_until="2027-06-30"), reason="shorter",
                      by="ann")
    seeded.import_rights(old, by="carol", force=True)
    assert seeded.show("a").rights.in_force["retain_until"] == "2030-01-01"
    last = seeded.audit_log()[-1]
    assert last.action == "import" and last.actor == "carol"
    assert last.reason == "forced over newer changes"
    assert any("(a)" in c for c in last.after["forced_over"])
    assert seeded.audit_verify().ok


def test_expected_version(seeded: Register) -> None:
    version = seeded.row_version("a")
    seeded.set_rights("a", parse_rights_options(dpia="DPIA-1"), reason="r", by="x",
                      expected_version=version)
    with pytest.raises(ConflictError) as err:
        seeded.set_license("a", "MIT", reason="r", by="y", expected_version=version)
    assert "rights.set by x" in err.value.conflicts[0]
    assert seeded.show("a").license.concluded is None
    seeded.set_license("a", "MIT", reason="r", by="y", expected_version=seeded.row_version("a"))


# --------------------------------------------------------------------------- identity


@pytest.mark.parametrize("name", ["@evil", "a\0b", "tab\there", "x" * 101, " "])
def test_bad_actor_names_are_refused(seeded: Register, name: str) -> None:
    before = _events(seeded)
    with pytest.raises(UsageError):
        seeded.set_rights("a", parse_rights_options(dpia="X"), reason="r", by=name)
    with pytest.raises(UsageError):
        seeded.clear("a", use="research", reason="r", by=name)
    assert _events(seeded) == before


def test_bad_register_user_is_refused(seeded: Register, monkeypatch: pytest.MonkeyPatch,
                                      ) -> None:
    monkeypatch.setenv("REGISTER_USER", "@root")
    with pytest.raises(UsageError, match="REGISTER_USER"):
        seeded.set_license("a", "MIT", reason="r")


def test_sheet_by_is_only_stated(seeded: Register, tmp_path: Path) -> None:
    sheet = tmp_path / "r.csv"
    sheet.write_text("id,dpia,reason,by\na,DPIA-9,intake,mallory\n", encoding="utf-8")
    seeded.import_rights(sheet, by="carol")
    event = [e for e in seeded.audit_log() if e.action == "rights.set"][-1]
    assert event.actor == "carol" and event.reason == "intake (stated by mallory)"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,dpia,by\na,DPIA-8,@evil\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        seeded.import_rights(bad, by="carol")


# --------------------------------------------------------------------------- undo


def test_revoked_clearance_no_longer_applies(seeded: Register) -> None:
    seeded.ingest_documents([doc("u", "other")], actor="t")
    assert seeded.check(["u"], use="service").verdict == "needs-review"
    seeded.clear("u", use="service", reason="ok", by="lawyer")
    assert seeded.check(["u"], use="service").verdict.startswith("allowed")
    assert seeded.revoke_clearance("u", use="service", reason="contract ended",
                                   by="lawyer") == 1
    assert seeded.check(["u"], use="service").verdict == "needs-review"
    [shown] = seeded.show("u").clearances
    assert shown.revoked is not None and shown.revoked["reason"] == "contract ended"
    with pytest.raises(ValidationError):
        seeded.revoke_clearance("u", use="service", reason="again", by="lawyer")
    assert [e.action for e in seeded.audit_log(dataset_id="u")][-1] == "clearance.revoke"
    assert seeded.audit_verify().ok


def test_newer_clearance_supersedes_older(seeded: Register) -> None:
    seeded.ingest_documents([doc("u", "other")], actor="t")
    seeded.clear("u", use="service", reason="long", by="lawyer",
                 until=date.today() + timedelta(days=365))
    seeded.clear("u", use="service", reason="shorter", by="lawyer",
                 until=date.today() - timedelta(days=1))
    assert seeded.check(["u"], use="service").verdict == "needs-review"


def test_withdrawn_license(seeded: Register, tmp_path: Path) -> None:
    assert seeded.withdraw_license("org/c", reason="retracted", by="alice") == "CC-BY-4.0"
    shown = seeded.show("org/c")
    assert shown.license.concluded is None
    assert shown.license.decisions[-1].expression == "-"
    with pytest.raises(ValidationError):
        seeded.withdraw_license("org/c", reason="again", by="alice")
    seeded.set_license("b", "MIT", reason="r", by="x")
    sheet = tmp_path / "w.csv"
    sheet.write_text("id,concluded_license,concluded_reason\nb,-,wrong call\n",
                     encoding="utf-8")
    summary = seeded.import_rights(sheet, by="carol")
    assert summary["licenses_changed"] == 1
    assert seeded.show("b").license.concluded is None
    assert seeded.audit_verify().ok


# --------------------------------------------------------------------------- record


def test_check_and_record_is_one_transaction(seeded: Register) -> None:
    result, state = seeded.check_and_record(
        lambda: seeded.check(["a", "org/c"], use="service"), by="dave")
    last = seeded.audit_log()[-1]
    assert last.action == "check.record" and last.after["state_hash"] == state
    assert last.after["verdict"] == result.verdict
    with seeded.engine.connect() as conn:
        stored = conn.execute(text("SELECT verdict FROM check_record ORDER BY id DESC")).first()
    assert stored is not None and stored[0] == result.verdict


def test_sqlite_register_is_synchronous_full(sqlite_reg: Register) -> None:
    with sqlite_reg.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_dataset_table_handle() -> None:
    assert DATASETS.name == "dataset"
