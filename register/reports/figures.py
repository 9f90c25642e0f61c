"""The board's figures, computed once: :class:`Figures` (``register report dashboard``).

Every number is derived from the same reads as the CLI's JSON outputs, so a test can
recompute it from them:

- ``models`` / ``models_license_issues``: ``register model list`` (``declared_needs_review``);
- ``provenance``: ``register model trace`` of each model.  A model *passed* when its base
  chain is resolved (every ancestor is in the register), its training data is recorded (the
  trace names at least one dataset and each one is in the register) and its weights have
  sha256 checksums (at least one weight file, each with a checksum);
- ``datasets`` / ``datasets_license_issues`` / the review queue: ``register list``
  (``needs_review`` = license; ``rights_needs_review`` = rights).  A queue item's age is the
  days from the dataset's last change (``show``'s ``updated_at``) to ``--on``: the register
  keeps no separate "queued at" date;
- ``retention``: ``register list --expiring-within 90`` (ended ones included, as ``list``
  does), relative to ``--on``;
- ``verdicts``: each dataset checked alone for each SPEC use on ``--on`` (non-commercial only
  for ``research``, as ``check`` does) - the verdict a user gets for ``check --dataset ID
  --use USE``.  Recorded corpus checks are not counted: they cover corpora, not datasets, and
  may be stale.

``governance`` is the place for "models by tier and approval state"; it stays ``None`` (and
the section is omitted from the JSON and the page) until the governance records exist.
The xlsx Dashboard sheet is meant to read the same object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from typing_extensions import NotRequired, TypedDict

from register.check.facts import VERDICTS
from register.check.uses import USES
from register.versions import SCHEMA_VERSION

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["AGE_BUCKETS", "RETENTION_DAYS", "Figures", "FiguresJSON", "ModelProvenance",
           "build_figures"]

#: How far ahead retention deadlines are shown (days).
RETENTION_DAYS = 90
#: Review queue age buckets: (label, upper bound in days, inclusive; None = no bound).
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-7 days", 7), ("8-30 days", 30), ("31-90 days", 90), ("over 90 days", None))
#: Review reasons: the review area of ``list`` (``needs_review`` / ``rights_needs_review``).
REVIEW_REASONS: tuple[str, ...] = ("license", "rights")


class ProvenanceJSON(TypedDict):
    id: str
    chain_resolved: bool
    training_data_recorded: bool
    weights_checksummed: bool
    passed: bool


class QueueItemJSON(TypedDict):
    id: str
    age_days: int
    reasons: list[str]
    review_reasons: list[str]


class RetentionJSON(TypedDict):
    id: str
    retain_until: str
    days_left: int


class GovernanceJSON(TypedDict):
    """Models by tier and approval state (filled once governance records exist)."""

    by_tier_and_approval: dict[str, dict[str, int]]


class FiguresJSON(TypedDict):
    """``register report dashboard --format json``."""

    schema_version: int
    on: str
    datasets: int
    models: int
    models_provenance_passed: int
    provenance: list[ProvenanceJSON]
    datasets_license_issues: list[str]
    models_license_issues: list[str]
    review_queue: int
    review_by_reason: dict[str, int]
    review_by_age: dict[str, int]
    review_items: list[QueueItemJSON]
    retention_days: int
    retention_due: list[RetentionJSON]
    verdicts: dict[str, dict[str, int]]
    governance: NotRequired[GovernanceJSON]


@dataclass(frozen=True)
class ModelProvenance:
    """The provenance checks of one model (from its trace)."""

    id: str
    chain_resolved: bool
    training_data_recorded: bool
    weights_checksummed: bool

    @property
    def passed(self) -> bool:
        return self.chain_resolved and self.training_data_recorded and self.weights_checksummed

    def to_dict(self) -> ProvenanceJSON:
        return {"id": self.id, "chain_resolved": self.chain_resolved,
                "training_data_recorded": self.training_data_recorded,
                "weights_checksummed": self.weights_checksummed, "passed": self.passed}

    @classmethod
    def from_trace(cls, trace: dict[str, Any]) -> ModelProvenance:
        """From ``ModelTrace.to_dict()`` (``register model trace --format json``)."""
        data = trace["data"]
        weights = trace["weights"]
        return cls(
            id=trace["model"]["id"],
            chain_resolved=all(n.get("in_register") for n in trace["chain"]),
            training_data_recorded=bool(data) and all(d.get("in_register") for d in data),
            weights_checksummed=bool(weights) and all(w.get("sha256") for w in weights))


@dataclass(frozen=True)
class Figures:
    """What a board asks of the register, on one day."""

    on: date
    datasets: int
    models: int
    provenance: tuple[ModelProvenance, ...]
    datasets_license_issues: tuple[str, ...]
    models_license_issues: tuple[str, ...]
    review_items: tuple[QueueItemJSON, ...]
    retention_due: tuple[RetentionJSON, ...]
    verdicts: dict[str, dict[str, int]]
    #: Models by tier and approval state: None until governance records exist (omitted).
    governance: GovernanceJSON | None = None
    retention_days: int = RETENTION_DAYS

    @property
    def models_provenance_passed(self) -> int:
        return sum(p.passed for p in self.provenance)

    @property
    def review_by_reason(self) -> dict[str, int]:
        return {r: sum(r in i["reasons"] for i in self.review_items) for r in REVIEW_REASONS}

    @property
    def review_by_age(self) -> dict[str, int]:
        counts = {label: 0 for label, _ in AGE_BUCKETS}
        for item in self.review_items:
            counts[age_bucket(item["age_days"])] += 1
        return counts

    def to_dict(self) -> FiguresJSON:
        out: FiguresJSON = {
            "schema_version": SCHEMA_VERSION, "on": self.on.isoformat(),
            "datasets": self.datasets, "models": self.models,
            "models_provenance_passed": self.models_provenance_passed,
            "provenance": [p.to_dict() for p in self.provenance],
            "datasets_license_issues": list(self.datasets_license_issues),
            "models_license_issues": list(self.models_license_issues),
            "review_queue": len(self.review_items),
            "review_by_reason": self.review_by_reason, "review_by_age": self.review_by_age,
            "review_items": [dict(i) for i in self.review_items],  # type: ignore[misc]
            "retention_days": self.retention_days,
            "retention_due": [dict(r) for r in self.retention_due],  # type: ignore[misc]
            "verdicts": {u: dict(v) for u, v in self.verdicts.items()},
        }
        if self.governance is not None:
            out["governance"] = self.governance
        return out


def age_bucket(days: int) -> str:
    """The :data:`AGE_BUCKETS` label of an age in days."""
    for label, bound in AGE_BUCKETS:
        if bound is None or days <= bound:
            return label
    return AGE_BUCKETS[-1][0]  # pragma: no cover


def _day(text: str) -> date:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def build_figures(reg: Register, *, on: date | None = None) -> Figures:
    """The figures of the register ``reg`` on ``on`` (default today)."""
    on = on or date.today()
    summaries = reg.list_datasets(today=on)
    models = reg.list_models()
    provenance = tuple(ModelProvenance.from_trace(reg.trace_model(m["id"]).to_dict())
                       for m in models)
    queue: list[QueueItemJSON] = []
    for s in summaries:
        if not s.review:
            continue
        reasons = [r for r, flag in (("license", s.needs_review),
                                     ("rights", s.rights_needs_review)) if flag]
        changed = _day(reg.show(s.id).updated_at)
        queue.append({"id": s.id, "age_days": max((on - changed).days, 0),
                      "reasons": reasons, "review_reasons": s.review_reasons})
    due: list[RetentionJSON] = []
    for s in reg.list_datasets(expiring_within=RETENTION_DAYS, today=on):
        if s.retain_until:
            due.append({"id": s.id, "retain_until": s.retain_until,
                        "days_left": (date.fromisoformat(s.retain_until) - on).days})
    return Figures(
        on=on, datasets=len(summaries), models=len(models), provenance=provenance,
        datasets_license_issues=tuple(s.id for s in summaries if s.needs_review),
        models_license_issues=tuple(m["id"] for m in models if m["declared_needs_review"]),
        review_items=tuple(queue), retention_due=tuple(sorted(
            due, key=lambda r: (r["retain_until"], r["id"]))),
        verdicts=_verdicts(reg, [s.id for s in summaries], on),
        governance=_governance(reg, on) if models else None)


def _governance(reg: Register, on: date) -> GovernanceJSON | None:
    """Models by tier and approval state, as ``register status --format json`` gives them;
    None while no sign-off is recorded (the dashboard then leaves the section out)."""
    from register.governance.verbs import APPROVAL_STATES

    subjects = reg.statuses(on=on).subjects
    if not any(s.history for s in subjects):
        return None
    by_tier: dict[str, dict[str, int]] = {}
    for subject in subjects:
        if subject.kind != "model":
            continue
        for tier in subject.tiers:
            counts = by_tier.setdefault(tier.tier.name, dict.fromkeys(APPROVAL_STATES, 0))
            counts[tier.state] += 1
    return {"by_tier_and_approval": by_tier}


def _verdicts(reg: Register, ids: list[str], on: date) -> dict[str, dict[str, int]]:
    """Each dataset checked alone for each use: what ``Register.check([id], use=use, on=on)``
    gives (the default policy; commercial but for ``research``), with the facts read once."""
    from register.check.engine import check as run_check
    from register.check.policy import load_policy

    policy = load_policy(None)
    verdicts: dict[str, dict[str, int]] = {u: {v: 0 for v in VERDICTS} for u in USES}
    for facts in reg.facts(ids):
        for use in USES:
            result = run_check([facts], use=use, commercial=use != "research", region=None,
                               on=on, policy=policy, kb=reg.kb, base_model=None)
            verdicts[use][result.verdict] += 1
    return verdicts
