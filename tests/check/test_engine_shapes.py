"""The check engine at scale (register.check.engine): evaluating each distinct dataset shape
once, and each OR once per (shape, feasible set), gives exactly what evaluating every dataset
on its own gives; the result does not depend on the order of the datasets; the lazily built
datasets (register.check.result.DatasetVerdicts) and their pre-encoded JSON equal the plain
verdicts and their ``to_dict()``."""

from __future__ import annotations

import json
import random
from datetime import date
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register.check import engine
from register.check.engine import check
from register.check.facts import USES, Clearance, DatasetFacts, RightsRecord
from register.check.result import CheckResult, DatasetVerdicts
from register.licenses.catalog import default_kb

BUILTIN = default_kb()
ON = date(2026, 12, 1)

# Few licenses and rights records for many datasets: most shapes repeat.
LICENSES = [
    None, "", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-SA-3.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0", "ODbL-1.0", "GPL-2.0-only", "GPL-3.0-only", "AGPL-3.0-only", "MIT",
    "Apache-2.0", "CDLA-Sharing-1.0", "NOASSERTION", "not a license ((",
    "LicenseRef-scancode-llama-2-license-2023", "CC-BY-NC-SA-4.0 OR CC-BY-SA-4.0",
    "GPL-3.0-only OR ODbL-1.0", "Apache-2.0 OR MIT", "CC-BY-SA-4.0 OR GPL-3.0-only",
    "MIT AND CC-BY-SA-4.0",
]
RIGHTS = [
    None,
    RightsRecord(personal_data="no"),
    RightsRecord(personal_data="yes", lawful_basis="consent", consent_purposes=("research",)),
    RightsRecord(personal_data="yes"),
    RightsRecord(personal_data="no", allowed_regions=("EEA",)),
    RightsRecord(personal_data="no", retain_until=date(2026, 12, 20)),
    RightsRecord(personal_data="no", retain_until=date(2026, 1, 1)),
    RightsRecord(personal_data="yes", sensitive=("health",), lawful_basis="contract"),
]
# Ids a JSON encoder must escape, so the pre-encoded output is tested on them too.
ODD_IDS = ['q"uote', "back\\slash", "caf\u00e9/\u00fcber", "line\u2028sep", "tab\there",
           "\U0001f600"]


@st.composite
def corpora(draw: st.DrawFn, max_size: int = 40) -> list[DatasetFacts]:
    n = draw(st.integers(min_value=0, max_value=max_size))
    names = draw(st.permutations([f"org{i % 3}/d{i:03d}" for i in range(max_size)] + ODD_IDS))
    out = []
    for ident in names[:n]:
        clearances: tuple[Clearance, ...] = ()
        if draw(st.integers(0, 4)) == 0:
            clearances = (Clearance(
                ident, draw(st.sampled_from(USES)), draw(st.sampled_from(["counsel", "legal"])),
                "bought", draw(st.sampled_from([None, date(2027, 1, 1), date(2026, 1, 1)]))),)
        review = draw(st.integers(0, 5)) == 0
        out.append(DatasetFacts(
            id=ident, license=draw(st.sampled_from(LICENSES)), license_needs_review=review,
            license_reason=draw(st.sampled_from(["", "ambiguous card"])) if review else "",
            rights=draw(st.sampled_from(RIGHTS)), clearances=clearances))
    return out


USES_ST = st.sampled_from(USES)
REGION_ST = st.sampled_from([None, "DE", "CH"])
PROPS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run(facts: list[DatasetFacts], use: str, region: str | None, **kw: Any) -> CheckResult:
    return check(facts, use=use, region=region, on=ON, kb=BUILTIN, **kw)


def _one_by_one(facts: list[DatasetFacts], use: str, region: str | None,
                **kw: Any) -> CheckResult:
    """The engine with every dataset its own shape: nothing shared, nothing memoized."""
    with mock.patch.object(engine, "_shape_key", lambda f, use, on, records: (id(f),)):
        return _run(facts, use, region, **kw)


def _base(license: str) -> DatasetFacts:
    return DatasetFacts(id="example/base", license=license, is_base_model=True)


@PROPS
@given(corpora(), USES_ST, REGION_ST, st.sampled_from([None, "Apache-2.0", "CC-BY-SA-4.0"]))
def test_shapes_give_what_each_dataset_alone_gives(facts, use, region, base) -> None:  # type: ignore[no-untyped-def]
    kw = {"base_model": _base(base)} if base else {}
    shared = _run(facts, use, region, **kw)
    alone = _one_by_one(facts, use, region, **kw)
    assert shared.to_dict() == alone.to_dict()
    assert shared == alone


@PROPS
@given(corpora(), USES_ST, REGION_ST, st.randoms(use_true_random=False))
def test_order_of_the_datasets_does_not_matter(facts, use, region, rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    assert _run(facts, use, region).to_dict() == _run(shuffled, use, region).to_dict()


@PROPS
@given(corpora(), USES_ST, REGION_ST)
def test_lazy_datasets_equal_plain_verdicts(facts, use, region) -> None:  # type: ignore[no-untyped-def]
    result = _run(facts, use, region)
    lazy = result.datasets
    assert isinstance(lazy, DatasetVerdicts)
    plain = tuple(lazy)
    assert lazy == plain and plain == lazy and len(lazy) == len(facts)
    assert lazy[1:3] == plain[1:3]
    if plain:
        assert lazy[-1] == plain[-1]
    assert hash(lazy) == hash(plain)
    lines = list(result.dataset_json_lines())
    assert lines == [json.dumps(d.to_dict(), sort_keys=True, ensure_ascii=False) for d in plain]
    assert [json.loads(line) for line in lines] == [d.to_dict() for d in plain]


def test_a_large_corpus_shares_its_shapes() -> None:
    """5,000 datasets of a few shapes: each shape is evaluated once, the verdicts equal the
    one-by-one evaluation."""
    rnd = random.Random(18)
    facts = [DatasetFacts(id=f"org/d{i:05d}", license=rnd.choice(LICENSES),
                          rights=rnd.choice(RIGHTS)) for i in range(5000)]
    calls: list[DatasetFacts] = []
    real = engine._evaluate_shape

    def counting(ctx: Any, f: DatasetFacts, is_base: bool) -> Any:
        calls.append(f)
        return real(ctx, f, is_base)

    with mock.patch.object(engine, "_evaluate_shape", counting):
        shared = _run(facts, "release-weights", "DE")
    assert len(calls) <= len(LICENSES) * len(RIGHTS)
    assert shared.to_dict() == _one_by_one(facts, "release-weights", "DE").to_dict()


@pytest.mark.parametrize("other", [
    {"rights": RightsRecord(personal_data="yes", lawful_basis="consent",
                            consent_purposes=("service",), retain_until=date(2026, 12, 20),
                            allowed_regions=("EU",))},
    {"rights": RightsRecord(personal_data="yes", lawful_basis="consent",
                            consent_purposes=("research",), retain_until=date(2026, 12, 20))},
    {"rights": RightsRecord(personal_data="yes", lawful_basis="consent",
                            consent_purposes=("service",), retain_until=date(2026, 11, 20))},
    {"clearances": (Clearance("b/x", "service", "counsel", "signed"),)},
    {"clearances": (Clearance("b/x", "service", "counsel", "signed", date(2027, 1, 1)),)},
    {"license_needs_review": True},
    {"license_needs_review": True, "license_reason": "checked by hand"},
])
def test_datasets_differing_in_one_fact_keep_their_own_results(other: dict[str, object]) -> None:
    """The shape cache never merges datasets whose facts differ in one field."""
    base_facts = {"license": "CC-BY-NC-4.0",
                  "rights": RightsRecord(personal_data="yes", lawful_basis="consent",
                                         consent_purposes=("service",),
                                         retain_until=date(2026, 12, 20))}
    a = DatasetFacts(id="a/x", **base_facts)  # type: ignore[arg-type]
    b = DatasetFacts(id="b/x", **{**base_facts, **other})  # type: ignore[arg-type]
    together = check([a, b], use="service", on=date(2026, 12, 1))
    for alone in (check([a], use="service", on=date(2026, 12, 1)),
                  check([b], use="service", on=date(2026, 12, 1))):
        got = together.dataset(alone.datasets[0].id)
        assert got == alone.datasets[0]
    da, db = together.dataset("a/x"), together.dataset("b/x")
    def strip(d: Any) -> object:
        return [r.message.split(": ", 1)[1] for r in d.reasons], d.verdict, d.clearance

    assert strip(da) != strip(db)
