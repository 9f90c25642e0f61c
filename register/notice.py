"""Attribution / NOTICE text (markdown) for a checked corpus."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from register.api import Register

_CREDIT = {
    "attribution": "Credit the creators, name the license and link to it, and say if you "
                   "changed the material.",
    "notice": "Pass on the NOTICE file that came with the material.",
    "license-text": "Include a copy of the license text.",
    "share-alike": "Share adapted material under the same license (or a compatible one).",
    "use-restrictions": "The license's use restrictions apply and must be passed on.",
    "unmodified": "Redistribute the material unmodified.",
    "naming": "Follow the license's naming rule for derived models.",
    "user-threshold": "Very large services need a separate license from the licensor.",
}


def render_notice(register: Register, result: dict[str, Any]) -> str:
    """The NOTICE markdown: every dataset, its license, source, and the credit owed."""
    lines = [f"# Third-party data notices: {result.get('corpus') or 'corpus'}", "",
             f"Use: {result['use']}. Check verdict: {result['verdict']} "
             f"(on {result['on']}, policy {result['policy']}).", ""]
    ids = [d["id"] for d in result["datasets"] if not d.get("base_model")]
    facts = {f.id: f for f in register.facts(ids)}
    for d in sorted(result["datasets"], key=lambda x: x["id"]):
        fact = facts.get(d["id"])
        title = (fact.pretty_name if fact and fact.pretty_name else d["id"])
        lines.append(f"## {title}")
        lines.append("")
        lines.append(f"- Dataset: `{d['id']}`" + (" (base model)" if d.get("base_model") else ""))
        lines.append(f"- License: {d.get('license') or 'not determined'}")
        if fact and fact.source:
            lines.append(f"- Source: {fact.source}")
        terms = _license_names(register, d.get("license"))
        if terms:
            lines.append(f"- License text: {terms}")
        kinds = sorted({o["kind"] if isinstance(o, dict) else str(o)
                        for o in d.get("obligations", [])})
        for kind in kinds:
            lines.append(f"- {_CREDIT.get(kind, kind)}")
        if not kinds:
            lines.append("- No attribution is required for this use; credit is still "
                         "appreciated.")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _license_names(register: Register, expression: str | None) -> str:
    if not expression:
        return ""
    from register.api import _license_keys

    parts = []
    for key in sorted(_license_keys(expression)):
        terms = register.kb.get(key)
        if terms and terms.sources:
            parts.append(f"{terms.name} <{terms.sources[0].url}>")
    return "; ".join(parts)
