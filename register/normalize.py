"""License normalization: free text and Hub card fields to SPDX expressions (SPEC section 3).

The rules are conservative: anything not determined with confidence comes back with
``needs_review`` true and a reason, never an exception.  ``license-expression`` parses and
validates expressions, upgrades deprecated ids and knows the ScanCode ``LicenseRef``s; the
hand-written knowledge (Hub ids, name variants, URLs, full-text phrases) is data in the
licenses directory (per-license ``aliases`` and ``aliases.yaml``).

Order of the checks for one text: empty/placeholder, exact id (Hub id, SPDX id, knowledge-base
id), ``other-<name>`` Hub values, URL, SPDX expression, full license text, then names found
in the text (a whole name, or a short sentence naming one license).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from register.kb import KnowledgeBase, builtin_dir, default_kb

__all__ = ["NormalizationResult", "normalize", "normalize_card_license", "MAX_TEXT_CHARS"]

# Texts are examined up to this many characters; longer ones always need review.
MAX_TEXT_CHARS = 20_000
_CACHE_MAX_CHARS = 4_096


@dataclass(frozen=True)
class NormalizationResult:
    """The outcome of normalizing one text (the SPEC section 3 JSON object)."""

    input: str
    expression: str | None
    needs_review: bool
    confidence: float
    method: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "expression": self.expression,
            "needs_review": self.needs_review,
            "confidence": self.confidence,
            "method": self.method,
            "reason": self.reason,
        }


# --------------------------------------------------------------------------- tables


@dataclass
class _Tables:
    exact: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower -> (id, method)
    canonical: dict[str, str] = field(default_factory=dict)  # lower id/alias -> canonical id
    kb_ids: set[str] = field(default_factory=set)
    own_ids: set[str] = field(default_factory=set)  # ids license-expression does not know
    review_ids: set[str] = field(default_factory=set)  # family entries: always review
    cc_ids: set[str] = field(default_factory=set)
    names: dict[tuple[str, ...], str] = field(default_factory=dict)
    ambiguous_names: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    families: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    vocab: set[str] = field(default_factory=set)
    id_tokens: dict[str, set[str]] = field(default_factory=dict)
    family_of: dict[str, str] = field(default_factory=dict)  # id -> knowledge-base family
    not_families: set[tuple[str, ...]] = field(default_factory=set)
    generic_ids: set[str] = field(default_factory=set)
    max_window: int = 1
    placeholders: set[str] = field(default_factory=set)
    phrases: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    stopwords: set[str] = field(default_factory=set)
    ports: set[str] = field(default_factory=set)
    risk_words: set[str] = field(default_factory=set)
    max_sentence_tokens: int = 40
    choice_phrases: list[str] = field(default_factory=list)
    id_url_prefixes: list[str] = field(default_factory=list)
    restriction_markers: dict[str, list[str]] = field(default_factory=dict)
    restricted_ids: dict[str, set[str]] = field(default_factory=dict)  # marker kind -> ids
    full_texts: list[dict[str, Any]] = field(default_factory=list)


@lru_cache(maxsize=1)
def _spdx_licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


_VERSION = re.compile(r"^\d+(?:\.\d+)+$")
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)*|©")


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    left = r"(?<![a-z0-9])" if phrase[:1].isalnum() else ""
    right = r"(?![a-z0-9])" if phrase[-1:].isalnum() else ""
    return re.compile(left + re.escape(phrase) + right)


def _tokens(text: str, t: _Tables) -> list[str]:
    """Canonical tokens of a text: phrase synonyms, versions as N.M, filler dropped."""
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"(?<![\d.])(\d)\s?[-_]\s?(\d)(?![\d])", r"\1.\2", s)  # 4-0 -> 4.0
    for pattern, repl in t.phrases:
        s = pattern.sub(f" {repl} ", s)
    raw = _TOKEN.findall(s)
    out: list[str] = []
    for i, tok in enumerate(raw):
        if tok.isdigit() and len(tok) == 1:
            tok += ".0"
        elif (
            tok.endswith("v") and len(tok) > 1 and tok[:-1] in t.vocab
            and i + 1 < len(raw) and raw[i + 1][:1].isdigit()
        ):
            tok = tok[:-1]  # gplv3 -> gpl 3
        if tok in t.stopwords:
            continue
        out.append(tok)
    return out


def _norm_url(url: str) -> str:
    u = url.strip().lower()
    u = re.sub(r"^[a-z]+://", "", u)
    u = re.sub(r"^www\.", "", u)
    u = re.split(r"[?#]", u, maxsplit=1)[0]
    u = u.rstrip("/.")
    for _ in range(3):
        before = u
        u = re.sub(r"/(legalcode|deed)(\.[a-z_-]+)?$", "", u)
        u = re.sub(r"/index\.(html?|php)$", "", u)
        u = re.sub(r"(\.[a-z]{2}(_[a-z]{2})?)?\.(html?|txt|md|php|pdf)$", "", u)
        u = u.rstrip("/")
        if u == before:
            break
    return u


_CC_URL = re.compile(
    r"^creativecommons\.org/licenses/([a-z]+(?:-[a-z]+)*)/(\d+\.\d+)(?:/([a-z]+))?$"
)


def _url_id(url: str, t: _Tables) -> str | None:
    """The license a URL points to: listed URLs, then Creative Commons deed/legalcode paths
    (``/licenses/by-nc-sa/2.1/jp/`` is ``CC-BY-NC-SA-2.1-JP`` when SPDX has that id; a port
    without SPDX id is no answer), then license-id pages (``spdx.org/licenses/<id>``)."""
    u = _norm_url(url)
    hit = t.urls.get(u)
    if hit is not None:
        return hit
    m = _CC_URL.match(u)
    if m:
        code, version, port = m.groups()
        cand = f"cc-{code}-{version}" + (f"-{port}" if port else "")
        return t.canonical.get(cand)
    for prefix in t.id_url_prefixes:
        if u.startswith(prefix):
            rest = u[len(prefix):]
            if not rest or "/" in rest:
                return None
            for key in (rest, re.sub(r"(?<=\d)-(?=\d)", ".", rest)):
                exact = t.exact.get(key)
                if exact is not None:
                    return exact[0]
            return None
    return None


def _load_alias_table(directory: Path) -> dict[str, Any]:
    path = directory / "aliases.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


def _build_tables(kb: KnowledgeBase, alias_data: Mapping[str, Any]) -> _Tables:
    t = _Tables()
    t.placeholders = {str(p).strip().lower() for p in alias_data.get("placeholders") or ()}
    phrases = dict(alias_data.get("phrases") or {})
    ports: dict[str, list[str]] = dict(alias_data.get("cc_ports") or {})
    for code, names in ports.items():
        t.ports.add(str(code))
        for name in names or ():
            phrases[str(name)] = str(code)
    t.phrases = [
        (_phrase_pattern(str(k).lower()), str(v))
        for k, v in sorted(phrases.items(), key=lambda kv: -len(str(kv[0])))
    ]
    t.stopwords = {str(w) for w in alias_data.get("stopwords") or ()}
    t.risk_words = {str(w) for w in alias_data.get("risk_words") or ()}
    t.max_sentence_tokens = int(alias_data.get("max_sentence_tokens") or 40)
    t.choice_phrases = [str(p) for p in alias_data.get("choice_phrases") or ()]
    t.restriction_markers = {
        str(kind): [" ".join(re.sub(r"[^a-z0-9]+", " ", str(p).lower()).split()) for p in phrases]
        for kind, phrases in (alias_data.get("restriction_markers") or {}).items()
    }
    t.id_url_prefixes = [_norm_url(str(p)) + "/" for p in alias_data.get("id_url_prefixes") or ()]
    t.full_texts = [dict(x) for x in alias_data.get("full_texts") or ()]
    t.not_families = {
        tuple(sorted(str(w) for w in k)) for k in alias_data.get("not_families") or ()
    }
    t.generic_ids = {str(x) for x in alias_data.get("generic_ids") or ()}

    licensing = _spdx_licensing()
    known_lower: dict[str, str] = {}
    for key, sym in licensing.known_symbols.items():
        known_lower[key.lower()] = key
        for alias in getattr(sym, "aliases", ()) or ():
            known_lower.setdefault(str(alias).lower(), key)
    t.canonical.update(known_lower)
    for lower, key in known_lower.items():
        method = "licenseref" if key.startswith("LicenseRef-") else "spdx-id"
        t.exact[lower] = (key, method)

    # Knowledge-base entries win over the library's table (user licenses included).
    for terms in kb:
        lid = terms.id
        t.canonical[lid.lower()] = lid
        t.kb_ids.add(lid)
        t.exact[lid.lower()] = (lid, "spdx-id" if lid.lower() in known_lower else "licenseref")
        if lid.lower() not in known_lower:
            t.own_ids.add(lid)
        if terms.needs_review:
            t.review_ids.add(lid)
        t.family_of[lid] = terms.family
        if not terms.commercial_use:
            t.restricted_ids.setdefault("noncommercial", set()).add(lid)
        if terms.research_only or not terms.commercial_use:
            t.restricted_ids.setdefault("research_only", set()).add(lid)
        if terms.family == "creative-commons":
            t.cc_ids.add(lid)
        for hub in terms.hub_ids:
            t.exact[hub.strip().lower()] = (lid, "hub-id")
        for url in terms.urls:
            t.urls[_norm_url(url)] = lid
        for src in terms.sources:
            if not lid.startswith("LicenseRef-hf-"):
                t.urls.setdefault(_norm_url(src.url), lid)

    # Names need the vocabulary for the "gplv3" split, so tokenize twice.
    name_lists: list[tuple[str, list[str]]] = []
    for terms in kb:
        name_lists.append((terms.id, [terms.id, terms.name, *terms.names, *terms.hub_ids]))
    for _ in range(2):
        t.names.clear()
        t.ambiguous_names.clear()
        for lid, names in name_lists:
            for name in names:
                toks = _tokens(name, t)
                if not toks:
                    continue
                key = tuple(sorted(toks))
                other = t.names.get(key)
                if other is not None and other != lid:
                    t.ambiguous_names.setdefault(key, {other}).add(lid)
                t.names[key] = lid
        for key in t.ambiguous_names:
            t.names.pop(key, None)
        t.vocab = {tok for key in [*t.names, *t.ambiguous_names] for tok in key}
    for key, lid in t.names.items():
        t.id_tokens.setdefault(lid, set()).update(key)
    # A known name without its version is a family without version (needs review).
    for key, lid in list(t.names.items()):
        base = tuple(k for k in key if not _VERSION.match(k) and k not in ("only", "orlater"))
        if (
            base and base != key and base not in t.names and base not in t.ambiguous_names
            and base not in t.not_families
        ):
            t.families.setdefault(base, set()).add(lid)
    t.vocab |= {tok for key in t.families for tok in key}
    t.max_window = max((len(k) for k in [*t.names, *t.families]), default=1)
    return t


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _build_tables(default_kb(), _load_alias_table(builtin_dir()))


def reset_caches() -> None:
    """Forget the cached tables and results (after the knowledge base changed)."""
    _tables.cache_clear()
    _normalize_cached.cache_clear()


# --------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class _Mention:
    kind: str  # "license" | "family" | "port" | "ambiguous"
    ids: tuple[str, ...]
    label: str
    start: int
    end: int


def _scan(tokens: list[str], t: _Tables, extra: Iterable[str] = ()) -> list[_Mention]:
    """Longest license-name mentions, left to right, over runs of vocabulary tokens."""
    found: list[_Mention] = []
    n = len(tokens)
    i = 0
    while i < n:
        if tokens[i] not in t.vocab:
            i += 1
            continue
        run_end = i
        while run_end < n and tokens[run_end] in t.vocab and run_end - i < t.max_window:
            run_end += 1
        hit: _Mention | None = None
        for size in range(run_end - i, 0, -1):
            key = tuple(sorted(tokens[i : i + size]))
            label = " ".join(tokens[i : i + size])
            if key in t.names:
                hit = _Mention("license", (t.names[key],), label, i, i + size)
            elif key in t.ambiguous_names:
                ids = tuple(sorted(t.ambiguous_names[key]))
                hit = _Mention("ambiguous", ids, label, i, i + size)
            elif key in t.families:
                hit = _Mention("family", tuple(sorted(t.families[key])), label, i, i + size)
            if hit:
                break
        if hit is None:
            i += 1
            continue
        end = hit.end
        if hit.kind == "license" and end < n and tokens[end] in ("orlater", "only"):
            sibling = _variant(hit.ids[0], tokens[end], t)
            if sibling is not None:
                hit = _Mention("license", (sibling,), f"{hit.label} {tokens[end]}", hit.start,
                               end + 1)
                end = hit.end
        if hit.kind == "license" and hit.ids[0] in t.cc_ids and end < n and tokens[end] in t.ports:
            hit = _Mention("port", hit.ids, f"{hit.label} {tokens[end]}", hit.start, end + 1)
        found.append(hit)
        i = hit.end
    return _absorb(found, t, extra)


def _variant(lid: str, qualifier: str, t: _Tables) -> str | None:
    """``GPL-3.0-only`` + "orlater" -> ``GPL-3.0-or-later`` (and back for "only"), if known."""
    base = re.sub(r"-(only|or-later)$", "", lid)
    if base == lid:
        return None
    cand = base + ("-or-later" if qualifier == "orlater" else "-only")
    return cand if cand.lower() in t.canonical else None


def _absorb(found: list[_Mention], t: _Tables, extra: Iterable[str] = ()) -> list[_Mention]:
    """Drop family-level mentions restated by a specific license of the same family."""
    specific = {
        i for i in [*(m.ids[0] for m in found if m.kind == "license"), *extra]
        if i not in t.review_ids and i not in t.generic_ids
    }
    if not specific:
        return found
    fams = {t.family_of.get(i, "") for i in specific} - {""}
    kept: list[_Mention] = []
    for m in found:
        if m.kind == "family" and specific & set(m.ids):
            continue
        if m.kind == "license" and m.ids[0] not in specific and (
            m.ids[0] in t.review_ids or m.ids[0] in t.generic_ids
        ) and t.family_of.get(m.ids[0], "") in fams:
            continue
        kept.append(m)
    return kept


_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s)\]>\"'<,]+", re.IGNORECASE)


def _flat(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _full_text(text: str, t: _Tables) -> str | None:
    flat = _flat(text)
    for spec in t.full_texts:
        if len(text) > int(spec.get("max_chars") or 5000):
            continue
        if all(_flat(p) in flat for p in spec.get("all") or ()) and not any(
            _flat(p) in flat for p in spec.get("none") or ()
        ):
            return str(spec["id"])
    return None


# --------------------------------------------------------------------------- normalize


def _result(
    text: str, expression: str | None, review: bool, confidence: float, method: str, reason: str
) -> NormalizationResult:
    return NormalizationResult(text, expression, review, round(confidence, 2), method, reason)


def _review(text: str, method: str, reason: str, expression: str | None = None,
            confidence: float = 0.0) -> NormalizationResult:
    return _result(text, expression, True, confidence, method, reason)


def _describe(ids: Iterable[str]) -> str:
    return ", ".join(sorted(set(ids)))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_EXPR_CHARS = re.compile(r"[A-Za-z0-9.+\-() ]+")
_OPERATOR = re.compile(r"(?i)(?:^|[\s()])(and|or|with)(?:$|[\s()])")


def normalize(text: object) -> NormalizationResult:
    """Normalize one license text to an SPDX expression; never raises."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        if len(text) <= _CACHE_MAX_CHARS:
            return _normalize_cached(text)
        return _normalize(text)
    except Exception as exc:  # a bug must never turn into a silent answer
        return _review(text, "error", f"could not normalize ({type(exc).__name__}: {exc})")


@lru_cache(maxsize=65_536)
def _normalize_cached(text: str) -> NormalizationResult:
    return _normalize(text)


def _normalize(text: str) -> NormalizationResult:
    t = _tables()
    if len(text) > MAX_TEXT_CHARS:
        found = _scan(_tokens(text[:MAX_TEXT_CHARS], t), t)
        ids = {i for m in found for i in m.ids}
        hint = f"; licenses named in its first part: {_describe(ids)}" if ids else ""
        return _review(text, "too-long", f"text of {len(text)} characters is too long to "
                       f"normalize automatically{hint}")
    s = _CONTROL.sub(" ", text).replace("\\n", "\n").replace("\\t", "\t")
    s = s.strip().strip("`\"'").strip()
    if not s:
        return _review(text, "empty", "no license text given")
    low = " ".join(s.lower().split())
    if low in t.placeholders or low.strip("[]") in t.placeholders:
        return _review(text, "placeholder", f"{s!r} gives no license information")

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

    if low.startswith(("other-", "other:", "other ")) and len(low) > 6:
        return _other_value(text, s[6:], t)

    if re.fullmatch(r"(?:https?://|www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/)\S+", s,
                    flags=re.IGNORECASE):
        url_id = _url_id(s, t)
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
        full_id = _full_text(s, t)
        if full_id is not None:
            lid = full_id
            others = {
                i for m in _scan(_tokens(_URL_IN_TEXT.sub(" ", s), t), t) for i in m.ids
            } - {lid}
            others = {o for o in others if not _same_family(o, lid)}
            if others:
                return _review(text, "full-text", f"text of {lid} but also names "
                               f"{_describe(others)}", lid, 0.5)
            return _result(text, lid, False, 0.9, "full-text",
                           f"full text or standard notice of {lid}")

    return _names(text, s, t)


def _exact_case_ok(s: str, lid: str, method: str, t: _Tables) -> bool:
    """Plain-word SPDX ids outside the knowledge base (``Fair``, ``Ruby``) must match exactly."""
    if method != "spdx-id" or s == lid or lid in t.kb_ids:
        return True
    return bool(re.search(r"[\d.+-]", lid))


def _same_family(a: str, b: str) -> bool:
    def base(x: str) -> str:
        return re.sub(r"-(only|or-later)$", "", x)

    return base(a) == base(b)


def _other_value(text: str, name: str, t: _Tables) -> NormalizationResult:
    inner = _normalize_cached(name.replace("-", " ").replace("_", " ").strip()) \
        if len(name) < _CACHE_MAX_CHARS else _normalize(name)
    if not inner.needs_review and inner.expression:
        return _result(text, inner.expression, False, min(inner.confidence, 0.9), inner.method,
                       f"Hub 'other' value naming {inner.expression}")
    return _review(text, inner.method, f"Hub 'other' value {name!r}: {inner.reason}",
                   inner.expression, min(inner.confidence, 0.4))


def _expression(text: str, s: str, t: _Tables) -> NormalizationResult | None:
    """An SPDX expression; ``None`` when its words are not license ids (then it is prose)."""
    licensing = _spdx_licensing()
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


def _names(text: str, s: str, t: _Tables) -> NormalizationResult:
    url_ids: set[str] = set()
    for url in _URL_IN_TEXT.findall(s):
        lid = _url_id(url, t)
        if lid:
            url_ids.add(lid)
    tokens = _tokens(_URL_IN_TEXT.sub(" ", s), t)
    mentions = _scan(tokens, t, url_ids)
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
        collapsed = {re.sub(r"-(only|or-later)$", "", i) for i in ids}
        return _review(text, "name", f"several licenses named: {_describe(ids)}"
                       + ("" if len(collapsed) > 1 else " (only/or-later differ)"), None, 0.3)
    lid = next(iter(ids))
    covered = {k for m in mentions for k in range(m.start, m.end)}
    residual = [tok for k, tok in enumerate(tokens) if k not in covered]
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
    text: str, t: _Tables, declared: set[str] = frozenset()  # type: ignore[assignment]
) -> tuple[set[str], list[str]]:
    """Licenses a piece of evidence names: (resolved ids, unresolved descriptions)."""
    res = normalize(text)
    if res.method in ("empty", "placeholder"):
        return set(), []
    if res.expression and not res.needs_review:
        syms = _spdx_licensing().license_symbols(_spdx_licensing().parse(res.expression))
        return {s.key for s in syms}, []
    s = _CONTROL.sub(" ", text[:MAX_TEXT_CHARS]).replace("\\n", "\n")
    ids: set[str] = set()
    unresolved: list[str] = []
    for url in _URL_IN_TEXT.findall(s):
        lid = _url_id(url, t)
        if lid:
            ids.add(lid)
    for m in _scan(_tokens(_URL_IN_TEXT.sub(" ", s), t), t, ids | declared):
        if m.kind == "family" and declared & set(m.ids):
            continue  # the declared license's family without version: consistent
        if m.kind == "license":
            ids.add(m.ids[0])
        elif m.kind == "port":
            unresolved.append(f"{m.label!r} (a Creative Commons port)")
        else:
            unresolved.append(f"{m.label!r} (license family {_describe(m.ids[:3])})")
    flat = f" {' '.join(re.sub(r'[^a-z0-9]+', ' ', s.lower()).split())} "
    if not ids and not unresolved and len(s) < 120 and re.search(
        r"(?i)\b(licen[cs]e|agreement|terms of use)\b", s
    ) and not _URL_IN_TEXT.fullmatch(s.strip()) and not any(
        f" {p} " in flat for p in t.choice_phrases
    ):
        unresolved.append(f"{s.strip()!r} (a license name not recognized)")
    return ids, unresolved


def _family_of(lid: str) -> str:
    return re.sub(r"-(only|or-later)$", "", lid)


def normalize_card_license(raw: Mapping[str, Any]) -> NormalizationResult:
    """Normalize a card's raw license fields (SPEC section 3); never raises.

    ``raw`` keys: ``license`` (Hub id or list), ``licenses`` (legacy list), ``license_name``,
    ``license_link``, ``license_details``, ``infos_license`` (``dataset_infos.json`` text(s))
    and ``license_section`` (the card's licensing section).
    """
    try:
        return _card(raw if isinstance(raw, Mapping) else {})
    except Exception as exc:
        return _review(repr(raw)[:200], "error", f"could not normalize ({type(exc).__name__})")


def _card(raw: Mapping[str, Any]) -> NormalizationResult:
    t = _tables()
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
                    r = normalize(value)
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
        r = normalize(hid)
        if r.needs_review or not r.expression:
            problems.append(f"YAML {hid!r}: {r.reason}")
            if r.expression:
                parts.append(r.expression)
        else:
            parts.append(r.expression)
    if not hub_ids and (name or link):
        for what, value in (("license_name", name), ("license_link", link)):
            if value:
                r = normalize(value)
                if not r.needs_review and r.expression:
                    parts.append(r.expression)
                    break
                problems.append(f"{what} {value[:80]!r}: {r.reason}")
    if not hub_ids and not parts and not problems:
        problems.append("no license in the YAML")
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
        expression = normalize(joined).expression or joined

    # Evidence: dataset_infos.json texts and the licensing section.
    declared = set()
    if expression:
        lic = _spdx_licensing()
        declared = {sym.key for sym in lic.license_symbols(lic.parse(expression))}
    declared_fam = {_family_of(x) for x in declared}
    disagree: list[str] = []
    candidates: list[str] = []
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
        for kind, markers in t.restriction_markers.items():
            said = [m for m in markers if f" {m} " in flat]
            if said and declared and not declared <= t.restricted_ids.get(kind, set()):
                unresolved.append(f"states {kind.replace('_', ' ')} terms ({said[0]!r}) "
                                  f"that {_describe(declared)} does not")
        fams = {_family_of(x) for x in ids}
        if fams - declared_fam or unresolved:
            disagree.append(f"{where} names {_describe(ids) or 'an unrecognized license'}"
                            + (f" ({'; '.join(unresolved)})" if unresolved else ""))

    if problems or not expression:
        reason = "; ".join(problems) if problems else "no license could be determined"
        if candidates:
            reason += "; candidates: " + "; ".join(candidates)
        return _review(label, "card", reason, expression, 0.3 if expression else 0.0)
    if disagree:
        return _review(label, "card", f"YAML says {expression}, but " + "; ".join(disagree),
                       expression, 0.4)
    how = "user may choose (OR)" if choose else "all apply (AND)" if len(parts) > 1 else ""
    return _result(label, expression, False, 1.0, "hub-id",
                   f"Hub license id(s) {label} → {expression}" + (f"; {how}" if how else ""))
