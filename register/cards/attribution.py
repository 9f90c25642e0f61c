"""What a dataset card says about crediting it: homepage, citation, creators, copyright lines.

Read from the card body (the Hugging Face template's ``- **Homepage:** ...`` line, its
``Citation Information`` code block and ``Dataset Curators`` section, ``Copyright ...``
lines) at parse time and kept in the dataset's metadata as ``attribution`` (only the keys
found).  Placeholders ("More Information Needed") are dropped.  The NOTICE renderer
(:mod:`register.render.notice`) reads it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["read_attribution", "bibtex_authors"]

_LIMIT = 200_000  # characters of the body read
_PLACEHOLDER = re.compile(r"more information needed|needs more information|\[more info",
                          re.IGNORECASE)
_HOMEPAGE = re.compile(r"^\s*[-*]\s*\*\*Homepage:?\*\*:?\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_URL = re.compile(r"https?://[^\s)\]>\"']+")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_COPYRIGHT = re.compile(r"^[ \t>*-]*((?:Copyright|\(c\)|©)[ \t]*(?:\(c\)|©)?[ \t]*"
                        r"(?:\d{4}[^\n]{0,150}))$", re.IGNORECASE | re.MULTILINE)
_AUTHOR = re.compile(r"\bauthor\s*=\s*([{\"])", re.IGNORECASE)


def _section(body: str, low: str, words: tuple[str, ...]) -> str | None:
    """The text under the first ATX heading naming one of ``words`` (to the next heading of
    its level or above).  Candidates are found with ``str.find`` on the lower-cased body
    (much faster than a line regex over the whole card)."""
    best: tuple[int, int, int] | None = None  # (line start, level, line end)
    for word in words:
        pos = low.find(word)
        while pos >= 0:
            line_start = low.rfind("\n", 0, pos) + 1
            line_end = low.find("\n", pos)
            line_end = len(low) if line_end < 0 else line_end
            m = _HEADING.match(body, line_start, line_end)
            if m and (best is None or line_start < best[0]):
                best = (line_start, len(m.group(1)), line_end)
                break
            pos = low.find(word, line_end)
    if best is None:
        return None
    _, level, line_end = best
    end = len(body)
    for n in _HEADING.finditer(body, line_end):
        if len(n.group(1)) <= level:
            end = n.start()
            break
    return body[line_end:end].strip()


def _meaningful(text: str | None, limit: int) -> str | None:
    if not text:
        return None
    text = text.strip()
    if not text or _PLACEHOLDER.search(text[:200]):
        return None
    return text[:limit]


def _citation(section: str | None) -> str | None:
    """The first fenced code block of the citation section (BibTeX, usually), else its text."""
    if not section:
        return None
    m = re.search(r"(```|~~~)[^\n]*\n(.*?)\1", section, re.DOTALL)
    text = m.group(2) if m else section
    return _meaningful(text, 4000)


def bibtex_authors(citation: str) -> list[str]:
    """The names in the first ``author = {...}`` (or ``"..."``) field of a BibTeX entry,
    braces removed, split on ``and``."""
    m = _AUTHOR.search(citation)
    if not m:
        return []
    close = "}" if m.group(1) == "{" else '"'
    depth, i, start = 1, m.end(), m.end()
    while i < len(citation) and depth:
        ch = citation[i]
        if close == "}" and ch == "{":
            depth += 1
        elif ch == close:
            depth -= 1
        i += 1
    raw = citation[start:i - 1]
    flat = re.sub(r"\s+", " ", raw.replace("{", "").replace("}", "")).strip()
    names = [n.strip(" ,") for n in re.split(r"\s+and\s+", flat) if n.strip(" ,")]
    return names[:50]


def read_attribution(body: str) -> dict[str, Any]:
    """``{"homepage", "citation", "authors", "curators", "copyright"}``: the keys found."""
    body = body[:_LIMIT]
    low = body.lower()
    if len(low) != len(body):  # (a character whose lower case is longer: U+0130)
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in body)
    out: dict[str, Any] = {}
    at = low.find("**homepage")
    m = _HOMEPAGE.search(body, low.rfind("\n", 0, at) + 1) if at >= 0 else None
    if m and not _PLACEHOLDER.search(m.group(1)):
        url = _URL.search(m.group(1))
        if url:
            out["homepage"] = url.group(0).rstrip(".,;")
    citation = _citation(_section(body, low, ("citation",)))
    if citation:
        out["citation"] = citation
        authors = bibtex_authors(citation)
        if authors:
            out["authors"] = authors
    curators = _meaningful(_section(body, low, ("curators", "authors")), 600)
    if curators:
        out["curators"] = curators
    lines: list[str] = []
    if "copyright" in low or "©" in body or "(c)" in low:
        lines = list(dict.fromkeys(c.group(1).strip() for c in _COPYRIGHT.finditer(body)))
    if lines:
        out["copyright"] = lines[:5]
    return out
