"""Formatters shared by every read/check command: table, JSON and CSV.

Data goes to stdout; JSON is sorted, indented and carries ``schema_version``; CSV and table
cells are :func:`register.render.cells.cell_text` (lists ``;``-separated) and CSV cells that
could run as spreadsheet formulas are escaped.  Tables are drawn with rich, JSON and CSV are
written as plain text (never through a rich console, which would wrap lines).
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any, TextIO

from register.render.cells import cell_text, escape_cell, terminal_text, write_csv_rows
from register.versions import SCHEMA_VERSION


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def default_format(stream: TextIO | None = None) -> OutputFormat:
    """``table`` on a terminal, ``json`` when stdout is a pipe or a file."""
    stream = stream or sys.stdout
    return OutputFormat.table if stream.isatty() else OutputFormat.json


def to_json(data: Any) -> str:
    if isinstance(data, dict) and "schema_version" not in data:
        data = {"schema_version": SCHEMA_VERSION, **data}
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    write_csv_rows(buf, [columns])
    write_csv_rows(buf, ([escape_cell(cell_text(row.get(c))) for c in columns] for row in rows))
    return buf.getvalue()


def print_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], *, title: str | None = None,
    stream: TextIO | None = None, styles: dict[str, str] | None = None,
) -> None:
    from rich.console import Console
    from rich.table import Table

    out = stream or sys.stdout
    width = None if out.isatty() else shutil.get_terminal_size((160, 24)).columns
    console = Console(file=out, soft_wrap=False, width=max(width or 0, 160) if width else None)
    table = Table(title=escape_markup(title) if title is not None else None, show_lines=False,
                  header_style="bold")
    for col in columns:
        table.add_column(escape_markup(col), overflow="fold")
    for row in rows:
        table.add_row(*(escape_markup(cell_text(row.get(c))) for c in columns),
                      style=(styles or {}).get(str(row.get("verdict", "")), None))
    console.print(table)


def escape_markup(text: str) -> str:
    """``text`` with rich markup escaped (printed literally) and terminal control
    characters made visible (:func:`register.render.cells.terminal_text`)."""
    from rich.markup import escape

    return escape(terminal_text(text))


VERDICT_STYLES = {
    "allowed": "green",
    "allowed-with-obligations": "yellow",
    "needs-review": "magenta",
    "blocked": "red",
}
