"""The Register sheet / csv cells of one stored dataset row: the one place that makes them.

:func:`register.exports.iter_register_rows` (every export) and the import's batch lookup
(:func:`register_cells`, what :meth:`register.register.Register.import_rights` compares a
sheet with) both build their cells with :class:`RowCells`, so an unedited export imports
as unchanged and without warnings.  The cells derived from stored text (the raw license
text, the suggestions, the review, the rights cells) are computed once per distinct stored
value (bounded caches, :data:`register.check.review.MEMO_LIMIT`): a register holds few
distinct licenses, rights records and suggestion sets beside its datasets.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from register.check.review import MEMO_LIMIT, effective_license
from register.render.cells import LIST_SEPARATOR
from register.rights.columns import RIGHTS_COLUMNS, record_cells

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from register.check.facts import RightsRecord
    from register.check.review import Reviewer, ReviewItem

__all__ = ["RowCells", "parse_timestamp", "raw_license_text", "register_cells",
           "suggestion_text"]


def parse_timestamp(text: str | None) -> datetime | None:
    """A stored ISO timestamp as the sheets show it: naive UTC, whole seconds."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is not None:  # Excel has no time zones: UTC, naive
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.replace(microsecond=0)


_RAW_KEYS = ("license", "licenses", "license_name", "license_link", "license_details")
_RIGHTS_HINTS = ("personal_data", "sensitive", "collected_in", "consent_required")


def raw_license_text(raw: str | None) -> str | None:
    """``license: other; license_name: Foo`` from the stored raw license fields."""
    if not raw or raw == "{}":
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    parts = []
    for key in _RAW_KEYS:
        value = data.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, sort_keys=True, ensure_ascii=False)
        parts.append(f"{key}: {value}")
    return "; ".join(parts) or None


def suggestion_text(raw: str | None) -> str | None:
    """The unconfirmed rights hints of a stored suggestions JSON (``personal_data: yes``)."""
    if not raw or raw == "{}":
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    parts = []
    for key in _RIGHTS_HINTS:
        item = data.get(key)
        if not isinstance(item, dict) or item.get("confirmed"):
            continue
        value = item.get("value")
        if isinstance(value, list):
            value = LIST_SEPARATOR.join(str(v) for v in value)
        parts.append(f"{key}: {value}")
    return "; ".join(parts) or None


_NO_RIGHTS: dict[str, Any] = dict.fromkeys(RIGHTS_COLUMNS)  # no record: empty cells
_Review = tuple[tuple["ReviewItem", ...], bool, "str | None"]


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    if len(cache) >= MEMO_LIMIT:
        cache.clear()
    cache[key] = value
    return value


class RowCells:
    """Cells of stored dataset rows (:func:`register.store.queries.iter_export_rows`);
    one per export or import (``reviewer`` keeps the review caches)."""

    def __init__(self, reviewer: Reviewer) -> None:
        self.reviewer = reviewer
        self._raw: dict[str | None, str | None] = {}
        self._suggestions: dict[str | None, str | None] = {}
        self._rights: dict[str | None, dict[str, Any]] = {}
        self._reviews: dict[tuple[Any, ...], _Review] = {}
        self._times: dict[str | None, datetime | None] = {}

    def build(self, row: Any) -> tuple[dict[str, Any], tuple[ReviewItem, ...],
                                       RightsRecord | None, bool]:
        """``(cells, review, rights record, whether the license needs review)`` of one
        stored row; ``cells`` maps every column of the Register sheet to its value."""
        m = row._mapping  # by name: much faster than attribute access
        concluded, declared = m["concluded_license"], m["declared_license"]
        flagged, rights_json = m["declared_needs_review"], m["rights_json"]
        effective, license_review = effective_license(concluded, declared, flagged)
        raw, at = m["raw_license_json"], m["updated_at"]
        raw_text = self._raw[raw] if raw in self._raw else _remember(
            self._raw, raw, raw_license_text(raw))
        hints = m["suggestions_json"]
        hint_text = self._suggestions[hints] if hints in self._suggestions else _remember(
            self._suggestions, hints, suggestion_text(hints))
        key = (concluded, declared, flagged, m["declared_reason"], m["concluded_reason"],
               rights_json, hints)
        reviewed = self._reviews.get(key)
        if reviewed is None:
            items = self.reviewer.review(
                concluded=concluded, declared=declared, declared_needs_review=flagged,
                declared_reason=m["declared_reason"], concluded_reason=m["concluded_reason"],
                rights_json=rights_json, suggestions_json=hints)
            reviewed = _remember(self._reviews, key, (
                tuple(items), bool(items), "; ".join(i.message for i in items) or None))
        record = self.reviewer.record(rights_json)
        rights = _NO_RIGHTS  # no record: empty cells, so an unedited row imports as a no-op
        if record is not None:
            found = self._rights.get(rights_json)
            rights = found if found is not None else _remember(
                self._rights, rights_json, record_cells(record))
        cells = {
            "id": m["id"], "pretty_name": m["pretty_name"], "source": m["source"],
            "revision": m["revision"], "version": m["version"], "raw_license": raw_text,
            "declared_license": declared, "effective_license": effective,
            "concluded_license": concluded,
            "concluded_reason": m["concluded_reason"] if concluded else None,
            "concluded_by": m["concluded_by"], **rights,
            "needs_review": reviewed[1], "review_reason": reviewed[2],
            "reason": None, "by": None, "rights_by": m["rights_by"],
            "rights_reason": m["rights_reason"] or None, "suggestions": hint_text,
            "previous_license": m["previous_license"],
            "last_change": self._times[at] if at in self._times else _remember(
                self._times, at, parse_timestamp(at)), "row_version": m["row_version"],
            "card_sha256": m["card_sha256"],
        }
        return cells, reviewed[0], record, license_review


def register_cells(engine: Engine, ids: Sequence[str], cells: RowCells,
                   ) -> dict[str, dict[str, Any]]:
    """Id -> the Register sheet cells of each of ``ids`` the register holds (one query
    per 2,000 ids): what an import compares its rows with."""
    from register.store.queries import iter_export_rows

    found = (cells.build(row)[0] for row in iter_export_rows(engine, ids))
    return {row["id"]: row for row in found}
