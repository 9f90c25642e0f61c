"""Turn a devset-format scenario (``tests/fixtures/scenarios/*.yaml``) into an engine run.

Format: ``../shared/devset/README.md``.  Extensions for the scenarios written here (``x*.yaml``):
``policy`` (a mapping of policy knobs), ``expect.warning_rules`` (rules that must warn),
``expect.chosen_options`` (dataset id -> OR option), ``expect.absent_obligation_kinds`` and
``expect.reason_rules`` (dataset id -> rules its reasons must name), ``builtin_kb_only``
(a license the fixture KB lacks: run on the built-in KB only).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from register.check.engine import check
from register.check.facts import Clearance, DatasetFacts, RightsRecord
from register.check.policy import default_policy, policy_from_mapping
from register.check.result import CheckResult
from register.licenses.catalog import KnowledgeBase

SCENARIO_DIR = Path(__file__).parents[1] / "fixtures" / "scenarios"

_RIGHTS_KEYS = {
    "consent_purpose": "consent_purposes",
    "allowed_region": "allowed_regions",
}


def _tri(value: Any) -> str:
    # YAML 1.1 reads a bare yes/no as a boolean.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def rights_from(data: dict[str, Any] | None) -> RightsRecord | None:
    if not data:
        return None
    mapped: dict[str, Any] = {}
    for key, value in data.items():
        key = _RIGHTS_KEYS.get(key, key)
        if key == "personal_data":
            value = _tri(value)
        elif key in ("sensitive", "consent_purposes", "collected_in", "allowed_regions"):
            value = _as_tuple(value)
        mapped[key] = value
    return RightsRecord.from_dict(mapped)


def facts_from(item: dict[str, Any], *, is_base: bool = False) -> DatasetFacts:
    clear = item.get("clearance")
    clearances: tuple[Clearance, ...] = ()
    if clear:
        until = clear.get("until")
        if until is not None and not isinstance(until, date):
            until = date.fromisoformat(str(until))
        clearances = (
            Clearance(
                dataset_id=item["id"],
                use=clear["use"],
                by=clear.get("by", "scenario-counsel"),
                reason=clear.get("reason", "cleared in the scenario"),
                until=until,
            ),
        )
    return DatasetFacts(
        id=item["id"],
        license=item.get("license"),
        license_needs_review=bool(item.get("license_needs_review", False)),
        rights=None if is_base else rights_from(item.get("rights")),
        clearances=clearances,
        is_base_model=is_base,
    )


def load_scenario(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as the boolean true
        data["on"] = data.pop(True)
    return data


def run_scenario(sc: dict[str, Any], kb: KnowledgeBase) -> CheckResult:
    facts = [facts_from(d) for d in sc["datasets"]]
    base = facts_from(sc["base_model"], is_base=True) if sc.get("base_model") else None
    policy = default_policy()
    if sc.get("policy"):
        policy = policy_from_mapping(sc["policy"], origin=f"scenario {sc['name']}", base=policy)
    use = sc["use"]
    commercial = False if sc.get("non_commercial") else None
    on = sc["on"] if isinstance(sc["on"], date) else date.fromisoformat(str(sc["on"]))
    return check(
        facts,
        use=use,
        commercial=commercial,
        region=sc.get("region"),
        on=on,
        policy=policy,
        kb=kb,
        base_model=base,
    )


def mismatches(sc: dict[str, Any], result: CheckResult) -> list[str]:
    """What differs between a scenario's expectations and a result (empty when it passes)."""
    exp = sc["expect"]
    out = []
    if result.verdict != exp["verdict"]:
        out.append(f"verdict {result.verdict} != expected {exp['verdict']}")
    got = {d.id: d for d in result.datasets}
    for ds_id, verdict in (exp.get("datasets") or {}).items():
        d = got.get(ds_id)
        if d is None:
            out.append(f"dataset {ds_id} missing from result")
        elif d.verdict != verdict:
            why = "; ".join(r.message for r in d.reasons)
            out.append(f"{ds_id}: {d.verdict} != expected {verdict} ({why})")
    if "conflict" in exp and bool(result.conflicts) != bool(exp["conflict"]):
        out.append(
            f"conflict reported={bool(result.conflicts)} != expected "
            f"{exp['conflict']} ({result.conflicts})"
        )
    kinds = {o.kind for o in result.obligations}
    missing = set(exp.get("obligation_kinds") or ()) - kinds
    if missing:
        out.append(f"obligation kinds {sorted(missing)} missing (got {sorted(kinds)})")
    present = set(exp.get("absent_obligation_kinds") or ()) & kinds
    if present:
        out.append(f"obligation kinds {sorted(present)} must not appear")
    for rule in exp.get("warning_rules") or ():
        if not any(w.rule == str(rule) for w in result.warnings):
            out.append(f"no warning for rule {rule} (got {result.warnings})")
    for ds_id, rules in (exp.get("reason_rules") or {}).items():
        entry = got.get(ds_id)
        have = {r.rule for r in entry.reasons} if entry else set()
        lacking = {str(r) for r in rules} - have
        if lacking:
            out.append(f"{ds_id}: no reason for rule(s) {sorted(lacking)} (got {sorted(have)})")
    for ds_id, option in (exp.get("chosen_options") or {}).items():
        entry = got.get(ds_id)
        chosen = entry.chosen_option if entry else None
        if chosen != option:
            out.append(f"{ds_id}: chosen option {chosen} != expected {option}")
    return out


# --------------------------------------------------------------------------- tests

import pytest  # noqa: E402

FIXTURE_KB_DIR = Path(__file__).parents[1] / "fixtures" / "kb"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def builtin_kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def fixture_kb() -> KnowledgeBase:
    return KnowledgeBase.load(FIXTURE_KB_DIR)


def test_scenarios_are_copied() -> None:
    assert len([p for p in SCENARIOS if not p.name.startswith("x")]) >= 20


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_with_builtin_kb(path: Path, builtin_kb: KnowledgeBase) -> None:
    """The contract: every scenario against the knowledge base the package ships."""
    sc = load_scenario(path)
    result = run_scenario(sc, builtin_kb)
    assert mismatches(sc, result) == [], sc.get("why")


def _fixture_kb_holds(path: Path) -> bool:
    """Whether every license a scenario names (base model included) is in the fixture KB."""
    kb = KnowledgeBase.load(FIXTURE_KB_DIR)
    sc = load_scenario(path)
    if sc.get("builtin_kb_only"):  # a license the small fixture KB does not hold
        return False
    named = [d.get("license") or "" for d in sc["datasets"]]
    if sc.get("base_model"):
        named.append(sc["base_model"].get("license") or "")
    return all(
        lic in kb or not lic.startswith("LicenseRef-")
        for lic in named
        if lic and " " not in lic and not lic.startswith("LicenseRef-not-")
    )


FIXTURE_KB_SCENARIOS = [p for p in SCENARIOS if _fixture_kb_holds(p)]


@pytest.mark.parametrize("path", FIXTURE_KB_SCENARIOS, ids=[p.stem for p in FIXTURE_KB_SCENARIOS])
def test_scenario_with_fixture_kb(path: Path, fixture_kb: KnowledgeBase) -> None:
    """The engine's logic, independent of the built-in data (tests/fixtures/kb), on the
    scenarios whose licenses the small fixture KB holds (all run on the built-in KB above)."""
    sc = load_scenario(path)
    result = run_scenario(sc, fixture_kb)
    assert mismatches(sc, result) == [], sc.get("why")


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_result_shape(path: Path, fixture_kb: KnowledgeBase) -> None:
    sc = load_scenario(path)
    data: dict[str, Any] = dict(run_scenario(sc, fixture_kb).to_dict())  # the SPEC JSON
    assert set(data) == {
        "schema_version",
        "verdict",
        "use",
        "commercial",
        "region",
        "on",
        "policy",
        "datasets",
        "conflicts",
        "obligations",
        "warnings",
    }
    for d in data["datasets"]:
        assert {"id", "license", "verdict", "reasons", "obligations"} <= set(d)
        for r in d["reasons"]:
            assert r["rule"] and d["id"] in r["message"]
    for c in data["conflicts"]:
        assert c["rule"] == "5" and c["datasets"]
