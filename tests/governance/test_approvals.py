"""Tiers from the policy, evidence digests, and when a sign-off counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from register import Register
from register.check.policy import default_policy, load_policy
from register.errors import PolicyError, UsageError, ValidationError
from register.governance.evidence import digest_of
from register.governance.tiers import TIERS
from tests.governance.helpers import TUNED, governed
from tests.governance.test_reassess import corpus_file, doc
from tests.hub_helpers import FakeHub


def test_default_tiers_and_roles() -> None:
    tiers = {t.name: t for t in default_policy().tiers}
    assert tuple(tiers) == TIERS
    assert tiers["exploratory"].roles == ()
    assert tiers["controlled-pilot"].roles == ("legal",)
    assert tiers["limited-production"].roles == ("legal", "engineering")
    assert tiers["safety-critical-production"].roles == ("legal", "engineering", "security",
                                                         "product")
    assert "weights-checksums" in tiers["limited-production"].checks


def test_a_policy_file_overrides_one_tier(tmp_path: Path) -> None:
    path = tmp_path / "strict.yaml"
    path.write_text("tiers:\n  controlled-pilot:\n    roles: [legal, security]\n",
                    encoding="utf-8")
    tiers = {t.name: t for t in load_policy(path).tiers}
    assert tiers["controlled-pilot"].roles == ("legal", "security")
    assert tiers["controlled-pilot"].checks == default_policy().tiers[2].checks  # kept
    assert tiers["limited-production"].roles == ("legal", "engineering")


@pytest.mark.parametrize("text,needle", [
    ("tiers:\n  production:\n    roles: [legal]\n", "unknown tier"),
    ("tiers:\n  controlled-pilot:\n    checks: [vibes]\n", "unknown check"),
    ("tiers:\n  controlled-pilot:\n    owners: [x]\n", "unknown key"),
    ("tiers:\n  controlled-pilot:\n    use: space\n", "use"),
])
def test_bad_tier_sections_name_the_key(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=needle):
        load_policy(path)


def test_digest_is_canonical() -> None:
    assert digest_of({"a": 1, "b": [1, 2]}) == digest_of({"b": [1, 2], "a": 1})
    assert digest_of({"a": 1}) != digest_of({"a": 2})


def test_sign_off_stops_counting_when_evidence_changes(reg: Register, tmp_path: Path) -> None:
    reg.ingest_documents([doc("y", "mit")], actor="t")
    reg.set_license("y", "MIT", reason="read", by="alice")
    corpus = corpus_file(tmp_path, "y")
    first = reg.approve(str(corpus), tier="controlled-pilot", role="legal", by="alice",
                        reason="ok")
    status = reg.status(str(corpus))
    assert status.approved_tier == "controlled-pilot"
    assert status.history[0].counts
    reg.set_license("y", "Apache-2.0", reason="relicensed", by="alice")
    status = reg.status(str(corpus))
    assert status.tier("controlled-pilot").state == "invalid"
    assert status.approved_tier == "internal-decision-support"
    assert [h.id for h in status.history] == [first.id] and not status.history[0].counts
    again = reg.approve(str(corpus), tier="controlled-pilot", role="legal", by="alice",
                        reason="re-reviewed")
    status = reg.status(str(corpus))
    assert status.approved_tier == "controlled-pilot"
    assert [(h.id, h.state) for h in status.history] == [(first.id, "superseded"),
                                                         (again.id, "active")]
    # an edited corpus file is other evidence
    corpus.write_text(corpus.read_text(encoding="utf-8") + "description: edited\n",
                      encoding="utf-8")
    assert reg.status(str(corpus)).tier("controlled-pilot").state == "invalid"
    assert reg.audit_verify().ok


def test_approve_refuses_failing_checks_and_wrong_roles(reg: Register,
                                                        tmp_path: Path) -> None:
    reg.ingest_documents([doc("y", "mit")], actor="t")
    corpus = corpus_file(tmp_path, "y")
    with pytest.raises(ValidationError, match="concluded-or-cleared"):
        reg.approve(str(corpus), tier="controlled-pilot", role="legal", by="a", reason="r")
    with pytest.raises(UsageError, match="signed by legal"):
        reg.approve(str(corpus), tier="controlled-pilot", role="product", by="a", reason="r")
    with pytest.raises(UsageError, match="needs no sign-off"):
        reg.approve(str(corpus), tier="exploratory", role="legal", by="a", reason="r")
    with pytest.raises(UsageError, match="not a tier"):
        reg.approve(str(corpus), tier="prod", role="legal", by="a", reason="r")
    with pytest.raises(UsageError, match="neither a model"):
        reg.status("no/such-model")
    assert reg.status(str(corpus)).tier("exploratory").state == "approved"  # no roles


def test_promotion_keeps_earlier_sign_offs_and_statuses_match_cli(
    sqlite_reg: Register, fake_hub: FakeHub, tmp_path: Path,
) -> None:
    reg = governed(sqlite_reg, fake_hub, tmp_path)
    reg.approve(TUNED, tier="controlled-pilot", role="legal", by="alice", reason="ok")
    # engineering signing for the pilot does not promote: nobody asked for production
    reg.approve(TUNED, tier="limited-production", role="engineering", by="bob", reason="ok")
    status = reg.status(TUNED)
    assert status.approved_tier == "limited-production"
    assert [s.signer for s in status.tier("limited-production").signed] == [
        "alice (legal)", "bob (engineering)"]
    every = reg.statuses().to_dict()
    assert [s["subject"] for s in every["subjects"]] == ["model:acme/base", "model:acme/tuned"]
    assert every["subjects"][1] == status.to_dict()
