"""The one dataset-id rule, enforced at every entry point.

Card paths and ``--id`` (ingest), Hub ids, Croissant metadata, corpus files, rights tables
and the CLI arguments naming a dataset all go through :func:`dataset_id_problem`; each entry
point raises its own error type with the message (``CardError``, ``CorpusError``, a table
problem, ``UsageError``).

A dataset id is at most :data:`MAX_ID_LENGTH` characters of text with no whitespace (of any
kind), no control or format characters (C0, C1, zero-width and bidi controls such as
U+202E), no ``\\``; it is relative (no leading ``/``, no drive letter) and has no empty, ``.``
or ``..`` segment (``org/name`` is fine).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

__all__ = ["MAX_ID_LENGTH", "dataset_id_problem", "is_plain_dataset_id"]

MAX_ID_LENGTH = 256

_DRIVE = re.compile(r"^[A-Za-z]:")
_PLAIN = re.compile(r"[!-\[\]-~]+")
# A valid id in one match (the common case): printable ASCII segments without blank, "/" or
# "\\", none of them "." or "..", joined by "/", not starting with a drive letter.
_SEGMENT = r"(?!\.\.?(?:/|$))[!-.0-\[\]-~]+"
_VALID_PLAIN = re.compile(rf"(?![A-Za-z]:){_SEGMENT}(?:/{_SEGMENT})*")


def _bad_char(ch: str) -> bool:
    return ch.isspace() or ch == "\\" or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl",
                                                                      "Zp", "Cs", "Co", "Cn")


def dataset_id_problem(value: Any) -> str | None:
    """Why ``value`` is not a valid dataset id, or None when it is."""
    if is_plain_dataset_id(value):
        return None
    if not isinstance(value, str) or not value.strip():
        return "dataset id is empty"
    if len(value) > MAX_ID_LENGTH:
        return f"dataset id is longer than {MAX_ID_LENGTH} characters"
    if value != value.strip():
        return f"dataset id {value!r} has leading or trailing blanks"
    # printable ASCII without blank or backslash holds no bad character (the common case)
    bad = None if _PLAIN.fullmatch(value) else next((ch for ch in value if _bad_char(ch)), None)
    if bad is not None:
        if bad.isspace() or unicodedata.category(bad).startswith("Z"):
            return f"dataset id {value!r} contains whitespace"
        if bad == "\\":
            return f"dataset id {value!r} contains '\\'"
        return (f"dataset id {value!r} contains a control or format character "
                f"(U+{ord(bad):04X})")
    if value.startswith("/") or _DRIVE.match(value):
        return f"dataset id {value!r} is an absolute path"
    parts = value.split("/")
    if "" in parts or "." in parts or ".." in parts:
        return f"dataset id {value!r} has an empty, '.' or '..' segment"
    return None


def is_plain_dataset_id(value: Any) -> bool:
    """True when ``value`` is a valid dataset id of printable ASCII (one regular expression:
    the fast path for the ids of a large corpus); False says nothing, ask
    :func:`dataset_id_problem`."""
    return (type(value) is str and len(value) <= MAX_ID_LENGTH
            and _VALID_PLAIN.fullmatch(value) is not None)


def all_plain_dataset_ids(values: Sequence[Any]) -> bool:
    """:func:`is_plain_dataset_id` of every value, in one pass (a large corpus's ids)."""
    return (all(type(v) is str and len(v) <= MAX_ID_LENGTH for v in values)
            and all(map(_VALID_PLAIN.fullmatch, values)))
