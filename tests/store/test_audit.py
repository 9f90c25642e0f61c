"""The audit trail (API level, SQLite and PostgreSQL): every change is a chained event, and
edits, deletions and insertions behind the register's back are found by ``audit_verify``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from register import Register
from register.cards.files import parse_card_bytes
from register.errors import NotFoundError, UsageError, ValidationError
from register.rights.record import parse_rights_options
from register.store.audit import GENESIS_HASH, event_hash


def card(license_id: str = "mit", extra: str = "") -> bytes:
    return f"---\nlicense: {license_id}\n---\n# Card\n{extra}\n".encode()


def doc(dataset_id: str, license_id: str = "mit", extra: str = ""):
    return parse_card_bytes(card(license_id, extra), None, dataset_id, f"mem://{dataset_id}")


def rows(reg: Register) -> list[dict]:
    with reg.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            text("SELECT * FROM audit_event ORDER BY seq")).mappings()]


def sql(reg: Register, statement: str, **params) -> None:
    with reg.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def seeded(reg: Register) -> Register:
    """Three datasets with a license decision, rights, a clearance and a recorded check."""
    reg.ingest_documents([doc("a"), doc("b", "apache-2.0"), doc("org/c", "unknown")],
                         actor="ingester")
    reg.set_license("org/c", "CC-BY-4.0", reason="read the paper", by="alice")
    reg.set_rights("a", parse_rights_options(personal_data="no", allowed_region=["EU"]),
                   reason="DPA review", by="bob")
    reg.clear("org/c", use="service", reason="counsel ok", by="carol",
              until=date.today() + timedelta(days=30))
    reg.record_check(reg.check(["a", "b"], use="research"), by="dave")
    return reg


# --------------------------------------------------------------------------- what is recorded

def test_every_change_appends_one_event(seeded: Register) -> None:
    events = seeded.audit_log()
    assert [(e.seq, e.action, e.dataset_id, e.actor) for e in events] == [
        (1, "dataset.ingest", "a", "ingester"),
        (2, "dataset.ingest", "b", "ingester"),
        (3, "dataset.ingest", "org/c", "ingester"),
        (4, "license.conclude", "org/c", "alice"),
        (5, "rights.set", "a", "bob"),
        (6, "clearance.add", "org/c", "carol"),
        (7, "check.record", None, "dave"),
    ]
    conclude = events[3]
    assert conclude.before == {"concluded_license": None}
    assert conclude.after == {"concluded_license": "CC-BY-4.0"}
    assert conclude.reason == "read the paper"
    rights = events[4]
    assert rights.before is None
    assert rights.after["personal_data"] == "no"
    assert rights.reason == "DPA review"
    check = events[6].after
    assert check["use"] == "research" and check["datasets"] == ["a", "b"]
    assert len(check["state_hash"]) == 64
    for e in events:
        assert e.at.endswith("Z") and e.at[:4].isdigit()
    report = seeded.audit_verify()
    assert report.ok and report.events == 7


def test_chain_links_every_event_to_the_one_before(seeded: Register) -> None:
    prev = GENESIS_HASH
    for i, r in enumerate(rows(seeded), start=1):
        assert r["seq"] == i
        assert r["prev_hash"] == prev
        assert r["format"] == 2 and r["rows_json"]
        assert r["hash"] == event_hash(r["seq"], r["at"], r["actor"], r["action"],
                                       r["dataset_id"], r["before_json"], r["after_json"],
                                       r["reason"], prev, r["rows_json"], r["format"])
        prev = r["hash"]
    assert seeded.audit_verify().head_hash == prev


def test_updates_and_no_ops(reg: Register) -> None:
    reg.ingest_documents([doc("a")], actor="t")
    reg.ingest_documents([doc("a")], actor="t")  # unchanged: no event
    reg.ingest_documents([doc("a", "apache-2.0")], actor="t")
    change = parse_rights_options(personal_data="no")
    reg.set_rights("a", change, reason="r", by="x")
    reg.set_rights("a", change, reason="again", by="x")  # same rights: no event
    events = reg.audit_log()
    assert [e.action for e in events] == ["dataset.ingest", "dataset.update", "rights.set"]
    assert events[1].before["version"] == 1 and events[1].after["version"] == 2
    assert events[1].reason == "declared license changed"
    assert reg.audit_verify().ok


def test_failed_operations_append_nothing(seeded: Register) -> None:
    seeded.set_rights("b", parse_rights_options(collected_on="2025-01-01"), reason="r")
    before = rows(seeded)
    with pytest.raises(NotFoundError):
        seeded.set_license("nope", "MIT", reason="x")
    with pytest.raises(UsageError):
        seeded.set_license("a", "MIT AND", reason="x")
    with pytest.raises(ValidationError):
        # valid on its own, but before the stored collected_on date
        seeded.set_rights("b", parse_rights_options(retain_until="2020-01-01"))
    with pytest.raises(UsageError):
        seeded.clear("a", use="world-domination", reason="x", by="y")
    assert rows(seeded) == before


def test_events_are_never_rewritten(seeded: Register) -> None:
    first = rows(seeded)
    seeded.set_license("a", "MIT", reason="r", by="x")
    seeded.ingest_documents([doc("a", "apache-2.0")], actor="t")
    seeded.set_rights("a", parse_rights_options(personal_data="unknown"), reason="r", by="y")
    later = rows(seeded)
    assert later[:len(first)] == first
    assert len(later) == len(first) + 3


def test_import_is_audited_row_by_row(seeded: Register, tmp_path: Path) -> None:
    table = tmp_path / "rights.csv"
    table.write_text(
        "id,personal_data,allowed_region,concluded_license,concluded_reason,reason,by\n"
        "a,no,EU;US,,,contract,procurement\n"
        "b,yes,,MIT,vendor said so,intake,procurement\n", encoding="utf-8")
    with pytest.raises(ValidationError):  # b: personal data yes without lawful basis is fine,
        # but an unknown id is not: the whole file is refused first
        bad = tmp_path / "bad.csv"
        bad.write_text("id,personal_data\nmissing,no\n", encoding="utf-8")
        seeded.import_rights(bad)
    n = len(rows(seeded))
    summary = seeded.import_rights(table, by="importer")
    assert summary["rows"] == 2
    new = seeded.audit_log()[n:]
    assert [e.action for e in new] == ["rights.set", "rights.set", "license.conclude",
                                         "import"]
    assert {e.actor for e in new} == {"importer"}  # the importer's --by, nobody else
    # the sheet's "by" is only a claim, kept as such in the reasons
    assert [e.reason for e in new[:3]] == ["contract (stated by procurement)",
                                           "intake (stated by procurement)",
                                           "vendor said so (stated by procurement)"]
    assert new[-1].after["file"] == "rights.csv"
    assert seeded.audit_verify().ok


def test_audit_log_filters(seeded: Register) -> None:
    assert [e.action for e in seeded.audit_log(dataset_id="org/c")] == [
        "dataset.ingest", "license.conclude", "clearance.add"]
    assert seeded.audit_log(since=date.today() + timedelta(days=1)) == []
    assert len(seeded.audit_log(since=date.today())) == 7
    assert seeded.audit_log(dataset_id="nope") == []


def test_default_actor_from_environment(reg: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTER_USER", "env-user")
    reg.ingest_documents([doc("a")])
    reg.set_license("a", "MIT", reason="r")
    assert {e.actor for e in reg.audit_log()} == {"env-user"}


# --------------------------------------------------------------------------- tampering

def test_edited_event_is_named(seeded: Register) -> None:
    sql(seeded, "UPDATE audit_event SET after_json = :j WHERE seq = 4",
        j=json.dumps({"concluded_license": "MIT"}))
    report = seeded.audit_verify()
    assert not report.ok
    assert report.first_bad_seq == 4
    assert "altered" in report.problem


@pytest.mark.parametrize("column,value", [
    ("actor", "mallory"), ("reason", "nothing to see"), ("at", "2020-01-01T00:00:00.000000Z"),
    ("action", "license.conclude"), ("dataset_id", "b"),
])
def test_any_edited_column_is_found(seeded: Register, column: str, value: str) -> None:
    sql(seeded, f"UPDATE audit_event SET {column} = :v WHERE seq = 5", v=value)
    report = seeded.audit_verify()
    assert not report.ok and report.first_bad_seq == 5


def test_rehashed_edit_breaks_the_next_link(seeded: Register) -> None:
    """An attacker who recomputes the edited row's own hash still breaks the chain."""
    r = rows(seeded)[3]
    after = json.dumps({"concluded_license": "MIT"})
    forged = event_hash(r["seq"], r["at"], r["actor"], r["action"], r["dataset_id"],
                        r["before_json"], after, r["reason"], r["prev_hash"], r["rows_json"],
                        r["format"])
    sql(seeded, "UPDATE audit_event SET after_json = :j, hash = :h WHERE seq = 4",
        j=after, h=forged)
    report = seeded.audit_verify()
    assert not report.ok and report.first_bad_seq == 5
    assert "does not link" in report.problem


def test_deleted_event_is_named(seeded: Register) -> None:
    sql(seeded, "DELETE FROM audit_event WHERE seq = 3")
    report = seeded.audit_verify()
    assert not report.ok and report.first_bad_seq == 3
    assert "missing" in report.problem


def test_deleted_first_event_is_named(seeded: Register) -> None:
    sql(seeded, "DELETE FROM audit_event WHERE seq = 1")
    report = seeded.audit_verify()
    assert not report.ok and report.first_bad_seq == 1


def test_deleted_last_event_is_found_through_the_state(seeded: Register) -> None:
    seeded.set_rights("b", parse_rights_options(personal_data="no"), reason="r", by="x")
    last = rows(seeded)[-1]["seq"]
    sql(seeded, "DELETE FROM audit_event WHERE seq = :s", s=last)
    report = seeded.audit_verify()
    assert not report.ok
    assert "'b'" in report.problem
    # the first column the lost rights event had changed (columns are compared in order)
    assert (report.table, report.row, report.column) == ("dataset", "b", "personal_data")


def test_inserted_event_is_named(seeded: Register) -> None:
    # make room after event 2 and put a forged event there
    sql(seeded, "UPDATE audit_event SET seq = seq + 100 WHERE seq > 2")
    sql(seeded, "UPDATE audit_event SET seq = seq - 99 WHERE seq > 100")
    r2 = rows(seeded)[1]
    forged = event_hash(3, r2["at"], "mallory", "license.conclude", "b", None,
                        '{"concluded_license":"MIT"}', "forged", r2["hash"], None, 2)
    sql(seeded, "INSERT INTO audit_event (seq, at, actor, action, dataset_id, before_json,"
        " after_json, reason, prev_hash, hash, format) VALUES (3, :at, 'mallory',"
        " 'license.conclude', 'b', NULL, '{\"concluded_license\":\"MIT\"}', 'forged', :p,"
        " :h, 2)",
        at=r2["at"], p=r2["hash"], h=forged)
    report = seeded.audit_verify()
    assert not report.ok and report.first_bad_seq == 4  # the real event 3 no longer links


def test_appended_forged_event_is_found_through_the_state(seeded: Register) -> None:
    """A well-formed event appended by hand still has to match the tables."""
    last = rows(seeded)[-1]
    seq = last["seq"] + 1
    after = '{"concluded_license":"MIT"}'
    h = event_hash(seq, last["at"], "mallory", "license.conclude", "b", None, after, "x",
                   last["hash"], None, 2)
    sql(seeded, "INSERT INTO audit_event (seq, at, actor, action, dataset_id, before_json,"
        " after_json, reason, prev_hash, hash, format) VALUES (:s, :at, 'mallory',"
        " 'license.conclude', 'b', NULL, :a, 'x', :p, :h, 2)",
        s=seq, at=last["at"], a=after, p=last["hash"], h=h)
    report = seeded.audit_verify()
    assert not report.ok
    assert "'b'" in report.problem and "concluded license" in report.problem


def test_appended_format_1_event_is_refused(seeded: Register) -> None:
    """An old-format event after new-format ones was not written by the register."""
    last = rows(seeded)[-1]
    seq = last["seq"] + 1
    h = event_hash(seq, last["at"], "mallory", "note", None, None, None, None, last["hash"])
    sql(seeded, "INSERT INTO audit_event (seq, at, actor, action, prev_hash, hash, format)"
        " VALUES (:s, :at, 'mallory', 'note', :p, :h, 1)",
        s=seq, at=last["at"], p=last["hash"], h=h)
    report = seeded.audit_verify()
    assert not report.ok and report.first_bad_seq == seq
    assert "chain format 1" in report.problem


@pytest.mark.parametrize("statement,needle", [
    ("UPDATE dataset SET concluded_license = 'MIT' WHERE id = 'b'",
     "row 'b', column concluded_license"),
    ("UPDATE dataset SET concluded_license = NULL WHERE id = 'org/c'",
     "row 'org/c', column concluded_license"),
    ("UPDATE dataset SET declared_license = 'MIT' WHERE id = 'b'", "declared_license"),
    ("UPDATE dataset SET rights_json = NULL WHERE id = 'a'", "rights"),
    ("UPDATE dataset SET card_sha256 = 'x' WHERE id = 'a'", "card_sha256"),
    ("UPDATE dataset SET version = 7 WHERE id = 'a'", "version"),
    ("DELETE FROM dataset WHERE id = 'b'", "missing from the register"),
    ("INSERT INTO dataset SELECT 'ghost', source, revision, card_sha256, version, pretty_name,"
     " metadata_json, raw_license_json, declared_license, declared_needs_review,"
     " declared_reason, declared_confidence, declared_method, concluded_license, concluded_by,"
     " concluded_reason, concluded_at, license_changed_at, previous_license, rights_json,"
     " personal_data, retain_until, rights_by, rights_reason, rights_at, ingested_at,"
     " updated_at, suggestions_json FROM dataset WHERE id = 'a'",
     "table dataset, row 'ghost': not written by any event"),
    ("DELETE FROM clearance", "table clearance, row '1': in the audit trail"),
    ("UPDATE clearance SET use = 'release-data'", "table clearance, row '1', column use"),
])
def test_tables_changed_behind_the_back(seeded: Register, statement: str, needle: str) -> None:
    sql(seeded, statement)
    report = seeded.audit_verify()
    assert not report.ok
    assert report.first_bad_seq is None  # the chain is intact; the state is not
    assert needle in report.problem


# --------------------------------------------------------------------------- property

_OPS = st.lists(st.tuples(
    st.sampled_from(["ingest", "license", "rights", "clear", "update"]),
    st.sampled_from(["a", "b", "org/c"]),
    st.sampled_from(["MIT", "Apache-2.0", "CC-BY-4.0", "NOASSERTION"]),
    st.sampled_from(["yes", "no", "unknown"]),
), min_size=1, max_size=25)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_any_sequence_of_changes_verifies(reg: Register, ops) -> None:
    """Whatever the register is asked to do, the chain replays to exactly its tables."""
    with reg.engine.begin() as conn:  # hypothesis reuses the fixture: start from empty
        for t in ("audit_event", "dataset", "dataset_version", "license_decision",
                  "rights_entry", "clearance", "check_record"):
            conn.execute(text(f"DELETE FROM {t}"))
    reg.ingest_documents([doc("a"), doc("b"), doc("org/c")], actor="t")
    expected = 3
    for i, (op, ds, lic, pd) in enumerate(ops):
        if op == "ingest":
            s = reg.ingest_documents([doc(ds, extra=f"v{i}")], actor="t")
            expected += s.updated + s.ingested
        elif op == "license":
            reg.set_license(ds, lic, reason=f"r{i}", by="x")
            expected += 1
        elif op == "rights":
            before = reg.show(ds).rights.recorded
            rec = reg.set_rights(ds, parse_rights_options(personal_data=pd), reason="r")
            expected += rec.to_dict() != before
        elif op == "clear":
            reg.clear(ds, use="service", reason="r", by="y")
            expected += 1
        else:
            s = reg.ingest_documents([doc(ds, lic.lower())], actor="t")
            expected += s.updated
    report = reg.audit_verify()
    assert report.ok, report.problem
    assert report.events == expected
