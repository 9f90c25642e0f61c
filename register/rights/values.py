"""Parsing and validating user values of rights, one cell or option at a time: choices
(personal data, lawful basis, sensitive categories, consent purposes), country and region
codes, dates, lists and the clear marker.

Each parser takes what a user wrote and returns the canonical value or raises ``ValueError``
with a message naming the value; :func:`register.rights.record.parse_rights_values` turns
those into :class:`~register.errors.ValidationProblem` rows.

Not given vs. cleared
---------------------
* An **empty** cell (or an option not passed) means *not given*: the stored value is kept.
  This is what makes an unedited exported row a no-op.
* The **clear marker** ``-`` (or ``none``, any case) removes the stored value: the field goes
  back to its default (``personal_data`` to ``unknown``, lists to empty, the rest to nothing).
  On the command line either write the marker as the value (``--dpia -``,
  ``--allowed-region none``) or name the field with ``clear=`` (the CLI's ``--clear FIELD``,
  field given as column name, option name or record field name).
* A list value **replaces** the stored list (``--sensitive health`` on a record holding
  ``biometric`` leaves ``health`` only); repeat the option to give several values.
* ``any`` (consent purposes, allowed regions) cannot be combined with other values.

Region codes are validated by :mod:`register.rights.regions`; ``EU``/``EEA`` are stored as written
and
expanded only when a check or filter needs member states.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from register.check.facts import LAWFUL_BASES, PERSONAL_DATA_VALUES, SENSITIVE_CATEGORIES, USES
from register.errors import RegisterError
from register.rights.columns import COLUMN_TO_FIELD, DATE_COLUMNS, FIELD_TO_COLUMN
from register.rights.regions import validate_region

__all__ = [
    "ANY",
    "CLEAR_MARKERS",
    "clear_field",
    "is_clear",
    "parse_date",
    "parse_list",
    "parse_region",
    "parse_scalar",
    "split_list",
]

CLEAR_MARKERS: tuple[str, ...] = ("-", "none")
ANY = "any"

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPLIT_RE = re.compile(r"[;,]")


def split_list(text: str) -> list[str]:
    """``'DE; FR,,IT'`` -> ``['DE', 'FR', 'IT']``."""
    return [part.strip() for part in _SPLIT_RE.split(text) if part.strip()]


def _keyword(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def is_clear(text: str) -> bool:
    """``text`` is the clear marker (``-`` or ``none``, any case)."""
    return text.strip().lower() in CLEAR_MARKERS


def parse_date(value: Any) -> date:
    """An ISO 8601 date (``YYYY-MM-DD``), or a ``date``/``datetime`` cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not _DATE_RE.match(text):
        raise ValueError(f"{text!r} is not an ISO 8601 date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date (YYYY-MM-DD)") from None


def _region_code(code: str, *, groups: bool) -> str:
    try:
        return validate_region(code, allow_groups=groups, allow_any=groups)
    except RegisterError as exc:
        expected = "an ISO 3166-1 alpha-2 country code" + (", EU, EEA or any" if groups else "")
        message = f"{code.strip()!r} is not {expected}"
        if exc.hint:
            message += f" ({exc.hint})"
        raise ValueError(message) from exc


def _country(code: str) -> str:
    return _region_code(code, groups=False)


def parse_region(code: str) -> str:
    """A country code, ``EU``, ``EEA`` or ``any``, canonical (``de`` -> ``DE``)."""
    return _region_code(code, groups=True)


def _choice(kind: str, allowed: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = _keyword(text)
        if value not in allowed:
            choices = ", ".join(allowed[:-1]) + " or " + allowed[-1]
            what = f"{kind} ({choices})" if kind else choices
            raise ValueError(f"{text.strip()!r} is not {what}")
        return value

    return parse


_PURPOSES = (*USES, ANY)
_SCALAR_PARSERS: dict[str, Callable[[str], str]] = {
    "personal_data": _choice("", PERSONAL_DATA_VALUES),
    "lawful_basis": _choice("a lawful basis", LAWFUL_BASES),
}
_LIST_PARSERS: dict[str, tuple[Callable[[str], str], tuple[str, ...] | None]] = {
    # column -> (item parser, canonical order or None for alphabetical)
    "sensitive": (_choice("a sensitive category", SENSITIVE_CATEGORIES), SENSITIVE_CATEGORIES),
    "consent_purpose": (_choice("a use", _PURPOSES), _PURPOSES),
    "collected_in": (_country, None),
    "allowed_region": (parse_region, None),
}


def _sort(values: Iterable[str], order: tuple[str, ...] | None) -> tuple[str, ...]:
    unique = set(values)
    if order is not None:
        return tuple(v for v in order if v in unique)
    return tuple(sorted(unique, key=lambda v: (v == ANY, v)))


def parse_list(column: str, items: list[str]) -> tuple[tuple[str, ...] | None, list[str]]:
    """The items of list column ``column`` (not the clear marker), canonical: de-duplicated
    and sorted.  Returns ``(value, [])``, or ``(None, messages)`` naming every bad item (or
    ``any`` combined with other values)."""
    parse, order = _LIST_PARSERS[column]
    parsed: list[str] = []
    messages: list[str] = []
    for item in items:
        try:
            parsed.append(parse(item))
        except ValueError as exc:
            messages.append(str(exc))
    if messages:
        return None, messages
    if ANY in parsed and len(set(parsed)) > 1:
        return None, ["'any' cannot be combined with other values"]
    return _sort(parsed, order), []


def parse_scalar(column: str, raw: Any) -> Any:
    """The one value of scalar column ``column`` (a date, the DPIA reference, a choice),
    canonical; ``ValueError`` when it is not valid."""
    if column in DATE_COLUMNS:
        return parse_date(raw)
    if column == "dpia":
        text = str(raw).strip()
        if "\n" in text or "\r" in text:
            raise ValueError("must be a single line")
        return text
    return _SCALAR_PARSERS[column](str(raw))


def clear_field(name: str) -> str | None:
    """The record field a ``--clear`` name means (column, option or field name), or None."""
    key = name.strip().lstrip("-").lower().replace("-", "_")
    if key in COLUMN_TO_FIELD:
        return COLUMN_TO_FIELD[key]
    if key in FIELD_TO_COLUMN:
        return key
    return None
