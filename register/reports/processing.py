"""Records of processing of personal data (GDPR Art. 30 style): one row per dataset whose
rights record says it holds personal data (``personal_data: yes``).

Columns (:data:`COLUMNS`): the purposes (the uses the consent covers), lawful basis,
categories, sensitive (special) categories, regions collected in and allowed, collection
date, retention, DPIA reference (the rights record's ``dpia``), and the models trained on it
(the latest fine-tune record of each model).  A field the register does not hold is
:data:`NOT_RECORDED`.  Categories of personal data other than the sensitive ones are not a
rights field, so that column says so rather than guessing from the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["COLUMNS", "NOT_RECORDED", "ProcessingJSON", "ProcessingRecord", "ProcessingRecordJSON",
           "build_records"]

NOT_RECORDED = "not recorded"

COLUMNS: tuple[str, ...] = (
    "dataset", "name", "purposes", "lawful_basis", "categories", "sensitive_categories",
    "collected_in", "allowed_regions", "collected_on", "retain_until", "dpia",
    "trained_models", "rights_recorded_by", "rights_recorded_at",
)


class ProcessingRecordJSON(TypedDict):
    """One record of ``register report processing --format json``."""

    dataset: str
    name: str | None
    purposes: list[str]
    lawful_basis: str | None
    categories: str
    sensitive_categories: list[str]
    collected_in: list[str]
    allowed_regions: list[str]
    collected_on: str | None
    retain_until: str | None
    dpia: str | None
    trained_models: list[str]
    rights_recorded_by: str | None
    rights_recorded_at: str | None


class ProcessingJSON(TypedDict):
    """``register report processing --format json``."""

    schema_version: int
    records: list[ProcessingRecordJSON]


@dataclass(frozen=True)
class ProcessingRecord:
    """One dataset holding personal data."""

    data: ProcessingRecordJSON

    def to_dict(self) -> ProcessingRecordJSON:
        return self.data

    def cells(self) -> dict[str, Any]:
        """The CSV row: empty values written :data:`NOT_RECORDED`, lists ``;``-joined by the
        cell renderer."""
        row: dict[str, Any] = dict(self.data)
        if not row["allowed_regions"]:
            row["allowed_regions"] = "no restriction recorded"
        for key in ("purposes", "lawful_basis", "collected_in", "collected_on", "retain_until",
                    "dpia"):
            if row[key] in (None, [], ""):
                row[key] = NOT_RECORDED
        if not row["sensitive_categories"]:
            row["sensitive_categories"] = "none recorded"
        if not row["trained_models"]:
            row["trained_models"] = "none recorded"
        return row


def build_records(reg: Register) -> list[ProcessingRecord]:
    """The records, by dataset id."""
    trained: dict[str, list[str]] = {}
    for model_id in reg.model_ids():
        for d in reg.model_training_data(model_id):
            trained.setdefault(str(d["id"]), []).append(model_id)
    out: list[ProcessingRecord] = []
    for summary in reg.list_datasets(personal_data="yes"):
        view = reg.show(summary.id)
        rights = view.rights.in_force
        out.append(ProcessingRecord({
            "dataset": view.id, "name": view.pretty_name,
            "purposes": list(rights["consent_purposes"]),
            "lawful_basis": rights["lawful_basis"],
            "categories": f"{NOT_RECORDED} (the register records the sensitive categories "
                          "only)",
            "sensitive_categories": list(rights["sensitive"]),
            "collected_in": list(rights["collected_in"]),
            "allowed_regions": list(rights["allowed_regions"]),
            "collected_on": rights["collected_on"], "retain_until": rights["retain_until"],
            "dpia": rights["dpia"], "trained_models": sorted(trained.get(view.id, [])),
            "rights_recorded_by": view.rights.by, "rights_recorded_at": view.rights.at,
        }))
    return out
