"""Typed read results of the register: ``show``, ``list`` and ``audit log``.

:class:`DatasetView` (``Register.show``), :class:`DatasetSummary` (one item of
``Register.list_datasets``) and :class:`AuditEntry` (one item of ``Register.audit_log``) are
frozen dataclasses; ``to_dict()`` gives exactly the JSON object of ``show -f json``, of one
``list -f json`` item and of one ``audit log -f json`` event.  The ``from_row`` builders take
rows of :mod:`register.store.queries`.

The ``*JSON`` TypedDicts beside each class describe those objects (mypy checks ``to_dict()``
against them; :mod:`register.schemas` generates the published JSON Schemas from them).
``DatasetListJSON`` and ``AuditLogJSON`` are the envelopes the CLI prints around the items.
Three members are open objects on purpose: ``metadata`` (the card's descriptive fields as
read, varying with the card format and the Hub) and an audit event's ``before``/``after``
(whose fields depend on the action); the license fields of the card (``raw``) are a closed
object with free-form values, since they are the card's YAML verbatim.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from typing_extensions import NotRequired, TypedDict

from register.check.facts import PersonalData, RightsRecordJSON
from register.check.review import LICENSE, RIGHTS, ReviewItem, effective_license
from register.versions import SCHEMA_VERSION

__all__ = [
    "AuditEntry",
    "AuditEntryJSON",
    "AuditLogJSON",
    "ClearanceView",
    "DatasetListJSON",
    "DatasetSummaryJSON",
    "DatasetViewJSON",
    "DatasetSummary",
    "DatasetView",
    "LicenseDecisionView",
    "LicenseView",
    "RightsChangeView",
    "RightsView",
    "VersionView",
]


def _loads(text: str | None, default: Any = None) -> Any:
    return json.loads(text) if text else default


# --------------------------------------------------------------------------- JSON shapes


class LicenseDecisionJSON(TypedDict):
    expression: str
    previous: str | None
    by: str
    reason: str
    at: str


class RawLicenseJSON(TypedDict):
    """The card's license fields verbatim (only those the card has), the licenses of
    ``dataset_infos.json``, the text of its licensing section, and for a Croissant file the
    license values as written."""

    infos_license: list[str]
    license_section: str | None
    license: NotRequired[Any]
    licenses: NotRequired[Any]
    license_name: NotRequired[Any]
    license_link: NotRequired[Any]
    license_details: NotRequired[Any]
    croissant_license: NotRequired[Any]


class LicenseViewJSON(TypedDict):
    raw: RawLicenseJSON
    declared: str | None
    declared_needs_review: bool
    concluded: str | None
    concluded_by: str | None
    concluded_reason: str | None
    concluded_at: str | None
    effective: str | None
    needs_review: bool
    reason: str
    method: str
    confidence: float
    decisions: list[LicenseDecisionJSON]


class EvidenceJSON(TypedDict):
    """Where a suggestion was read: the card part and a snippet."""

    source: str
    text: str
    category: NotRequired[str]


class SuggestionJSON(TypedDict):
    """An unconfirmed hint read from the card; never a legal fact."""

    value: Any
    confirmed: bool
    evidence: list[EvidenceJSON]


class SuggestionsJSON(TypedDict, total=False):
    personal_data: SuggestionJSON
    sensitive: SuggestionJSON
    consent_required: SuggestionJSON
    languages: SuggestionJSON
    collected_in: SuggestionJSON


class RightsChangeJSON(TypedDict):
    rights: RightsRecordJSON | None
    previous: RightsRecordJSON | None
    by: str
    reason: str
    at: str


class RightsViewJSON(RightsRecordJSON):
    """The rights in force (the record, or the defaults when none is recorded), then the
    record itself and who recorded it."""

    recorded: RightsRecordJSON | None
    by: str | None
    reason: str | None
    at: str | None
    suggestions: SuggestionsJSON
    history: list[RightsChangeJSON]


class RevocationJSON(TypedDict):
    at: str
    by: str
    reason: str


class ClearanceViewJSON(TypedDict):
    use: str
    by: str
    reason: str
    until: str | None
    at: str
    revoked: RevocationJSON | None


class VersionViewJSON(TypedDict):
    version: int
    card_sha256: str
    source: str
    revision: str | None
    declared_license: str | None
    needs_review: bool
    ingested_at: str
    license_changed: bool


class DatasetViewJSON(TypedDict):
    """One dataset (``register show --format json``)."""

    schema_version: int
    id: str
    pretty_name: str | None
    source: str
    revision: str | None
    version: int
    card_sha256: str
    ingested_at: str
    updated_at: str
    license: LicenseViewJSON
    rights: RightsViewJSON
    clearances: list[ClearanceViewJSON]
    metadata: dict[str, Any]
    history: list[VersionViewJSON]


class DatasetSummaryJSON(TypedDict):
    """One dataset of ``register list``."""

    id: str
    license: str | None
    needs_review: bool
    rights_needs_review: bool
    review_reasons: list[str]
    source: str
    revision: str | None
    version: int
    pretty_name: str | None
    personal_data: PersonalData
    retain_until: str | None
    license_changed: bool
    previous_license: str | None


class DatasetListJSON(TypedDict):
    """``register list --format json``."""

    datasets: list[DatasetSummaryJSON]


class AuditEntryJSON(TypedDict):
    """One audit event; ``before``/``after`` hold the fields the action changed."""

    seq: int
    at: str
    actor: str
    action: str
    dataset_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    hash: str


class AuditLogJSON(TypedDict):
    """``register audit log --format json``."""

    events: list[AuditEntryJSON]


# --------------------------------------------------------------------------- the views


def _revoked(row: Any) -> RevocationJSON | None:
    at = getattr(row, "revoked_at", None)
    return None if at is None else {"at": at, "by": row.revoked_by, "reason": row.revoked_reason}


@dataclass(frozen=True)
class LicenseDecisionView:
    """One concluded-license decision."""

    expression: str
    previous: str | None
    by: str
    reason: str
    at: str

    def to_dict(self) -> LicenseDecisionJSON:
        return {"expression": self.expression, "previous": self.previous, "by": self.by,
                "reason": self.reason, "at": self.at}


@dataclass(frozen=True)
class LicenseView:
    """The license of a dataset: the card's fields, declared, concluded and effective."""

    raw: RawLicenseJSON
    declared: str | None
    declared_needs_review: bool
    concluded: str | None
    concluded_by: str | None
    concluded_reason: str | None
    concluded_at: str | None
    effective: str | None
    needs_review: bool
    reason: str
    method: str
    confidence: float
    decisions: tuple[LicenseDecisionView, ...] = ()

    def to_dict(self) -> LicenseViewJSON:
        return {
            "raw": self.raw, "declared": self.declared,
            "declared_needs_review": self.declared_needs_review,
            "concluded": self.concluded, "concluded_by": self.concluded_by,
            "concluded_reason": self.concluded_reason, "concluded_at": self.concluded_at,
            "effective": self.effective, "needs_review": self.needs_review,
            "reason": self.reason, "method": self.method, "confidence": self.confidence,
            "decisions": [d.to_dict() for d in self.decisions],
        }


@dataclass(frozen=True)
class RightsChangeView:
    """One entry of the rights history."""

    rights: RightsRecordJSON | None
    previous: RightsRecordJSON | None
    by: str
    reason: str
    at: str

    def to_dict(self) -> RightsChangeJSON:
        return {"rights": self.rights, "previous": self.previous, "by": self.by,
                "reason": self.reason, "at": self.at}


@dataclass(frozen=True)
class RightsView:
    """Rights: the fields in force (defaults when nothing is recorded), then the record."""

    in_force: RightsRecordJSON
    recorded: RightsRecordJSON | None
    by: str | None
    reason: str | None
    at: str | None
    suggestions: SuggestionsJSON
    history: tuple[RightsChangeView, ...] = ()

    def to_dict(self) -> RightsViewJSON:
        return {
            **self.in_force, "recorded": self.recorded, "by": self.by, "reason": self.reason,
            "at": self.at, "suggestions": self.suggestions,
            "history": [h.to_dict() for h in self.history],
        }


@dataclass(frozen=True)
class ClearanceView:
    """A legal clearance recorded for one use."""

    use: str
    by: str
    reason: str
    until: str | None
    at: str
    revoked: RevocationJSON | None = None  # {"at", "by", "reason"} once revoked

    def to_dict(self) -> ClearanceViewJSON:
        return {"use": self.use, "by": self.by, "reason": self.reason, "until": self.until,
                "at": self.at, "revoked": self.revoked}


@dataclass(frozen=True)
class VersionView:
    """One ingested version of the card."""

    version: int
    card_sha256: str
    source: str
    revision: str | None
    declared_license: str | None
    needs_review: bool
    ingested_at: str
    license_changed: bool

    def to_dict(self) -> VersionViewJSON:
        return {
            "version": self.version, "card_sha256": self.card_sha256, "source": self.source,
            "revision": self.revision, "declared_license": self.declared_license,
            "needs_review": self.needs_review, "ingested_at": self.ingested_at,
            "license_changed": self.license_changed,
        }


@dataclass(frozen=True)
class DatasetView:
    """One dataset as ``register show`` prints it."""

    id: str
    pretty_name: str | None
    source: str
    revision: str | None
    version: int
    card_sha256: str
    ingested_at: str
    updated_at: str
    license: LicenseView
    rights: RightsView
    clearances: tuple[ClearanceView, ...]
    metadata: dict[str, Any]
    history: tuple[VersionView, ...]
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def from_rows(cls, row: Any, versions: list[Any], decisions: list[Any],
                  rights_history: list[Any], clearances: list[Any]) -> DatasetView:
        """Build the view from a ``dataset`` row and its related rows (in their order)."""
        from register.check.facts import RightsRecord

        effective, review = effective_license(row.concluded_license, row.declared_license,
                                              row.declared_needs_review)
        history: list[VersionView] = []
        prev_license: str | None = None
        for i, v in enumerate(versions):
            history.append(VersionView(
                v.version, v.card_sha256, v.source, v.revision, v.declared_license,
                v.declared_needs_review, v.ingested_at,
                i > 0 and v.declared_license != prev_license))
            prev_license = v.declared_license
        rights = _loads(row.rights_json)
        return cls(
            id=row.id, pretty_name=row.pretty_name, source=row.source, revision=row.revision,
            version=row.version, card_sha256=row.card_sha256, ingested_at=row.ingested_at,
            updated_at=row.updated_at,
            license=LicenseView(
                raw=_loads(row.raw_license_json, {}), declared=row.declared_license,
                declared_needs_review=row.declared_needs_review,
                concluded=row.concluded_license, concluded_by=row.concluded_by,
                concluded_reason=row.concluded_reason, concluded_at=row.concluded_at,
                effective=effective, needs_review=review, reason=row.declared_reason,
                method=row.declared_method, confidence=row.declared_confidence,
                decisions=tuple(LicenseDecisionView(d.expression, d.previous, d.by, d.reason,
                                                    d.at) for d in decisions)),
            rights=RightsView(
                in_force=rights or RightsRecord().to_dict(), recorded=rights,
                by=row.rights_by, reason=row.rights_reason, at=row.rights_at,
                suggestions=_loads(row.suggestions_json, {}),
                history=tuple(RightsChangeView(_loads(h.rights_json), _loads(h.previous_json),
                                               h.by, h.reason, h.at) for h in rights_history)),
            clearances=tuple(ClearanceView(c.use, c.by, c.reason,
                                           c.until.isoformat() if c.until else None,
                                           c.created_at, _revoked(c)) for c in clearances),
            metadata=_loads(row.metadata_json, {}),
            history=tuple(history),
        )

    def to_dict(self) -> DatasetViewJSON:
        return {
            "schema_version": self.schema_version, "id": self.id,
            "pretty_name": self.pretty_name, "source": self.source, "revision": self.revision,
            "version": self.version, "card_sha256": self.card_sha256,
            "ingested_at": self.ingested_at, "updated_at": self.updated_at,
            "license": self.license.to_dict(), "rights": self.rights.to_dict(),
            "clearances": [c.to_dict() for c in self.clearances],
            "metadata": self.metadata, "history": [h.to_dict() for h in self.history],
        }


@dataclass(frozen=True)
class DatasetSummary:
    """One dataset as ``register list`` prints it: effective license and review state."""

    id: str
    license: str | None
    review: tuple[ReviewItem, ...]
    source: str
    revision: str | None
    version: int
    pretty_name: str | None
    personal_data: str
    retain_until: str | None
    license_changed: bool
    previous_license: str | None

    @property
    def needs_review(self) -> bool:
        """The license needs a human (see :mod:`register.check.review`)."""
        return any(i.kind == LICENSE for i in self.review)

    @property
    def rights_needs_review(self) -> bool:
        """The rights need a human."""
        return any(i.kind == RIGHTS for i in self.review)

    @property
    def review_reasons(self) -> list[str]:
        return [i.message for i in self.review]

    @classmethod
    def from_row(cls, row: Any, review: Sequence[ReviewItem]) -> DatasetSummary:
        effective, _ = effective_license(row.concluded_license, row.declared_license,
                                         row.declared_needs_review)
        return cls(
            id=row.id, license=effective, review=tuple(review), source=row.source,
            revision=row.revision, version=row.version, pretty_name=row.pretty_name,
            personal_data=row.personal_data,
            retain_until=row.retain_until.isoformat() if row.retain_until else None,
            license_changed=row.license_changed_at is not None,
            previous_license=row.previous_license,
        )

    def to_dict(self) -> DatasetSummaryJSON:
        return {
            "id": self.id, "license": self.license, "needs_review": self.needs_review,
            "rights_needs_review": self.rights_needs_review,
            "review_reasons": self.review_reasons, "source": self.source,
            "revision": self.revision, "version": self.version,
            "pretty_name": self.pretty_name,
            "personal_data": cast(PersonalData, self.personal_data),
            "retain_until": self.retain_until, "license_changed": self.license_changed,
            "previous_license": self.previous_license,
        }


@dataclass(frozen=True)
class AuditEntry:
    """One event of the audit trail."""

    seq: int
    at: str
    actor: str
    action: str
    dataset_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    hash: str

    @classmethod
    def from_row(cls, r: Any) -> AuditEntry:
        return cls(r.seq, r.at, r.actor, r.action, r.dataset_id, _loads(r.before_json),
                   _loads(r.after_json), r.reason, r.hash)

    def to_dict(self) -> AuditEntryJSON:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                "dataset_id": self.dataset_id, "before": self.before, "after": self.after,
                "reason": self.reason, "hash": self.hash}
