"""The check rules applied to one license and to one rights record, for one intended use.

:class:`Context` holds what a check is run for (use, commercial, region, date, policy,
knowledge base) and evaluates each license once (rules 1-8, cached per license id) and each
rights record once (rules 9-11, cached per record).  :class:`Option` and :class:`Entry` are
the per-dataset results that :mod:`register.check.engine` builds from them and
:mod:`register.check.sharealike` resolves.  Pure: no store, no output formatting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from register.check.facts import Clearance, RightsRecord, worst
from register.check.policy import Policy
from register.licenses.catalog import KnowledgeBase, LicenseTerms
from register.rights.regions import ANY, expand_regions

SHARING_USES = frozenset({"service", "release-weights", "release-data"})
DISTRIBUTION_USES = frozenset({"release-weights", "release-data"})
CARVEOUT_USES = frozenset({"service", "release-weights"})
UNKNOWN_LICENSE_IDS = frozenset({"noassertion", "none", "unknown", "other"})


@dataclass(frozen=True)
class LicenseObligation:
    """What one license asks for one use (the check result's obligations name the dataset)."""

    kind: str
    rule: str
    license: str
    message: str


@dataclass(frozen=True)
class LicenseEval:
    """One license's contribution for one use (without the dataset's id)."""

    id: str  # canonical id for display
    verdict: str
    reasons: tuple[tuple[str, str], ...]  # (rule, message)
    obligations: tuple[LicenseObligation, ...]
    sa_accept: frozenset[str] | None  # acceptable outbound (lower-case) if in conflicts


@dataclass
class Option:
    label: str
    verdict: str
    reasons: list[tuple[str, str]]
    obligations: list[LicenseObligation]
    sa: list[tuple[str, frozenset[str]]]  # (license id, acceptable outbound set)
    cleared_by: Clearance | None = None


@dataclass(slots=True)
class Entry:
    """One dataset (or the base model) of a check.  ``options`` is shared by every dataset of
    the same shape (license, review state, rights record, clearance), which is evaluated once;
    ``chosen`` and ``extra_reasons`` are this dataset's OR resolution (rule 12)."""

    id: str
    license: str | None
    is_base: bool
    options: list[Option]
    chosen: int = 0
    extra_reasons: tuple[tuple[str, str], ...] = ()


class Context:
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
        self._lic: dict[tuple[str, bool], LicenseEval] = {}
        self._rights: dict[RightsRecord, tuple[list[tuple[str, str, str]], list[str]]] = {}
        self._regions: dict[tuple[str, ...], frozenset[str]] = {}
        self.warnings: list[tuple[str, tuple[str, ...], str]] = []  # (rule, ids, message)
        self.pd_unknown: list[str] = []
        self.display: dict[str, str] = {}  # lower-case license id -> spelling to show

    # ---- licenses (rules 1-8)
    def license(self, key: str, is_base: bool) -> LicenseEval:
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

    def _evaluate_license(self, key: str, is_base: bool) -> LicenseEval:
        use, pol = self.use, self.policy
        terms = None if key.lower() in UNKNOWN_LICENSE_IDS else self._terms(key)
        if terms is None:
            why = (
                f"license {key} does not state a license"
                if key.lower() in UNKNOWN_LICENSE_IDS
                else f"license {key} has no terms in the knowledge base"
            )
            return LicenseEval(key, pol.unknown_license, (("1", why),), (), None)
        lid = terms.id
        reasons: list[tuple[str, str]] = []
        verdicts: list[str] = []
        obs: list[LicenseObligation] = []

        def find(rule: str, verdict: str, message: str) -> None:
            verdicts.append(verdict)
            reasons.append((rule, message))

        def owe(kind: str, rule: str, message: str) -> None:
            obs.append(LicenseObligation(kind, rule, lid, message))

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
        return LicenseEval(lid, verdict, tuple(reasons), tuple(obs), sa_accept)

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
