"""Reassessment findings: expired clearance, retention passed or within the warning window,
a dataset withdrawn from the Hub, a recorded check whose outcome changed; what is written."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from register import Register
from register.cards.files import parse_card_bytes
from register.rights.record import parse_rights_options
from tests.governance.helpers import ALPHA, TUNED, governed
from tests.hub_helpers import FakeHub

TODAY = date.today()


def doc(dataset_id: str, license_id: str):
    card = f"---\nlicense: {license_id}\n---\n# Card\n".encode()
    return parse_card_bytes(card, None, dataset_id, f"mem://{dataset_id}")


def corpus_file(tmp_path: Path, *ids: str) -> Path:
    path = tmp_path / "corpus.yaml"
    path.write_text("name: pilot-corpus\ndatasets:\n" + "".join(
        f"  - {{id: {i}}}\n" for i in ids), encoding="utf-8")
    return path


def test_expired_clearance_invalidates_the_approval(reg: Register, tmp_path: Path) -> None:
    reg.ingest_documents([doc("x", "other"), doc("y", "mit")], actor="t")
    reg.set_license("y", "MIT", reason="read", by="alice")
    until = TODAY + timedelta(days=60)
    reg.clear("x", use="service", reason="bought", by="carol", until=until)
    corpus = corpus_file(tmp_path, "x", "y")
    a = reg.approve(str(corpus), tier="controlled-pilot", role="legal", by="alice",
                    reason="cleared")
    assert reg.status(str(corpus)).tier("controlled-pilot").state == "approved"
    assert reg.reassess().exit_code == 0

    later = until + timedelta(days=1)
    result = reg.reassess(on=later)
    assert result.exit_code == 4
    kinds = {f.kind: f for f in result.findings}
    assert kinds["clearance-expired"].dataset == "x"
    assert kinds["clearance-expired"].old == until.isoformat()
    assert [s.signer for s in kinds["clearance-expired"].approvals] == ["alice (legal)"]
    # a what-if date does not change the approval's state
    assert reg.status(str(corpus)).history[0].state == "active"
    assert reg.status("pilot-corpus").id == "pilot-corpus"  # known by name once approved
    assert a.id == reg.status(str(corpus)).history[0].id


def test_revoked_clearance_and_withdrawn_conclusion(reg: Register, tmp_path: Path) -> None:
    reg.ingest_documents([doc("x", "other")], actor="t")
    reg.clear("x", use="service", reason="bought", by="carol")
    corpus = corpus_file(tmp_path, "x")
    reg.approve(str(corpus), tier="controlled-pilot", role="legal", by="alice", reason="ok")
    reg.revoke_clearance("x", use="service", reason="contract ended", by="carol")
    result = reg.reassess()
    assert result.exit_code == 4
    assert "clearance-revoked" in {f.kind for f in result.findings}
    status = reg.status(str(corpus))
    assert status.tier("controlled-pilot").state == "invalid"
    assert status.history[0].state == "invalid"  # marked, kept
    assert "revoked" in (status.history[0].state_reason or "")


def test_retention_warning_window_and_retention_passed(reg: Register,
                                                        tmp_path: Path) -> None:
    reg.ingest_documents([doc("y", "mit")], actor="t")
    reg.set_license("y", "MIT", reason="read", by="alice")
    retain = TODAY + timedelta(days=100)
    reg.set_rights("y", parse_rights_options(retain_until=retain.isoformat()), reason="DPA",
                   by="bob")
    corpus = corpus_file(tmp_path, "y")
    reg.approve(str(corpus), tier="controlled-pilot", role="legal", by="alice", reason="ok")
    assert reg.reassess(on=retain - timedelta(days=31)).exit_code == 0
    warned = reg.reassess(on=retain - timedelta(days=10))
    assert warned.exit_code == 3
    [finding] = warned.findings
    assert (finding.kind, finding.severity, finding.dataset) == ("retention-warning", "review",
                                                                "y")
    assert finding.old == retain.isoformat()
    passed = reg.reassess(on=retain + timedelta(days=1))
    assert passed.exit_code == 4
    assert "retention-passed" in {f.kind for f in passed.findings}


def test_withdrawn_dataset(sqlite_reg: Register, fake_hub: FakeHub, tmp_path: Path) -> None:
    governed(sqlite_reg, fake_hub, tmp_path)
    sqlite_reg.approve(TUNED, tier="controlled-pilot", role="legal", by="alice", reason="ok")
    del fake_hub.repos[ALPHA]
    result = sqlite_reg.reassess(refresh_hub=True)
    assert result.exit_code == 4
    [finding] = [f for f in result.findings if f.kind == "withdrawn"]
    assert finding.dataset == ALPHA and finding.severity == "invalid"
    assert [a.signer for a in finding.approvals] == ["alice (legal)"]
    assert any("not found" in e for e in result.refresh_errors)


def test_recorded_check_whose_outcome_changed_needs_review(reg: Register) -> None:
    reg.ingest_documents([doc("z", "mit")], actor="t")
    reg.check_and_record(lambda: reg.check(["z"], use="service"), by="dave")
    assert reg.reassess().exit_code == 0
    reg.ingest_documents([doc("z", "cc-by-nc-4.0")], actor="t")
    result = reg.reassess()
    assert result.exit_code == 3
    kinds = {f.kind: f for f in result.findings}
    assert (kinds["license-changed"].old, kinds["license-changed"].new) == ("MIT",
                                                                          "CC-BY-NC-4.0")
    assert kinds["verdict-changed"].new == "blocked"
    assert reg.audit_verify().ok  # the recorded run is in the chain
