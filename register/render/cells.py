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
  so the escaping is reversible, a text already starting with ``'``).  Leading blanks do not
  hide a trigger (``" =1+1"``), nor do the full-width forms (``＝ ＋ － ＠``); a line of a
  multi-line text is escaped the same way after its line break (``"ok\r'=cmd"``), for readers
  that split records at line breaks.
* CSV rows are written by :func:`csv_row` / :func:`write_csv_rows` only: QUOTE_MINIMAL with
  ``\n`` line ends, and every field holding a CR or LF is quoted (``csv.writer`` with
  ``lineterminator="\n"`` leaves a bare CR unquoted, which readers take as a record end).
* :func:`terminal_text` is the text of a table cell on a terminal: C0/C1 control characters,
  ``ESC`` sequences and bidi overrides are shown escaped (``\x1b``, ``\u202e``), never sent raw.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice
from typing import Any, TextIO

__all__ = [
    "FORMULA_TRIGGERS",
    "LIST_SEPARATOR",
    "cell_text",
    "csv_records",
    "csv_row",
    "escape_cell",
    "escape_tail",
    "iter_csv_records",
    "needs_formula_guard",
    "terminal_text",
    "unescape_cell",
    "write_csv_rows",
]

#: The separator of list values in every CSV / xlsx cell.
LIST_SEPARATOR = ";"

#: First characters that make a spreadsheet treat text as a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: Full-width forms some spreadsheets also read as formula starts.
_WIDE_TRIGGERS: tuple[str, ...] = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
_TRIGGERS = FORMULA_TRIGGERS + _WIDE_TRIGGERS
_ESCAPE = "'"
#: Blanks a spreadsheet may skip before reading a formula start.
_BLANKS = " \u00a0\u3000\x0b\x0c"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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


def needs_formula_guard(value: str) -> bool:
    """True when a spreadsheet could read ``value`` (or, after blanks, its start) as a
    formula: see the module docstring."""
    if value.startswith(_TRIGGERS):
        return True
    rest = value.lstrip(_BLANKS)
    return rest != value and rest.startswith(_TRIGGERS)


def _escape_line(line: str) -> str:
    if line and (needs_formula_guard(line) or line.startswith(_ESCAPE)):
        return _ESCAPE + line
    return line


def _unescape_line(line: str) -> str:
    if len(line) >= 2 and line[0] == _ESCAPE and (
            line[1] == _ESCAPE or needs_formula_guard(line[1:])):
        return line[1:]
    return line


def _later_lines(value: str, func: Any) -> str:
    """``value`` with ``func`` applied to every line but the first."""
    parts = _LINE_BREAK.split(value)
    if len(parts) == 1:
        return value
    breaks = _LINE_BREAK.findall(value)
    out = [parts[0]]
    for brk, part in zip(breaks, parts[1:], strict=True):
        out.append(brk)
        out.append(func(part))
    return "".join(out)


def escape_cell(value: str) -> str:
    """Text safe to write into a spreadsheet or CSV cell: no formula can run.

    ``'=1+1'`` -> ``"'=1+1"``; a text starting with ``'`` is escaped too so that
    ``unescape_cell(escape_cell(s)) == s`` for every string.  Each further line of a
    multi-line text is escaped alike.
    """
    if not value:
        return value
    head = _escape_line(value)[:-len(value)]  # "'" or ""
    return head + _later_lines(value, _escape_line)


def escape_tail(value: str) -> str:
    """The rest of an escaped cell after a known start: for a ``prefix`` that holds a
    character other than a blank and no line break, ``escape_cell(prefix + value) ==
    escape_cell(prefix) + escape_tail(value)`` (the formula guard of the first line is
    decided within the prefix; each later line of ``value`` is escaped).  Lets a writer
    escape a message shared by many rows once, and only its per-row prefix per row."""
    return _later_lines(value, _escape_line) if value else value


def unescape_cell(value: str) -> str:
    """Undo :func:`escape_cell` (a ``'`` followed by a trigger or another ``'``, at the
    start of the text or of a line)."""
    if _ESCAPE not in value:
        return value
    return _later_lines(_unescape_line(value), _unescape_line)


class _Lines:
    """A file for ``csv.writer`` that keeps each record it is given (the writer makes one
    ``write`` call per record)."""

    __slots__ = ("write",)

    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


def csv_records(rows: Iterable[Iterable[str]]) -> list[str]:
    """The records of ``rows`` (a list: give a long iterator in chunks), each
    ``\n``-terminated (see :func:`csv_row`)."""
    lines: list[str] = []
    # "\r\n" as the terminator makes csv quote every field holding CR or LF; each record
    # then ends in "\r\n" outside any quotes, replaced by the "\n" of every CSV output
    csv.writer(_Lines(lines), lineterminator="\r\n").writerows(
        row if isinstance(row, list | tuple) else list(row) for row in rows)
    return [line[:-2] + "\n" for line in lines]


def csv_row(fields: Iterable[str]) -> str:
    """One CSV record: QUOTE_MINIMAL, ``\n``-terminated, every CR/LF-holding field quoted."""
    return csv_records([list(fields)])[0]


def iter_csv_records(rows: Iterable[Iterable[str]]) -> Iterator[str]:
    """:func:`csv_records` of a long iterator, encoded a thousand rows at a time."""
    it = iter(rows)
    while chunk := list(islice(it, 1000)):
        yield from csv_records(chunk)


def write_csv_rows(handle: TextIO, rows: Iterable[Iterable[str]]) -> None:
    """Write records with :func:`csv_row` (the only CSV writer of the package), a thousand
    records per ``write`` (``rows`` may be a long iterator: never held whole)."""
    it = iter(rows)
    while chunk := list(islice(it, 1000)):
        handle.write("".join(csv_records(chunk)))


_TERMINAL_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(value: str) -> str:
    """``value`` safe to print on a terminal: control characters (C0 except tab and line
    feed, DEL, C1, so every ``ESC`` sequence) and bidi controls shown as ``\\xNN`` /
    ``\\uNNNN``."""
    return _TERMINAL_UNSAFE.sub(_visible, value)
