"""Model card licenses: the card's own fields normalized as for datasets, then checked against
what the card says about its lineage.

:func:`normalize_model_card` normalizes ``license`` / ``license_name`` / ``license_link`` (the
Hub's model ids ``llama3.1``, ``gemma``, ``openrail++``... and ``other`` + name or link, through
:func:`register.licenses.normalize.normalize_card_license` and the knowledge base) and then
asks for review when the card's lineage hints name a model family whose license the declared
license does not include: a card that claims ``apache-2.0`` on top of a Llama or Gemma base
(its base model ids, a single family tag, or a sentence such as "Llama2 based") needs a human,
because a derivative stays under the base's license whatever its own card says.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from register.licenses.expressions import license_keys
from register.licenses.normalize import NormalizationResult, normalize_card_license

if TYPE_CHECKING:
    from register.licenses.catalog import KnowledgeBase
    from register.models.cards import ModelCard

__all__ = ["FAMILY_WORDS", "lineage_families", "normalize_model_card", "publisher_license"]

# Knowledge-base families of model licenses and the words that name them in ids and prose.
FAMILY_WORDS: dict[str, re.Pattern[str]] = {
    "llama": re.compile(r"(?i)(?<![a-z])(?:meta-)?llama(?:[- ]?[0-9.]+)?(?![a-z])"),
    "gemma": re.compile(r"(?i)(?<![a-z])gemma(?:[- ]?[0-9.]+)?(?![a-z])"),
}
_OTHER_FAMILY_TAGS = ("qwen", "qwen2", "mistral", "mixtral", "phi", "falcon", "gpt2", "bert")
_BASED = re.compile(
    r"(?i)(?:based on|fine-?tun\w* (?:of|from|on)|built (?:on|upon)|derived from|version of|"
    r"quantiz\w* of|trained on top of)\W+(?:\S+\W+){0,4}?(?:meta[- ])?(llama|gemma)"
    r"|(llama|gemma)[- ]?[0-9.]*[- ]based")

# Base models published by the licensor itself: their license is the licensor's.
_PUBLISHERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)^meta-llama/(?:meta-)?llama-2-"), "llama2"),
    (re.compile(r"(?i)^meta-llama/(?:meta-)?llama-3\.1-"), "llama3.1"),
    (re.compile(r"(?i)^meta-llama/llama-3\.2-"), "llama3.2"),
    (re.compile(r"(?i)^meta-llama/llama-3\.3-"), "llama3.3"),
    (re.compile(r"(?i)^meta-llama/meta-llama-3-"), "llama3"),
    (re.compile(r"(?i)^meta-llama/llama-4-"), "llama4"),
    (re.compile(r"(?i)^google/gemma-"), "gemma"),
)


def publisher_license(model_id: str) -> str | None:
    """The Hub license id of a base model published by its licensor (``meta-llama/...``,
    ``google/gemma-...``), or None."""
    for pattern, hub_id in _PUBLISHERS:
        if pattern.search(model_id):
            return hub_id
    return None


def lineage_families(card: ModelCard) -> dict[str, str]:
    """Model families the card's lineage names, each with the evidence (family -> where)."""
    found: dict[str, str] = {}
    for base in card.base_models:
        for fam, pattern in FAMILY_WORDS.items():
            if pattern.search(base.split("/")[-1]) and fam not in found:
                found[fam] = f"base model {base}"
    tags = [str(t).lower() for t in card.metadata.get("tags", [])]
    fam_tags = [f for f in FAMILY_WORDS if any(FAMILY_WORDS[f].fullmatch(t) for t in tags)]
    if len(fam_tags) == 1 and not any(t.startswith(_OTHER_FAMILY_TAGS) for t in tags):
        found.setdefault(fam_tags[0], f"tag {fam_tags[0]!r}")
    for sentence in card.metadata.get("lineage_text", []):
        m = _BASED.search(str(sentence))
        if m:
            fam = (m.group(1) or m.group(2)).lower()
            found.setdefault(fam, f"the card says {sentence[:100]!r}")
    return found


def _family(kb: KnowledgeBase, license_id: str) -> str:
    terms = kb.get(license_id)
    return terms.family if terms is not None else ""


def normalize_model_card(card: ModelCard, *, kb: KnowledgeBase | None = None,
                         ) -> NormalizationResult:
    """The declared license of a model card (never raises)."""
    from register.licenses.catalog import default_kb

    base = normalize_card_license(card.raw_license, kb=kb)
    kb = kb if kb is not None else default_kb()
    declared = card.raw_license.get("license")
    statements = [str(s) for s in card.raw_license.get("license_statements") or []]
    if not declared and not card.raw_license.get("license_name") and card.base_models:
        if card.raw_license.get("license_section") or statements:  # prose a human must read
            return NormalizationResult(
                base.input, None, True, 0.0, "card",
                f"{base.reason}; the card's licensing section may add terms to its base's")
        # no license of its own: what the base imposes is resolved through the lineage
        return NormalizationResult(base.input, None, False, 0.5, "inherit",
                                   "no license in the YAML; the base model's license applies "
                                   f"({', '.join(card.base_models)})")
    if base.needs_review or not base.expression:
        return base
    for text in statements:
        stated = normalize_card_license({"license": text}, kb=kb)
        if stated.expression and not stated.needs_review and set(
                license_keys(stated.expression)) <= set(license_keys(base.expression)):
            continue
        return NormalizationResult(
            base.input, base.expression, True, 0.4, "card",
            f"YAML says {base.expression}, but the card's text states 'License: {text[:100]}'")
    families = {_family(kb, k) for k in license_keys(base.expression)}
    missing = {f: why for f, why in lineage_families(card).items() if f not in families}
    if not missing:
        return base
    said = "; ".join(f"{why} names {fam.capitalize()}" for fam, why in sorted(missing.items()))
    return NormalizationResult(
        base.input, base.expression, True, 0.3, "lineage",
        f"the card declares {base.expression}, but {said}: the {', '.join(sorted(missing))} "
        "license of the base is not acknowledged (a derivative stays under it)")
