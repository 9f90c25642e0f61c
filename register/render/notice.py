"""Attribution / NOTICE text (markdown) for a checked corpus.

The notice follows the check result: every dataset (and the base model, unless the use is
``release-data``) with its license, the option an OR was used under (rule 12), links to the
license texts, and what its license asks of this use. It says plainly when the corpus is not
cleared for the use, when a license is not determined, and which clearance a dataset rests
on, so that it is never read as a clearance itself.

Each entry carries what a licensor asks to see (from the card, kept at ingest as the
``attribution`` metadata of :mod:`register.cards.attribution`): the title (``pretty_name``),
the creators (the citation's authors, a Croissant file's creators), the card's curators,
copyright lines, the homepage, the citation, and the Hugging Face Hub page at the recorded
revision (:func:`register.render.links.hub_url`; never a local path).  What the card does
not state is said to be not stated, never made up.

The credit wording is the license's own (:func:`attribution_rules`): Creative Commons
licenses ask for credit, a license link and an indication of changes; MIT / BSD / ISC ask to
keep the copyright and permission notice; Apache-2.0 asks for the license, the notices,
marked changes and the NOTICE file's attributions; any other license is pointed to its text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from register.errors import RegisterError
from register.render.links import hub_url, is_url

if TYPE_CHECKING:
    from register.check.result import CheckResult
    from register.register import Register

__all__ = ["DISTRIBUTION_USES", "attribution_rules", "render_notice"]

DISTRIBUTION_USES = ("release-weights", "release-data")

_CREDIT = {
    "attribution": "Credit the material as its license requires (see the license text).",
    "notice": "Pass on the NOTICE file that came with the material (the register does not "
              "hold its text: take it from the source).",
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
_FENCE = "```"
#: Words by which a card's licensing section is recognized as the license notice itself
#: (reproduced in the NOTICE, as MIT / BSD / ISC ask).
_NOTICE_TEXTS = ("permission is hereby granted", "redistribution and use in source and binary",
                 "permission to use, copy, modify")


def attribution_rules(license_key: str) -> str:
    """What the license itself asks by way of attribution (``license_key``: an SPDX id)."""
    key = license_key.lower()
    if key.startswith("cc-by"):
        section = " (CC BY 4.0 section 3(a))" if key.endswith("-4.0") else ""
        return ("Give appropriate credit: the creators and those designated to receive "
                "attribution, the copyright notice, the license notice, the disclaimer notice "
                "and a link to the material; provide a link to the license; and indicate if "
                f"changes were made (keeping any previous modification notice){section}.")
    if key == "mit-0":
        return "The license asks no attribution (MIT No Attribution)."
    if key in ("mit", "isc", "x11") or key.startswith("mit-"):
        return ("Include the copyright notice and the permission notice (the license text) in "
                "all copies or substantial portions.")
    if key.startswith("bsd-"):
        return ("Retain the copyright notice, the list of conditions and the disclaimer; in "
                "binary or other forms, reproduce them in the documentation or other "
                "materials provided with the distribution.")
    if key == "apache-2.0":
        return ("Give recipients a copy of the Apache License 2.0; keep the copyright, patent, "
                "trademark and attribution notices; mark files you changed as changed; and "
                "pass on the attribution notices of the work's NOTICE file, if it has one "
                "(section 4).")
    return _CREDIT["attribution"]


def _entry_facts(register: Register, item_id: str, base_model: bool) -> dict[str, Any]:
    """What an entry shows besides the check: name, Hub page, version, attribution."""
    empty: dict[str, Any] = {"revision": None, "version": None, "card_sha256": None,
                             "attribution": {}, "pretty_name": None, "license_notice": None}
    if base_model:
        try:
            model = register.trace_model(item_id).model
        except RegisterError:
            return dict(empty, url=hub_url(item_id, kind="model"))
        return dict(empty, url=hub_url(item_id, kind="model", source=model.get("source"),
                                       revision=model.get("revision")),
                    revision=model.get("revision"), version=model.get("version"),
                    card_sha256=model.get("card_sha256"))
    try:
        view = register.show(item_id)
    except RegisterError:
        return dict(empty, url=hub_url(item_id))
    meta = view.metadata
    attribution = dict(meta.get("attribution") or {})
    if meta.get("creators") and "authors" not in attribution:  # a Croissant file's creators
        attribution["authors"] = [str(c) for c in meta["creators"]]
    if is_url(meta.get("url")) and "homepage" not in attribution:
        attribution["homepage"] = meta["url"]
    section = view.license.raw.get("license_section") or ""
    notice_text = section if any(w in section.lower() for w in _NOTICE_TEXTS) else None
    return {"url": hub_url(item_id, source=view.source, revision=view.revision),
            "revision": view.revision, "version": view.version,
            "card_sha256": view.card_sha256, "attribution": attribution,
            "pretty_name": view.pretty_name, "license_notice": notice_text}


def _unfenced(text: str) -> str:
    """A card section's text without the code fence around it."""
    lines = text.strip().splitlines()
    if lines and lines[0].startswith(("```", "~~~")):
        lines = lines[1:]
    if lines and lines[-1].startswith(("```", "~~~")):
        lines = lines[:-1]
    return "\n".join(lines).strip()


def _source_line(facts: dict[str, Any]) -> str:
    if facts["revision"]:
        return f"- Source: <{facts['url']}> (revision {facts['revision']})"
    if facts["version"]:
        pinned = f", card sha256 {facts['card_sha256']}" if facts["card_sha256"] else ""
        held = f"register version {facts['version']}{pinned}"
    else:
        held = "not in the register"
    return f"- Source: <{facts['url']}> (revision not recorded; {held})"


def _credit_lines(attribution: dict[str, Any]) -> list[str]:
    authors = attribution.get("authors") or []
    lines = ["- Creators: " + ("; ".join(authors) if authors else "not stated in the card")]
    if attribution.get("curators"):
        lines.append("- Curators (from the card): " + " ".join(
            str(attribution["curators"]).split()))
    copyright_lines = attribution.get("copyright") or []
    lines.append("- Copyright: " + ("; ".join(copyright_lines) if copyright_lines else
                                     "no copyright line in the card (take it from the "
                                     "dataset's own license or NOTICE file)"))
    lines.append("- Homepage: " + (f"<{attribution['homepage']}>" if attribution.get("homepage")
                                   else "not stated in the card"))
    return lines


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
    for d in sorted(result.datasets, key=lambda x: (not x.base_model, x.id)):
        facts = _entry_facts(register, d.id, d.base_model)
        attribution = facts["attribution"]
        pretty = facts["pretty_name"]
        title = f"{pretty} (`{d.id}`)" if pretty and pretty != d.id else f"`{d.id}`"
        lines.append(f"## {title}")
        lines.append("")
        kind_of = "Base model" if d.base_model else "Dataset"
        lines.append(f"- {kind_of}: `{d.id}`")
        lines.append(_source_line(facts))
        if not d.base_model:
            lines += _credit_lines(attribution)
        lines.append(f"- License: {d.license or 'not determined'}")
        used_under = d.chosen_option or d.license
        if d.chosen_option:
            lines.append(f"- Used under: {d.chosen_option} (the option chosen from the "
                         "license expression)")
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
            if kind == "attribution":
                for lic in sorted({o.license for o in d.obligations if o.kind == kind}):
                    lines.append(f"- {lic}: {attribution_rules(lic)}")
                continue
            text = (_RELEASE_CREDIT.get(kind) if use in DISTRIBUTION_USES else None) or \
                _CREDIT.get(kind, kind)
            lines.append(f"- {text}")
        if undetermined:
            lines.append("- The license is not determined, so what it asks is unknown: follow "
                         "the terms of the clearance or ask the licensor.")
        elif not kinds:
            lines.append("- Its license asks no credit for this use; credit is still "
                         "appreciated.")
        if facts["license_notice"]:
            notice_text = _unfenced(str(facts["license_notice"]))
            lines += ["", "License notice (from the card, to be reproduced):", "", _FENCE,
                      notice_text.replace(_FENCE, "'''"), _FENCE]
        if attribution.get("citation"):
            citation = str(attribution["citation"]).strip().replace(_FENCE, "'''")
            lines += ["", "Citation (from the card):", "", _FENCE, citation, _FENCE]
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
