"""``register export csv`` and ``register export json``: the register, and a corpus check.

CSV (``register export csv OUT``): a header row and one row per dataset with the columns of
:data:`register.exports.REGISTER_COLUMNS` (the Register sheet's), UTF-8, ``,``-separated,
``\\n`` line ends.  Cells are :func:`register.render.cells.cell_text` (lists ``;``-separated,
dates ISO 8601, booleans ``yes``/``no``), as in every CSV and xlsx output.  The editable
columns are the rights import's, so the file can be edited and imported back with
``register rights import`` / ``register import csv``.  Every cell that a spreadsheet could
run as a formula is escaped; the importer undoes it.

With ``--corpus FILE --use USE`` the CSV is the check instead: the check view of
:mod:`register.render.checkview`, one finding per row under its ``CHECK_COLUMNS`` (the same
rows as ``register check --format csv`` and the workbook's Check sheet).

JSON: ``{"schema_version", "datasets": [...]}`` with one object per dataset (same keys as the
CSV columns, ``null`` for empty), sorted by id; with a check also ``"corpus"``, ``"check"``
(the SPEC section 4 result) and ``"check_rows"`` (the check view's rows, one object per row).
Written incrementally (bounded memory).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.exports import (
    REGISTER_COLUMNS,
    ExportReport,
    ExportScope,
    iter_register_rows,
)
from register.render.cells import cell_text, csv_row, escape_cell, write_csv_rows
from register.render.checkview import CHECK_COLUMNS, check_row_dicts, check_rows
from register.versions import SCHEMA_VERSION

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["write_csv", "write_json"]

def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_csv(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        if scope.check is not None:
            write_csv_rows(handle, [CHECK_COLUMNS])
            write_csv_rows(handle, ([escape_cell(cell_text(row[c])) for c in CHECK_COLUMNS]
                                    for row in check_row_dicts(scope.check)))
            report.rows = len(scope.check.datasets)
            return
        names = [c.name for c in REGISTER_COLUMNS]
        handle.write(csv_row(names))
        for dataset in iter_register_rows(reg, scope.ids):
            handle.write(csv_row([escape_cell(cell_text(dataset[n])) for n in names]))
            report.rows += 1


def write_json(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    names = [c.name for c in REGISTER_COLUMNS]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'{{\n  "schema_version": {SCHEMA_VERSION},\n')
        if scope.check is not None:
            handle.write('  "check": ')
            handle.write(json.dumps(scope.check.to_dict(), sort_keys=True, ensure_ascii=False,
                                    default=str))
            handle.write(',\n  "check_rows": [')
            for i, check_row in enumerate(check_rows(scope.check)):
                handle.write(",\n    " if i else "\n    ")
                handle.write(json.dumps(check_row.as_dict(), sort_keys=True, ensure_ascii=False))
            handle.write("\n  ],\n")
        if scope.corpus_name is not None or scope.ids is not None:
            handle.write(f'  "corpus": {json.dumps(scope.corpus_name, ensure_ascii=False)},\n')
        handle.write('  "datasets": [')
        for row in iter_register_rows(reg, scope.ids):
            item = {n: _json_value(row[n]) for n in names}
            if item.get("personal_data") is None:  # no record yet: as `register list` says
                item["personal_data"] = "unknown"
            handle.write(",\n    " if report.rows else "\n    ")
            handle.write(json.dumps(item, sort_keys=True, ensure_ascii=False))
            report.rows += 1
        handle.write("\n  ]\n}\n" if report.rows else "]\n}\n")
