"""Issue 15 done-when, through the CLI: a model approved for a pilot by legal, promoted to
limited production with engineering's sign-off; a dataset relicensed upstream (fake Hub);
``reassess --refresh-hub`` exits 4 naming the approval, the dataset, the old and new
license and the signers; signatures verify (real ssh-keygen) and a tampered approval fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from register import Register
from tests.cli_helpers import run_cli
from tests.governance.helpers import ALPHA, TUNED, allowed_signers, card, governed, ssh_key
from tests.hub_helpers import FakeHub, FakeRepo
from tests.schema_helpers import assert_valid


def test_pilot_promotion_relicense_reassess_and_signatures(
    fake_hub: FakeHub, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "gov.db"
    with Register.open(db, create=True) as reg:
        governed(reg, fake_hub, tmp_path)
    legal, eng = ssh_key(tmp_path, "alice"), ssh_key(tmp_path, "bob")
    signers = allowed_signers(tmp_path, {"alice": legal, "bob": eng})

    r = run_cli(capsys, "--db", db, "status", TUNED, "-f", "json")
    assert r.code == 0, r.err
    pilot = next(t for t in json.loads(r.out)["tiers"] if t["tier"] == "controlled-pilot")
    assert pilot["state"] == "pending" and pilot["missing_roles"] == ["legal"]

    r = run_cli(capsys, "--db", db, "approve", TUNED, "--tier", "controlled-pilot",
                "--role", "legal", "--by", "alice", "--reason", "licenses reviewed",
                "--sign-with", legal)
    assert r.code == 0, r.err
    assert "approval 1" in r.err and "SHA256:" in r.err
    r = run_cli(capsys, "--db", db, "status", TUNED, "-f", "json")
    status = json.loads(r.out)
    assert_valid("status", status)
    assert status["approved_tier"] == "controlled-pilot"
    limited = next(t for t in status["tiers"] if t["tier"] == "limited-production")
    assert limited["state"] == "pending" and limited["missing_roles"] == ["engineering"]

    r = run_cli(capsys, "--db", db, "approve", TUNED, "--tier", "limited-production",
                "--role", "engineering", "--by", "bob", "--reason", "weights pinned",
                "--sign-with", eng)
    assert r.code == 0, r.err
    r = run_cli(capsys, "--db", db, "status", TUNED)
    assert r.code == 0 and "limited-production" in r.out
    r = run_cli(capsys, "--db", db, "status", TUNED, "-f", "json")
    assert json.loads(r.out)["approved_tier"] == "limited-production"

    r = run_cli(capsys, "--db", db, "audit", "verify", "--allowed-signers", signers)
    assert r.code == 0, r.err
    r = run_cli(capsys, "--db", db, "reassess", "-f", "json")
    assert (r.code, json.loads(r.out)["findings"]) == (0, [])

    fake_hub.repos[ALPHA] = FakeRepo(card("cc-by-nc-4.0", "Alpha"))  # relicensed upstream
    r = run_cli(capsys, "--db", db, "reassess", "--refresh-hub", "-f", "json")
    assert r.code == 4, r.err
    report = json.loads(r.out)
    assert_valid("reassess", report)
    assert report["invalid_approvals"] == [1, 2]
    [finding] = [f for f in report["findings"] if f["kind"] == "license-changed"]
    assert finding["severity"] == "invalid"
    assert (finding["dataset"], finding["old"], finding["new"]) == (ALPHA, "MIT",
                                                                    "CC-BY-NC-4.0")
    assert finding["approvals"] == [1, 2]
    assert finding["signers"] == ["alice (legal)", "bob (engineering)"]
    assert finding["subject"] == f"model:{TUNED}"
    r = run_cli(capsys, "--db", db, "reassess")  # table output, still exit 4 (cron)
    assert r.code == 4 and "alice (legal)" in r.out and "CC-BY-NC-4.0" in r.out

    r = run_cli(capsys, "--db", db, "status", TUNED, "-f", "json")
    status = json.loads(r.out)
    assert status["approved_tier"] == "internal-decision-support"
    states = {t["tier"]: t["state"] for t in status["tiers"]}
    assert states["controlled-pilot"] == states["limited-production"] == "invalid"
    assert [h["state"] for h in status["history"]] == ["invalid", "invalid"]  # kept
    r = run_cli(capsys, "--db", db, "status", "-f", "json")
    every = json.loads(r.out)
    assert_valid("status-all", every)
    with Register.open(db) as reg:  # the dashboard's API call prints the same JSON
        assert every == json.loads(json.dumps(reg.statuses().to_dict()))
    r = run_cli(capsys, "--db", db, "list", "--tier", "limited-production",
                "--approval", "invalid", "-f", "json")
    assert r.code == 0, r.err
    assert sorted(d["id"] for d in json.loads(r.out)["datasets"]) == [ALPHA, "org/beta"]
    r = run_cli(capsys, "--db", db, "list", "--approval", "approved", "-f", "json")
    assert json.loads(r.out)["datasets"] == []

    # signatures still verify; a sign-off rewritten in the database does not
    r = run_cli(capsys, "--db", db, "audit", "verify", "--allowed-signers", signers)
    assert r.code == 0, r.err
    with Register.open(db) as reg:
        _rewrite_consistently(reg, "UPDATE approval SET role = 'security' WHERE id = 2")
        assert reg.audit_verify().ok  # the chain was rewritten to match
    r = run_cli(capsys, "--db", db, "audit", "verify", "--allowed-signers", signers,
                "-f", "json")
    assert r.code == 1
    out = json.loads(r.out)
    assert (out["table"], out["row"], out["column"]) == ("approval", "2", "signature")


def _rewrite_consistently(reg: Register, statement: str) -> None:
    """Tamper and then recompute every row digest and event hash: a forger with write
    access to the whole database."""
    from register.store import audit

    with reg.engine.begin() as conn:
        conn.execute(text(statement))
        rows = conn.execute(text("SELECT * FROM audit_event ORDER BY seq")).mappings().all()
        prev = audit.GENESIS_HASH
        for row in rows:
            rows_json = row["rows_json"]
            if rows_json:
                data = json.loads(rows_json)
                touched = [(t, k) for t in audit.covered_tables() if t.name in data
                           for k in data[t.name]["rows"]]
                rows_json = audit.digests(conn, touched)
            digest = audit.event_hash(row["seq"], row["at"], row["actor"], row["action"],
                                      row["dataset_id"], row["before_json"],
                                      row["after_json"], row["reason"], prev, rows_json,
                                      row["format"])
            conn.execute(text("UPDATE audit_event SET rows_json = :r, prev_hash = :p, "
                              "hash = :h WHERE seq = :s"),
                         {"r": rows_json, "p": prev, "h": digest, "s": row["seq"]})
            prev = digest
