"""License normalization: free text and Hub card fields to SPDX expressions (SPEC section 3).

The rules are conservative: anything not determined with confidence comes back with
``needs_review`` true and a reason, never an exception.  ``license-expression`` parses and
validates expressions, upgrades deprecated ids and knows the ScanCode ``LicenseRef``s; the
hand-written knowledge (Hub ids, name variants, URLs, full-text phrases) is data in the
licenses directory (per-license ``aliases`` and ``aliases.yaml``), turned into lookup tables by
:mod:`register.licenses.tables`, which also scans texts for license names.

Order of the checks for one text: empty/placeholder, exact id (Hub id, SPDX id, knowledge-base
id), ``other-<name>`` Hub values, URL, SPDX expression, full license text, then names found
in the text (a whole name, or a short sentence naming one license).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from register.licenses.catalog import KnowledgeBase
from register.licenses.expressions import spdx_licensing
from register.licenses.findings import (
    added_conditions,
    joined_choice,
    partial_name,
    scope_change,
)
from register.licenses.outcome import (
    NormalizationJSON,
    NormalizationResult,
)
from register.licenses.outcome import describe_ids as _describe
from register.licenses.outcome import result as _result
from register.licenses.outcome import review as _review
from register.licenses.tables import (
    URL_IN_TEXT,
    Tables,
    full_text_license,
    longer_spdx_name,
    mask_institutions,
    scan,
    spdx_name_ids,
    tables,
    tables_for,
    tokenize,
    unknown_license_urls,
    url_license,
)

__all__ = [
    "MAX_TEXT_CHARS", "NormalizationJSON", "NormalizationResult", "normalize",
    "normalize_card_license",
]

# Texts are examined up to this many characters; longer ones always need review.
MAX_TEXT_CHARS = 20_000
_CACHE_MAX_CHARS = 4_096


def reset_caches() -> None:
    """Forget the cached tables and results (after the knowledge base changed)."""
    tables.cache_clear()
    _normalize_cached.cache_clear()


# --------------------------------------------------------------------------- normalize


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
# Control characters (NUL...) and bidirectional controls can hide or reorder what a reader
# sees: a license text holding one is never read without review.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f"
                     r"\u202a-\u202e\u2066-\u2069]")
_EXPR_CHARS = re.compile(r"[A-Za-z0-9.+\-() ]+")
_OPERATOR = re.compile(r"(?i)(?:^|[\s()])(and|or|with)(?:$|[\s()])")


def normalize(text: object, *, kb: KnowledgeBase | None = None) -> NormalizationResult:
    """Normalize one license text to an SPDX expression; never raises.

    ``kb`` is the knowledge base to read licenses from (default: the built-in one plus
    ``$REGISTER_LICENSES_DIR``), as ``Register(kb=...)`` passes its own."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return _safe(text, tables_for(kb))


def _safe(text: str, t: Tables) -> NormalizationResult:
    try:
        return _memo(text, t)
    except Exception as exc:  # a bug must never turn into a silent answer
        return _review(text, "error", f"could not normalize ({type(exc).__name__}: {exc})")


def _memo(text: str, t: Tables) -> NormalizationResult:
    """``_normalize`` with the results of short texts kept (per tables)."""
    if len(text) > _CACHE_MAX_CHARS:
        return _normalize(text, t)
    if t is tables():
        return _normalize_cached(text)
    hit = t.results.get(text)
    if hit is None:
        if len(t.results) >= 65_536:
            t.results.clear()
        hit = t.results[text] = _normalize(text, t)
    return hit  # type: ignore[no-any-return]


@lru_cache(maxsize=65_536)
def _normalize_cached(text: str) -> NormalizationResult:
    return _normalize(text, tables())


def _normalize(text: str, t: Tables) -> NormalizationResult:
    if len(text) > MAX_TEXT_CHARS:
        found = scan(tokenize(text[:MAX_TEXT_CHARS], t), t)
        ids = {i for m in found for i in m.ids}
        hint = f"; licenses named in its first part: {_describe(ids)}" if ids else ""
        return _review(text, "too-long", f"text of {len(text)} characters is too long to "
                       f"normalize automatically{hint}")
    unsafe = _UNSAFE.search(text)
    if unsafe:
        seen = _normalize(_UNSAFE.sub("", text), t)
        hint = f"; without them it reads {seen.expression}" if seen.expression else ""
        return _review(text, "control-characters", f"the text holds control or bidirectional "
                       f"characters (U+{ord(unsafe.group()):04X}) that can hide or reorder what "
                       f"a reader sees{hint}", seen.expression, min(seen.confidence, 0.3))
    s = _CONTROL.sub(" ", text).replace("\\n", "\n").replace("\\t", "\t")
    s = s.strip().strip("`\"'").strip()
    if not s:
        return _review(text, "empty", "no license text given")
    low = " ".join(s.lower().split())
    if low in t.placeholders or low.strip("[]") in t.placeholders:
        return _review(text, "placeholder", f"{s!r} gives no license information")

    if len(s) < 200 and "?" in URL_IN_TEXT.sub(" ", s):
        seen = _normalize(s.replace("?", " "), t)
        hint = f"; without it it reads {seen.expression}" if seen.expression else ""
        return _review(text, "question", f"the text asks rather than states (it holds '?'){hint}",
                       seen.expression, min(seen.confidence, 0.3))

    hit = t.exact.get(low)
    if hit is not None:
        lid, method = hit
        if not _exact_case_ok(s, lid, method, t):
            hit = None
        else:
            if lid in t.review_ids:
                return _review(text, method, f"{s!r} names a license family without version or "
                               "variant; a human must conclude which license applies", lid, 0.3)
            upgraded = "" if s == lid or method == "hub-id" else f" (written {s!r})"
            return _result(text, lid, False, 1.0, method, f"{method} {lid}{upgraded}")

    listed = t.spdx_unknown.get(low)
    if listed is not None:
        return _review(text, "spdx-id", f"{listed} ({t.spdx_full_name.get(listed, '')}) is on "
                       "the SPDX license list but unknown to license-expression and the "
                       "knowledge base; a human must record its terms")

    if low.startswith(("other-", "other:", "other ")) and len(low) > 6:
        return _other_value(text, s[6:], t)

    if re.fullmatch(r"(?:https?://|www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/)\S+", s,
                    flags=re.IGNORECASE):
        url_id = url_license(s, t)
        if url_id is None:
            return _review(text, "url", "URL is not a known license text or deed URL")
        if url_id in t.review_ids or url_id in t.own_ids:
            return _review(text, "url", f"URL of {url_id}, which needs a human decision",
                           url_id, 0.5)
        return _result(text, url_id, False, 0.95, "url", f"known license URL of {url_id}")

    if _EXPR_CHARS.fullmatch(s) and (
        _OPERATOR.search(s) or "(" in s or s.lower().startswith("licenseref-") or s.endswith("+")
    ):
        expr = _expression(text, s, t)
        if expr is not None:
            return expr

    if len(s) >= 120:
        full_id = full_text_license(s, t)
        if full_id is not None:
            lid = full_id
            others = {
                i for m in scan(tokenize(URL_IN_TEXT.sub(" ", s), t), t, {lid}) for i in m.ids
            } - {lid}
            others = {o for o in others if not _same_family(o, lid)}
            if others:
                return _review(text, "full-text", f"text of {lid} but also names "
                               f"{_describe(others)}", lid, 0.5)
            return _result(text, lid, False, 0.9, "full-text",
                           f"full text or standard notice of {lid}")

    return _names(text, s, t)


def _exact_case_ok(s: str, lid: str, method: str, t: Tables) -> bool:
    """Plain-word SPDX ids outside the knowledge base (``Fair``, ``Ruby``) must match exactly."""
    if method != "spdx-id" or s == lid or lid in t.kb_ids:
        return True
    return bool(re.search(r"[\d.+-]", lid))


def _same_family(a: str, b: str) -> bool:
    def base(x: str) -> str:
        return re.sub(r"-(only|or-later)$", "", x)

    return base(a) == base(b)


def _other_value(text: str, name: str, t: Tables) -> NormalizationResult:
    inner = _memo(name.replace("-", " ").replace("_", " ").strip(), t)
    if not inner.needs_review and inner.expression:
        return _result(text, inner.expression, False, min(inner.confidence, 0.9), inner.method,
                       f"Hub 'other' value naming {inner.expression}")
    return _review(text, inner.method, f"Hub 'other' value {name!r}: {inner.reason}",
                   inner.expression, min(inner.confidence, 0.4))


def _expression(text: str, s: str, t: Tables) -> NormalizationResult | None:
    """An SPDX expression; ``None`` when its words are not license ids (then it is prose)."""
    licensing = spdx_licensing()
    parts = re.split(r"(\s+|\(|\))", s)
    unknown: list[str] = []
    out: list[str] = []
    for part in parts:
        if not part or part.isspace() or part in "()" or part.upper() in ("AND", "OR", "WITH"):
            out.append(part.upper() if part.upper() in ("AND", "OR", "WITH") else part)
            continue
        key = part.lower()
        canon = t.canonical.get(key)
        if canon is None and key.endswith("+") and t.canonical.get(key[:-1]):
            canon = t.canonical[key[:-1]] + "+"
        if canon is None:
            unknown.append(part)
            out.append(part)
            continue
        out.append(canon)
    has_operator = any(p.upper() in ("AND", "OR", "WITH") for p in parts)
    if unknown and {u.lower() for u in unknown} <= _LATER_WORDS:
        return None  # "GPL-2.0 or later": a name with a qualifier, read as a name
    if unknown:
        if any(u.lower().startswith("licenseref-") for u in unknown) or (
            len(unknown) == 1 and len(out) > 2 and has_operator
        ):
            return _review(text, "spdx-expression", f"unknown license id(s): {', '.join(unknown)}")
        return None
    try:
        parsed = licensing.parse("".join(out), validate=False, strict=True)
    except Exception as exc:
        if not has_operator and _NAME_WITH_ABBREVIATION.fullmatch(s):
            return None  # "ISC License (ISC)": a name with its abbreviation, not an expression
        return _review(text, "spdx-expression", f"not a valid SPDX expression: {exc}")
    if parsed is None:
        return _review(text, "spdx-expression", "empty SPDX expression")
    expr = str(parsed)
    keys = {sym.key for sym in licensing.license_symbols(parsed)}
    if keys & t.review_ids:
        return _review(text, "spdx-expression", f"names a license family without version: "
                       f"{_describe(keys & t.review_ids)}", expr, 0.3)
    note = "" if expr == s else f" (from {s!r})"
    return _result(text, expr, False, 1.0, "spdx-expression", f"valid SPDX expression{note}")


# Port codes that are also common words: never read as a jurisdiction on their own.
_PORT_WORDS = {"in", "it", "no", "my", "be", "at", "us", "is", "to", "do", "so", "me", "an"}
_LATER_WORDS = {"later", "any", "newer", "version", "above"}
_NAME_WITH_ABBREVIATION = re.compile(r"[^()]+\([^()]+\)\s*")

_UNCLEAR = {
    "port": "a Creative Commons port without SPDX id",
    "family": "a license family without version",
    "ambiguous": "ambiguous",
}


def _names(text: str, s: str, t: Tables) -> NormalizationResult:
    url_ids: set[str] = set()
    for url in URL_IN_TEXT.findall(s):
        lid = url_license(url, t)
        if lid:
            url_ids.add(lid)
    unread = unknown_license_urls(s, t)
    bare = URL_IN_TEXT.sub(" ", s)
    tokens = tokenize(bare, t)
    if unread and url_ids | {i for m in scan(tokens, t) for i in m.ids}:
        return _review(text, "name", f"links {unread[0]}, a license document the register does "
                       f"not know, beside {_describe(url_ids) if url_ids else 'a license name'}",
                       None, 0.3)
    whole = spdx_name_ids(tokens, t) if not url_ids and _names_enough(s, tokens) else set()
    if whole:
        return _spdx_name(text, s, whole, t)
    tokens = tokenize(mask_institutions(bare, t), t)
    mentions = scan(tokens, t, url_ids)
    ids = {m.ids[0] for m in mentions if m.kind == "license"} | url_ids
    unclear = [m for m in mentions if m.kind != "license"]
    if not ids and not unclear:
        return _review(text, "name", "no known license named")
    if unclear:
        what = "; ".join(
            f"{m.label!r} is {_UNCLEAR[m.kind]}"
            + (f" (e.g. {_describe(m.ids[:3])})" if m.kind != "port" else "")
            for m in unclear[:3]
        )
        single = next(iter(ids)) if len(ids) == 1 else None
        return _review(text, "name", what, single, 0.3)
    if len(ids) > 1:
        choice = joined_choice(s, ids, tokens, mentions, t, lambda part: _memo(part, t))
        if choice is not None:
            return _result(text, choice, False, 0.9, "name",
                           f"license names the user may choose among ({choice})")
        collapsed = {re.sub(r"-(only|or-later)$", "", i) for i in ids}
        return _review(text, "name", f"several licenses named: {_describe(ids)}"
                       + ("" if len(collapsed) > 1 else " (only/or-later differ)"), None, 0.3)
    lid = next(iter(ids))
    covered = {k for m in mentions for k in range(m.start, m.end)}
    residual = [tok for k, tok in enumerate(tokens) if k not in covered]
    partial = partial_name(s, tokens, mentions, lid, residual, t)
    if partial:
        return _review(text, "name", partial, lid, 0.3)
    own_tokens = t.id_tokens.get(lid, set())
    risky = sorted({tok for tok in residual if tok in t.risk_words and tok not in own_tokens})
    if lid in t.review_ids:
        return _review(text, "name", f"names a license family without version ({lid})", lid, 0.3)
    if lid in t.own_ids:
        return _review(text, "name", f"names {lid}, a license with no SPDX id or ScanCode key; "
                       "confirm the exact terms", lid, 0.5)
    if risky:
        return _review(text, "sentence", f"names {lid} but also says: {', '.join(risky[:8])}",
                       lid, 0.5)
    if len(tokens) > t.max_sentence_tokens:
        return _review(text, "sentence", f"prose of {len(tokens)} words naming {lid}", lid, 0.5)
    if lid in t.cc_ids:
        ports = sorted({tok for tok in residual if tok in t.ports and tok not in _PORT_WORDS})
        if ports:
            return _review(text, "name", f"names {lid} next to the jurisdiction(s) "
                           f"{', '.join(ports)}: possibly a Creative Commons port", lid, 0.4)
        if residual and not url_ids and not {"cc", "cczero"} & set(tokens):
            # "Attribution 2.0" without "Creative Commons"/"CC" is a CC deed title only when
            # nothing else is said ("Data licence Germany – attribution – version 2.0" is not).
            return _review(text, "name", f"names {lid} only by its elements, without "
                           f"'Creative Commons' or 'CC', beside other words: "
                           f"{', '.join(residual[:6])}", lid, 0.4)
    method = "name" if len(residual) <= 3 else "sentence"
    return _result(text, lid, False, 0.95 if method == "name" else 0.85, method,
                   f"license name {lid}" if method == "name" else f"sentence naming {lid}")


def _names_enough(s: str, tokens: list[str]) -> bool:
    """A one-word name ("Fair", "Ruby") names a license only when the text says "license"
    or is the SPDX id as written (lower-cased common words are no license names)."""
    if len(tokens) > 1 or not tokens or not tokens[0].isalpha():
        return True
    return bool(re.search(r"(?i)licen[cs]e|lizenz", s)) or s in tables().spdx_full_name


def _spdx_name(text: str, s: str, ids: set[str], t: Tables) -> NormalizationResult:
    """The whole text is the full name (or id) of a license on the SPDX license list."""
    if len(ids) > 1:
        return _review(text, "name", f"the full name of several SPDX licenses: {_describe(ids)}",
                       None, 0.3)
    sid = next(iter(ids))
    lid = t.canonical.get(sid.lower())
    if lid is None:
        return _review(text, "name", f"names {sid} ({t.spdx_full_name.get(sid, '')}), which is "
                       "on the SPDX license list but unknown to license-expression and the "
                       "knowledge base")
    if lid in t.review_ids:
        return _review(text, "name", f"names a license family without version ({lid})", lid, 0.3)
    if lid in t.own_ids:
        return _review(text, "name", f"names {lid}, a license with no SPDX id or ScanCode key; "
                       "confirm the exact terms", lid, 0.5)
    return _result(text, lid, False, 0.95, "name", f"full name of SPDX license {lid}")


# --------------------------------------------------------------------------- cards


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        out: list[str] = []
        for v in value:
            out.extend(_as_list(v))
        return out
    if isinstance(value, dict):
        return _as_list(list(value.values()))
    return [str(value)]


def _evidence_ids(
    text: str, t: Tables, declared: set[str] = frozenset()  # type: ignore[assignment]
) -> tuple[set[str], list[str]]:
    """Licenses a piece of evidence names: (resolved ids, unresolved descriptions)."""
    res = _safe(text, t)
    if res.method in ("empty", "placeholder"):
        return set(), []
    if res.expression and not res.needs_review:
        syms = spdx_licensing().license_symbols(spdx_licensing().parse(res.expression))
        return {s.key for s in syms}, []
    s = _CONTROL.sub(" ", text[:MAX_TEXT_CHARS]).replace("\\n", "\n")
    ids: set[str] = set()
    unresolved: list[str] = []
    for url in URL_IN_TEXT.findall(s):
        lid = url_license(url, t)
        if lid:
            ids.add(lid)
    unresolved.extend(f"{u!r} (a license document not known)"
                      for u in unknown_license_urls(s, t))
    tokens = tokenize(mask_institutions(URL_IN_TEXT.sub(" ", s), t), t)
    mentions = scan(tokens, t, ids | declared)
    covered = {k for m in mentions for k in range(m.start, m.end)}
    for m in mentions:
        if m.kind == "family" and declared & set(m.ids):
            continue  # the declared license's family without version: consistent
        longer = longer_spdx_name(tokens, m.start, m.end, m.ids[0], t, covered) \
            if m.kind == "license" else None
        if longer is not None:
            lid = t.canonical.get(longer.lower())
            if lid is not None:
                ids.add(lid)
            else:
                unresolved.append(f"{m.label!r} beside words of {longer} "
                                  f"({t.spdx_full_name.get(longer, '')})")
        elif m.kind == "license":
            ids.add(m.ids[0])
        elif m.kind == "port":
            unresolved.append(f"{m.label!r} (a Creative Commons port)")
        else:
            unresolved.append(f"{m.label!r} (license family {_describe(m.ids[:3])})")
    flat = f" {' '.join(re.sub(r'[^a-z0-9]+', ' ', s.lower()).split())} "
    if not ids and not unresolved and len(s) < 120 and re.search(
        r"(?i)\b(licen[cs]e|agreement|terms of use)\b", s
    ) and not URL_IN_TEXT.fullmatch(s.strip()) and not any(
        f" {p} " in flat for p in t.choice_phrases
    ):
        unresolved.append(f"{s.strip()!r} (a license name not recognized)")
    return ids, unresolved


def _family_of(lid: str) -> str:
    return re.sub(r"-(only|or-later)$", "", lid)


def normalize_card_license(
    raw: Mapping[str, Any], *, kb: KnowledgeBase | None = None,
) -> NormalizationResult:
    """Normalize a card's raw license fields (SPEC section 3); never raises.

    ``raw`` keys: ``license`` (Hub id or list), ``licenses`` (legacy list), ``license_name``,
    ``license_link``, ``license_details``, ``infos_license`` (``dataset_infos.json`` text(s))
    and ``license_section`` (the card's licensing section).  ``kb`` as for :func:`normalize`.
    """
    try:
        return _card(raw if isinstance(raw, Mapping) else {}, tables_for(kb))
    except Exception as exc:
        return _review(repr(raw)[:200], "error", f"could not normalize ({type(exc).__name__})")


def _card(raw: Mapping[str, Any], t: Tables) -> NormalizationResult:
    current = [x.strip() for x in _as_list(raw.get("license")) if x.strip()]
    legacy = [x.strip() for x in _as_list(raw.get("licenses")) if x.strip()]
    hub_ids = list(dict.fromkeys(current + legacy))
    name = " ".join(_as_list(raw.get("license_name"))).strip()
    link = " ".join(_as_list(raw.get("license_link"))).strip()
    details = " ".join(_as_list(raw.get("license_details"))).strip()
    infos = list(dict.fromkeys(x.strip() for x in _as_list(raw.get("infos_license")) if x.strip()))
    section = " ".join(_as_list(raw.get("license_section"))).strip()
    label = ", ".join(hub_ids) if hub_ids else "(no license in the YAML)"

    parts: list[str] = []
    problems: list[str] = []
    for hid in hub_ids:
        low = hid.lower()
        if low == "other" or low.startswith("other-") and len(low) <= 6:
            found: dict[str, str] = {}
            failed: list[str] = []
            for what, value in (("license_name", name), ("license_details", details),
                                ("license_link", link)):
                if value:
                    r = _safe(value, t)
                    if not r.needs_review and r.expression:
                        found[what] = r.expression
                    else:
                        failed.append(f"YAML 'other' with {what} {value[:80]!r}: {r.reason}")
            if len(set(found.values())) > 1:
                problems.append("YAML 'other' fields name different licenses: " + "; ".join(
                    f"{k} {v}" for k, v in found.items()))
            elif found:
                parts.append(next(iter(found.values())))
            else:
                problems.extend(failed)
            if not (name or details or link):
                problems.append("YAML 'other' without license_name or license_link")
            continue
        r = _safe(hid, t)
        if r.needs_review or not r.expression:
            problems.append(f"YAML {hid!r}: {r.reason}")
            if r.expression:
                parts.append(r.expression)
        else:
            parts.append(r.expression)
    if not hub_ids and (name or link):
        for what, value in (("license_name", name), ("license_link", link)):
            if value:
                r = _safe(value, t)
                if not r.needs_review and r.expression:
                    parts.append(r.expression)
                    break
                problems.append(f"{what} {value[:80]!r}: {r.reason}")
    if not hub_ids and not parts and not problems:
        problems.append("no license in the YAML")
    if not any("control or bidirectional" in p for p in problems):
        problems.extend(
            f"YAML {key!r} holds control or bidirectional characters (U+{ord(m.group()):04X})"
            for key in ("license", "licenses", "license_name", "license_link",
                        "license_details")
            for value in _as_list(raw.get(key)) if (m := _UNSAFE.search(value)))
    if current and legacy and {x.lower() for x in current} != {x.lower() for x in legacy}:
        problems.append(f"YAML 'license' {', '.join(current)} and legacy 'licenses' "
                        f"{', '.join(legacy)} differ")

    parts = list(dict.fromkeys(parts))
    flat_prose = " ".join(re.sub(r"[^a-z0-9]+", " ", x.lower()) for x in [section, *infos])
    choose = len(parts) > 1 and any(f" {p} " in f" {flat_prose} " for p in t.choice_phrases)
    joiner = " OR " if choose else " AND "
    expression: str | None = None
    if parts:
        joined = joiner.join(f"({p})" if " " in p else p for p in parts)
        expression = _safe(joined, t).expression or joined

    # Evidence: dataset_infos.json texts and the licensing section.
    declared = set()
    if expression:
        lic = spdx_licensing()
        declared = {sym.key for sym in lic.license_symbols(lic.parse(expression))}
    declared_fam = {_family_of(x) for x in declared}
    disagree: list[str] = []
    candidates: list[str] = []
    variants: list[str] = []  # the other GNU variant the prose says
    sources = [(f"dataset_infos.json {x[:60]!r}", x) for x in infos]
    if section:
        sources.append(("licensing section", section))
    for where, text in sources:
        ids, unresolved = _evidence_ids(text, t, declared)
        if ids:
            candidates.append(f"{where}: {_describe(ids)}")
        candidates.extend(f"{where}: {u}" for u in unresolved)
        if not declared and not hub_ids:
            continue
        flat = f" {' '.join(re.sub(r'[^a-z0-9]+', ' ', text.lower()).split())} "
        for phrase in t.marker_exemptions:
            flat = flat.replace(f" {phrase} ", " ")
        for kind, markers in t.restriction_markers.items():
            said = [m for m in markers if f" {m} " in flat]
            if said and declared and not declared <= t.restricted_ids.get(kind, set()):
                unresolved.append(f"states {kind.replace('_', ' ')} terms ({said[0]!r}) "
                                  f"that {_describe(declared)} does not")
        scope = scope_change(flat, declared, t)
        if scope:
            unresolved.append(scope[0])
            candidates.append(f"{where}: {scope[1]}")
            variants.append(f"{where}: {scope[1]}")
        unresolved.extend(added_conditions(flat, t))
        fams = {_family_of(x) for x in ids}
        if fams - declared_fam or unresolved:
            if ids:
                disagree.append(f"{where} names {_describe(ids)}"
                                + (f" ({'; '.join(unresolved)})" if unresolved else ""))
            else:
                disagree.append(f"{where} {'; '.join(unresolved)}")

    if problems or not expression:
        reason = "; ".join(problems) if problems else "no license could be determined"
        if candidates:
            reason += "; candidates: " + "; ".join(candidates)
        return _review(label, "card", reason, expression, 0.3 if expression else 0.0)
    if disagree:
        also = f"; candidates: YAML: {expression}; {'; '.join(variants)}" if variants else ""
        return _review(label, "card", f"YAML says {expression}, but " + "; ".join(disagree)
                       + also, expression, 0.4)
    how = "user may choose (OR)" if choose else "all apply (AND)" if len(parts) > 1 else ""
    return _result(label, expression, False, 1.0, "hub-id",
                   f"Hub license id(s) {label} → {expression}" + (f"; {how}" if how else ""))
