"""``register audit log|verify`` and ``check --record`` from the command line, and tampering
with the SQLite file behind the register's back (``sqlite3`` module and shell)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from register.cli import main

REGISTER_BIN = Path(sys.executable).parent / "register"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def write_cards(root: Path) -> Path:
    cards = {
        "squad": "license: cc-by-4.0",
        "org/private": "license: mit",
        "glue": "license: unknown",
    }
    for name, front in cards.items():
        d = root / name
        d.mkdir(parents=True)
        (d / "README.md").write_text(f"---\n{front}\n---\n# {name}\n", encoding="utf-8")
    return root


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A register file with three datasets, a license decision, rights and a clearance."""
    path = tmp_path / "register.db"
    cards = write_cards(tmp_path / "cards")
    steps = [
        ["ingest", cards, "--recursive", "--by", "ingester"],
        ["license", "set", "glue", "CC-BY-4.0", "--reason", "paper says so", "--by", "alice"],
        ["rights", "set", "squad", "--personal-data", "no", "--allowed-region", "EU",
         "--reason", "DPA review", "--by", "bob"],
        ["clear", "glue", "--use", "service", "--reason", "counsel", "--by", "carol",
         "--until", (date.today() + timedelta(days=90)).isoformat()],
    ]
    for step in steps:
        code, _, err = run(capsys, "--db", path, *step)
        assert code == 0, (step, err)
    return path


def tamper(db: Path, statement: str, *params: object) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(statement, params)
    conn.close()


def verify(capsys: pytest.CaptureFixture[str], db: Path) -> tuple[int, str, str]:
    return run(capsys, "--db", db, "audit", "verify", "--format", "json")


# --------------------------------------------------------------------------- verify

def test_verify_intact(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = verify(capsys, db)
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is True and report["events"] == 6
    assert "6 event(s) verified" in err


def test_verify_names_edited_event(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tamper(db, "UPDATE audit_event SET after_json = ? WHERE seq = 4",
           '{"concluded_license":"MIT"}')
    code, out, err = verify(capsys, db)
    assert code == 1
    assert json.loads(out)["first_bad_event"] == 4
    assert err.startswith("Error: audit trail tampered at event 4")
    assert "altered" in err


def test_verify_names_deleted_event(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tamper(db, "DELETE FROM audit_event WHERE seq = 2")
    code, _, err = verify(capsys, db)
    assert code == 1
    assert "at event 2" in err and "missing" in err


def test_verify_names_inserted_event(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE audit_event SET seq = seq + 1000 WHERE seq >= 3")
        conn.execute("UPDATE audit_event SET seq = seq - 999 WHERE seq >= 1000")
        prev = conn.execute("SELECT hash FROM audit_event WHERE seq = 2").fetchone()[0]
        conn.execute(
            "INSERT INTO audit_event (seq, at, actor, action, dataset_id, before_json,"
            " after_json, reason, prev_hash, hash) VALUES (3, '2026-01-01T00:00:00Z',"
            " 'mallory', 'license.conclude', 'squad', NULL, '{}', 'x', ?, ?)",
            (prev, "f" * 64))
    conn.close()
    code, out, err = verify(capsys, db)
    assert code == 1
    assert json.loads(out)["first_bad_event"] == 3
    assert "at event 3" in err


def test_verify_names_dataset_changed_in_table(db: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    tamper(db, "UPDATE dataset SET concluded_license = 'MIT' WHERE id = 'org/private'")
    code, out, err = verify(capsys, db)
    assert code == 1
    report = json.loads(out)
    assert report["first_bad_event"] is None
    assert "'org/private'" in err and "column concluded_license" in err


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="sqlite3 shell not installed")
def test_verify_after_sqlite3_shell_edit(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The classic attack: open the file in the sqlite3 shell and change a decision."""
    subprocess.run(
        ["sqlite3", str(db),
         "UPDATE dataset SET concluded_license='Apache-2.0' WHERE id='glue';"
         "UPDATE audit_event SET after_json='{\"concluded_license\":\"Apache-2.0\"}'"
         " WHERE action='license.conclude';"],
        check=True, capture_output=True)
    code, _, err = verify(capsys, db)
    assert code == 1
    assert "at event 4" in err


def test_verify_exit_code_through_the_console_script(db: Path) -> None:
    assert REGISTER_BIN.exists()
    ok = subprocess.run([str(REGISTER_BIN), "--db", str(db), "audit", "verify"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    tamper(db, "DELETE FROM audit_event WHERE seq = 5")
    bad = subprocess.run([str(REGISTER_BIN), "--db", str(db), "audit", "verify"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[0].startswith("Error: audit trail tampered at event 5")
    assert "Traceback" not in bad.stderr


def test_verify_on_missing_register(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", tmp_path / "none.db", "audit", "verify")
    assert code == 1
    assert err.startswith("Error:")
    assert not (tmp_path / "none.db").exists()


# --------------------------------------------------------------------------- log

def test_log_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "audit", "log", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] >= 1
    actions = [(e["seq"], e["action"], e["dataset_id"], e["actor"]) for e in data["events"]]
    assert actions == [
        (1, "dataset.ingest", "glue", "ingester"),
        (2, "dataset.ingest", "org/private", "ingester"),
        (3, "dataset.ingest", "squad", "ingester"),
        (4, "license.conclude", "glue", "alice"),
        (5, "rights.set", "squad", "bob"),
        (6, "clearance.add", "glue", "carol"),
    ]
    assert data["events"][3]["reason"] == "paper says so"
    assert data["events"][3]["after"] == {"concluded_license": "CC-BY-4.0"}


def test_log_dataset_filter_csv(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--db", db, "audit", "log", "--dataset", "glue",
                       "--format", "csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["action"] for r in table] == ["dataset.ingest", "license.conclude",
                                            "clearance.add"]
    assert {r["dataset_id"] for r in table} == {"glue"}
    assert table[1]["actor"] == "alice"


def test_log_since(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    code, out, _ = run(capsys, "--db", db, "audit", "log", "--since", tomorrow,
                       "--format", "json")
    assert code == 0 and json.loads(out)["events"] == []
    code, out, _ = run(capsys, "--db", db, "audit", "log", "--since",
                       date.today().isoformat(), "--format", "json")
    assert len(json.loads(out)["events"]) == 6
    code, _, err = run(capsys, "--db", db, "audit", "log", "--since", "yesterday")
    assert code == 2 and "--since" in err


def test_log_table(db: Path, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    code, out, _ = run(capsys, "--db", db, "audit", "log", "--dataset", "squad",
                       "--format", "table")
    assert code == 0
    assert "rights.set" in out and "dataset.ingest" in out and "bob" in out


# --------------------------------------------------------------------------- check --record

def test_check_record_stores_result_and_event(db: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: bot-v1\ndatasets: [squad, glue]\n", encoding="utf-8")
    code, out, err = run(capsys, "--db", db, "check", corpus, "--use", "service",
                         "--region", "DE", "--record", "--by", "auditor", "--format", "json")
    assert code in (0, 3, 4), err
    result = json.loads(out)
    assert "recorded check" in err
    conn = sqlite3.connect(db)
    rec = conn.execute("SELECT by, corpus_name, use, verdict, policy, state_hash, result_json"
                       " FROM check_record").fetchall()
    conn.close()
    assert len(rec) == 1
    by, name, use, verdict, policy, state, stored = rec[0]
    assert (by, name, use, verdict) == ("auditor", "bot-v1", "service", result["verdict"])
    assert policy and len(state) == 64
    assert json.loads(stored)["verdict"] == result["verdict"]
    code, out, _ = run(capsys, "--db", db, "audit", "log", "--format", "json")
    last = json.loads(out)["events"][-1]
    assert last["action"] == "check.record" and last["actor"] == "auditor"
    assert last["after"]["state_hash"] == state
    assert last["after"]["datasets"] == ["glue", "squad"]
    assert last["after"]["verdict"] == result["verdict"]
    assert verify(capsys, db)[0] == 0


def test_check_without_record_writes_nothing(db: Path, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    code, _, _ = run(capsys, "--db", db, "check", "--dataset", "squad", "--use", "research")
    assert code in (0, 3, 4)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM check_record").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == 6
    conn.close()


def test_record_state_hash_tracks_the_register(db: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--db", db, "check", "--dataset", "squad", "--use", "research", "--record"]
    run(capsys, *args)
    run(capsys, *args)
    run(capsys, "--db", db, "license", "set", "squad", "CC-BY-SA-4.0", "--reason", "r")
    run(capsys, *args)
    conn = sqlite3.connect(db)
    states = [r[0] for r in conn.execute("SELECT state_hash FROM check_record ORDER BY id")]
    conn.close()
    # every record moves the head, so each state differs; the decision facts are in the chain
    assert len(set(states)) == 3
    assert verify(capsys, db)[0] == 0


def test_anchor_detects_a_rewritten_tail(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         ) -> None:
    """Rewriting every event after a point with recomputed hashes passes the chain check,
    but not a head hash noted earlier outside the register."""
    import re
    import sqlite3

    from register.store.audit import event_hash
    from tests.cli_helpers import run_cli

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# x\n", encoding="utf-8")
    db = tmp_path / "a.db"
    assert run_cli(capsys, "--db", db, "ingest", card, "--id", "ds").code == 0
    assert run_cli(capsys, "--db", db, "license", "set", "ds", "MIT", "--reason", "ok",
                   "--by", "a").code == 0
    first = run_cli(capsys, "--db", db, "audit", "verify")
    head = re.search(r"head ([0-9a-f]{64})", first.err).group(1)  # type: ignore[union-attr]
    # an insider rewrites the last event (reason) and recomputes its hash
    conn = sqlite3.connect(db)
    seq, at, actor, action, ds, before, after, prev, rows, fmt = conn.execute(
        "SELECT seq, at, actor, action, dataset_id, before_json, after_json, prev_hash, "
        "rows_json, format FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
    digest = event_hash(seq, at, actor, action, ds, before, after, "forged", prev, rows, fmt)
    conn.execute("UPDATE audit_event SET reason='forged', hash=? WHERE seq=?", (digest, seq))
    conn.commit()
    conn.close()
    assert run_cli(capsys, "--db", db, "audit", "verify").code == 0  # chain alone: consistent
    anchored = run_cli(capsys, "--db", db, "audit", "verify", "--anchor", head)
    assert anchored.code == 1
    assert "anchor" in anchored.err and "rewritten" in anchored.err
