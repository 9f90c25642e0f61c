"""The review module: the one place that decides whether a dataset needs a human, and why."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from register.check.facts import RightsRecord
from register.check.review import (
    LICENSE,
    RIGHTS,
    ReviewItem,
    attention_items,
    dataset_review,
    effective_license,
    license_review,
    missing_terms,
    rights_review,
    suggests_personal_data,
)
from register.licenses.catalog import default_kb
from register.register import Register

UNKNOWN_REF = "LicenseRef-acme-internal"


@pytest.fixture(scope="module")
def kb():  # type: ignore[no-untyped-def]
    return default_kb()


def test_effective_license_prefers_the_conclusion() -> None:
    assert effective_license(None, "MIT", False) == ("MIT", False)
    assert effective_license(None, None, True) == (None, True)
    assert effective_license("Apache-2.0", "MIT", True) == ("Apache-2.0", False)
    assert effective_license("NOASSERTION", "MIT", False) == ("NOASSERTION", True)
    assert effective_license("noassertion", "MIT", False) == ("noassertion", True)


def test_license_review_reasons(kb) -> None:  # type: ignore[no-untyped-def]
    assert license_review("MIT", False, "exact id", kb) == []
    assert license_review(None, True, "no license field", kb) == [
        ReviewItem(LICENSE, "declared", "no license field")]
    assert license_review(None, True, "", kb) == [
        ReviewItem(LICENSE, "declared", "the license needs review")]
    # a license the normalizer is sure of still needs review when no terms are known
    assert license_review(f"MIT AND {UNKNOWN_REF}", False, "", kb, source="concluded") == [
        ReviewItem(LICENSE, "knowledge-base",
                   f"no terms in the knowledge base for {UNKNOWN_REF}: a check will need "
                   "review")]
    assert missing_terms(f"{UNKNOWN_REF} OR CC-BY-4.0", kb) == [UNKNOWN_REF]
    assert missing_terms("NOASSERTION", kb) == []
    assert missing_terms("not ( an expression", kb) == []


def test_concluded_noassertion_says_so(kb) -> None:  # type: ignore[no-untyped-def]
    items = dataset_review(concluded="NOASSERTION", declared="MIT", declared_needs_review=False,
                           declared_reason="Hub license id(s) mit -> MIT",
                           concluded_reason="the card contradicts the paper", rights=None,
                           suggestions=None, kb=kb)
    assert items == [ReviewItem(LICENSE, "concluded", "the concluded license is NOASSERTION: "
                                "the card contradicts the paper")]


def test_rights_review(kb) -> None:  # type: ignore[no-untyped-def]
    hint = {"personal_data": {"value": "yes", "confirmed": False}}
    assert suggests_personal_data(hint) and suggests_personal_data('{"personal_data": "yes"}')
    assert not suggests_personal_data("{}") and not suggests_personal_data(None)
    assert rights_review(None, hint) == [ReviewItem(
        RIGHTS, "card", "the card suggests personal data (unconfirmed) and no rights are "
        "recorded")]
    # once rights are recorded, the card's hint is no longer a reason
    assert rights_review(RightsRecord(personal_data="no"), hint) == []
    gap = rights_review(RightsRecord(personal_data="yes"), hint)
    assert [(i.kind, i.source) for i in gap] == [(RIGHTS, "rights-record")]
    assert "lawful basis" in gap[0].message
    both = dataset_review(concluded=None, declared=None, declared_needs_review=True,
                          declared_reason="no license", rights=RightsRecord(personal_data="yes"),
                          suggestions=None, kb=kb)
    assert [i.kind for i in both] == [LICENSE, RIGHTS]  # license first, then rights


def test_attention_items_do_not_decide_review() -> None:
    today = date(2026, 12, 1)
    items = attention_items(previous_license="MIT", concluded=None, declared="GPL-3.0-only",
                            retain_until=date(2026, 11, 30), today=today)
    assert [i.kind for i in items] == ["license-change", "retention"]
    assert attention_items(previous_license="MIT", concluded="MIT", declared="GPL-3.0-only",
                           retain_until=date(2026, 12, 20), today=today)[0].message == \
        "retention ends on 2026-12-20 (within 30 days)"
    assert attention_items(previous_license=None, concluded=None, declared="MIT",
                           retain_until=date(2027, 6, 1), today=today) == []


def test_fixture_concluded_to_an_unknown_licenseref(reg: Register, cards_dir: Path) -> None:
    """A real card (beans, MIT) concluded as an unknown LicenseRef needs review in list and
    check, for the same reason."""
    reg.ingest_paths([cards_dir / "beans"])
    assert not [s for s in reg.list_datasets(needs_review=True)]
    reg.set_license("beans", UNKNOWN_REF, reason="signed contract", by="alice")
    [summary] = reg.list_datasets(needs_review=True)
    assert summary.id == "beans" and summary.license == UNKNOWN_REF
    assert summary.needs_review and not summary.rights_needs_review
    assert summary.review_reasons == [
        f"no terms in the knowledge base for {UNKNOWN_REF}: a check will need review"]
    result = reg.check(["beans"], use="service")
    assert result.verdict == "needs-review"
    assert any(r.rule == "1" and UNKNOWN_REF in r.message
               for r in result.datasets[0].reasons)


def _stored_rows(reg: Register) -> list[Any]:
    from register.store.engine import read_connection
    from register.store.queries import list_rows

    with read_connection(reg.engine) as conn:
        return list(list_rows(conn, personal_data=None, retain_before=None))


def test_the_reviewer_gives_dataset_review_for_every_stored_dataset(
        sqlite_reg: Register, cards_dir: Path, kb) -> None:  # type: ignore[no-untyped-def]
    """Over the real cards, with rights recorded on some (complete, incomplete, the same
    record twice) and a conclusion: :class:`Reviewer` (each license and each rights pair
    reviewed once) equals :func:`dataset_review` of each dataset."""
    from register.check.review import Reviewer
    from register.rights.record import parse_rights_options as opts

    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    ids = [s.id for s in sqlite_reg.list_datasets()]
    sqlite_reg.set_rights(ids[0], opts(personal_data="yes"), by="alice")  # no lawful basis
    sqlite_reg.set_rights(ids[1], opts(personal_data="yes", lawful_basis="consent"),
                          by="alice")
    sqlite_reg.set_rights(ids[2], opts(personal_data="yes"), by="alice")  # as ids[0]
    sqlite_reg.set_rights(ids[3], opts(personal_data="no"), by="alice")
    sqlite_reg.set_license(ids[4], UNKNOWN_REF, reason="signed contract", by="alice")
    reviewer = Reviewer(kb)
    rows = _stored_rows(sqlite_reg)
    assert len(rows) == len(ids)
    seen: set[tuple[ReviewItem, ...]] = set()
    for _ in range(2):  # the second pass is answered from the caches
        for row in rows:
            record = RightsRecord.from_dict(json.loads(row.rights_json)) \
                if row.rights_json else None
            expected = tuple(dataset_review(
                concluded=row.concluded_license, declared=row.declared_license,
                declared_needs_review=row.declared_needs_review,
                declared_reason=row.declared_reason, concluded_reason=row.concluded_reason,
                rights=record, suggestions=row.suggestions_json, kb=kb))
            got = reviewer.review(
                concluded=row.concluded_license, declared=row.declared_license,
                declared_needs_review=row.declared_needs_review,
                declared_reason=row.declared_reason, concluded_reason=row.concluded_reason,
                rights_json=row.rights_json, suggestions_json=row.suggestions_json)
            assert got == expected, row.id
            assert reviewer.record(row.rights_json) == record
            seen.add(got)
    by_id = {row.id: row for row in rows}
    def rights_items(n: int) -> list[ReviewItem]:
        return [i for i in reviewer.review(**_columns(by_id[ids[n]])) if i.kind == RIGHTS]

    assert rights_items(0)  # personal data, no lawful basis
    assert rights_items(1) != rights_items(0)  # another record
    assert rights_items(2) == rights_items(0)  # the same record
    assert not rights_items(3)
    assert any(UNKNOWN_REF in i.message for i in reviewer.review(**_columns(by_id[ids[4]])))
    assert len(seen) > 3


def _columns(row: Any) -> dict[str, Any]:
    return {"concluded": row.concluded_license, "declared": row.declared_license,
            "declared_needs_review": row.declared_needs_review,
            "declared_reason": row.declared_reason, "concluded_reason": row.concluded_reason,
            "rights_json": row.rights_json, "suggestions_json": row.suggestions_json}
