"""Check policies: the shipped default, policy files, and their validation errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from register.check.engine import check
from register.check.facts import DatasetFacts
from register.check.policy import DEFAULT_POLICY_PATH, Policy, default_policy, load_policy
from register.errors import PolicyError
from register.licenses.catalog import KnowledgeBase

KB = KnowledgeBase.load(Path(__file__).parents[1] / "fixtures" / "kb")


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_default_policy_matches_spec() -> None:
    pol = load_policy(None)
    assert pol is default_policy()
    assert pol.name == "default"
    assert pol.weights_are_adaptations is True
    assert pol.unknown_license == "needs-review"
    assert pol.retention_warning_days == 30
    assert pol.personal_data_unknown == "warning"
    assert pol.origin == str(DEFAULT_POLICY_PATH)
    # the shipped file and the dataclass defaults agree
    assert pol.to_dict() == {**Policy().to_dict(), "description": pol.description,
                             "tiers": pol.to_dict()["tiers"]}
    assert [t["name"] for t in pol.to_dict()["tiers"]] == [
        "exploratory", "internal-decision-support", "controlled-pilot", "limited-production",
        "safety-critical-production"]


def test_policy_file_overrides_some_knobs(tmp_path: Path) -> None:
    p = write(tmp_path, "name: lab-policy\nweights_are_adaptations: false\n")
    pol = load_policy(p)
    assert pol.name == "lab-policy" and pol.weights_are_adaptations is False
    assert pol.retention_warning_days == 30 and pol.origin == str(p)
    facts = [DatasetFacts(id="nd", license="CC-BY-ND-4.0")]
    r = check(facts, use="release-weights", on=date(2026, 12, 1), policy=pol, kb=KB)
    assert r.policy == "lab-policy" and r.verdict == "needs-review"


def test_policy_without_name_is_named_after_file(tmp_path: Path) -> None:
    assert load_policy(write(tmp_path, "retention_warning_days: 90\n", "strict.yaml")).name == (
        "strict"
    )


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("weights_are_adaptation: true\n", "weights_are_adaptation: unknown policy key"),
        ("weights_are_adaptations: 'yes please'\n", "weights_are_adaptations: must be true"),
        ("unknown_license: allowed\n", "unknown_license: must be one of"),
        ("retention_warning_days: thirty\n", "retention_warning_days: must be int"),
        ("retention_warning_days: true\n", "retention_warning_days: must be int"),
        ("retention_warning_days: -1\n", "retention_warning_days: must be between"),
        ("personal_data_unknown: shrug\n", "personal_data_unknown: must be one of"),
        ("name: ''\n", "name: must not be empty"),
        ("- a\n- b\n", "must be a YAML mapping"),
        ("name: [unclosed\n", "not valid YAML"),
        ("a: &x 1\nname: *x\n", "aliases"),
    ],
)
def test_policy_errors_name_file_and_key(tmp_path: Path, text: str, fragment: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        load_policy(p)
    assert str(p) in str(err.value)
    assert fragment in str(err.value)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_unknown_key_hint_lists_known_keys(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as err:
        load_policy(write(tmp_path, "colour: blue\n"))
    assert err.value.hint and "weights_are_adaptations" in err.value.hint
