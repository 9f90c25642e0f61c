"""Findings that keep a license answer in review (SPEC section 3: never confidently wrong).

Pure functions over the tables of :mod:`register.licenses.tables`, used by
:mod:`register.licenses.normalize`: a license name that is only part of what the text names
(:func:`partial_name`), licensing prose that widens or narrows the declared GNU grant
(:func:`scope_change`) and prose that adds conditions no license id carries
(:func:`added_conditions`).  Each returns the reason for review, or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from register.licenses.tables import Tables, longer_spdx_name

__all__ = ["partial_name", "scope_change", "added_conditions"]

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
    if residual and _ID_SHAPED.fullmatch(s):
        return f"{s!r} is not a known license id (it starts like {lid})"
    return None


_VERSION_TOKEN = re.compile(r"\d+(?:\.\d+)+")


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
