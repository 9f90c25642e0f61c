"""Share-alike: the option an OR resolves to (rule 12) and share-alike conflicts (rule 5).

Conflicts are found on the distinct share-alike licenses present (grouped by license, never
pairwise over datasets): a license is acceptable outbound for a share-alike license when it
is that license or one of its one-way ``share_alike_compatible``; the corpus conflicts when
no outbound license is acceptable to all of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from register.check.result import Conflict
from register.check.rules import DISTRIBUTION_USES, Context, Entry

_RANK = {"allowed": 0, "allowed-with-obligations": 1, "needs-review": 2, "blocked": 3}


def meet(
    feasible: frozenset[str] | None, sa: Iterable[tuple[str, frozenset[str]]]
) -> frozenset[str] | None:
    for _lid, accept in sa:
        feasible = accept if feasible is None else feasible & accept
    return feasible


def choose_options(entries: list[Entry], use: str) -> None:
    """Rule 12: resolve each OR to its best option for the whole corpus.

    Datasets of one shape share their options: single-option shapes narrow the feasible
    outbound set once each (intersection is idempotent), and an OR's ranking is computed
    once per (shape, feasible set) it meets, in id order as if each dataset were ranked."""
    feasible: frozenset[str] | None = None
    done: set[int] = set()
    for e in entries:
        if len(e.options) == 1 and id(e.options) not in done:
            done.add(id(e.options))
            feasible = meet(feasible, e.options[0].sa)
    multi = sorted(
        (e for e in entries if len(e.options) > 1), key=lambda e: (e.id, e.license or "")
    )
    memo: dict[tuple[int, frozenset[str] | None], tuple[int, tuple[tuple[str, str], ...]]] = {}
    for e in multi:
        key = (id(e.options), feasible)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = _rank(e, feasible, use)
        e.chosen, e.extra_reasons = hit
        feasible = meet(feasible, e.options[e.chosen].sa)


def _rank(
    e: Entry, feasible: frozenset[str] | None, use: str
) -> tuple[int, tuple[tuple[str, str], ...]]:
    ranked = []
    for i, opt in enumerate(e.options):
        new = meet(feasible, opt.sa)
        conflict = bool(opt.sa) and new is not None and not new
        verdict = opt.verdict
        if conflict and use in DISTRIBUTION_USES:
            verdict = "blocked"
        kinds = {o.kind for o in opt.obligations}
        ranked.append((_RANK[verdict], conflict, len(kinds), i))
    chosen = min(ranked)[3]
    lines = "; ".join(
        f"{e.options[r[3]].label}: {e.options[r[3]].verdict}"
        + (" with a share-alike conflict" if r[1] else "")
        for r in ranked
    )
    return chosen, (
        (
            "12",
            f"license {e.license} is satisfied by its best option "
            f"{e.options[chosen].label} ({lines})",
        ),
    )


def conflicts(entries: list[Entry]) -> list[tuple[list[str], list[str]]]:
    """Share-alike conflicts as (licenses, dataset ids); grouped by license, not by dataset."""
    by_license: dict[str, tuple[frozenset[str], set[str]]] = {}
    for e in entries:
        for lid, accept in e.options[e.chosen].sa:
            by_license.setdefault(lid, (accept, set()))[1].add(e.id)
    lids = sorted(by_license)
    pairs = []
    for i, a in enumerate(lids):
        for b in lids[i + 1 :]:
            if not by_license[a][0] & by_license[b][0]:
                pairs.append([a, b])
    if not pairs and lids and not meet(None, ((x, by_license[x][0]) for x in lids)):
        pairs.append(lids)
    return [(p, sorted(set().union(*(by_license[x][1] for x in p)))) for p in pairs]


def outbound(ctx: Context, accept: frozenset[str]) -> list[str]:
    names = []
    for key in accept:
        terms = ctx.kb.get(key)
        names.append(terms.id if terms else ctx.display.get(key, key))
    return sorted(names)


def conflict_findings(
    ctx: Context, entries: list[Entry]
) -> tuple[list[Conflict], dict[str, list[tuple[str, str]]]]:
    """The conflicts of the chosen options, and rule 5 reasons per dataset id (release uses);
    for other uses each conflict is added to the warnings."""
    use, kb = ctx.use, ctx.kb
    conflicts_out: list[Conflict] = []
    conflict_reasons: dict[str, list[tuple[str, str]]] = {}
    for lids, ids in conflicts(entries):
        accepts = []
        for lid in lids:
            terms = kb.get(lid)
            ok = [lid, *(terms.share_alike_compatible if terms else ())]
            accepts.append(f"{lid} accepts {', '.join(ok)}")
        msg = (
            f"share-alike conflict: no single license satisfies {' and '.join(lids)} "
            f"({'; '.join(accepts)})"
        )
        conflicts_out.append(Conflict(tuple(ids), tuple(lids), msg))
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
    return conflicts_out, conflict_reasons
