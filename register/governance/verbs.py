"""The governance verbs of :class:`register.register.Register` (a mixin): approve a model or
corpus for a tier, its status per tier (and every model's, for a dashboard), reassess every
recorded check and approval, and the dataset ids behind a tier / approval state (the
``list`` and review-queue filters)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

from register.actors import validate_actor
from register.check.uses import validate_use
from register.errors import ConflictError, UsageError, ValidationError
from register.governance.approvals import (
    SignOff,
    StatusListJSON,
    SubjectStatus,
    evaluate_checks,
    subject_status,
)
from register.governance.evidence import Evidence, Subject, evidence_for, resolve_subject
from register.governance.tiers import tier_of, validate_role, validate_tier
from register.store import governance_decisions, governance_queries, model_queries
from register.store.audit import actor_or_default
from register.store.engine import read_connection, run_write
from register.versions import SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from register.check.policy import Policy
    from register.governance.reassess import Reassessment
    from register.register import Register

__all__ = ["APPROVAL_STATES", "GovernanceVerbs", "StatusList"]

APPROVAL_STATES = ("approved", "pending", "invalid")


@dataclass(frozen=True)
class StatusList:
    """Every model's status (and every corpus with sign-offs): ``register status``."""

    subjects: tuple[SubjectStatus, ...]

    def to_dict(self) -> StatusListJSON:
        return {"schema_version": SCHEMA_VERSION,
                "subjects": [s.to_dict() for s in self.subjects]}


def _policy(policy: Policy | str | os.PathLike[str] | None) -> Policy:
    from register.check.policy import Policy as PolicyCls
    from register.check.policy import load_policy

    if isinstance(policy, PolicyCls):
        return policy
    return load_policy(Path(policy) if policy is not None else None)


class GovernanceVerbs:
    """Tiers, sign-offs bound to evidence, reassessment (mixed into ``Register``)."""

    engine: Engine

    def _governed(self) -> Register:
        return cast("Register", self)

    def approve(
        self, subject: str, *, tier: str, role: str, by: str, reason: str,
        use: str | None = None, sign_with: str | os.PathLike[str] | None = None,
        policy: Policy | str | os.PathLike[str] | None = None, on: date | None = None,
    ) -> SignOff:
        """Record ``by``'s sign-off as ``role`` for ``tier`` of a model (id) or corpus (YAML
        file), bound to the digest of the evidence computed now; ``sign_with`` an SSH
        private key signs it (``ssh-keygen -Y sign``).  Refused when a check the tier
        requires fails, or the tier does not ask for ``role``."""
        from register.governance.signatures import sign, statement

        pol = _policy(policy)
        spec = tier_of(pol.tiers, validate_tier(tier))
        role = validate_role(role)
        by = validate_actor(by)
        if not reason or not reason.strip():
            raise UsageError("a sign-off needs a reason (--reason)")
        if not spec.roles:
            raise UsageError(f"tier {tier} needs no sign-off (its checks are enough)")
        if role not in spec.roles:
            raise UsageError(f"--role: tier {tier} is signed by {', '.join(spec.roles)}, "
                             f"not {role!r}")
        use = validate_use(use) if use else spec.use
        subj = resolve_subject(self._governed(), subject)
        ev = evidence_for(self._governed(), subj, use=use, on=on or date.today(), policy=pol)
        failing = [f"{n} ({d})" for n, ok, d in evaluate_checks(spec, ev.document) if not ok]
        if failing:
            raise ValidationError(f"{subj.key}: cannot approve for {tier}: check "
                                  + "; check ".join(failing),
                                  hint="fix what the checks name ('register status') first")
        values: dict[str, object] = {
            "subject_kind": subj.kind, "subject_id": subj.id, "tier": tier, "role": role,
            "use": use, "by": by, "reason": reason.strip(), "evidence_digest": ev.digest,
            "evidence_json": ev.json}
        if sign_with is not None:
            values["signature"], values["signer_fingerprint"] = sign(sign_with,
                                                                    statement(values))
        day = on or date.today()

        def work(conn: Connection) -> int:
            # holding the writer lock: the evidence is still what was shown and signed
            again = evidence_for(self._governed(), subj, use=use, on=day, policy=pol)
            if again.digest != ev.digest:
                raise ConflictError(f"{subj.key}: the evidence changed while signing off; "
                                    "nothing was written", [], hint="run approve again")
            return governance_decisions.add_approval(conn, values=values, actor=by)

        new_id = run_write(self.engine, work)
        with read_connection(self.engine) as conn:
            row = next(r for r in governance_queries.approval_rows(conn, [subj.id])
                       if r.id == new_id)
        return SignOff.from_row(row)

    def _status_of(self, subj: Subject, pol: Policy, on: date,
                   ) -> tuple[SubjectStatus, dict[str, Evidence]]:
        evidence = {use: evidence_for(self._governed(), subj, use=use, on=on, policy=pol)
                    for use in dict.fromkeys(t.use for t in pol.tiers)}
        with read_connection(self.engine) as conn:
            rows = [r for r in governance_queries.approval_rows(conn, [subj.id])
                    if r.subject_kind == subj.kind]
        return subject_status(subj.kind, subj.id, pol.tiers, evidence, rows), evidence

    def status(self, subject: str, *, policy: Policy | str | os.PathLike[str] | None = None,
               on: date | None = None) -> SubjectStatus:
        """Each tier of a model or corpus: its checks, who signed, what is missing."""
        subj = resolve_subject(self._governed(), subject)
        return self._status_of(subj, _policy(policy), on or date.today())[0]

    def _subjects(self) -> list[Subject]:
        from register.governance.evidence import subject_from_evidence

        with read_connection(self.engine) as conn:
            out = [Subject("model", m) for m in model_queries.model_ids(conn)]
            corpora = {}
            for row in governance_queries.approval_rows(conn):
                if row.subject_kind == "corpus":
                    corpora[row.subject_id] = subject_from_evidence(json.loads(
                        row.evidence_json))
        return out + [corpora[k] for k in sorted(corpora)]

    def statuses(self, *, policy: Policy | str | os.PathLike[str] | None = None,
                 on: date | None = None) -> StatusList:
        """The status of every model (and every corpus with sign-offs), as ``register
        status --format json`` prints it."""
        pol, day = _policy(policy), on or date.today()
        return StatusList(tuple(self._status_of(s, pol, day)[0] for s in self._subjects()))

    def governed_dataset_ids(self, *, tier: str | None = None, approval: str | None = None,
                             policy: Policy | str | os.PathLike[str] | None = None,
                             ) -> set[str]:
        """The datasets of the subjects with ``approval`` state at ``tier``: ``tier`` alone,
        subjects with sign-offs for it; ``approval`` alone, at any tier that needs a
        sign-off (``pending``: none approved or invalid)."""
        if tier is not None:
            validate_tier(tier)
        if approval is not None and approval not in APPROVAL_STATES:
            raise UsageError(f"--approval must be one of {', '.join(APPROVAL_STATES)}")
        pol, day = _policy(policy), date.today()
        out: set[str] = set()
        for subj in self._subjects():
            status, evidence = self._status_of(subj, pol, day)
            tiers = [t for t in status.tiers if (t.tier.name == tier if tier else t.tier.roles)]
            if approval is None:
                hit = [t for t in tiers if any(s.tier == t.tier.name for s in status.history)]
            elif approval == "pending" and tier is None:
                hit = tiers if all(t.state == "pending" for t in tiers) else []
            else:
                hit = [t for t in tiers if t.state == approval]
            for t in hit:
                out |= {d["id"] for d in evidence[t.tier.use].document["datasets"]}
        return out

    def reassess(
        self, *, refresh_hub: bool = False, on: date | None = None,
        policy: Policy | str | os.PathLike[str] | None = None, by: str | None = None,
        record: bool = True,
    ) -> Reassessment:
        """Re-run every recorded check and live approval now (re-fetching hub-sourced
        datasets first with ``refresh_hub``); ``record`` stores the run and, when ``on`` is
        today, marks the approvals whose evidence changed ``invalid`` (history keeps them)."""
        from register.governance.reassess import reassess

        actor = actor_or_default(by)
        day = on or date.today()
        result = reassess(self._governed(), on=day, policy=_policy(policy),
                          refresh_hub=refresh_hub, actor=actor)
        if record:
            reasons: dict[int, str] = {}
            if day == date.today():
                for f in result.findings:
                    if f.severity == "invalid":
                        for a in f.approvals:
                            if a.state == "active":
                                reasons.setdefault(a.id, f.message)

            def work(conn: Connection) -> None:
                governance_decisions.invalidate_approvals(conn, reasons, actor=actor)
                governance_decisions.record_reassessment(
                    conn, on=day.isoformat(), refreshed_hub=refresh_hub,
                    exit_code=result.exit_code,
                    findings=[f.to_dict() for f in result.findings], actor=actor)

            run_write(self.engine, work)
        return result

