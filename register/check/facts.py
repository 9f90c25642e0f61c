"""Plain value objects shared by the store, the rights module and the check engine.

They carry no database or CLI concerns: the store builds them from rows, the check engine
(:mod:`register.check.engine`) reads them, tests build them by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, cast

from typing_extensions import TypedDict

from register.check.uses import USES as USES  # the intended uses (home: check/uses.py)

PERSONAL_DATA_VALUES: tuple[str, ...] = ("yes", "no", "unknown")

SENSITIVE_CATEGORIES: tuple[str, ...] = (
    "biometric", "health", "genetic", "racial-ethnic", "political", "religious",
    "trade-union", "sex-life", "criminal", "children", "location", "confidential-business",
)

LAWFUL_BASES: tuple[str, ...] = (
    "consent", "contract", "legal-obligation", "vital-interests", "public-task",
    "legitimate-interests", "not-applicable",
)

VERDICTS: tuple[str, ...] = ("allowed", "allowed-with-obligations", "needs-review", "blocked")

OBLIGATION_KINDS: tuple[str, ...] = (
    "attribution", "notice", "license-text", "share-alike", "use-restrictions", "unmodified",
    "naming", "user-threshold",
)


# The vocabularies above spelled for the type checker and the JSON Schemas (a test pins that
# they agree).
PersonalData = Literal["yes", "no", "unknown"]
SensitiveCategory = Literal[
    "biometric", "health", "genetic", "racial-ethnic", "political", "religious",
    "trade-union", "sex-life", "criminal", "children", "location", "confidential-business",
]
LawfulBasis = Literal[
    "consent", "contract", "legal-obligation", "vital-interests", "public-task",
    "legitimate-interests", "not-applicable",
]


class RightsRecordJSON(TypedDict):
    """A rights record as JSON (``RightsRecord.to_dict()``; dates as ISO text)."""

    personal_data: PersonalData
    sensitive: list[SensitiveCategory]
    dpia: str | None
    lawful_basis: LawfulBasis | None
    consent_purposes: list[str]
    collected_in: list[str]
    allowed_regions: list[str]
    collected_on: str | None
    retain_until: str | None


_RANK: dict[str, int] = {v: i for i, v in enumerate(VERDICTS)}


def worst(verdicts: Iterable[str]) -> str:
    """The worst of several verdicts (``allowed`` for none)."""
    return max(verdicts, key=_RANK.__getitem__, default="allowed")


@dataclass(frozen=True)
class RightsRecord:
    """What the organization recorded about a dataset's rights (SPEC ``rights set``).

    ``allowed_regions`` keeps what the user wrote (ISO codes, ``EU``, ``EEA``, ``any``);
    :func:`register.rights.regions.expand_regions` expands groups when a check needs members.
    An empty ``allowed_regions`` means no regional restriction was recorded.
    """

    personal_data: str = "unknown"
    sensitive: tuple[str, ...] = ()
    dpia: str | None = None
    lawful_basis: str | None = None
    consent_purposes: tuple[str, ...] = ()
    collected_in: tuple[str, ...] = ()
    allowed_regions: tuple[str, ...] = ()
    collected_on: date | None = None
    retain_until: date | None = None

    def to_dict(self) -> RightsRecordJSON:
        return {
            "personal_data": cast(PersonalData, self.personal_data),
            "sensitive": cast("list[SensitiveCategory]", list(self.sensitive)),
            "dpia": self.dpia,
            "lawful_basis": cast("LawfulBasis | None", self.lawful_basis),
            "consent_purposes": list(self.consent_purposes),
            "collected_in": list(self.collected_in),
            "allowed_regions": list(self.allowed_regions),
            "collected_on": self.collected_on.isoformat() if self.collected_on else None,
            "retain_until": self.retain_until.isoformat() if self.retain_until else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RightsRecord:
        def _d(value: Any) -> date | None:
            if value in (None, ""):
                return None
            if isinstance(value, date):
                return value
            return date.fromisoformat(str(value))

        return cls(
            personal_data=data.get("personal_data") or "unknown",
            sensitive=tuple(data.get("sensitive") or ()),
            dpia=data.get("dpia") or None,
            lawful_basis=data.get("lawful_basis") or None,
            consent_purposes=tuple(data.get("consent_purposes") or ()),
            collected_in=tuple(data.get("collected_in") or ()),
            allowed_regions=tuple(data.get("allowed_regions") or ()),
            collected_on=_d(data.get("collected_on")),
            retain_until=_d(data.get("retain_until")),
        )


@dataclass(frozen=True)
class Clearance:
    """A legal clearance: ``dataset_id`` may be used for ``use`` through ``until``."""

    dataset_id: str
    use: str
    by: str
    reason: str
    until: date | None = None
    created_at: str | None = None

    def valid_on(self, on: date) -> bool:
        return self.until is None or on <= self.until


@dataclass(frozen=True)
class DatasetFacts:
    """Everything the check engine needs to know about one dataset (or the base model)."""

    id: str
    license: str | None
    license_needs_review: bool = False
    license_reason: str = ""
    rights: RightsRecord | None = None
    clearances: tuple[Clearance, ...] = ()
    source: str | None = None
    pretty_name: str | None = None
    is_base_model: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
