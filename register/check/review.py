"""Whether a dataset needs a human, and why: the one place that decides it.

``register list`` (``needs_review``, ``rights_needs_review``, ``review_reasons``), the
``export csv`` / ``export json`` / xlsx Register columns (``needs_review``, ``review_reason``),
the xlsx Review sheet and the SPDX review annotation all read :func:`dataset_review`, so a
dataset's review state and reasons are the same in every output.

A dataset needs review when

* its license needs review: the normalizer was not sure of the declared license, or a human
  concluded ``NOASSERTION`` (:func:`license_review`);
* its license names ids the knowledge base holds no terms for (e.g. an unknown
  ``LicenseRef-...``): a check of it will need review under rule 1 (:func:`license_review`);
* its rights record is incomplete (:func:`register.rights.record.rights_problems`), or the
  card suggests personal data and no rights are recorded (:func:`rights_review`).

:func:`attention_items` are the further notes of the Review sheet (a declared license that
changed, retention that ended or ends soon); they do not by themselves make a dataset need
review.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from register.check.facts import RightsRecord
    from register.licenses.catalog import KnowledgeBase

__all__ = [
    "LICENSE",
    "RIGHTS",
    "ReviewItem",
    "Reviewer",
    "attention_items",
    "dataset_review",
    "effective_license",
    "license_review",
    "missing_terms",
    "rights_review",
    "suggests_personal_data",
]

LICENSE = "license"
RIGHTS = "rights"
NO_ASSERTION = "NOASSERTION"

#: what to do about an item, by its source (the Review sheet's ``detail`` column)
ACTIONS: dict[str, str] = {
    "declared": "record a concluded_license with a reason on the Register sheet",
    "concluded": "record a concluded_license with a reason on the Register sheet",
    "knowledge-base": "add the license's terms to the knowledge base "
                      "($REGISTER_LICENSES_DIR) or record a clearance",
    "rights-record": "complete the rights on the Register sheet",
    "card": "record the dataset's rights (personal_data, lawful_basis) on the Register sheet",
    "license-change": "confirm the new terms still allow the uses the dataset is in",
    "retention": "the data may no longer be used after retain_until",
}


@dataclass(frozen=True)
class ReviewItem:
    """One reason a human must look at a dataset.

    ``kind`` is the area (``license`` or ``rights``; ``license-change`` / ``retention`` for
    :func:`attention_items`), ``source`` what raised it (``declared``, ``concluded``,
    ``knowledge-base``, ``rights-record``, ``card``, ...), ``message`` the reason shown.
    """

    kind: str
    source: str
    message: str

    @property
    def action(self) -> str:
        """What to do about it."""
        return ACTIONS.get(self.source, "")

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "source": self.source, "message": self.message}


def effective_license(concluded: str | None, declared: str | None,
                      declared_needs_review: bool | None) -> tuple[str | None, bool]:
    """The effective license and whether it needs review (a human conclusion wins; a
    concluded ``NOASSERTION`` still needs review)."""
    if concluded:
        return concluded, concluded.upper() == NO_ASSERTION
    return declared, bool(declared_needs_review)


def missing_terms(expression: str | None, kb: KnowledgeBase) -> list[str]:
    """License ids of ``expression`` the knowledge base holds no terms for (sorted)."""
    from register.licenses.expressions import spdx_licensing

    try:
        keys = set(spdx_licensing().license_keys(expression)) if expression else set()
    except Exception:  # not an expression: rule 1 and the license reason say so
        keys = set()
    return sorted(k for k in keys if k.upper() != NO_ASSERTION and kb.get(k) is None)


def license_review(
    expression: str | None, needs_review: bool, reason: str | None, kb: KnowledgeBase, *,
    source: str = "declared", terms: Callable[[str | None], list[str]] | None = None,
) -> list[ReviewItem]:
    """Why the license ``expression`` needs a human (empty: it does not).

    ``needs_review`` / ``reason`` are the normalizer's (or the conclusion's) flag and reason;
    ``source`` says which (``declared`` or ``concluded``).  A license that does not need
    review otherwise still does when the knowledge base holds no terms for one of its ids.
    ``terms`` may replace :func:`missing_terms` (e.g. a cached version of it)."""
    if needs_review:
        return [ReviewItem(LICENSE, source, reason or "the license needs review")]
    unknown = (terms or (lambda e: missing_terms(e, kb)))(expression)
    if unknown:
        return [ReviewItem(LICENSE, "knowledge-base",
                           f"no terms in the knowledge base for {', '.join(unknown)}: a check "
                           "will need review")]
    return []


def suggests_personal_data(suggestions: dict[str, Any] | str | None) -> bool:
    """Whether the card-derived (unconfirmed) suggestions say the data is personal."""
    data = suggestions
    if isinstance(data, str):
        if "personal_data" not in data:
            return False
        data = json.loads(data)
    if not isinstance(data, dict):
        return False
    suggestion = data.get("personal_data")
    value = suggestion.get("value") if isinstance(suggestion, dict) else suggestion
    return value == "yes"


def rights_review(record: RightsRecord | None,
                  suggestions: dict[str, Any] | str | None) -> list[ReviewItem]:
    """What a human must still record about the rights (``record`` None: none recorded)."""
    from register.rights.record import rights_problems

    items = [ReviewItem(RIGHTS, "rights-record", p) for p in rights_problems(record)]
    if record is None and suggests_personal_data(suggestions):
        items.append(ReviewItem(RIGHTS, "card", "the card suggests personal data "
                                "(unconfirmed) and no rights are recorded"))
    return items


def dataset_review(
    *, concluded: str | None, declared: str | None, declared_needs_review: bool | None,
    declared_reason: str | None, concluded_reason: str | None = None,
    rights: RightsRecord | None, suggestions: dict[str, Any] | str | None, kb: KnowledgeBase,
    terms: Callable[[str | None], list[str]] | None = None,
) -> list[ReviewItem]:
    """Every reason a dataset needs a human: its license first, then its rights."""
    return _stored_license_review(concluded, declared, declared_needs_review, declared_reason,
                                  concluded_reason, kb, terms) + rights_review(rights, suggestions)


def _stored_license_review(
    concluded: str | None, declared: str | None, declared_needs_review: bool | None,
    declared_reason: str | None, concluded_reason: str | None, kb: KnowledgeBase,
    terms: Callable[[str | None], list[str]] | None,
) -> list[ReviewItem]:
    """:func:`license_review` of a dataset's stored license columns."""
    expression, needs = effective_license(concluded, declared, declared_needs_review)
    if concluded:
        why = (f"the concluded license is NOASSERTION: {concluded_reason}" if concluded_reason
               else "the concluded license is NOASSERTION")
        return license_review(expression, needs, why, kb, source="concluded", terms=terms)
    return license_review(expression, needs, declared_reason, kb, terms=terms)


#: entries a :class:`Reviewer` cache holds before it starts afresh (memory stays bounded)
MEMO_LIMIT = 20_000


class Reviewer:
    """:func:`dataset_review` over many datasets (an export, ``list``, an import's batch
    lookup): each distinct license (expression, flag, reasons) and each distinct stored pair
    (rights JSON, suggestions JSON) is reviewed once, and each distinct rights JSON decoded
    once.  The results are those of :func:`dataset_review` (the items are immutable)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._terms: dict[str | None, list[str]] = {}
        self._licenses: dict[tuple[Any, ...], tuple[ReviewItem, ...]] = {}
        self._rights: dict[tuple[str | None, str | None], tuple[ReviewItem, ...]] = {}
        self._records: dict[str, RightsRecord] = {}

    def terms(self, expression: str | None) -> list[str]:
        """:func:`missing_terms`, once per expression."""
        found = self._terms.get(expression)
        if found is None:
            found = self._terms[expression] = missing_terms(expression, self.kb)
        return found

    def record(self, rights_json: str | None) -> RightsRecord | None:
        """The :class:`RightsRecord` a stored rights JSON holds (None for none)."""
        if not rights_json:
            return None
        found = self._records.get(rights_json)
        if found is None:
            from register.check.facts import RightsRecord

            _bounded(self._records)
            found = self._records[rights_json] = RightsRecord.from_dict(json.loads(rights_json))
        return found

    def review(self, *, concluded: str | None, declared: str | None,
               declared_needs_review: bool | None, declared_reason: str | None,
               concluded_reason: str | None, rights_json: str | None,
               suggestions_json: str | None) -> tuple[ReviewItem, ...]:
        """:func:`dataset_review` of one dataset's stored columns."""
        key = (concluded, declared, declared_needs_review, declared_reason, concluded_reason)
        license_items = self._licenses.get(key)
        if license_items is None:
            _bounded(self._licenses)
            license_items = self._licenses[key] = tuple(_stored_license_review(
                concluded, declared, declared_needs_review, declared_reason, concluded_reason,
                self.kb, self.terms))
        pair = (rights_json or None, suggestions_json)
        rights_items = self._rights.get(pair)
        if rights_items is None:
            _bounded(self._rights)
            rights_items = self._rights[pair] = tuple(
                rights_review(self.record(rights_json), suggestions_json))
        return license_items + rights_items if rights_items else license_items


def _bounded(cache: dict[Any, Any]) -> None:
    if len(cache) >= MEMO_LIMIT:
        cache.clear()


def attention_items(
    *, previous_license: str | None, concluded: str | None, declared: str | None,
    retain_until: date | None, today: date,
) -> list[ReviewItem]:
    """Notes for the Review sheet that do not by themselves need review: a declared license
    that changed (and no conclusion since), retention that ended or ends within 30 days."""
    items: list[ReviewItem] = []
    if previous_license and not concluded:
        items.append(ReviewItem("license-change", "license-change",
                                f"the declared license changed from {previous_license} to "
                                f"{declared}"))
    if retain_until is not None:
        if retain_until < today:
            items.append(ReviewItem("retention", "retention",
                                    f"retention ended on {retain_until.isoformat()}"))
        elif retain_until <= today + timedelta(days=30):
            items.append(ReviewItem("retention", "retention",
                                    f"retention ends on {retain_until.isoformat()} "
                                    "(within 30 days)"))
    return items
