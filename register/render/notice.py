"""Attribution / NOTICE text (markdown) for a checked corpus.

The notice follows the check result: every dataset (and the base model, unless the use is
``release-data``) with its license, the option an OR was used under (rule 12), its source, links
to the license texts, and what its license asks of this use. It says plainly when the corpus is
not cleared for the use, when a license is not determined, and which clearance a dataset rests
on, so that it is never read as a clearance itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from register.check.result import CheckResult
    from register.register import Register

DISTRIBUTION_USES = ("release-weights", "release-data")

_CREDIT = {
    "attribution": "Credit the creators and the source, name the license and link to it, keep "
                   "their copyright and license notices, and say if you changed the material.",
    "notice": "Pass on the NOTICE file that came with the material.",
    "license-text": "Include a copy of the license text.",
    "share-alike": "Share the result under the same license (or a compatible one).",
    "use-restrictions": "Comply with the license's use restrictions.",
    "unmodified": "Redistribute the material unmodified (the license forbids derivatives).",
    "naming": "Follow the license's naming / credit-line rule for derived models and products.",
    "user-threshold": "Above the license's monthly-active-user threshold a separate license "
                      "from the licensor is needed.",
}
_RELEASE_CREDIT = {
    "use-restrictions": "Comply with the license's use restrictions and pass them on to "
                        "recipients (as enforceable terms of your own license).",
}


def render_notice(register: Register, result: CheckResult) -> str:
    """The NOTICE markdown: every dataset, its license, source, and the credit owed."""
    use = result.use
    lines = [f"# Third-party data notices: {result.corpus or 'corpus'}", "",
             f"Use: {use} ({'commercial' if result.commercial else 'non-commercial'}"
             f"{', region ' + result.region if result.region else ''}). "
             f"Check verdict: {result.verdict} (on {result.on.isoformat()}, policy "
             f"{result.policy}).", ""]
    if not result.allowed:
        lines += [f"> **Not cleared:** the corpus is `{result.verdict}` for {use}. This "
                  "notice lists what the licenses ask; it is not a permission to use the "
                  "corpus. See `register check` for the reasons.", ""]
    ids = [d.id for d in result.datasets if not d.base_model]
    facts = {f.id: f for f in register.facts(ids)}
    for d in sorted(result.datasets, key=lambda x: (not x.base_model, x.id)):
        fact = facts.get(d.id)
        pretty = fact.pretty_name if fact and fact.pretty_name else None
        title = f"{pretty} (`{d.id}`)" if pretty and pretty != d.id else f"`{d.id}`"
        lines.append(f"## {title}")
        lines.append("")
        kind_of = "Base model" if d.base_model else "Dataset"
        lines.append(f"- {kind_of}: `{d.id}`")
        lines.append(f"- License: {d.license or 'not determined'}")
        used_under = d.chosen_option or d.license
        if d.chosen_option:
            lines.append(f"- Used under: {d.chosen_option} (the option chosen from the "
                         "license expression)")
        if fact and fact.source:
            lines.append(f"- Source: {fact.source}")
        texts, undetermined = _license_texts(register, used_under)
        if texts:
            lines.append(f"- License text: {texts}")
        if not d.allowed:
            lines.append(f"- Status: **{d.verdict}** for {use}; not cleared.")
        clearance = d.clearance
        if clearance:
            until = f" until {clearance.until.isoformat()}" if clearance.until else ""
            lines.append(f"- Cleared for {clearance.use} by {clearance.by}{until}: "
                         f"{clearance.reason or ''}".rstrip(": "))
        kinds = sorted({o.kind for o in d.obligations})
        for kind in kinds:
            text = (_RELEASE_CREDIT.get(kind) if use in DISTRIBUTION_USES else None) or \
                _CREDIT.get(kind, kind)
            lines.append(f"- {text}")
        if undetermined:
            lines.append("- The license is not determined, so what it asks is unknown: follow "
                         "the terms of the clearance or ask the licensor.")
        elif not kinds:
            lines.append("- Its license asks no credit for this use; credit is still "
                         "appreciated.")
        lines.append("")
    if result.obligations or result.conflicts:
        lines += ["## What the corpus owes", ""]
        for o in result.obligations:
            lines.append(f"- {o.kind}: {o.message} — {', '.join(o.datasets)}")
        for c in result.conflicts:
            lines.append(f"- conflict: {c.message} — {', '.join(c.datasets)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _license_texts(register: Register, expression: str | None) -> tuple[str, bool]:
    """Links to the texts of the licenses in ``expression``; and whether one is undetermined."""
    if not expression:
        return "", True
    from register.licenses.expressions import license_keys

    parts = []
    undetermined = False
    for key in sorted({k.lower() for k in license_keys(expression)}):
        terms = register.kb.get(key)
        if terms is None or terms.needs_review:
            undetermined = True
        if terms and terms.sources:
            parts.append(f"{terms.name} <{terms.sources[0].url}>")
    return "; ".join(parts), undetermined
