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


def _section(body: str, words: tuple[str, ...]) -> str | None:
    """The text under the first heading naming one of ``words`` (to the next heading of its
    level or above)."""
    for m in _HEADING.finditer(body):
        title = m.group(2).lower()
        if any(w in title for w in words):
            level = len(m.group(1))
            end = len(body)
            for n in _HEADING.finditer(body, m.end()):
                if len(n.group(1)) <= level:
                    end = n.start()
                    break
            return body[m.end():end].strip()
    return None


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
    out: dict[str, Any] = {}
    m = _HOMEPAGE.search(body)
    if m and not _PLACEHOLDER.search(m.group(1)):
        url = _URL.search(m.group(1))
        if url:
            out["homepage"] = url.group(0).rstrip(".,;")
    citation = _citation(_section(body, ("citation",)))
    if citation:
        out["citation"] = citation
        authors = bibtex_authors(citation)
        if authors:
            out["authors"] = authors
    curators = _meaningful(_section(body, ("dataset curators", "curators", "authors")), 600)
    if curators:
        out["curators"] = curators
    lines = list(dict.fromkeys(c.group(1).strip() for c in _COPYRIGHT.finditer(body)))
    if lines:
        out["copyright"] = lines[:5]
    return out
