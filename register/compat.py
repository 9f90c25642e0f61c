"""The corpus check engine: may these datasets be used together for this use, and what is owed?

Pure: it reads :class:`~register.facts.DatasetFacts`, a :class:`~register.policy.Policy` and a
:class:`~register.kb.KnowledgeBase` and returns the SPEC section 4 JSON result as a dict.  It
never touches the store.

How it works, in one pass over the corpus (linear in the number of datasets):

1. Each license expression is parsed once (cached) into options (disjunctive normal form:
   ``A OR (B AND C)`` has the options ``A`` and ``B AND C``); every license of an option
   applies (AND).
2. Each license is evaluated once per check (cached per license id): rules 1-8.
3. Rights records give rules 9-11 (not for the base model); a clearance gives rule 13.
4. An OR is resolved to the option with the best verdict for the whole corpus, counting the
   share-alike conflicts it would create; ties go to fewer obligations, then the option
   written first (rule 12).
5. Share-alike conflicts are found on the distinct share-alike licenses present (grouped by
   license, never pairwise over datasets): a license is acceptable outbound for a share-alike
   license when it is that license or one of its one-way ``share_alike_compatible``; the
   corpus conflicts when no outbound license is acceptable to all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol, Licensing

from register.errors import ValidationError
from register.facts import USES, Clearance, DatasetFacts, RightsRecord, worst
from register.kb import KnowledgeBase, LicenseTerms, default_kb
from register.policy import Policy, default_policy
from register.regions import ANY, expand_regions, validate_region

SCHEMA_VERSION = 1

SHARING_USES = frozenset({"service", "release-weights", "release-data"})
DISTRIBUTION_USES = frozenset({"release-weights", "release-data"})
CARVEOUT_USES = frozenset({"service", "release-weights"})
UNKNOWN_LICENSE_IDS = frozenset({"noassertion", "none", "unknown", "other"})
MAX_OPTIONS = 64

_RANK = {"allowed": 0, "allowed-with-obligations": 1, "needs-review": 2, "blocked": 3}
_EXIT = {"allowed": 0, "allowed-with-obligations": 0, "needs-review": 3, "blocked": 4}
_licensing = Licensing()


def verdict_exit_code(verdict: str) -> int:
    """The exit code SPEC gives a check verdict: 0, 0, 3 (needs-review) or 4 (blocked)."""
    try:
        return _EXIT[verdict]
    except KeyError:
        raise ValueError(f"unknown verdict {verdict!r}") from None


# --------------------------------------------------------------------------- parsing


@lru_cache(maxsize=8192)
def license_options(expression: str) -> tuple[tuple[str, ...], ...] | None:
    """The options of an expression in written order, each a tuple of license keys.

    ``None`` when the expression does not parse or has more than MAX_OPTIONS options.
    ``X WITH Y`` stays one key.
    """
    try:
        parsed = _licensing.parse(expression)
    except Exception:  # license-expression raises several unrelated types
        return None
    if parsed is None:
        return None
    try:
        options = _dnf(parsed)
    except OverflowError:
        return None
    out: list[tuple[str, ...]] = []
    for option in options:
        keys = tuple(dict.fromkeys(option))  # drop A AND A, keep order
        if keys not in out:
            out.append(keys)
    return tuple(out)


def _dnf(node: Any) -> list[tuple[str, ...]]:
    if isinstance(node, LicenseWithExceptionSymbol):
        return [(f"{node.license_symbol.key} WITH {node.exception_symbol.key}",)]
    if isinstance(node, LicenseSymbol):
        return [(node.key,)]
    if isinstance(node, OR):
        out: list[tuple[str, ...]] = []
        for arg in node.args:
            out.extend(_dnf(arg))
        if len(out) > MAX_OPTIONS:
            raise OverflowError
        return out
    if isinstance(node, AND):
        acc: list[tuple[str, ...]] = [()]
        for arg in node.args:
            acc = [a + b for a in acc for b in _dnf(arg)]
            if len(acc) > MAX_OPTIONS:
                raise OverflowError
        return acc
    raise ValueError(f"unexpected expression node {node!r}")


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _Ob:
    kind: str
    rule: str
    license: str
    message: str


@dataclass(frozen=True)
class _LicEval:
    """One license's contribution for one use (without the dataset's id)."""

    id: str  # canonical id for display
    verdict: str
    reasons: tuple[tuple[str, str], ...]  # (rule, message)
    obligations: tuple[_Ob, ...]
    sa_accept: frozenset[str] | None  # acceptable outbound (lower-case) if in conflicts


@dataclass
class _Option:
    label: str
    verdict: str
    reasons: list[tuple[str, str]]
    obligations: list[_Ob]
    sa: list[tuple[str, frozenset[str]]]  # (license id, acceptable outbound set)
    cleared_by: Clearance | None = None


@dataclass
class _Entry:
    facts: DatasetFacts
    is_base: bool
    options: list[_Option]
    chosen: int = 0
    extra_reasons: list[tuple[str, str]] | None = None


class _Context:
    def __init__(
        self,
        use: str,
        commercial: bool,
        region: str | None,
        on: date,
        policy: Policy,
        kb: KnowledgeBase,
    ) -> None:
        self.use = use
        self.commercial = commercial
        self.region = region
        self.region_members = expand_regions([region]) if region else None
        self.on = on
        self.policy = policy
        self.kb = kb
        self._lic: dict[tuple[str, bool], _LicEval] = {}
        self._rights: dict[RightsRecord, tuple[list[tuple[str, str, str]], list[str]]] = {}
        self._regions: dict[tuple[str, ...], frozenset[str]] = {}
        self.warnings: list[tuple[str, tuple[str, ...], str]] = []  # (rule, ids, message)
        self.pd_unknown: list[str] = []
        self.display: dict[str, str] = {}  # lower-case license id -> spelling to show

    # ---- licenses (rules 1-8)
    def license(self, key: str, is_base: bool) -> _LicEval:
        cache_key = (key.lower(), is_base)
        hit = self._lic.get(cache_key)
        if hit is None:
            hit = self._lic[cache_key] = self._evaluate_license(key, is_base)
        return hit

    def _terms(self, key: str) -> LicenseTerms | None:
        terms = self.kb.get(key)
        if terms is None and " WITH " in key:
            terms = self.kb.get(key.split(" WITH ", 1)[0])
        return terms

    def _evaluate_license(self, key: str, is_base: bool) -> _LicEval:
        use, pol = self.use, self.policy
        terms = None if key.lower() in UNKNOWN_LICENSE_IDS else self._terms(key)
        if terms is None:
            why = (
                f"license {key} does not state a license"
                if key.lower() in UNKNOWN_LICENSE_IDS
                else f"license {key} has no terms in the knowledge base"
            )
            return _LicEval(key, pol.unknown_license, (("1", why),), (), None)
        lid = terms.id
        reasons: list[tuple[str, str]] = []
        verdicts: list[str] = []
        obs: list[_Ob] = []

        def find(rule: str, verdict: str, message: str) -> None:
            verdicts.append(verdict)
            reasons.append((rule, message))

        def owe(kind: str, rule: str, message: str) -> None:
            obs.append(_Ob(kind, rule, lid, message))

        carve = terms.results_carveout and use in CARVEOUT_USES
        if terms.needs_review:
            # A family-only entry (Hub ids ``bsd``, ``gpl``, ``cc``...): the terms below are the
            # most restrictive plausible ones, but which license applies is still open (rule 1).
            find(
                "1",
                pol.unknown_license,
                f"{lid} names a license family without its exact variant or version; "
                "the actual license needs review",
            )
        if not terms.commercial_use and self.commercial:
            find(
                "2",
                "blocked",
                f"{lid} forbids commercial use and this {use} use is "
                "commercial" + ("" if use == "research" else " (no --non-commercial)"),
            )
        if terms.research_only and use != "research":
            find("3", "blocked", f"{lid} allows research use only, not {use}")
        if terms.no_derivatives:
            if use == "service":
                find(
                    "4",
                    "needs-review",
                    f"{lid} forbids derivatives; whether a served model "
                    "or its outputs adapt the material needs review",
                )
            elif use == "release-weights":
                if pol.weights_are_adaptations:
                    find(
                        "4",
                        "blocked",
                        f"{lid} forbids derivatives and trained weights are "
                        f"adaptations (policy {pol.name}: weights_are_adaptations)",
                    )
                else:
                    find(
                        "4",
                        "needs-review",
                        f"{lid} forbids derivatives; policy {pol.name} "
                        "does not treat weights as adaptations, so releasing them needs review",
                    )
            elif use == "release-data":
                owe("unmodified", "4", f"redistribute {lid} material unmodified")
        # Share-alike scope is per license (4.1): GPL-style terms bite on distribution only,
        # CC BY-SA / BY-NC-SA / ODbL / AGPL also on service; nothing bites for research/internal.
        bites = terms.is_share_alike and (
            use in DISTRIBUTION_USES or (terms.share_alike == "service" and use == "service")
        )
        if terms.is_share_alike:
            if carve:
                reasons.append(
                    (
                        "5",
                        f"{lid} leaves trained models and outputs free (Results "
                        "carve-out): no share-alike obligation for " + use,
                    )
                )
            elif bites:
                owe(
                    "share-alike",
                    "5",
                    f"license the shared result under {lid} or a compatible license",
                )
        if use in SHARING_USES and not carve:
            if terms.attribution:
                owe("attribution", "6", f"credit the source as {lid} requires")
            if terms.license_text:
                owe("license-text", "6", f"include the text of {lid}")
            if terms.notice:
                owe("notice", "6", f"pass on the NOTICE file that comes with {lid} material")
            for kind in terms.extra_obligations:
                if kind == "naming":
                    owe("naming", "6", f"show the name or credit line {lid} prescribes")
                elif kind == "user-threshold":
                    owe(
                        "user-threshold",
                        "7",
                        f"{lid} requires a separate license above its "
                        "monthly-active-user threshold",
                    )
        if terms.use_restrictions and not carve:
            if use in DISTRIBUTION_USES:
                owe(
                    "use-restrictions",
                    "7",
                    f"comply with the use restrictions of {lid} and pass them on to recipients",
                )
            else:
                owe("use-restrictions", "7", f"comply with the use restrictions of {lid}")
        if terms.training_restriction and not is_base:
            find(
                "7",
                "needs-review",
                f"{lid} restricts using the material or its outputs to "
                "train or improve other models",
            )
        if terms.redistribution_prohibited and use == "release-data":
            find("8", "blocked", f"{lid} forbids redistribution")
        verdict = worst(verdicts)
        if obs and verdict == "allowed":
            verdict = "allowed-with-obligations"
        sa_accept = None
        # Only terms that bite for this use take part in conflicts; the base model only for
        # release-weights (4.1).
        if bites and not carve and (not is_base or use == "release-weights"):
            for name in (lid, *terms.share_alike_compatible):
                self.display.setdefault(name.lower(), name)
            sa_accept = frozenset({lid.lower(), *(c.lower() for c in terms.share_alike_compatible)})
        return _LicEval(lid, verdict, tuple(reasons), tuple(obs), sa_accept)

    # ---- rights (rules 9-11)
    def rights(self, rec: RightsRecord) -> tuple[list[tuple[str, str, str]], list[str]]:
        hit = self._rights.get(rec)
        if hit is None:
            hit = self._rights[rec] = self._evaluate_rights(rec)
        return hit

    def _allowed_regions(self, codes: tuple[str, ...]) -> frozenset[str]:
        hit = self._regions.get(codes)
        if hit is None:
            hit = self._regions[codes] = expand_regions(codes)
        return hit

    def _evaluate_rights(self, r: RightsRecord) -> tuple[list[tuple[str, str, str]], list[str]]:
        use, pol = self.use, self.policy
        found: list[tuple[str, str, str]] = []  # (rule, verdict, message)
        warns: list[str] = []
        basis = r.lawful_basis
        if basis == "consent":
            purposes = set(r.consent_purposes)
            if use not in purposes and "any" not in purposes:
                listed = ", ".join(r.consent_purposes) or "none recorded"
                found.append(
                    ("9", "blocked", f"consent covers only these uses ({listed}), not {use}")
                )
        if r.personal_data == "yes":
            if basis is None:
                found.append(("9", "needs-review", "personal data without a lawful basis"))
            elif basis == "not-applicable":
                found.append(
                    (
                        "9",
                        "needs-review",
                        "personal data, but lawful basis "
                        "'not-applicable' only fits data without personal data",
                    )
                )
        elif r.personal_data != "no":
            if pol.personal_data_unknown == "needs-review":
                found.append(("9", "needs-review", "whether it holds personal data is unknown"))
            elif pol.personal_data_unknown == "warning":
                warns.append("pd-unknown")
        if r.sensitive and not r.dpia:
            found.append(
                (
                    "9",
                    "needs-review",
                    "sensitive categories ("
                    + ", ".join(r.sensitive)
                    + ") without a DPIA reference",
                )
            )
        if r.allowed_regions:
            allowed = self._allowed_regions(tuple(r.allowed_regions))
            if ANY not in allowed:
                listed = ", ".join(r.allowed_regions)
                if self.region_members is None:
                    found.append(
                        (
                            "10",
                            "needs-review",
                            f"use is restricted to {listed} and the check names no --region",
                        )
                    )
                elif not self.region_members <= allowed:
                    found.append(
                        (
                            "10",
                            "blocked",
                            f"use is restricted to {listed}; {self.region} is outside",
                        )
                    )
        if r.retain_until is not None:
            left = (r.retain_until - self.on).days
            if left < 0:
                found.append(
                    (
                        "11",
                        "blocked",
                        f"retention ended {r.retain_until.isoformat()}, "
                        f"before the check date {self.on.isoformat()}",
                    )
                )
            elif left <= pol.retention_warning_days:
                warns.append(
                    f"retention ends {r.retain_until.isoformat()}, {left} days after the check date"
                )
        return found, warns


def _clearance(facts: DatasetFacts, use: str, on: date) -> tuple[Clearance | None, list[str]]:
    valid: list[Clearance] = []
    expired: list[str] = []
    for c in facts.clearances:
        if c.dataset_id != facts.id or c.use != use:
            continue
        if c.valid_on(on):
            valid.append(c)
        else:
            until = c.until.isoformat() if c.until else "?"
            expired.append(f"the {use} clearance by {c.by} expired on {until}")
    valid.sort(key=lambda c: (c.until is not None, -(c.until or on).toordinal(), c.by))
    if valid:
        return valid[0], []
    return None, expired


def _evaluate_entry(ctx: _Context, facts: DatasetFacts, is_base: bool) -> _Entry:
    base_found: list[tuple[str, str, str]] = []
    expr = (facts.license or "").strip()
    options = license_options(expr) if expr else None
    if not expr:
        base_found.append(("1", ctx.policy.unknown_license, "no license recorded"))
    elif options is None:
        base_found.append(
            (
                "1",
                ctx.policy.unknown_license,
                f"license {expr!r} is not a valid or tractable SPDX expression",
            )
        )
    # NOASSERTION / unknown already give their own rule 1 reason: no bare duplicate.
    bare_duplicate = not facts.license_reason and expr.lower() in UNKNOWN_LICENSE_IDS
    if facts.license_needs_review and not bare_duplicate:
        why = f": {facts.license_reason}" if facts.license_reason else ""
        base_found.append(("1", ctx.policy.unknown_license, f"license needs review{why}"))
    if not is_base:
        found, warns = ctx.rights(facts.rights or RightsRecord())
        base_found.extend(found)
        for w in warns:
            if w == "pd-unknown":
                ctx.pd_unknown.append(facts.id)
            else:
                ctx.warnings.append(("11", (facts.id,), f"{facts.id}: {w}"))
    clearance, expired = _clearance(facts, ctx.use, ctx.on)
    for msg in expired:
        ctx.warnings.append(("13", (facts.id,), f"{facts.id}: {msg}"))

    out: list[_Option] = []
    for keys in options or [()]:
        evals = [ctx.license(k, is_base) for k in keys]
        verdict = worst([v.verdict for v in evals] + [f[1] for f in base_found])
        reasons = [(f[0], f[2]) for f in base_found]
        obligations: list[_Ob] = []
        sa: list[tuple[str, frozenset[str]]] = []
        for ev in evals:
            reasons.extend(ev.reasons)
            obligations.extend(ev.obligations)
            if ev.sa_accept is not None:
                sa.append((ev.id, ev.sa_accept))
        option = _Option(
            " AND ".join(e.id for e in evals) or expr, verdict, reasons, obligations, sa
        )
        if clearance is not None:
            option.cleared_by = clearance
            until = f" until {clearance.until.isoformat()}" if clearance.until else ""
            if verdict == "needs-review":
                option.verdict = "allowed-with-obligations"
                reasons.append(
                    ("13", f"cleared for {ctx.use} by {clearance.by}{until}: {clearance.reason}")
                )
            elif verdict == "blocked":
                reasons.append(
                    ("13", f"the {ctx.use} clearance by {clearance.by} cannot lift blocked")
                )
        out.append(option)
    return _Entry(facts, is_base, out)


# --------------------------------------------------------------------------- share-alike


def _meet(
    feasible: frozenset[str] | None, sa: Iterable[tuple[str, frozenset[str]]]
) -> frozenset[str] | None:
    for _lid, accept in sa:
        feasible = accept if feasible is None else feasible & accept
    return feasible


def _choose_options(entries: list[_Entry], use: str) -> None:
    """Rule 12: resolve each OR to its best option for the whole corpus."""
    feasible: frozenset[str] | None = None
    seen: set[str] = set()
    for e in entries:
        if len(e.options) == 1:
            fresh = [s for s in e.options[0].sa if s[0] not in seen]
            seen.update(s[0] for s in fresh)
            feasible = _meet(feasible, fresh)
    multi = sorted(
        (e for e in entries if len(e.options) > 1),
        key=lambda e: (e.facts.id, e.facts.license or ""),
    )
    for e in multi:
        ranked = []
        for i, opt in enumerate(e.options):
            new = _meet(feasible, opt.sa)
            conflict = bool(opt.sa) and new is not None and not new
            verdict = opt.verdict
            if conflict and use in DISTRIBUTION_USES:
                verdict = "blocked"
            kinds = {o.kind for o in opt.obligations}
            ranked.append((_RANK[verdict], conflict, len(kinds), i))
        best = min(ranked)
        e.chosen = best[3]
        feasible = _meet(feasible, e.options[e.chosen].sa)
        lines = "; ".join(
            f"{e.options[r[3]].label}: {e.options[r[3]].verdict}"
            + (" with a share-alike conflict" if r[1] else "")
            for r in ranked
        )
        e.extra_reasons = [
            (
                "12",
                f"license {e.facts.license} is satisfied by its best option "
                f"{e.options[e.chosen].label} ({lines})",
            )
        ]


def _conflicts(entries: list[_Entry]) -> list[tuple[list[str], list[str]]]:
    """Share-alike conflicts as (licenses, dataset ids); grouped by license, not by dataset."""
    by_license: dict[str, tuple[frozenset[str], set[str]]] = {}
    for e in entries:
        for lid, accept in e.options[e.chosen].sa:
            by_license.setdefault(lid, (accept, set()))[1].add(e.facts.id)
    lids = sorted(by_license)
    pairs = []
    for i, a in enumerate(lids):
        for b in lids[i + 1 :]:
            if not by_license[a][0] & by_license[b][0]:
                pairs.append([a, b])
    if not pairs and lids and not _meet(None, ((x, by_license[x][0]) for x in lids)):
        pairs.append(lids)
    return [(p, sorted(set().union(*(by_license[x][1] for x in p)))) for p in pairs]


def _outbound(ctx: _Context, accept: frozenset[str]) -> list[str]:
    names = []
    for key in accept:
        terms = ctx.kb.get(key)
        names.append(terms.id if terms else ctx.display.get(key, key))
    return sorted(names)


# --------------------------------------------------------------------------- the check


_KIND_TEXT = {
    "attribution": "credit the sources as their licenses require",
    "notice": "pass on the NOTICE files",
    "license-text": "include the license texts",
    "share-alike": "license the shared result under a license every share-alike term accepts",
    "use-restrictions": "comply with the use restrictions (and pass them on when releasing)",
    "unmodified": "redistribute no-derivatives material unmodified",
    "naming": "show the names or credit lines the licenses prescribe",
    "user-threshold": "obtain a separate license above the monthly-active-user thresholds",
}


def check(
    facts: Sequence[DatasetFacts],
    *,
    use: str,
    commercial: bool | None = None,
    region: str | None = None,
    on: date | None = None,
    policy: Policy | None = None,
    kb: KnowledgeBase | None = None,
    base_model: DatasetFacts | None = None,
) -> dict[str, Any]:
    """Check a corpus for an intended use; returns the SPEC section 4 JSON result."""
    if use not in USES:
        raise ValidationError(f"unknown use {use!r}: expected one of {', '.join(USES)}")
    if use == "research" or commercial is None:
        commercial = use != "research"
    canonical_region = validate_region(region, allow_any=False) if region else None
    on = on or date.today()
    policy = policy or default_policy()
    kb = kb if kb is not None else default_kb()
    ctx = _Context(use, commercial, canonical_region, on, policy, kb)

    entries = [_evaluate_entry(ctx, f, False) for f in facts]
    if base_model is not None:
        if use == "release-data":
            ctx.warnings.append(
                (
                    "4.1",
                    (base_model.id,),
                    f"{base_model.id}: the base model is "
                    "not checked for release-data (the corpus is shared, not the "
                    "model)",
                )
            )
        else:
            entries.append(_evaluate_entry(ctx, base_model, True))
    _choose_options(entries, use)

    conflicts_out = []
    conflict_reasons: dict[str, list[tuple[str, str]]] = {}
    for lids, ids in _conflicts(entries):
        accepts = []
        for lid in lids:
            terms = kb.get(lid)
            ok = [lid, *(terms.share_alike_compatible if terms else ())]
            accepts.append(f"{lid} accepts {', '.join(ok)}")
        msg = (
            f"share-alike conflict: no single license satisfies {' and '.join(lids)} "
            f"({'; '.join(accepts)})"
        )
        conflicts_out.append({"datasets": ids, "rule": "5", "licenses": lids, "message": msg})
        if use in DISTRIBUTION_USES:
            for i in ids:
                conflict_reasons.setdefault(i, []).append(("5", msg + f": blocked for {use}"))
        else:
            ctx.warnings.append(
                (
                    "5",
                    tuple(ids),
                    msg + f"; a warning for {use}, blocked for release-weights and release-data",
                )
            )

    datasets_out = []
    kinds: dict[str, tuple[set[str], set[str]]] = {}
    sa_accepts: list[tuple[str, frozenset[str]]] = []
    for e in entries:
        opt = e.options[e.chosen]
        fid = e.facts.id
        reasons = list(opt.reasons) + (e.extra_reasons or [])
        verdict = opt.verdict
        extra = conflict_reasons.get(fid)
        if extra:
            reasons.extend(extra)
            verdict = "blocked"
        obligations = []
        for o in opt.obligations:
            obligations.append(
                {
                    "kind": o.kind,
                    "rule": o.rule,
                    "license": o.license,
                    "message": f"{fid}: {o.message}",
                }
            )
            slot = kinds.setdefault(o.kind, (set(), set()))
            slot[0].add(fid)
            slot[1].add(o.license)
        if any(o.kind == "share-alike" for o in opt.obligations):
            sa_accepts.extend(opt.sa)
        item: dict[str, Any] = {
            "id": fid,
            "license": e.facts.license,
            "verdict": verdict,
            "reasons": [
                {"rule": r, "message": f"{fid}: {m}"}
                for r, m in sorted(set(reasons), key=lambda x: (_rule_key(x[0]), x[1]))
            ],
            "obligations": sorted(obligations, key=lambda o: (o["kind"], o["license"])),
        }
        if len(e.options) > 1:
            item["chosen_option"] = opt.label
        if opt.cleared_by is not None:
            c = opt.cleared_by
            item["cleared_by"] = c.by
            item["clearance"] = {
                "use": c.use,
                "by": c.by,
                "reason": c.reason,
                "until": c.until.isoformat() if c.until else None,
            }
        if e.is_base:
            item["base_model"] = True
        datasets_out.append(item)
    datasets_out.sort(key=lambda d: (not d.get("base_model", False), d["id"], d["license"] or ""))

    obligations_out = []
    for kind in sorted(kinds):
        kind_ids, lics = kinds[kind]
        text = _KIND_TEXT.get(kind, kind)
        if kind == "share-alike":
            feasible = _meet(None, sa_accepts)
            if feasible:
                text = "license the shared result under one of: " + ", ".join(
                    _outbound(ctx, feasible)
                )
            else:
                text = (
                    "license the shared result under a share-alike license; no single "
                    "license satisfies them all; see conflicts"
                )
        obligations_out.append(
            {
                "kind": kind,
                "datasets": sorted(kind_ids),
                "licenses": sorted(lics),
                "message": f"{text} ({', '.join(sorted(lics))})",
            }
        )

    warnings_out: list[dict[str, Any]] = []
    if ctx.pd_unknown:
        pd_ids = sorted(set(ctx.pd_unknown))
        more = len(pd_ids) - 10
        shown = ", ".join(pd_ids[:10]) + (f" and {more} more" if more > 0 else "")
        warnings_out.append(
            {
                "rule": "9",
                "datasets": pd_ids,
                "message": f"personal data is unknown for {len(pd_ids)} dataset(s): {shown}",
            }
        )
    for rule, wids, msg in ctx.warnings:
        warnings_out.append({"rule": rule, "datasets": list(wids), "message": msg})
    warnings_out.sort(key=lambda w: (_rule_key(w["rule"]), w["message"], w["datasets"]))

    return {
        "schema_version": SCHEMA_VERSION,
        "verdict": worst([d["verdict"] for d in datasets_out]),
        "use": use,
        "commercial": commercial,
        "region": canonical_region,
        "on": on.isoformat(),
        "policy": policy.name,
        "datasets": datasets_out,
        "conflicts": sorted(conflicts_out, key=lambda c: (c["licenses"], c["datasets"])),
        "obligations": obligations_out,
        "warnings": warnings_out,
    }


def _rule_key(rule: str) -> tuple[float, str]:
    try:
        return (float(rule), rule)
    except ValueError:
        return (float("inf"), rule)
