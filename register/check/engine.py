"""The corpus check engine: may these datasets be used together for this use, and what is owed?

Pure: it reads :class:`~register.check.facts.DatasetFacts`, a
:class:`~register.check.policy.Policy` and a
:class:`~register.licenses.catalog.KnowledgeBase` and returns a
:class:`~register.check.result.CheckResult` (whose ``to_dict()`` is the SPEC section 4 JSON).
It never touches the store.

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

This module holds the public entry points (:func:`check`, :func:`verdict_exit_code`,
:func:`license_options`), the per-dataset evaluation and the assembly of the result; the
rules for one license or rights record (steps 2-3) are in :mod:`register.check.rules`, option
choice and conflicts (steps 4-5) in :mod:`register.check.sharealike`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import itemgetter
from typing import Any

from register.check.facts import Clearance, DatasetFacts, RightsRecord, worst
from register.check.policy import Policy, default_policy
from register.check.result import (
    EXIT_CODES,
    AppliedClearance,
    CheckResult,
    CheckWarning,
    DatasetTemplate,
    DatasetVerdicts,
    Obligation,
    as_kind,
    as_use,
    as_verdict,
)
from register.check.rules import CARVEOUT_USES as CARVEOUT_USES
from register.check.rules import DISTRIBUTION_USES as DISTRIBUTION_USES
from register.check.rules import SHARING_USES as SHARING_USES
from register.check.rules import (
    UNKNOWN_LICENSE_IDS,
    Context,
    Entry,
    LicenseObligation,
    Option,
)
from register.check.sharealike import choose_options, conflict_findings, meet, outbound
from register.check.uses import validate_use
from register.errors import OptionValueError, ValidationError
from register.licenses.catalog import KnowledgeBase, default_kb
from register.licenses.expressions import single_key, spdx_licensing
from register.rights.regions import validate_region
from register.versions import SCHEMA_VERSION

# SHARING_USES, DISTRIBUTION_USES and CARVEOUT_USES live in register.check.rules (re-exported
# above), SCHEMA_VERSION in register.versions.
__all__ = ["SCHEMA_VERSION", "check", "license_options", "verdict_exit_code"]

MAX_OPTIONS = 64


def verdict_exit_code(verdict: str) -> int:
    """The exit code SPEC gives a check verdict: 0, 0, 3 (needs-review) or 4 (blocked)."""
    try:
        return EXIT_CODES[verdict]
    except KeyError:
        raise ValueError(f"unknown verdict {verdict!r}") from None


# --------------------------------------------------------------------------- parsing


@lru_cache(maxsize=8192)
def license_options(expression: str) -> tuple[tuple[str, ...], ...] | None:
    """The options of an expression in written order, each a tuple of license keys.

    ``None`` when the expression does not parse or has more than MAX_OPTIONS options.
    ``X WITH Y`` stays one key.  Ids are read as written, known ones in canonical case
    (the simple tokenizer: no id with spaces, no alias upgrade such as deprecated
    ``GPL-3.0`` -> ``GPL-3.0-only``; stored expressions are canonical already, and the
    engine must not guess on the caller's behalf).
    """
    key = single_key(expression)  # one id: no licensing to build (the common case)
    if key is not None:
        return ((key,),)
    try:
        parsed = spdx_licensing().parse(expression, simple=True)
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
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

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


def _clearance(facts: DatasetFacts, use: str, on: date) -> tuple[Clearance | None, list[str]]:
    if not facts.clearances:  # the common case
        return None, []
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


@dataclass(frozen=True)
class _Shape:
    """What one shape of dataset evaluates to, once: its options and the warnings each
    dataset of the shape adds (without its id)."""

    options: list[Option]
    warns: tuple[str, ...]  # rights warnings (rule 11), "pd-unknown" for rule 9's warning
    expired: tuple[str, ...]  # expired clearances (rule 13)


class _RecordNumbers:
    """A number per distinct rights record, each record object hashed once (not once per
    dataset: the store hands every dataset of one record the same object).  Holding the
    objects keeps their ids from being reused while the check runs."""

    def __init__(self) -> None:
        self.by_object: dict[int, tuple[RightsRecord, int]] = {}
        self.by_value: dict[RightsRecord, int] = {}

    def number(self, rec: RightsRecord) -> int:
        hit = self.by_object.get(id(rec))
        if hit is None:
            hit = self.by_object[id(rec)] = (
                rec, self.by_value.setdefault(rec, len(self.by_value)))
        return hit[1]


def _shape_key(facts: DatasetFacts, use: str, on: date,
               records: _RecordNumbers) -> tuple[Any, ...]:
    """Datasets with equal keys get equal options, reasons and warnings (before their id is
    added).  Clearances for other uses play no part; one for this use joins the key; the
    rights record joins it as its number (equal records, equal numbers)."""
    rights = records.number(facts.rights) if facts.rights is not None else None
    if not facts.clearances:  # the common case: no clearance to weigh
        return (facts.license, facts.license_needs_review, facts.license_reason, rights,
                None, ())
    clearance, expired = _clearance(facts, use, on)
    cleared = (
        (clearance.use, clearance.by, clearance.reason, clearance.until)
        if clearance is not None else None
    )
    return (facts.license, facts.license_needs_review, facts.license_reason, rights,
            cleared, tuple(expired))


def _evaluate_shape(ctx: Context, facts: DatasetFacts, is_base: bool) -> _Shape:
    base_found: list[tuple[str, str, str]] = []
    warns: list[str] = []
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
    if is_base:  # rule 14: what the model's lineage adds (register.models.lineage)
        base_found.extend(
            (str(rule), str(verdict), str(msg))
            for rule, verdict, msg in facts.extra.get("lineage", ()))
    else:
        found, rights_warns = ctx.rights(facts.rights or RightsRecord())
        base_found.extend(found)
        warns.extend(rights_warns)
    clearance, expired = _clearance(facts, ctx.use, ctx.on)

    out: list[Option] = []
    for keys in options or [()]:
        evals = [ctx.license(k, is_base) for k in keys]
        verdict = worst([v.verdict for v in evals] + [f[1] for f in base_found])
        reasons = [(f[0], f[2]) for f in base_found]
        obligations: list[LicenseObligation] = []
        sa: list[tuple[str, frozenset[str]]] = []
        for ev in evals:
            reasons.extend(ev.reasons)
            obligations.extend(ev.obligations)
            if ev.sa_accept is not None:
                sa.append((ev.id, ev.sa_accept))
        option = Option(
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
    return _Shape(out, tuple(warns), tuple(expired))


def _entry(ctx: Context, shapes: dict[tuple[Any, ...], _Shape], records: _RecordNumbers,
           facts: DatasetFacts, is_base: bool) -> Entry:
    """The dataset's entry, its shape evaluated only the first time it is met."""
    key = (is_base, *_shape_key(facts, ctx.use, ctx.on, records))
    if is_base:  # the lineage findings are the base model's own
        key = (*key, id(facts))
    shape = shapes.get(key)
    if shape is None:
        shape = shapes[key] = _evaluate_shape(ctx, facts, is_base)
    fid = facts.id
    for w in shape.warns:
        if w == "pd-unknown":
            ctx.pd_unknown.append(fid)
        else:
            ctx.warnings.append(("11", (fid,), f"{fid}: {w}"))
    for msg in shape.expired:
        ctx.warnings.append(("13", (fid,), f"{fid}: {msg}"))
    return Entry(fid, facts.license, is_base, shape.options)


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
    facts: Iterable[DatasetFacts],
    *,
    use: str,
    commercial: bool | None = None,
    region: str | None = None,
    on: date | None = None,
    policy: Policy | None = None,
    kb: KnowledgeBase | None = None,
    base_model: DatasetFacts | None = None,
) -> CheckResult:
    """Check a corpus for an intended use (``result.to_dict()`` is the SPEC section 4 JSON)."""
    validate_use(use)
    if use == "research" or commercial is None:
        commercial = use != "research"
    canonical_region = _check_region(region) if region else None
    on = on or date.today()
    policy = policy or default_policy()
    kb = kb if kb is not None else default_kb()
    ctx = Context(use, commercial, canonical_region, on, policy, kb)

    shapes: dict[tuple[Any, ...], _Shape] = {}
    records = _RecordNumbers()
    entries = [_entry(ctx, shapes, records, f, False) for f in facts]
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
            entries.append(_entry(ctx, shapes, records, base_model, True))
    choose_options(entries, use)

    conflicts_out, conflict_reasons = conflict_findings(ctx, entries)

    # Each distinct (option chosen, OR note, conflict reasons) gives one template; a dataset
    # is a row (id, license, template).
    templates: dict[tuple[Any, ...], tuple[DatasetTemplate, tuple[str, ...], list[str]]] = {}
    rows: list[tuple[str, str | None, DatasetTemplate]] = []
    append = rows.append
    kind_licenses: dict[str, set[str]] = {}
    sa_accepts: list[tuple[str, frozenset[str]]] = []
    for e in entries:
        opt = e.options[e.chosen]
        fid = e.id
        extra = tuple(conflict_reasons[fid]) if fid in conflict_reasons else ()
        key = (id(opt), e.extra_reasons, extra, e.is_base, len(e.options) > 1)
        hit = templates.get(key)
        if hit is None:
            hit = templates[key] = (*_template(e, opt, extra), [])
            for o in opt.obligations:
                kind_licenses.setdefault(o.kind, set()).add(o.license)
            if any(o.kind == "share-alike" for o in opt.obligations):
                sa_accepts.extend(opt.sa)
        template, kinds_of, members = hit
        if kinds_of:  # the datasets owing each kind, gathered per template
            members.append(fid)
        append((fid, e.license, template))
    kind_ids: dict[str, set[str]] = {}
    for _, kinds_of, members in templates.values():
        for kind in kinds_of:
            kind_ids.setdefault(kind, set()).update(members)
    if base_model is None and len({r[0] for r in rows}) == len(rows):
        rows.sort(key=itemgetter(0))  # distinct ids (the usual corpus): the id alone orders
    else:
        rows.sort(key=lambda r: (not r[2].base_model, r[0], r[1] or ""))
    datasets_out = DatasetVerdicts(rows)
    kinds = {k: (kind_ids[k], kind_licenses[k]) for k in kind_ids}

    obligations_out = []
    for kind in sorted(kinds):
        ids_of_kind, lics = kinds[kind]
        text = _KIND_TEXT.get(kind, kind)
        if kind == "share-alike":
            feasible = meet(None, sa_accepts)
            if feasible:
                text = "license the shared result under one of: " + ", ".join(
                    outbound(ctx, feasible)
                )
            else:
                text = (
                    "license the shared result under a share-alike license; no single "
                    "license satisfies them all; see conflicts"
                )
        obligations_out.append(
            Obligation(
                kind=as_kind(kind),
                datasets=tuple(sorted(ids_of_kind)),
                licenses=tuple(sorted(lics)),
                message=f"{text} ({', '.join(sorted(lics))})",
            )
        )

    warnings_out: list[CheckWarning] = []
    if ctx.pd_unknown:
        pd_ids = sorted(set(ctx.pd_unknown))
        more = len(pd_ids) - 10
        shown = ", ".join(pd_ids[:10]) + (f" and {more} more" if more > 0 else "")
        warnings_out.append(
            CheckWarning(
                "9", tuple(pd_ids),
                f"personal data is unknown for {len(pd_ids)} dataset(s): {shown}",
            )
        )
    for rule, wids, msg in ctx.warnings:
        warnings_out.append(CheckWarning(rule, tuple(wids), msg))
    warnings_out.sort(key=lambda w: (_rule_key(w.rule), w.message, w.datasets))

    return CheckResult(
        verdict=as_verdict(worst({t.verdict for t, _, _ in templates.values()})),
        use=as_use(use),
        commercial=commercial,
        region=canonical_region,
        on=on,
        policy=policy.name,
        datasets=datasets_out,
        conflicts=tuple(sorted(conflicts_out, key=lambda c: (c.licenses, c.datasets))),
        obligations=tuple(obligations_out),
        warnings=tuple(warnings_out),
        schema_version=SCHEMA_VERSION,
    )


def _template(
    e: Entry, opt: Option, conflict: tuple[tuple[str, str], ...]
) -> tuple[DatasetTemplate, tuple[str, ...]]:
    """The verdict every dataset with this chosen option, OR note and conflicts gets, and
    the obligation kinds it owes."""
    reasons = list(opt.reasons) + list(e.extra_reasons)
    verdict = opt.verdict
    if conflict:
        reasons.extend(conflict)
        verdict = "blocked"
    obligations = sorted(
        ((as_kind(o.kind), o.rule, o.license, o.message) for o in opt.obligations),
        key=lambda o: (o[0], o[2]),
    )
    c = opt.cleared_by
    template = DatasetTemplate(
        verdict=as_verdict(verdict),
        reasons=tuple(sorted(set(reasons), key=lambda x: (_rule_key(x[0]), x[1]))),
        obligations=tuple(obligations),
        chosen_option=opt.label if len(e.options) > 1 else None,
        clearance=(
            AppliedClearance(as_use(c.use), c.by, c.reason, c.until) if c is not None else None
        ),
        base_model=e.is_base,
    )
    return template, tuple(dict.fromkeys(o.kind for o in opt.obligations))


def _rule_key(rule: str) -> tuple[float, str]:
    try:
        return (float(rule), rule)
    except ValueError:
        return (float("inf"), rule)


def _check_region(region: str) -> str:
    """The check's region (a parameter: an invalid one is exit code 2)."""
    try:
        return validate_region(region, allow_any=False)
    except ValidationError as exc:
        raise OptionValueError(f"region: {exc.message}", exc.problems, hint=exc.hint,
                               param="region") from None
