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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import Enum
from typing import Any, TextIO, TypeVar

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


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)
_BATCH = 1000  # lines per write


class Encoded:
    """An array for :func:`write_json` whose elements are already JSON text (one object each,
    keys sorted), e.g. :meth:`register.check.result.CheckResult.dataset_json_lines`."""

    def __init__(self, items: Iterable[str]) -> None:
        self.items = items


def _as_is(text: str) -> str:
    return text


def write_json(data: Mapping[str, Any], stream: TextIO | None = None) -> None:
    """Write the JSON object ``data`` (plus ``schema_version``) to ``stream``, streamed.

    The keys are sorted and the object indented like :func:`to_json`, but each element of a
    top-level array is written on one line by the C encoder, one at a time: an array may be
    an iterator (``register list``'s rows, a check's datasets), so the whole document is
    never held.  ``json.loads`` of the output equals ``json.loads(to_json(data))``."""
    out = stream or sys.stdout
    if "schema_version" not in data:
        data = {"schema_version": SCHEMA_VERSION, **data}
    encode = _ENCODER.encode
    keys = sorted(data)
    out.write("{")
    for n, key in enumerate(keys):
        value = data[key]
        out.write(("\n" if n == 0 else ",\n") + f"  {encode(key)}: ")
        item_encode: Callable[[Any], str]
        if isinstance(value, Encoded):
            value, item_encode = value.items, _as_is
        elif isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
            out.write(encode(value))
            continue
        else:
            item_encode = encode
        out.write("[")
        batch: list[str] = []
        first = True
        for item in value:
            batch.append(("\n    " if first else ",\n    ") + item_encode(item))
            first = False
            if len(batch) >= _BATCH:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch) + ("]" if first else "\n  ]"))
    out.write("\n}\n")


_Row = TypeVar("_Row", bound=Mapping[str, Any])


class CellRows(Iterator[_Row]):
    """An iterator of rows (mappings column -> value) for :func:`write_csv` that can also
    give the CSV records :func:`write_csv` would write for them (``escape_cell(cell_text(v))``
    in ``columns`` order, through :func:`~register.render.cells.csv_records`), computed
    without the mappings: e.g. the check view
    (:func:`register.render.checkview.iter_check_row_dicts`), whose many rows share a few
    shapes."""

    columns: tuple[str, ...] = ()

    def csv_records(self) -> Iterable[str]:
        """The rows not yet read, as CSV text (whole records, any number per item)."""
        raise NotImplementedError


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str],
              stream: TextIO | None = None) -> None:
    """:func:`to_csv`, written row by row to ``stream`` (``rows`` may be an iterator)."""
    out = stream or sys.stdout
    write_csv_rows(out, [columns])
    if isinstance(rows, CellRows) and rows.columns == tuple(columns):
        batch_text: list[str] = []
        for text in rows.csv_records():
            batch_text.append(text)
            if len(batch_text) >= _BATCH:
                out.write("".join(batch_text))
                batch_text.clear()
        out.write("".join(batch_text))
        return
    batch: list[list[str]] = []
    for row in rows:
        batch.append([escape_cell(cell_text(row.get(c))) for c in columns])
        if len(batch) >= _BATCH:
            write_csv_rows(out, batch)
            batch.clear()
    write_csv_rows(out, batch)


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
