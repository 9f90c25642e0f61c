"""SSH signatures over sign-offs (real ssh-keygen, keys made in tmp_path)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from register import Register
from register.errors import UsageError
from register.governance.signatures import (
    SignatureProblem,
    sign,
    statement,
    verify_approvals,
    verify_one,
)
from register.store import governance_queries
from tests.governance.helpers import allowed_signers, ssh_key
from tests.governance.test_reassess import corpus_file, doc

VALUES = {"subject_kind": "model", "subject_id": "m", "tier": "controlled-pilot",
          "role": "legal", "use": "service", "by": "alice", "evidence_digest": "ab" * 32}


def test_sign_and_verify_a_statement(tmp_path: Path) -> None:
    key = ssh_key(tmp_path, "alice")
    signers = allowed_signers(tmp_path, {"alice": key})
    signature, fingerprint = sign(key, statement(VALUES))
    assert signature.startswith("-----BEGIN SSH SIGNATURE-----")
    assert fingerprint.startswith("SHA256:")
    assert verify_one(signers, "alice", statement(VALUES), signature) is None
    assert verify_one(signers, "mallory", statement(VALUES), signature) is not None
    forged = statement({**VALUES, "tier": "safety-critical-production"})
    assert verify_one(signers, "alice", forged, signature) is not None


def _signed(reg: Register, tmp_path: Path, key: Path) -> None:
    reg.ingest_documents([doc("y", "mit")], actor="t")
    reg.set_license("y", "MIT", reason="read", by="alice")
    reg.approve(str(corpus_file(tmp_path, "y")), tier="controlled-pilot", role="legal",
                by="alice", reason="ok", sign_with=key)


def test_a_key_not_allowed_fails_verify(sqlite_reg: Register, tmp_path: Path) -> None:
    alice, mallory = ssh_key(tmp_path, "alice"), ssh_key(tmp_path, "mallory")
    _signed(sqlite_reg, tmp_path, mallory)  # signs as alice with mallory's key
    report = sqlite_reg.audit_verify(allowed_signers=allowed_signers(tmp_path,
                                                                     {"alice": alice}))
    assert not report.ok
    assert (report.table, report.row, report.column) == ("approval", "1", "signature")
    assert sqlite_reg.audit_verify().ok  # without the file: the chain alone


def test_edited_evidence_fails_even_without_the_chain(sqlite_reg: Register,
                                                      tmp_path: Path) -> None:
    key = ssh_key(tmp_path, "alice")
    signers = allowed_signers(tmp_path, {"alice": key})
    _signed(sqlite_reg, tmp_path, key)
    assert sqlite_reg.audit_verify(allowed_signers=signers).ok
    with sqlite_reg.engine.begin() as conn:
        conn.execute(text("UPDATE approval SET evidence_json = replace(evidence_json, "
                          "'\"MIT\"', '\"CC0-1.0\"')"))
        rows = governance_queries.approval_rows(conn)
    with pytest.raises(SignatureProblem) as err:
        verify_approvals(rows, signers)
    assert err.value.column == "evidence_json"
    with pytest.raises(UsageError, match="no such file"):
        verify_approvals(rows, tmp_path / "missing")


def test_an_unsigned_approval_fails_verify_against_allowed_signers(
        sqlite_reg: Register, tmp_path: Path) -> None:
    key = ssh_key(tmp_path, "alice")
    sqlite_reg.ingest_documents([doc("y", "mit")], actor="t")
    sqlite_reg.set_license("y", "MIT", reason="read", by="alice")
    sqlite_reg.approve(str(corpus_file(tmp_path, "y")), tier="controlled-pilot", role="legal",
                       by="alice", reason="ok")  # no --sign-with
    assert sqlite_reg.audit_verify().ok  # the chain alone: an unsigned approval is recorded
    report = sqlite_reg.audit_verify(allowed_signers=allowed_signers(tmp_path, {"alice": key}))
    assert not report.ok
    assert (report.table, report.row, report.column) == ("approval", "1", "signature")
    assert "controlled-pilot sign-off of corpus" in str(report.problem)
    assert "by 'alice' (legal) is not signed" in str(report.problem)
