"""The typed check result (register.check.result) and its SPEC section 4 JSON."""

from __future__ import annotations

from datetime import date
from typing import get_args

import pytest

from register.check.facts import OBLIGATION_KINDS, USES, VERDICTS, DatasetFacts
from register.check.result import (
    AppliedClearance,
    CheckResult,
    DatasetVerdict,
    ObligationKind,
    Use,
    Verdict,
    as_kind,
    as_use,
    as_verdict,
)
from register.errors import CheckFailed
from tests.schema_helpers import assert_valid


def test_literal_types_spell_the_vocabularies() -> None:
    assert get_args(Verdict) == VERDICTS
    assert get_args(Use) == USES
    assert get_args(ObligationKind) == OBLIGATION_KINDS


def test_conversions_refuse_unknown_values() -> None:
    assert as_verdict("blocked") == "blocked" and as_use("service") == "service"
    assert as_kind("notice") == "notice"
    for convert in (as_verdict, as_use, as_kind):
        with pytest.raises(ValueError):
            convert("nope")


def _result(verdict: Verdict, **kw: object) -> CheckResult:
    return CheckResult(verdict=verdict, use="internal", commercial=True, region="DE",
                       on=date(2026, 3, 4), policy="default", **kw)  # type: ignore[arg-type]


def test_optional_keys_are_omitted_not_null() -> None:
    plain = DatasetVerdict("a", None, "allowed")
    assert plain.to_dict() == {"id": "a", "license": None, "verdict": "allowed", "reasons": [],
                               "obligations": []}
    full = DatasetVerdict("m", "MIT OR X", "allowed-with-obligations", chosen_option="MIT",
                          clearance=AppliedClearance("internal", "ann", "ok"), base_model=True)
    assert full.to_dict() == {
        "id": "m", "license": "MIT OR X", "verdict": "allowed-with-obligations",
        "reasons": [], "obligations": [], "chosen_option": "MIT", "cleared_by": "ann",
        "clearance": {"use": "internal", "by": "ann", "reason": "ok", "until": None},
        "base_model": True,
    }
    assert full.cleared_by == "ann" and plain.cleared_by is None
    assert full.label == "m (base model)"
    r = _result("allowed", datasets=(plain, full))
    assert "corpus" not in r.to_dict()
    named = r.with_corpus("bot")
    assert named.corpus == "bot" and named.to_dict()["corpus"] == "bot" and r.corpus is None
    assert named.to_dict()["on"] == "2026-03-04"
    assert named.dataset("m") is full
    with pytest.raises(KeyError):
        named.dataset("zz")
    assert_valid("check", named.to_dict())


@pytest.mark.parametrize(("verdict", "code", "allowed"), [
    ("allowed", 0, True), ("allowed-with-obligations", 0, True), ("needs-review", 3, False),
    ("blocked", 4, False)])
def test_exit_codes_and_check_failed(verdict: Verdict, code: int, allowed: bool) -> None:
    r = _result(verdict)
    assert r.exit_code == code and r.allowed is allowed
    if not allowed:
        err = CheckFailed(r)
        assert err.exit_code == code and err.verdict == verdict and err.result is r


def test_results_are_values() -> None:
    from register.check.engine import check

    facts = [DatasetFacts("a", "MIT"), DatasetFacts("b", "CC-BY-4.0")]
    one = check(facts, use="service", on=date(2026, 1, 1))
    two = check(list(reversed(facts)), use="service", on=date(2026, 1, 1))
    assert one == two and hash(one) == hash(two)
    with pytest.raises(AttributeError):
        one.verdict = "blocked"  # type: ignore[misc]
