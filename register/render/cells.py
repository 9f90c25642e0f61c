"""Spreadsheet and CSV cell text: the one place values become cell text and back.

Every CSV and xlsx writer (``export csv|xlsx``, ``list|show|check --format csv``) turns a value
into text with :func:`cell_text` and escapes it with :func:`escape_cell`; the rights import
(``rights import``, ``import xlsx``) undoes the escaping with :func:`unescape_cell`.

* Lists are joined with :data:`LIST_SEPARATOR` (``;``, as in ``DE;FR``, the form the README
  documents); the import accepts ``;`` and ``,`` with or without spaces.
* ``True`` / ``False`` are ``yes`` / ``no``; dates are ISO 8601 (a datetime as
  ``2026-11-27 10:00:00``); ``None`` is the empty cell; a mapping is sorted JSON.
* Formula escaping: a text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
  would be run as a formula by a spreadsheet; :func:`escape_cell` prefixes it with ``'`` (and,
  so the escaping is reversible, a text already starting with ``'``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

__all__ = ["FORMULA_TRIGGERS", "LIST_SEPARATOR", "cell_text", "escape_cell", "unescape_cell"]

#: The separator of list values in every CSV / xlsx cell.
LIST_SEPARATOR = ";"

#: First characters that make a spreadsheet treat text as a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"


def cell_text(value: Any) -> str:
    """A value as cell text (not yet escaped): see the module docstring."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def escape_cell(value: str) -> str:
    """Text safe to write into a spreadsheet or CSV cell: no formula can run.

    ``'=1+1'`` -> ``"'=1+1"``; a text starting with ``'`` is escaped too so that
    ``unescape_cell(escape_cell(s)) == s`` for every string.
    """
    if value and (value.startswith(FORMULA_TRIGGERS) or value.startswith(_ESCAPE)):
        return _ESCAPE + value
    return value


def unescape_cell(value: str) -> str:
    """Undo :func:`escape_cell` (a ``'`` followed by a trigger or another ``'``)."""
    if (
        len(value) >= 2
        and value[0] == _ESCAPE
        and (value[1] == _ESCAPE or value[1] in FORMULA_TRIGGERS)
    ):
        return value[1:]
    return value
