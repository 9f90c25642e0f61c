"""Findings that keep a license answer in review (SPEC section 3: never confidently wrong).

Pure functions over the tables of :mod:`register.licenses.tables`, used by
:mod:`register.licenses.normalize`: a license name that is only part of what the text names
(:func:`partial_name`), licensing prose that widens or narrows the declared GNU grant
(:func:`scope_change`) and prose that adds conditions no license id carries
(:func:`added_conditions`), each returning the reason for review or nothing; and names the
user may choose among (:func:`joined_choice`), returning the OR expression or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from register.licenses.expressions import spdx_licensing
from register.licenses.tables import URL_IN_TEXT, Tables, longer_spdx_name

__all__ = ["partial_name", "scope_change", "added_conditions", "joined_choice"]

_ID_SHAPED = re.compile(r"[A-Za-z][A-Za-z0-9.+]*(?:[-_][A-Za-z0-9.+]+)+")
def partial_name(s: str, tokens: list[str], mentions: Sequence[Any], lid: str,
                  residual: list[str], t: Tables) -> str | None:
    """Why a license name found in the text may be part of something else (or ``None``): a
    version the license does not have beside it, a word of a longer SPDX name beside it, or
    an id-shaped text with more than the id in it."""
    covered = {k for m in mentions for k in range(m.start, m.end)}
    for m in mentions:
        if m.kind != "license":
            continue
        beside = [tokens[k] for k in (m.start - 1, m.end)
                  if 0 <= k < len(tokens) and k not in covered]
        own = set(_VERSION_TOKEN.findall(m.ids[0]))
        versions = [tok for tok in beside if _VERSION_TOKEN.fullmatch(tok) and tok not in own]
        if versions:
            return (f"names {lid}, but version {versions[0]} beside it is not a version of "
                    "that license")
        longer = longer_spdx_name(tokens, m.start, m.end, m.ids[0], t, covered)
        if longer is not None:
            return (f"names {lid}, but the words beside it make the name of another license: "
                    f"{longer} ({t.spdx_full_name.get(longer, '')})")
    other = _other_spdx_name(s, tokens, covered, lid, t)
    if other is not None:
        return (f"names {lid}, but the other words name another license: {other} "
                f"({t.spdx_full_name.get(other, '')})")
    if residual and _ID_SHAPED.fullmatch(s):
        return f"{s!r} is not a known license id (it starts like {lid})"
    return None


_VERSION_TOKEN = re.compile(r"\d+(?:\.\d+)+")


def _other_spdx_name(s: str, tokens: list[str], covered: set[int], lid: str,
                     t: Tables) -> str | None:
    """An SPDX license (other than ``lid``) whose whole name or id is a run of the words no
    mention took ("MIT/*X11*"): the text names two licenses.  A one-word name counts only as
    the id written as such ("JSON"), not as a common word ("fair", "free")."""
    runs: list[list[str]] = [[]]
    for k, tok in enumerate(tokens):
        if k in covered:
            runs.append([])
        else:
            runs[-1].append(tok)
    for run in runs:
        for size in range(min(len(run), 6), 0, -1):
            for start in range(len(run) - size + 1):
                words = run[start:start + size]
                ids = t.spdx_names.get(tuple(sorted(words)), set())
                ids = {i for i in ids if i.lower() != lid.lower()
                       and t.canonical.get(i.lower(), i) != lid}
                if not ids:
                    continue
                if size == 1 and not any(re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", s)
                                         for i in ids):
                    continue
                return sorted(ids)[0]
    return None


def scope_change(flat: str, declared: set[str], t: Tables) -> tuple[str, str] | None:
    """(what the prose says, the other variant) when it widens a declared ``-only`` id to
    "or any later version" or narrows a declared ``-or-later`` id to one version."""
    for lid in sorted(declared):
        for suffix, kind, other in (("-only", "or_later", "-or-later"),
                                    ("-or-later", "only", "-only")):
            if not lid.endswith(suffix):
                continue
            sibling = lid[: -len(suffix)] + other
            said = [m for m in t.scope_markers.get(kind, ()) if f" {m} " in flat]
            if said and sibling.lower() in t.canonical:
                sibling = t.canonical[sibling.lower()]
                return (f"says {said[0]!r}, which makes the grant {sibling}, not {lid}",
                        sibling)
    return None




def added_conditions(flat: str, t: Tables) -> list[str]:
    """Conditions a licensing text adds (``condition_markers`` in ``aliases.yaml``); ``flat``
    is the text lower-cased, letters and digits only, with a space at each end."""
    out: list[str] = []
    for kind, markers in t.condition_markers.items():
        said = [m for m in markers if f" {m} " in flat]
        if said:
            out.append(f"adds {kind.replace('_', ' ')} conditions ({said[0]!r}) that no "
                       "license id carries")
    return out


_JOIN = re.compile(r"(?i)\s+(or|and)\s+")


def joined_choice(s: str, ids: set[str], tokens: list[str], mentions: Sequence[Any],
                  t: Tables, read: Callable[[str], Any]) -> str | None:
    """The OR expression of whole license names the user may choose among (or ``None``):
    joined by "or" ("MIT or Apache 2.0"), or by "and" after a phrase saying so ("Dual
    licensed under MIT and Apache 2.0").  The text says nothing but the names, the
    connective and words that tell no license apart; each part, read on its own by ``read``
    (normalize), names one license with confidence; no two parts are versions of one license
    ("GPLv2 or GPLv3" may mean "v2 or later").  A plain "and" ("MIT and CC BY 4.0": both, or
    one for the code and one for the data?), a slash, mixed connectives, a part needing
    review or other words give no answer."""
    if len(s) > 160 or URL_IN_TEXT.search(s):
        return None
    words = {w.lower() for w in _JOIN.findall(s)}
    parts = [p.strip(" ,;.") for p in _JOIN.split(s)[::2]]
    if len(words) != 1 or len(parts) != len(ids):
        return None
    flat = f" {' '.join(re.sub(r'[^a-z0-9]+', ' ', s.lower()).split())} "
    chosen = [p for p in t.choice_phrases if f" {p} " in flat]
    if words != {"or"} and not chosen:
        return None
    covered = {k for m in mentions for k in range(m.start, m.end)}
    said = {tok for k, tok in enumerate(tokens) if k not in covered}
    said -= {w for p in chosen for w in p.split()} | t.connectives
    bases = {re.sub(r"-\d[\d.]*|-(only|or-later)$", "", i) for i in ids}
    if said or len(bases) != len(ids):
        return None
    exprs: list[str] = []
    for part in parts:
        res = read(part)
        if res.needs_review or not res.expression or res.confidence < 0.95:
            return None
        exprs.append(str(res.expression))
    lic = spdx_licensing()
    found = {sym.key for e in exprs for sym in lic.license_symbols(lic.parse(e))}
    if found != ids or len(set(exprs)) != len(exprs):
        return None
    return str(lic.parse(" OR ".join(f"({e})" if " " in e else e for e in exprs)))
