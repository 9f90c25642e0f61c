"""Sign-offs and the status they give a model or corpus, tier by tier.

A tier is **approved** when the checks it requires pass on the current evidence and every
role it requires has an active sign-off bound to that evidence (the same digest), one of
them given for this tier or a higher one: a promotion keeps the earlier sign-offs on the
same evidence (legal's pilot sign-off counts for limited production; engineering adds its
own).  A tier is **invalid** when a sign-off given for it no longer matches the evidence
(its evidence changed, or a reassessment marked it invalid), else **pending**.  A tier
that requires no role is approved as soon as its checks pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from typing_extensions import TypedDict

from register.governance.tiers import CHECKS, TIERS, TierSpec
from register.versions import SCHEMA_VERSION

if TYPE_CHECKING:
    from register.governance.evidence import Evidence

__all__ = ["ApprovalState", "SignOff", "StatusJSON", "StatusListJSON", "SubjectStatus",
           "TierStatus", "evaluate_checks", "subject_status"]

ApprovalState = Literal["approved", "pending", "invalid"]


class SignOffJSON(TypedDict):
    """One recorded sign-off (history keeps superseded and invalid ones)."""

    id: int
    tier: str
    role: str
    by: str
    reason: str
    at: str
    use: str
    evidence_digest: str
    signed: bool
    signer_fingerprint: str | None
    state: str
    state_reason: str | None
    counts: bool


class CheckOutcomeJSON(TypedDict):
    name: str
    ok: bool
    detail: str


class TierStatusJSON(TypedDict):
    """One tier of a subject: its requirements, who signed, what is missing."""

    tier: str
    use: str
    state: ApprovalState
    evidence_digest: str
    checks: list[CheckOutcomeJSON]
    roles: list[str]
    signed: list[SignOffJSON]
    missing_roles: list[str]
    missing: list[str]


class StatusJSON(TypedDict):
    """``register status MODEL|CORPUS --format json``."""

    schema_version: int
    subject: str
    kind: str
    id: str
    approved_tier: str | None
    tiers: list[TierStatusJSON]
    history: list[SignOffJSON]


class StatusListJSON(TypedDict):
    """``register status --format json`` (every model, and every corpus with sign-offs)."""

    schema_version: int
    subjects: list[StatusJSON]


@dataclass(frozen=True)
class SignOff:
    id: int
    tier: str
    role: str
    by: str
    reason: str
    at: str
    use: str
    evidence_digest: str
    evidence_json: str
    signature: str | None
    signer_fingerprint: str | None
    state: str
    state_reason: str | None
    counts: bool = False

    @classmethod
    def from_row(cls, row: Any) -> SignOff:
        return cls(row.id, row.tier, row.role, row.by, row.reason, row.at, row.use,
                   row.evidence_digest, row.evidence_json, row.signature,
                   row.signer_fingerprint, row.state, row.state_reason)

    @property
    def evidence(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.evidence_json)
        return data

    @property
    def signer(self) -> str:
        return f"{self.by} ({self.role})"

    def to_dict(self) -> SignOffJSON:
        return {"id": self.id, "tier": self.tier, "role": self.role, "by": self.by,
                "reason": self.reason, "at": self.at, "use": self.use,
                "evidence_digest": self.evidence_digest, "signed": self.signature is not None,
                "signer_fingerprint": self.signer_fingerprint, "state": self.state,
                "state_reason": self.state_reason, "counts": self.counts}


@dataclass(frozen=True)
class TierStatus:
    tier: TierSpec
    state: ApprovalState
    evidence_digest: str
    checks: tuple[tuple[str, bool, str], ...]
    signed: tuple[SignOff, ...]
    missing_roles: tuple[str, ...]

    @property
    def missing(self) -> list[str]:
        return ([f"check {n}: {d}" for n, ok, d in self.checks if not ok]
                + [f"sign-off by {r}" for r in self.missing_roles])

    def to_dict(self) -> TierStatusJSON:
        return {"tier": self.tier.name, "use": self.tier.use, "state": self.state,
                "evidence_digest": self.evidence_digest,
                "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in self.checks],
                "roles": list(self.tier.roles), "signed": [s.to_dict() for s in self.signed],
                "missing_roles": list(self.missing_roles), "missing": self.missing}


@dataclass(frozen=True)
class SubjectStatus:
    """A model's (or corpus's) status for every tier, and its sign-off history."""

    kind: str
    id: str
    tiers: tuple[TierStatus, ...]
    history: tuple[SignOff, ...] = field(default=())

    @property
    def approved_tier(self) -> str | None:
        approved = [t.tier.name for t in self.tiers if t.state == "approved"]
        return approved[-1] if approved else None

    def tier(self, name: str) -> TierStatus:
        return next(t for t in self.tiers if t.tier.name == name)

    def to_dict(self) -> StatusJSON:
        return {"schema_version": SCHEMA_VERSION, "subject": f"{self.kind}:{self.id}",
                "kind": self.kind, "id": self.id, "approved_tier": self.approved_tier,
                "tiers": [t.to_dict() for t in self.tiers],
                "history": [s.to_dict() for s in self.history]}


def _cleared(check: dict[str, Any], ds_id: str) -> bool:
    return any(d.get("id") == ds_id and d.get("clearance") for d in check.get("datasets", []))


def evaluate_checks(spec: TierSpec, doc: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Each check the tier requires, on an evidence document: (name, passed, detail)."""
    check = doc["check"]
    datasets = doc["datasets"]
    model = doc.get("model")
    out = []
    for name in spec.checks:
        bad: list[str]
        if name == "not-blocked":
            bad = [d["id"] for d in check["datasets"] if d["verdict"] == "blocked"]
            ok = check["verdict"] != "blocked"
        elif name == "no-needs-review":
            bad = [d["id"] for d in check["datasets"] if d["verdict"] == "needs-review"]
            ok = check["verdict"] != "needs-review" and not bad
        elif name == "concluded-or-cleared":
            bad = [d["id"] for d in datasets
                   if not d.get("concluded_license") and not _cleared(check, d["id"])]
            ok = not bad
        elif name == "revisions-pinned":
            bad = [d["id"] for d in datasets if not d.get("pinned_revision")]
            ok = not bad
        elif name == "weights-checksums":
            weights = (model or {}).get("weights") or []
            ok = bool(weights) and all(w.get("sha256") for w in weights)
            bad = [] if ok else ["no weights checksums recorded" if model else "a corpus has "
                                 "no weights"]
        else:  # provenance-complete
            bad = [d["id"] for d in datasets if not (d.get("in_register") and d.get("source")
                                                    and d.get("card_sha256"))]
            bad += [f"base model {b['id']}" for b in (model or {}).get("base_models", [])
                    if not b["in_register"]]
            ok = not bad
        out.append((name, ok, CHECKS[name] if ok else "fails: " + ", ".join(bad)))
    return out


def subject_status(kind: str, subject_id: str, tiers: tuple[TierSpec, ...],
                   evidence_by_use: dict[str, Evidence], rows: list[Any]) -> SubjectStatus:
    """The status of one subject from its current evidence (per use) and approval rows."""
    history = [SignOff.from_row(r) for r in rows]
    out = []
    counted: set[int] = set()
    for spec in tiers:
        ev = evidence_by_use[spec.use]
        checks = evaluate_checks(spec, ev.document)
        current = [s for s in history if s.state == "active" and s.use == spec.use
                   and s.evidence_digest == ev.digest and s.role in spec.roles]
        by_role = {s.role: s for s in current}
        named = any(TIERS.index(s.tier) >= spec.rank for s in current)
        missing = tuple(r for r in spec.roles if r not in by_role)
        if not missing and spec.roles and not named:
            missing = tuple(r for r in spec.roles
                            if not any(TIERS.index(s.tier) >= spec.rank
                                       for s in current if s.role == r))
        checks_ok = all(ok for _n, ok, _d in checks)
        stale = [s for s in history if s.tier == spec.name and s.state in ("active", "invalid")
                 and s not in current and not _superseded_later(s, history)]
        if checks_ok and not missing:
            state: ApprovalState = "approved"
        elif stale:
            state = "invalid"
        else:
            state = "pending"
        counted |= {s.id for s in current}
        out.append(TierStatus(spec, state, ev.digest, tuple(checks),
                              tuple(by_role[r] for r in spec.roles if r in by_role),
                              missing))
    final = tuple(SignOff(**{**s.__dict__, "counts": s.id in counted}) for s in history)
    tiers_out = tuple(
        TierStatus(t.tier, t.state, t.evidence_digest, t.checks,
                   tuple(next(f for f in final if f.id == s.id) for s in t.signed),
                   t.missing_roles) for t in out)
    return SubjectStatus(kind, subject_id, tiers_out, final)


def _superseded_later(s: SignOff, history: list[SignOff]) -> bool:
    """A newer sign-off of the same tier and role exists (the old one is history)."""
    return any(o.id > s.id and o.tier == s.tier and o.role == s.role for o in history)
