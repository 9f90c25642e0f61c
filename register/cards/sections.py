"""The Markdown side of a dataset card: its licensing and personal-data sections, and the
unconfirmed rights suggestions read from them and from the YAML metadata.

Pure functions over the card body and front matter, used by :mod:`register.cards.files`.
"""

from __future__ import annotations

import bisect
import functools
import re
import sys
from typing import Any

from register.check.facts import SENSITIVE_CATEGORIES

__all__ = ["card_sections", "license_section", "license_section_of", "suggest_rights"]

# --------------------------------------------------------------------------- card sections

_PLACEHOLDER = re.compile(
    r"^\W*(\[?(more information needed|needs more information|more info needed|n/?a|tbd|"
    r"todo|none|unknown|to be added|coming soon)\]?(\(https?://[^)]*\))?)?\W*$",
    re.IGNORECASE,
)


_HEAD_AT = re.compile(r"(#{1,6})[ \t]+([^\r\n]*)")
_HEAD_UPTO = {n: re.compile(rf"^#{{1,{n}}}[ \t]", re.MULTILINE) for n in range(1, 7)}
_TITLE_WORDS = ("licen", "personal", "sensitive", "privacy")


def _fences(body: str) -> list[int]:
    """Start offsets of the lines that open or close a fenced code block."""
    out = []
    for mark in ("```", "~~~"):
        pos = body.find(mark)
        while pos >= 0:
            line_start = body.rfind("\n", 0, pos) + 1
            if pos - line_start <= 3 and not body[line_start:pos].strip():
                out.append(line_start)
            nl = body.find("\n", pos)
            if nl < 0:
                break
            pos = body.find(mark, nl)
    out.sort()
    return out


def _sections_reference(body: str) -> list[tuple[int, str, str]]:
    """(level, title, text) of the licensing and personal-data sections: Markdown ATX
    headings outside fenced code blocks; a section runs to the next heading of its level or
    above.  Candidate headings are found from their title words with str.find, which is
    several times faster than a line-by-line regex over the whole card.

    The reference implementation of :func:`card_sections`, used as such for the rare body whose
    lower-casing changes its length (U+0130): positions in ``low`` then drift from ``body``
    and the result depends on that drift, which the fast path does not reproduce."""
    low = body.lower()
    starts: set[int] = set()
    for word in _TITLE_WORDS:
        pos = low.find(word)
        while pos >= 0:
            line_start = low.rfind("\n", 0, pos) + 1
            if low.startswith("#", line_start):
                starts.add(line_start)
            nl = low.find("\n", pos)
            if nl < 0:
                break
            pos = low.find(word, nl)
    if not starts:
        return []
    fences = _fences(body) if ("```" in body or "~~~" in body) else []
    out = []
    for start in sorted(starts):
        m = _HEAD_AT.match(body, start)
        if m is None or bisect.bisect_right(fences, start) % 2 == 1:
            continue
        title = m.group(2).strip().rstrip("#").strip()
        level = len(m.group(1))
        end = len(body)
        nxt = _HEAD_UPTO[level].search(body, m.end())
        while nxt is not None:
            if bisect.bisect_right(fences, nxt.start()) % 2 == 0:
                end = nxt.start()
                break
            nxt = _HEAD_UPTO[level].search(body, nxt.end())
        out.append((level, title, body[m.end():end]))
    return out


_HEAD_UPTO_AT = {n: re.compile(rf"#{{1,{n}}}[ \t]") for n in range(1, 7)}
_TITLE_WORDS_B = tuple(word.encode("ascii") for word in _TITLE_WORDS)


def card_sections(body: str) -> list[tuple[int, str, str]]:
    """(level, title, text) of the licensing and personal-data sections: Markdown ATX
    headings outside fenced code blocks; a section runs to the next heading of its level or
    above.  Same result as :func:`_sections_reference`, with less work per card: title words
    are searched in ASCII-lowered UTF-8 when the body is not ASCII (Unicode lower-casing is
    slow), fence lines are only scanned as far as a position is asked about, and the end of
    a section is found from ``"\n#"`` with str.find instead of a line-anchored regex."""
    if body.isascii():
        starts = _candidate_lines(body.lower(), "#", "\n", _TITLE_WORDS)
    elif "\u0130" in body:  # the only character whose lower case is longer (see reference)
        return _sections_reference(body)
    else:
        raw = body.encode("utf-8", "surrogatepass")
        starts = _char_offsets(raw, _candidate_lines(raw.lower(), b"#", b"\n", _TITLE_WORDS_B))
    if not starts:
        return []
    fences = _Fences(body)
    out = []
    find = body.find
    for start in starts:
        m = _HEAD_AT.match(body, start)
        if m is None or fences.inside(start):
            continue
        title = m.group(2).strip().rstrip("#").strip()
        level = len(m.group(1))
        end = len(body)
        upto = _HEAD_UPTO_AT[level].match
        nl = find("\n#", m.end())
        while nl >= 0:
            pos = nl + 1
            if upto(body, pos) is not None and not fences.inside(pos):
                end = pos
                break
            nl = find("\n#", pos)
        out.append((level, title, body[m.end():end]))
    return out


def _candidate_lines(low: Any, hash_: Any, newline: Any, words: tuple[Any, ...]) -> list[int]:
    """Sorted offsets of the lines of ``low`` (str or bytes) that start with ``hash_`` and
    contain one of ``words``."""
    starts: set[int] = set()
    find = low.find
    rfind = low.rfind
    startswith = low.startswith
    for word in words:
        pos = find(word)
        while pos >= 0:
            line_start = rfind(newline, 0, pos) + 1
            if startswith(hash_, line_start):
                starts.add(line_start)
            nl = find(newline, pos)
            if nl < 0:
                break
            pos = find(word, nl)
    return sorted(starts)


def _char_offsets(raw: bytes, offsets: list[int]) -> list[int]:
    """The str offsets of the sorted line-start byte offsets ``offsets`` into ``raw`` (the
    UTF-8 of a str), decoding each stretch between two of them once."""
    out = []
    chars = prev = 0
    for b in offsets:
        chars += len(raw[prev:b].decode("utf-8", "surrogatepass"))
        out.append(chars)
        prev = b
    return out


class _Fences:
    """The fence lines of :func:`_fences`, scanned lazily: ``inside(pos)`` is
    ``bisect_right(_fences(body), pos) % 2 == 1`` but only scans the body up to ``pos``
    (a card's licensing section usually comes before its citation code block).

    ``next`` holds, per mark, the next occurrence not yet examined (-1: none left).  A fence
    line starting at or before ``pos`` has its mark within 3 characters of the line start,
    so an occurrence at ``found`` can only matter for ``pos >= found - 3`` (``horizon``):
    below it ``inside`` is a bisect with no scanning, which is the common case (a card
    without fences, or asked about positions before its first code block)."""

    __slots__ = ("body", "starts", "next", "horizon")

    _MARKS = ("```", "~~~")

    def __init__(self, body: str) -> None:
        self.body = body
        self.starts: list[int] = []
        self.next = [body.find(mark) for mark in self._MARKS]
        self.horizon = self._horizon()

    def _horizon(self) -> int:
        return min((found - 3 for found in self.next if found >= 0), default=sys.maxsize)

    def inside(self, pos: int) -> bool:
        if pos >= self.horizon:
            self._scan_to(pos)
        return bool(self.starts) and bisect.bisect_right(self.starts, pos) % 2 == 1

    def _scan_to(self, limit: int) -> None:
        body = self.body
        for i, mark in enumerate(self._MARKS):
            found = self.next[i]
            while 0 <= found <= limit + 3:
                line_start = body.rfind("\n", 0, found) + 1
                if found - line_start <= 3 and not body[line_start:found].strip():
                    bisect.insort(self.starts, line_start)
                nl = body.find("\n", found)
                found = -1 if nl < 0 else body.find(mark, nl)
            self.next[i] = found
        self.horizon = self._horizon()


def _meaningful(text: str) -> str | None:
    text = text.strip()
    if not text or _PLACEHOLDER.match(text):
        return None
    return text


_LICENSE_TITLE = re.compile(r"\blicen[cs](e|es|ing)\b", re.IGNORECASE)


def license_section(sections: list[tuple[int, str, str]]) -> str | None:
    for _level, title, text in sections:
        if _LICENSE_TITLE.search(title):
            found = _meaningful(text)
            if found is not None:
                return found
    return None


# --------------------------------------------------------------------------- rights prefill

_PERSONAL_TITLE = re.compile(r"personal|sensitive|privacy", re.IGNORECASE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_PERSONAL_MENTION = re.compile(
    r"\bpersonal(?:ly)?(?:\s+(?:and|or|&)\s+sensitive)?\s+(?:identifiable\s+)?"
    r"(?:information|data|details|info)\b|\bPII\b|\busernames?\b|\buser\s+names?\b|"
    r"\b(?:user|speaker|author)\s+ids?\b|\be-?mail\s+addresses\b|\bphone\s+numbers\b|"
    r"\breal\s+names\b|\bidentity\s+of\b|\btheir\s+voices?\b|\bimages\s+(?:of|containing)\s+"
    r"people\b|\bphotos?\s+of\s+people\b|\bfaces\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:no|not|none|never|without|nor|don't|doesn't|isn't|aren't|removed|anonymi[sz]ed)\b",
    re.IGNORECASE,
)
_NOT_ANONYMISED = re.compile(r"\bnot\s+(?:been\s+)?(?:anonymi[sz]ed|removed|obfuscated)\b",
                             re.IGNORECASE)
_HEDGE = re.compile(r"\b(?:might|may|could|can|probably|likely|possibl[ey])\b", re.IGNORECASE)

_SENSITIVE_PATTERNS: dict[str, re.Pattern[str]] = {
    "biometric": re.compile(r"\bbiometric|\bfingerprints?\b|\bfacial\b|\bfaces\b|\bvoices?\b|"
                            r"\biris\s+scans?\b", re.IGNORECASE),
    "health": re.compile(r"\bhealth\b|\bmedical\b|\bpatients?\b|\bclinical\b|\bdiagnos",
                         re.IGNORECASE),
    "genetic": re.compile(r"\bgenetic\b|\bgenom|\bDNA\b", re.IGNORECASE),
    "racial-ethnic": re.compile(r"\bracial\b|\bethnic|\brace\b", re.IGNORECASE),
    "political": re.compile(r"\bpolitical\s+(?:opinion|view|affiliation|belief|orientation)",
                            re.IGNORECASE),
    "religious": re.compile(r"\breligio(?:n|us)", re.IGNORECASE),
    "trade-union": re.compile(r"\btrade[- ]union|\bunion\s+membership", re.IGNORECASE),
    "sex-life": re.compile(r"\bsex(?:ual)?\s+(?:life|orientation)\b", re.IGNORECASE),
    "criminal": re.compile(r"\bcriminal\s+(?:record|conviction|offen[cs]e|histor)|"
                           r"\bconvictions\b", re.IGNORECASE),
    "children": re.compile(r"\bchildren\b|\bminors\b|\bkids\b|\bunder\s+(?:the\s+age\s+of\s+)?"
                           r"1[0-8]\b", re.IGNORECASE),
    "location": re.compile(r"\bgeo-?locat|\bgps\b|\blocation\s+data\b|\bhome\s+address|"
                           r"\bgeographic(?:al)?\s+coordinates\b", re.IGNORECASE),
    "confidential-business": re.compile(r"\bconfidential\b|\btrade\s+secrets?\b",
                                        re.IGNORECASE),
}
assert set(_SENSITIVE_PATTERNS) <= set(SENSITIVE_CATEGORIES)

_CONSENT_WORDS = re.compile(r"\b(?:agree|agreement|consent|accept|acknowledge)", re.IGNORECASE)
_REGION_SUBTAG = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{4})?[-_]([A-Za-z]{2})$")


def _snippet(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def suggest_rights(data: dict[str, Any], sections: list[tuple[int, str, str]],
                    ) -> dict[str, Any]:
    """Unconfirmed rights suggestions with their evidence.  Never a legal fact."""
    out: dict[str, Any] = {}
    positive: list[dict[str, str]] = []
    negative: list[dict[str, str]] = []
    sensitive: dict[str, list[dict[str, str]]] = {}
    for _level, title, text in sections:
        if not _PERSONAL_TITLE.search(title):
            continue
        content = _meaningful(text)
        if content is None:
            continue
        source = f"section '{title}'"
        for sentence in _SENTENCE_SPLIT.split(content):
            if not sentence.strip():
                continue
            negated = bool(_NEGATION.search(sentence)) and not _NOT_ANONYMISED.search(sentence)
            if _PERSONAL_MENTION.search(sentence):
                ev = {"source": source, "text": _snippet(sentence)}
                if not negated or (_HEDGE.search(sentence) and re.search(r"\bbut\b", sentence)):
                    positive.append(ev)
                elif re.search(r"\bpersonal\b", sentence, re.IGNORECASE):
                    negative.append(ev)
            if negated:
                continue
            for category, pattern in _SENSITIVE_PATTERNS.items():
                if pattern.search(sentence):
                    sensitive.setdefault(category, []).append(
                        {"source": source, "text": _snippet(sentence)})
    if positive:
        out["personal_data"] = _suggestion("yes", positive)
    elif negative:
        out["personal_data"] = _suggestion("no", negative)
    if sensitive:
        cats = [c for c in SENSITIVE_CATEGORIES if c in sensitive]
        evidence = [dict(ev, category=c) for c in cats for ev in sensitive[c][:3]]
        out["sensitive"] = _suggestion(cats, evidence)

    consent = _consent_evidence(data)
    if consent:
        out["consent_required"] = _suggestion(True, consent)

    languages, regions = _language_hints(data)
    if languages:
        out["languages"] = _suggestion(
            languages, [{"source": "YAML language", "text": ", ".join(languages)[:300]}])
    if regions:
        out["collected_in"] = _suggestion(
            sorted(regions), [{"source": "YAML language", "text": f"{tag} \u2192 {cc}"}
                              for cc, tag in sorted(regions.items())])
    return out


def _suggestion(value: Any, evidence: list[dict[str, str]]) -> dict[str, Any]:
    return {"value": value, "confirmed": False, "evidence": evidence}


def _consent_evidence(data: dict[str, Any]) -> list[dict[str, str]]:
    evidence: list[dict[str, str]] = []
    fields = data.get("extra_gated_fields")
    if isinstance(fields, dict):
        for label, kind in fields.items():
            text = f"{label}: {kind}" if not isinstance(kind, (dict, list)) else str(label)
            if _CONSENT_WORDS.search(str(label)):
                evidence.append({"source": "YAML extra_gated_fields", "text": _snippet(text)})
    elif isinstance(fields, list):
        for item in fields:
            if _CONSENT_WORDS.search(str(item)):
                evidence.append({"source": "YAML extra_gated_fields",
                                 "text": _snippet(str(item))})
    prompt = data.get("extra_gated_prompt")
    if evidence and isinstance(prompt, str) and _CONSENT_WORDS.search(prompt):
        evidence.append({"source": "YAML extra_gated_prompt", "text": _snippet(prompt)})
    return evidence


def _language_hints(data: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    raw = data.get("language", data.get("languages"))
    tags: list[str] = []
    _collect_tags(raw, tags, set())
    regions: dict[str, str] = {}
    for tag in tags:
        # the pattern needs a '-' or '_' separator: most tags ("en") are skipped without it
        m = _REGION_SUBTAG.match(tag.strip()) if "-" in tag or "_" in tag else None
        if m:
            cc = m.group(1).upper()
            if _is_country(cc):
                regions.setdefault(cc, tag)
    return tags, regions


def _collect_tags(value: Any, tags: list[str], seen: set[str]) -> None:
    """Append the distinct non-blank strings in ``value`` (nested lists and dict values) to
    ``tags`` in order.  A module-level function with a ``seen`` set: a recursive closure
    would leave a reference cycle per card for the garbage collector, and ``not in tags``
    is quadratic on long language lists."""
    if isinstance(value, str):
        if value not in seen and value.strip():
            seen.add(value)
            tags.append(value)
    elif isinstance(value, list):
        for v in value:
            if type(v) is str:  # the usual item, handled inline (same test as above)
                if v not in seen and v.strip():
                    seen.add(v)
                    tags.append(v)
            else:
                _collect_tags(v, tags, seen)
    elif isinstance(value, dict):
        for v in value.values():
            _collect_tags(v, tags, seen)


@functools.lru_cache(maxsize=1024)  # ISO 3166 is a fixed table; pycountry's get is slow
def _is_country(code: str) -> bool:
    try:
        import pycountry
    except ImportError:  # pragma: no cover - pycountry is a dependency
        return True
    return pycountry.countries.get(alpha_2=code) is not None


def license_section_of(body: str) -> str | None:
    """The licensing section of a card's Markdown body (None: none, or a placeholder)."""
    return license_section(card_sections(body))
