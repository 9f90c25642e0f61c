"""Reassessment: re-run every recorded check and approval against the register as it is now
(after re-fetching the Hub revisions of hub-sourced datasets, when asked) and say what
changed and why, naming the approvals and the people who signed them.

Exit codes for cron/CI: 0 nothing changed, 3 something needs review (a recorded check whose
outcome changed, retention or a clearance ending within the policy's warning window), 4 an
approval is no longer valid (its evidence changed: a license changed upstream, a new
disagreement on a card, a clearance expired or revoked, retention passed, a dataset withdrawn).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from typing_extensions import TypedDict

from register.governance.approvals import SignOff
from register.governance.evidence import Evidence, evidence_for, subject_from_evidence
from register.store import governance_queries
from register.store.engine import read_connection
from register.versions import SCHEMA_VERSION

if TYPE_CHECKING:
    from register.check.policy import Policy
    from register.register import Register

__all__ = ["Finding", "FindingJSON", "ReassessJSON", "Reassessment", "explain", "reassess"]

Severity = Literal["invalid", "review"]


class FindingJSON(TypedDict):
    """One change found: what, on which dataset (old and new value), whose sign-offs."""

    severity: Severity
    kind: str
    subject: str | None
    approvals: list[int]
    tiers: list[str]
    signers: list[str]
    dataset: str | None
    old: str | None
    new: str | None
    message: str


class ReassessJSON(TypedDict):
    """``register reassess --format json``."""

    schema_version: int
    on: str
    refreshed_hub: bool
    refreshed: list[str]
    refresh_errors: list[str]
    approvals_checked: int
    checks_checked: int
    invalid_approvals: list[int]
    exit_code: int
    findings: list[FindingJSON]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    kind: str
    message: str
    subject: str | None = None
    approvals: tuple[SignOff, ...] = ()
    dataset: str | None = None
    old: str | None = None
    new: str | None = None

    def to_dict(self) -> FindingJSON:
        return {"severity": self.severity, "kind": self.kind, "subject": self.subject,
                "approvals": [a.id for a in self.approvals],
                "tiers": sorted({a.tier for a in self.approvals}),
                "signers": [a.signer for a in self.approvals], "dataset": self.dataset,
                "old": self.old, "new": self.new, "message": self.message}


@dataclass
class Reassessment:
    on: date
    refreshed_hub: bool = False
    refreshed: list[str] = field(default_factory=list)
    refresh_errors: list[str] = field(default_factory=list)
    approvals_checked: int = 0
    checks_checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def invalid_approvals(self) -> list[int]:
        return sorted({a.id for f in self.findings if f.severity == "invalid"
                       for a in f.approvals})

    @property
    def exit_code(self) -> int:
        if any(f.severity == "invalid" for f in self.findings):
            return 4
        return 3 if self.findings else 0

    def to_dict(self) -> ReassessJSON:
        return {"schema_version": SCHEMA_VERSION, "on": self.on.isoformat(),
                "refreshed_hub": self.refreshed_hub, "refreshed": self.refreshed,
                "refresh_errors": self.refresh_errors,
                "approvals_checked": self.approvals_checked,
                "checks_checked": self.checks_checked,
                "invalid_approvals": self.invalid_approvals, "exit_code": self.exit_code,
                "findings": [f.to_dict() for f in self.findings]}


Change = tuple[str, str | None, str | None, str | None, str]  # kind, dataset, old, new, msg


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def explain(old: dict[str, Any], new: dict[str, Any], *, on: date,
            withdrawn: Sequence[str] = ()) -> list[Change]:
    """Why two evidence documents differ, dataset by dataset, most specific first."""
    out: list[Change] = []
    before = {d["id"]: d for d in old.get("datasets", [])}
    after = {d["id"]: d for d in new.get("datasets", [])}
    for ds_id, was in before.items():
        now = after.get(ds_id)
        if now is None or not now.get("in_register") or ds_id in withdrawn:
            out.append(("withdrawn", ds_id, None, None,
                        f"dataset {ds_id!r} was withdrawn (no longer on the Hub or in the "
                        "register)"))
            continue
        if was.get("declared_license") != now.get("declared_license"):
            note = (f"; the concluded license {now['concluded_license']} still overrides it"
                    if now.get("concluded_license") else "")
            out.append(("license-changed", ds_id, _s(was.get("declared_license")),
                        _s(now.get("declared_license")),
                        f"dataset {ds_id!r}: license changed upstream from "
                        f"{was.get('declared_license')} to {now.get('declared_license')}"
                        f" (revision {now.get('revision')}){note}"))
        elif was.get("card_sha256") != now.get("card_sha256"):
            out.append(("card-changed", ds_id, _s(was.get("revision")), _s(now.get("revision")),
                        f"dataset {ds_id!r}: its card changed (version {was.get('version')} "
                        f"to {now.get('version')})"))
        if not was.get("declared_needs_review") and now.get("declared_needs_review"):
            out.append(("card-disagreement", ds_id, None, None,
                        f"dataset {ds_id!r}: its card now needs review (its license sources "
                        "disagree or cannot be normalized)"))
        if was.get("concluded_license") != now.get("concluded_license"):
            out.append(("conclusion-changed", ds_id, _s(was.get("concluded_license")),
                        _s(now.get("concluded_license")),
                        f"dataset {ds_id!r}: concluded license changed from "
                        f"{was.get('concluded_license')} to {now.get('concluded_license')}"))
        old_c = {c["use"]: c for c in was.get("clearances", [])}
        new_c = {c["use"]: c for c in now.get("clearances", [])}
        for use, c in old_c.items():
            if use not in new_c:
                out.append(("clearance-revoked", ds_id, f"{use} by {c['by']}", None,
                            f"dataset {ds_id!r}: the clearance for {use} by {c['by']} was "
                            "revoked"))
            elif new_c[use].get("until") and date.fromisoformat(new_c[use]["until"]) < on:
                out.append(("clearance-expired", ds_id, _s(new_c[use]["until"]), on.isoformat(),
                            f"dataset {ds_id!r}: the clearance for {use} by {c['by']} expired "
                            f"on {new_c[use]['until']}"))
        retain = now.get("retain_until")
        if retain and date.fromisoformat(retain) < on:
            out.append(("retention-passed", ds_id, retain, on.isoformat(),
                        f"dataset {ds_id!r}: retention ended on {retain}"))
        elif was.get("retain_until") != retain:
            out.append(("retention-changed", ds_id, _s(was.get("retain_until")), _s(retain),
                        f"dataset {ds_id!r}: retain-until changed from "
                        f"{was.get('retain_until')} to {retain}"))
    for ds_id in after:
        if ds_id not in before:
            out.append(("dataset-added", ds_id, None, None, f"dataset {ds_id!r} joined"))
    if old.get("model") != new.get("model"):
        m_old, m_new = old.get("model") or {}, new.get("model") or {}
        out.append(("model-changed", m_new.get("id"), _s(m_old.get("version")),
                    _s(m_new.get("version")),
                    f"model {m_new.get('id')!r} changed (version {m_old.get('version')} to "
                    f"{m_new.get('version')}: card or weights)"))
    if old.get("policy") != new.get("policy"):
        out.append(("policy-changed", None, _s(old["policy"].get("name")),
                    _s(new["policy"].get("name")), "the policy changed"))
    if old.get("corpus") != new.get("corpus"):
        out.append(("corpus-changed", None, None, None, "the corpus file changed"))
    v_old, v_new = old["check"]["verdict"], new["check"]["verdict"]
    if v_old != v_new:
        out.append(("verdict-changed", None, v_old, v_new,
                    f"the check verdict changed from {v_old} to {v_new}"))
    if not out:
        out.append(("evidence-changed", None, None, None, "the evidence changed"))
    return out


def _warnings(doc: dict[str, Any], on: date, days: int) -> list[Change]:
    """What ends within the warning window (needs review, does not invalidate)."""
    out: list[Change] = []
    end = on + timedelta(days=days)
    for d in doc.get("datasets", []):
        retain = d.get("retain_until")
        if retain and on <= date.fromisoformat(retain) <= end:
            out.append(("retention-warning", d["id"], retain, None,
                        f"dataset {d['id']!r}: retention ends on {retain}, within "
                        f"{days} days"))
        for c in d.get("clearances", []):
            until = c.get("until")
            if until and on <= date.fromisoformat(until) <= end:
                out.append(("clearance-expiring", d["id"], until, None,
                            f"dataset {d['id']!r}: the clearance for {c['use']} by "
                            f"{c['by']} ends on {until}, within {days} days"))
    return out


def _live(rows: list[Any]) -> list[SignOff]:
    """The newest sign-off per subject, tier and role, when it is active or invalid."""
    newest: dict[tuple[str, str, str, str], SignOff] = {}
    for r in rows:
        s = SignOff.from_row(r)
        newest[(r.subject_kind, r.subject_id, s.tier, s.role)] = s
    return [s for s in newest.values() if s.state in ("active", "invalid")]


def _refresh(reg: Register, ids: Sequence[str], out: Reassessment, actor: str) -> list[str]:
    """Re-ingest the Hub's current revision of the hub-sourced datasets; the withdrawn ids."""
    from register.cards.hub import fetch_cards

    with read_connection(reg.engine) as conn:
        held = governance_queries.dataset_evidence(conn, list(ids))
    hub_ids = sorted(i for i, d in held.items()
                     if "://" in str(d["source"]) and "/datasets/" in str(d["source"]))
    fetched: list[Any] = []
    withdrawn: list[str] = []
    for ds_id, item in zip(hub_ids, fetch_cards(hub_ids), strict=False):
        if isinstance(item, Exception):
            message = getattr(item, "message", str(item))
            out.refresh_errors.append(message)
            if "not found on the Hub" in message or "disabled" in message:
                withdrawn.append(ds_id)
        else:
            fetched.append(item)
    if fetched:
        reg.ingest_documents(fetched, actor=actor)
    out.refreshed = hub_ids
    return withdrawn


def reassess(reg: Register, *, on: date, policy: Policy, refresh_hub: bool, actor: str,
             ) -> Reassessment:
    """Re-run every live approval and recorded check; nothing is written here (the verb
    records the run and marks the approvals found invalid)."""
    out = Reassessment(on, refresh_hub)
    with read_connection(reg.engine) as conn:
        live = _live(governance_queries.approval_rows(conn))
        records = governance_queries.check_records(conn)
    latest_checks: dict[tuple[Any, ...], Any] = {}
    for rec in records:
        res = json.loads(rec.result_json)
        ids = tuple(d["id"] for d in res["datasets"] if not d.get("base_model"))
        latest_checks[(rec.corpus_name, rec.use, ids)] = res
    withdrawn: list[str] = []
    if refresh_hub:
        wanted = {d["id"] for s in live for d in s.evidence.get("datasets", [])}
        wanted |= {i for key in latest_checks for i in key[2]}
        withdrawn = _refresh(reg, sorted(wanted), out, actor)
    _reassess_approvals(reg, live, out, on, policy, withdrawn)
    _reassess_checks(reg, latest_checks, out, on, policy)
    return out


def _reassess_approvals(reg: Register, live: list[SignOff], out: Reassessment, on: date,
                        policy: Policy, withdrawn: Sequence[str]) -> None:
    cache: dict[tuple[str, str], Evidence] = {}
    groups: dict[tuple[str, str, str], list[SignOff]] = {}
    for s in live:
        subject = subject_from_evidence(s.evidence)
        key = (subject.key, s.use)
        if key not in cache:
            cache[key] = evidence_for(reg, subject, use=s.use, on=on, policy=policy)
        groups.setdefault((subject.key, s.use, s.evidence_digest), []).append(s)
    out.approvals_checked = len(live)
    for (subject_key, use, digest), signoffs in groups.items():
        now = cache[(subject_key, use)]
        valid = [s for s in signoffs if s.state == "active" and digest == now.digest]
        stale = [s for s in signoffs if s not in valid]
        if stale:
            for kind, ds, old, new, msg in explain(stale[0].evidence, now.document, on=on,
                                                   withdrawn=withdrawn):
                out.findings.append(Finding("invalid", kind, msg, subject_key, tuple(stale),
                                            ds, old, new))
        gone = [d["id"] for d in now.document["datasets"] if d["id"] in withdrawn]
        if valid and gone:
            for ds in gone:
                out.findings.append(Finding(
                    "invalid", "withdrawn", f"dataset {ds!r} was withdrawn from the Hub",
                    subject_key, tuple(valid), ds))
        elif valid:
            for kind, ds, old, new, msg in _warnings(now.document, on,
                                                      policy.retention_warning_days):
                out.findings.append(Finding("review", kind, msg, subject_key, tuple(valid),
                                            ds, old, new))


def _reassess_checks(reg: Register, latest: dict[tuple[Any, ...], Any], out: Reassessment,
                     on: date, policy: Policy) -> None:
    for (corpus, use, ids), res in latest.items():
        base = next((d["id"] for d in res["datasets"] if d.get("base_model")), None)
        now = reg.check(list(ids), use=use, region=res.get("region"), on=on, policy=policy,
                        non_commercial=not res["commercial"] and use != "research",
                        base_model={"id": base} if base else None, strict=False)
        out.checks_checked += 1
        name = corpus or ", ".join(ids)
        before = {d["id"]: d for d in res["datasets"]}
        for d in now.datasets:
            was = before.get(d.id)
            if was is not None and was.get("license") != d.license:
                out.findings.append(Finding(
                    "review", "license-changed", f"recorded check of {name} ({use}): dataset "
                    f"{d.id!r} license changed from {was.get('license')} to {d.license}",
                    f"check:{name}", (), d.id, _s(was.get("license")), d.license))
        for ds_id in before:
            if ds_id not in {d.id for d in now.datasets}:
                out.findings.append(Finding(
                    "review", "withdrawn", f"recorded check of {name} ({use}): dataset "
                    f"{ds_id!r} is no longer in the register", f"check:{name}", (), ds_id))
        if now.verdict != res["verdict"]:
            out.findings.append(Finding(
                "review", "verdict-changed", f"recorded check of {name} ({use}): verdict "
                f"changed from {res['verdict']} to {now.verdict}", f"check:{name}", (), None,
                res["verdict"], now.verdict))
