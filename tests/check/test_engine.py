"""The check engine (register.check.engine) rule by rule, on the tiny fixture KB, plus region codes
and property tests (hypothesis) on the built-in KB."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.check.engine import check, license_options, verdict_exit_code
from register.check.facts import VERDICTS, Clearance, DatasetFacts, RightsRecord
from register.check.policy import Policy
from register.check.result import CheckResult, DatasetVerdict
from register.errors import UsageError, ValidationError
from register.licenses.catalog import KnowledgeBase, LicenseTerms
from register.rights.regions import (
    EEA_MEMBERS,
    EU_MEMBERS,
    expand_regions,
    region_allowed,
    validate_region,
)

FIXTURE_KB = KnowledgeBase.load(Path(__file__).parents[1] / "fixtures" / "kb")
ON = date(2026, 12, 1)
RANK = {v: i for i, v in enumerate(VERDICTS)}


def ds(id: str, lic: str | None, **kw: object) -> DatasetFacts:
    return DatasetFacts(id=id, license=lic, **kw)  # type: ignore[arg-type]


def run(facts: list[DatasetFacts], use: str, **kw: object) -> CheckResult:
    kw.setdefault("on", ON)
    kw.setdefault("kb", FIXTURE_KB)
    return check(facts, use=use, **kw)  # type: ignore[arg-type]


def by_id(result: CheckResult) -> dict[str, DatasetVerdict]:
    return {d.id: d for d in result.datasets}


def kinds(result: CheckResult) -> set[str]:
    return {o.kind for o in result.obligations}


def rules(entry: DatasetVerdict) -> set[str]:
    return {r.rule for r in entry.reasons}


# --------------------------------------------------------------------------- basics


def test_exit_codes() -> None:
    assert [verdict_exit_code(v) for v in VERDICTS] == [0, 0, 3, 4]
    with pytest.raises(ValueError):
        verdict_exit_code("maybe")


def test_license_options_dnf() -> None:
    assert license_options("MIT") == (("MIT",),)
    assert license_options("A OR (B AND C)") == (("A",), ("B", "C"))
    assert license_options("(A OR B) AND C") == (("A", "C"), ("B", "C"))
    assert license_options("MIT AND MIT") == (("MIT",),)
    assert license_options("GPL-2.0-only WITH Classpath-exception-2.0") == (
        ("GPL-2.0-only WITH Classpath-exception-2.0",),
    )
    assert license_options("MIT AND") is None
    assert license_options("(MIT") is None
    wide = " AND ".join(f"(A{i} OR B{i})" for i in range(10))  # 1024 options
    assert license_options(wide) is None


def test_result_shape_and_header() -> None:
    r = run([ds("a", "CC0-1.0")], "internal", region="ch")
    assert r.schema_version == 1
    assert r.use == "internal" and r.commercial is True
    assert r.region == "CH" and r.on == date(2026, 12, 1) and r.policy == "default"
    assert r.to_dict()["on"] == "2026-12-01"
    assert [d.to_dict() for d in r.datasets] == [
        {"id": "a", "license": "CC0-1.0", "verdict": "allowed", "reasons": [], "obligations": []}
    ]


def test_bad_use_and_region() -> None:
    with pytest.raises(UsageError, match="^use must be one of .*, not 'training'"):
        run([ds("a", "MIT")], "training")
    with pytest.raises(ValidationError, match="unknown region"):
        run([ds("a", "MIT")], "service", region="XX")
    with pytest.raises(ValidationError):
        run([ds("a", "MIT")], "service", region="any")


def test_empty_corpus_is_allowed() -> None:
    assert run([], "release-data").verdict == "allowed"


def test_research_is_never_commercial() -> None:
    r = run([ds("nc", "CC-BY-NC-4.0")], "research", commercial=True)
    assert r.commercial is False and r.verdict == "allowed"


# --------------------------------------------------------------------------- rule 1


@pytest.mark.parametrize("lic", [None, "", "NOASSERTION", "NONE", "LicenseRef-unheard-of", "(MIT"])
def test_rule1_unknown_licenses_need_review(lic: str | None) -> None:
    d = by_id(run([ds("x", lic)], "internal"))["x"]
    assert d.verdict == "needs-review" and "1" in rules(d)


def test_rule1_license_needing_review() -> None:
    f = ds("x", "MIT", license_needs_review=True, license_reason="YAML and infos disagree")
    d = by_id(run([f], "internal"))["x"]
    assert d.verdict == "needs-review"
    assert any("disagree" in r.message for r in d.reasons)


def test_rule1_policy_can_block() -> None:
    strict = Policy(name="strict", unknown_license="blocked")
    r = run([ds("x", "NOASSERTION")], "internal", policy=strict)
    assert r.verdict == "blocked" and r.policy == "strict"


def test_rule1_unknown_part_of_and() -> None:
    assert run([ds("x", "MIT AND LicenseRef-unheard-of")], "internal").verdict == "needs-review"


# --------------------------------------------------------------------------- rules 2-4, 8


@pytest.mark.parametrize(
    "use,commercial,verdict",
    [
        ("research", None, "allowed"),
        ("internal", None, "blocked"),
        ("internal", False, "allowed"),
        ("release-data", False, "allowed-with-obligations"),
    ],
)
def test_rule2_non_commercial(use: str, commercial: bool | None, verdict: str) -> None:
    assert run([ds("nc", "CC-BY-NC-4.0")], use, commercial=commercial).verdict == verdict


def test_rule3_research_only() -> None:
    f = ds("r", "LicenseRef-scancode-intel-research")
    assert run([f], "research").verdict == "allowed"
    d = by_id(run([f], "internal", commercial=False))["r"]
    assert d.verdict == "blocked" and rules(d) == {"3"}


@pytest.mark.parametrize(
    "use,verdict",
    [
        ("research", "allowed"),
        ("internal", "allowed"),
        ("service", "needs-review"),
        ("release-weights", "blocked"),
        ("release-data", "allowed-with-obligations"),
    ],
)
def test_rule4_no_derivatives(use: str, verdict: str) -> None:
    r = run([ds("nd", "CC-BY-ND-4.0")], use)
    assert r.verdict == verdict
    assert ("unmodified" in kinds(r)) == (use == "release-data")


def test_rule4_weights_are_adaptations_knob() -> None:
    soft = Policy(name="soft", weights_are_adaptations=False)
    assert run([ds("nd", "CC-BY-ND-4.0")], "release-weights", policy=soft).verdict == (
        "needs-review"
    )


def test_rule8_redistribution_prohibited() -> None:
    f = ds("x", "LicenseRef-fixture-no-redistribution")
    assert run([f], "release-weights").verdict == "allowed"
    d = by_id(run([f], "release-data"))["x"]
    assert d.verdict == "blocked" and rules(d) == {"8"}


# --------------------------------------------------------------------------- rules 5-7


def test_rule5_share_alike_scope() -> None:
    for use in ("research", "internal"):
        assert "share-alike" not in kinds(run([ds("s", "CC-BY-SA-4.0")], use))
    for use in ("service", "release-weights", "release-data"):
        assert "share-alike" in kinds(run([ds("s", "CC-BY-SA-4.0")], use))
    # GPL share-alike bites only on distribution
    assert "share-alike" not in kinds(run([ds("g", "GPL-3.0-only")], "service"))
    assert "share-alike" in kinds(run([ds("g", "GPL-3.0-only")], "release-weights"))


def test_rule5_results_carveout() -> None:
    for use in ("service", "release-weights"):
        r = run([ds("c", "CDLA-Sharing-1.0")], use)
        assert r.verdict == "allowed" and r.obligations == ()
    r = run([ds("c", "CDLA-Sharing-1.0")], "release-data")
    assert {"share-alike", "license-text", "attribution"} <= kinds(r)


@pytest.mark.parametrize(
    "a,b,use,conflict",
    [
        ("CC-BY-SA-4.0", "ODbL-1.0", "release-weights", True),
        ("CC-BY-SA-4.0", "CC-BY-NC-SA-4.0", "release-data", True),
        ("GPL-2.0-only", "GPL-3.0-only", "release-weights", True),
        ("CC-BY-SA-3.0", "CC-BY-SA-4.0", "release-data", False),
        ("CC-BY-SA-4.0", "GPL-3.0-only", "release-data", False),
        ("CC-BY-SA-3.0", "GPL-3.0-only", "release-data", True),  # not transitive
        ("CDLA-Sharing-1.0", "CC-BY-SA-4.0", "release-weights", False),  # carve-out
        ("CDLA-Sharing-1.0", "CC-BY-SA-4.0", "release-data", True),
        ("CC-BY-SA-4.0", "CC-BY-SA-4.0", "release-data", False),
    ],
)
def test_rule5_conflicts(a: str, b: str, use: str, conflict: bool) -> None:
    r = run([ds("a", a), ds("b", b)], use, commercial=False)
    assert bool(r.conflicts) is conflict
    if conflict:
        assert r.verdict == "blocked"
        assert all(d.verdict == "blocked" for d in r.datasets)
        assert r.conflicts[0].datasets == ("a", "b")


def test_rule5_conflict_is_a_warning_for_other_uses() -> None:
    r = run([ds("a", "CC-BY-SA-4.0"), ds("b", "ODbL-1.0")], "service")
    assert r.conflicts and r.verdict == "allowed-with-obligations"
    assert any(w.rule == "5" for w in r.warnings)


def test_rule5_three_way_conflict_without_pairwise_conflict() -> None:
    def sa(lid: str, ok: tuple[str, ...]) -> LicenseTerms:
        return LicenseTerms(id=lid, name=lid, share_alike="service", share_alike_compatible=ok)

    kb = KnowledgeBase([sa("A", ("X", "Y")), sa("B", ("X", "Z")), sa("C", ("Y", "Z"))])
    two = run([ds("a", "A"), ds("b", "B")], "release-data", kb=kb)
    assert not two.conflicts
    assert "X" in next(o for o in two.obligations if o.kind == "share-alike").message
    three = run([ds("a", "A"), ds("b", "B"), ds("c", "C")], "release-data", kb=kb)
    assert three.verdict == "blocked"
    assert three.conflicts[0].licenses == ("A", "B", "C")


def test_rule5_conflicts_grouped_by_license() -> None:
    facts = [ds(f"s{i}", "CC-BY-SA-4.0") for i in range(500)]
    facts += [ds(f"o{i}", "ODbL-1.0") for i in range(500)]
    r = run(facts, "release-data")
    assert len(r.conflicts) == 1 and len(r.conflicts[0].datasets) == 1000


def test_rule6_obligation_kinds() -> None:
    assert kinds(run([ds("m", "MIT")], "service")) == {"attribution", "license-text"}
    assert kinds(run([ds("a", "Apache-2.0")], "release-weights")) == {
        "attribution",
        "license-text",
        "notice",
    }
    assert kinds(run([ds("b", "CC-BY-4.0")], "internal")) == set()
    assert kinds(run([ds("c", "CDLA-Permissive-2.0")], "release-data")) == {"license-text"}
    assert kinds(run([ds("c", "CDLA-Permissive-2.0")], "service")) == set()


def test_rule7_use_restrictions_every_use() -> None:
    for use in ("research", "internal", "service", "release-weights", "release-data"):
        r = run([ds("o", "LicenseRef-scancode-bigscience-open-rail-m")], use)
        assert r.verdict == "allowed-with-obligations"
        assert "use-restrictions" in kinds(r)
    rw = run([ds("o", "LicenseRef-scancode-bigscience-open-rail-m")], "release-weights")
    assert "pass them on" in rw.datasets[0].obligations[-1].message


def test_rule7_training_restriction_not_for_base_model() -> None:
    llama = "LicenseRef-scancode-llama-2-license-2023"
    base = DatasetFacts(id="meta/llama-2", license=llama, is_base_model=True)
    r = run([ds("d", "CC0-1.0")], "service", base_model=base)
    b = by_id(r)["meta/llama-2"]
    assert b.base_model is True and b.verdict == "allowed-with-obligations"
    assert r.datasets[0].id == "meta/llama-2"  # base model first
    assert {"use-restrictions", "user-threshold"} <= kinds(r)
    r = run([ds("d", llama)], "research", base_model=base)
    assert by_id(r)["d"].verdict == "needs-review" and r.verdict == "needs-review"


def test_base_model_has_no_rights_checks_and_skips_release_data() -> None:
    base = DatasetFacts(
        id="m", license="CC-BY-ND-4.0", rights=RightsRecord(retain_until=date(2000, 1, 1))
    )
    r = run([ds("d", "CC0-1.0")], "internal", base_model=base)
    assert by_id(r)["m"].verdict == "allowed"
    r = run([ds("d", "CC0-1.0")], "release-data", base_model=base)
    assert "m" not in by_id(r) and r.verdict == "allowed"
    assert any("m" in w.datasets for w in r.warnings)


def test_base_model_share_alike_only_for_release_weights() -> None:
    base = DatasetFacts(id="m", license="GPL-2.0-only")
    facts = [ds("d", "GPL-3.0-only")]
    assert run(facts, "release-weights", base_model=base).conflicts
    assert not run(facts, "service", base_model=base).conflicts


# --------------------------------------------------------------------------- rule 12


def test_rule12_or_picks_best_and_says_so() -> None:
    r = run([ds("x", "CC-BY-NC-4.0 OR CC-BY-4.0")], "service")
    d = by_id(r)["x"]
    assert d.chosen_option == "CC-BY-4.0" and d.verdict == "allowed-with-obligations"
    assert "12" in rules(d)


def test_rule12_ties_fewer_obligations_then_first_written() -> None:
    assert by_id(run([ds("x", "Apache-2.0 OR MIT")], "service"))["x"].chosen_option == "MIT"
    assert (
        by_id(run([ds("x", "CC-BY-3.0 OR CC-BY-4.0")], "service"))["x"].chosen_option
        == "CC-BY-3.0"
    )
    assert (
        by_id(run([ds("x", "CC-BY-4.0 OR CC-BY-3.0")], "service"))["x"].chosen_option
        == "CC-BY-4.0"
    )


def test_rule12_or_avoids_share_alike_conflict() -> None:
    r = run([ds("o", "ODbL-1.0"), ds("x", "GPL-3.0-only OR ODbL-1.0")], "release-data")
    assert not r.conflicts and by_id(r)["x"].chosen_option == "ODbL-1.0"
    r = run([ds("o", "ODbL-1.0"), ds("x", "ODbL-1.0 OR CC0-1.0")], "release-data")
    assert by_id(r)["x"].chosen_option == "CC0-1.0"


def test_rule12_nested_or_in_and() -> None:
    d = by_id(run([ds("x", "(CC-BY-NC-4.0 OR MIT) AND CC-BY-4.0")], "service"))["x"]
    assert d.chosen_option == "MIT AND CC-BY-4.0"


# --------------------------------------------------------------------------- rules 9-11


def rights_verdict(use: str = "internal", region: str | None = None, **kw: object) -> str:
    f = ds("x", "CC0-1.0", rights=RightsRecord(**kw))  # type: ignore[arg-type]
    return str(run([f], use, region=region).verdict)


def test_rule9_personal_data() -> None:
    assert rights_verdict(personal_data="yes") == "needs-review"
    assert rights_verdict(personal_data="yes", lawful_basis="contract") == "allowed"
    assert rights_verdict(personal_data="yes", lawful_basis="not-applicable") == "needs-review"
    assert rights_verdict(personal_data="no", lawful_basis="not-applicable") == "allowed"
    assert rights_verdict(personal_data="no", sensitive=("confidential-business",)) == (
        "needs-review"
    )
    assert (
        rights_verdict(
            personal_data="yes", lawful_basis="contract", sensitive=("health",), dpia="DPIA-1"
        )
        == "allowed"
    )


def test_rule9_consent_purposes() -> None:
    kw = {"personal_data": "yes", "lawful_basis": "consent"}
    assert rights_verdict(consent_purposes=("internal",), **kw) == "allowed"
    assert rights_verdict(consent_purposes=("research",), **kw) == "blocked"
    assert rights_verdict(consent_purposes=(), **kw) == "blocked"
    assert rights_verdict("release-data", consent_purposes=("any",), **kw) == "allowed"
    assert (
        rights_verdict(personal_data="no", lawful_basis="consent", consent_purposes=("research",))
        == "blocked"
    )


def test_rule9_personal_data_unknown_is_a_warning() -> None:
    r = run(
        [ds("a", "CC0-1.0"), ds("b", "CC0-1.0", rights=RightsRecord(personal_data="no"))],
        "internal",
    )
    assert r.verdict == "allowed"
    assert [w.datasets for w in r.warnings if w.rule == "9"] == [("a",)]
    strict = Policy(name="pd", personal_data_unknown="needs-review")
    assert run([ds("a", "CC0-1.0")], "internal", policy=strict).verdict == "needs-review"
    quiet = Policy(name="quiet", personal_data_unknown="ignore")
    assert run([ds("a", "CC0-1.0")], "internal", policy=quiet).warnings == ()


def test_rule10_regions() -> None:
    eea = {"allowed_regions": ("EEA",)}
    assert rights_verdict(**eea) == "needs-review"
    assert rights_verdict(region="NO", **eea) == "allowed"
    assert rights_verdict(region="CH", **eea) == "blocked"
    assert rights_verdict(region="EU", **eea) == "allowed"  # every EU member is in the EEA
    assert rights_verdict(region="EEA", allowed_regions=("EU",)) == "blocked"
    assert rights_verdict(allowed_regions=("any",)) == "allowed"
    assert rights_verdict(region="US", allowed_regions=("EU", "US")) == "allowed"


def test_rule11_retention() -> None:
    def res(days: int, **kw: object) -> dict:  # type: ignore[type-arg]
        f = ds(
            "x",
            "CC0-1.0",
            rights=RightsRecord(personal_data="no", retain_until=ON + timedelta(days=days)),
        )
        return run([f], "internal", **kw)

    assert res(-1).verdict == "blocked"
    for days in (0, 30):
        r = res(days)
        assert r.verdict == "allowed" and [w.rule for w in r.warnings] == ["11"]
    assert res(31).warnings == ()
    assert res(31, policy=Policy(name="long", retention_warning_days=60)).warnings


# --------------------------------------------------------------------------- rule 13


def clear(use: str, until: date | None = None, dataset: str = "x") -> Clearance:
    return Clearance(
        dataset_id=dataset, use=use, by="Dana Legal", reason="contract 42", until=until
    )


def test_rule13_clearance_lifts_needs_review() -> None:
    f = ds("x", "NOASSERTION", clearances=(clear("service", ON),))
    d = by_id(run([f], "service"))["x"]
    assert d.verdict == "allowed-with-obligations"
    assert d.cleared_by == "Dana Legal" and "13" in rules(d)
    assert any("Dana Legal" in r.message for r in d.reasons)


def test_rule13_clearance_limits() -> None:
    expired = ds("x", "NOASSERTION", clearances=(clear("service", ON - timedelta(days=1)),))
    r = run([expired], "service")
    assert r.verdict == "needs-review" and any(w.rule == "13" for w in r.warnings)
    other_use = ds("x", "NOASSERTION", clearances=(clear("internal"),))
    assert run([other_use], "service").verdict == "needs-review"
    other_ds = ds("x", "NOASSERTION", clearances=(clear("service", dataset="y"),))
    assert run([other_ds], "service").verdict == "needs-review"
    blocked = ds("x", "CC-BY-NC-4.0", clearances=(clear("service"),))
    assert run([blocked], "service").verdict == "blocked"


def test_rule13_clearance_lifts_any_rule_but_not_conflicts() -> None:
    f = ds(
        "x",
        "CC-BY-ND-4.0",
        clearances=(clear("service"),),
        rights=RightsRecord(personal_data="yes", allowed_regions=("EU",)),
    )
    assert run([f], "service").verdict == "allowed-with-obligations"
    g = ds("x", "CC-BY-SA-4.0", clearances=(clear("release-data"),))
    r = run([g, ds("o", "ODbL-1.0")], "release-data")
    assert by_id(r)["x"].verdict == "blocked"


def test_base_model_clearance_by_id() -> None:
    base = DatasetFacts(
        id="org/model", license="NOASSERTION", clearances=(clear("service", dataset="org/model"),)
    )
    assert run([ds("d", "CC0-1.0")], "service", base_model=base).verdict == (
        "allowed-with-obligations"
    )


# --------------------------------------------------------------------------- combining


def test_obligations_listed_whatever_the_verdict() -> None:
    r = run([ds("nc", "CC-BY-NC-4.0"), ds("m", "MIT")], "service")
    assert r.verdict == "blocked"
    att = next(o for o in r.obligations if o.kind == "attribution")
    assert att.datasets == ("m", "nc")


def test_every_reason_names_rule_and_dataset() -> None:
    f = ds(
        "weird id/α",
        "CC-BY-NC-SA-4.0 OR CC-BY-SA-4.0",
        rights=RightsRecord(personal_data="yes", sensitive=("health",)),
    )
    r = run([f, ds("o", "ODbL-1.0")], "release-data")
    for d in r.datasets:
        for reason in d.reasons:
            assert reason.rule and reason.message.startswith(d.id + ":")


def test_speed_1000_datasets() -> None:
    kb = KnowledgeBase.load()
    lics = ["CC-BY-4.0", "MIT", "CC-BY-SA-4.0", "Apache-2.0 OR MIT", "CC0-1.0", "ODbL-1.0"]
    facts = [ds(f"org/d{i}", lics[i % len(lics)]) for i in range(1000)]
    check(facts[:10], use="release-data", on=ON, kb=kb)  # warm caches
    start = time.perf_counter()
    check(facts, use="release-data", on=ON, kb=kb)
    assert time.perf_counter() - start < 0.5


# --------------------------------------------------------------------------- regions


def test_validate_region() -> None:
    assert validate_region("ch") == "CH"
    assert validate_region(" eu ") == "EU"
    assert validate_region("ANY") == "any"
    with pytest.raises(ValidationError, match="did you mean GB"):
        validate_region("UK")
    for bad in ("XX", "", "CHE", "E1", None):
        with pytest.raises(ValidationError):
            validate_region(bad)
    with pytest.raises(ValidationError):
        validate_region("EU", allow_groups=False)
    with pytest.raises(ValidationError):
        validate_region("any", allow_any=False)


def test_expand_regions() -> None:
    assert len(EU_MEMBERS) == 27 and len(EEA_MEMBERS) == 30
    assert "CH" not in EEA_MEMBERS and "GB" not in EU_MEMBERS and "GR" in EU_MEMBERS
    assert expand_regions(["EU", "ch"]) == EU_MEMBERS | {"CH"}
    assert expand_regions(["any"]) == frozenset({"any"})
    assert expand_regions([]) == frozenset()
    assert region_allowed("NO", ["EEA"]) and not region_allowed("NO", ["EU"])
    assert region_allowed("CH", []) and region_allowed("CH", ["any"])


# --------------------------------------------------------------------------- properties

BUILTIN = KnowledgeBase.load()
LICENSES = [
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "ODbL-1.0",
    "GPL-2.0-only",
    "GPL-3.0-only",
    "MIT",
    "Apache-2.0",
    "CDLA-Sharing-1.0",
    "C-UDA-1.0",
    "NOASSERTION",
    "LicenseRef-scancode-llama-2-license-2023",
    "LicenseRef-scancode-bigscience-open-rail-m",
    "CC-BY-NC-SA-4.0 OR CC-BY-SA-4.0",
    "GPL-3.0-only OR ODbL-1.0",
    "Apache-2.0 OR MIT",
    "LicenseRef-hf-intel-research",
]
RIGHTS = [
    None,
    RightsRecord(personal_data="no"),
    RightsRecord(personal_data="yes", lawful_basis="consent", consent_purposes=("research",)),
    RightsRecord(personal_data="yes"),
    RightsRecord(personal_data="no", allowed_regions=("EEA",)),
    RightsRecord(personal_data="no", retain_until=date(2026, 12, 20)),
]


@st.composite
def corpora(draw: st.DrawFn) -> list[DatasetFacts]:
    n = draw(st.integers(min_value=0, max_value=8))
    out = []
    for i in range(n):
        lic = draw(st.sampled_from(LICENSES))
        rights = draw(st.sampled_from(RIGHTS))
        cleared = draw(st.booleans())
        out.append(
            DatasetFacts(
                id=f"d{i}",
                license=lic,
                rights=rights,
                clearances=(Clearance(f"d{i}", "service", "counsel", "ok"),) if cleared else (),
            )
        )
    return out


USES_ST = st.sampled_from(["research", "internal", "service", "release-weights", "release-data"])
REGION_ST = st.sampled_from([None, "DE", "CH"])
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(corpora(), USES_ST, REGION_ST, st.randoms(use_true_random=False))
def test_property_order_does_not_matter(facts, use, region, rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    a = check(facts, use=use, region=region, on=ON, kb=BUILTIN)
    b = check(shuffled, use=use, region=region, on=ON, kb=BUILTIN)
    assert json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)


@PROPS
@given(corpora(), corpora(), USES_ST, REGION_ST)
def test_property_adding_never_improves(facts, more, use, region) -> None:  # type: ignore[no-untyped-def]
    extra = [
        DatasetFacts(
            id=f"e{i}",
            license=f.license,
            rights=f.rights,
            clearances=tuple(Clearance(f"e{i}", c.use, c.by, c.reason) for c in f.clearances),
        )
        for i, f in enumerate(more)
    ]
    before = check(facts, use=use, region=region, on=ON, kb=BUILTIN).verdict
    after = check(facts + extra, use=use, region=region, on=ON, kb=BUILTIN).verdict
    assert RANK[after] >= RANK[before]


@PROPS
@given(corpora(), USES_ST, REGION_ST)
def test_property_verdict_is_worst_of_datasets(facts, use, region) -> None:  # type: ignore[no-untyped-def]
    r = check(facts, use=use, region=region, on=ON, kb=BUILTIN)
    verdicts = [d.verdict for d in r.datasets]
    if r.verdict == "allowed":
        assert "blocked" not in verdicts and set(verdicts) <= {"allowed"}
    assert r.verdict == max(verdicts, key=RANK.__getitem__, default="allowed")
    if r.conflicts and use in ("release-weights", "release-data"):
        assert r.verdict == "blocked"


@PROPS
@given(corpora(), st.sampled_from(["research", "internal"]), REGION_ST)
def test_property_no_share_alike_conflict_without_sharing(facts, use, region) -> None:  # type: ignore[no-untyped-def]
    """Rule 5 acts on service and up: for research/internal no share-alike term bites."""
    r = check(facts, use=use, region=region, on=ON, kb=BUILTIN)
    assert r.conflicts == ()
    assert not any(o.kind == "share-alike" for o in r.obligations)


def test_share_alike_scope_decides_conflicts() -> None:
    """4.1: GPL shares alike on distribution only: GPL-2.0 with GPL-3.0 is no service issue."""
    gpl = [
        DatasetFacts(id="a", license="GPL-2.0-only"),
        DatasetFacts(id="b", license="GPL-3.0-only"),
    ]
    assert check(gpl, use="service", on=ON, kb=BUILTIN).conflicts == ()
    assert check(gpl, use="release-weights", on=ON, kb=BUILTIN).verdict == "blocked"
    agpl = [DatasetFacts(id="a", license="AGPL-3.0-only"), DatasetFacts(id="b", license="ODbL-1.0")]
    service = check(agpl, use="service", on=ON, kb=BUILTIN)
    assert service.conflicts and service.verdict == "allowed-with-obligations"


def test_family_only_license_needs_review() -> None:
    facts = [DatasetFacts(id="a", license="LicenseRef-hf-gpl")]
    r = check(facts, use="internal", on=ON, kb=BUILTIN)
    assert r.verdict == "needs-review"
    assert any(x.rule == "1" for x in r.datasets[0].reasons)


@pytest.mark.parametrize(
    "a,b,conflict",
    [
        ("AGPL-3.0-only", "GPL-3.0-only", False),  # GPL-3.0 s.13: the whole goes out as AGPL
        ("AGPL-3.0-only", "GPL-3.0-or-later", False),
        ("AGPL-3.0-or-later", "GPL-3.0-only", False),
        ("AGPL-3.0-only", "GPL-2.0-only", True),
    ],
)
def test_agpl_with_gpl3_is_a_one_way_compatibility(a: str, b: str, conflict: bool) -> None:
    facts = [DatasetFacts(id="a", license=a), DatasetFacts(id="b", license=b)]
    r = check(facts, use="release-weights", on=ON, kb=BUILTIN)
    assert bool(r.conflicts) is conflict, r.conflicts
    assert r.verdict == ("blocked" if conflict else "allowed-with-obligations")
