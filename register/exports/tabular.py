"""``register export csv`` and ``register export json``: the register, and a corpus check.

CSV (``register export csv OUT``): a header row and one row per dataset with the columns of
:data:`register.exports.REGISTER_COLUMNS` (the Register sheet's), UTF-8, ``,``-separated,
``\\n`` line ends.  Cells are :func:`register.render.cells.cell_text` (lists ``;``-separated,
dates ISO 8601, booleans ``yes``/``no``), as in every CSV and xlsx output.  The editable
columns are the rights import's, so the file can be edited and imported back with
``register rights import`` / ``register import csv``.  Every cell that a spreadsheet could
run as a formula is escaped; the importer undoes it.

With ``--corpus FILE --use USE`` the CSV is the check instead, one finding per row
(:data:`CHECK_COLUMNS`: ``section`` is ``verdict`` | ``dataset`` | ``dataset-obligation`` |
``conflict`` | ``obligation`` | ``warning``), the same rows as the workbook's Check sheet.

JSON: ``{"schema_version", "datasets": [...]}`` with one object per dataset (same keys as the
CSV columns, ``null`` for empty), sorted by id; with a check also ``"corpus"`` and ``"check"``
(the SPEC section 4 result).  Written incrementally (bounded memory).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.exports import (
    REGISTER_COLUMNS,
    ExportReport,
    ExportScope,
    iter_register_rows,
)
from register.render.cells import LIST_SEPARATOR, cell_text, escape_cell
from register.versions import SCHEMA_VERSION

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["CHECK_COLUMNS", "check_rows", "write_csv", "write_json"]

CHECK_COLUMNS: tuple[str, ...] = (
    "section", "datasets", "license", "verdict", "rule", "kind", "message",
)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def check_rows(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rows of a check result (one finding per row), for the Check sheet and the CSV."""
    summary = [f"use {result.get('use')}",
               "commercial" if result.get("commercial") else "non-commercial"]
    if result.get("region"):
        summary.append(f"region {result['region']}")
    summary.append(f"on {result.get('on')}")
    if result.get("policy"):
        summary.append(f"policy {result['policy']}")
    yield {"section": "verdict", "datasets": result.get("corpus") or "",
           "license": "", "verdict": result.get("verdict"), "rule": "", "kind": "",
           "message": "; ".join(summary)}
    for d in result.get("datasets", []):
        ident = d["id"] + (" (base model)" if d.get("base_model") else "")
        notes = []
        if d.get("chosen_option"):
            notes.append(f"OR resolved to {d['chosen_option']}")
        if d.get("cleared_by"):
            c = d.get("clearance") or {}
            notes.append(f"cleared by {d['cleared_by']}"
                         + (f" until {c['until']}" if c.get("until") else "")
                         + (f": {c['reason']}" if c.get("reason") else ""))
        reasons = d.get("reasons") or []
        if not reasons:
            yield {"section": "dataset", "datasets": ident, "license": d.get("license"),
                   "verdict": d.get("verdict"), "rule": "", "kind": "",
                   "message": "; ".join(notes) or "no findings"}
        for i, r in enumerate(reasons):
            message = r.get("message", "")
            if i == 0 and notes:
                message = f"{message} ({'; '.join(notes)})"
            yield {"section": "dataset", "datasets": ident, "license": d.get("license"),
                   "verdict": d.get("verdict"), "rule": r.get("rule"), "kind": "",
                   "message": message}
        for o in d.get("obligations") or []:
            yield {"section": "dataset-obligation", "datasets": ident,
                   "license": o.get("license"), "verdict": "", "rule": o.get("rule"),
                   "kind": o.get("kind"), "message": o.get("message")}
    for c in result.get("conflicts", []):
        yield {"section": "conflict", "datasets": LIST_SEPARATOR.join(c.get("datasets", [])),
               "license": LIST_SEPARATOR.join(c.get("licenses", [])), "verdict": "",
               "rule": c.get("rule"), "kind": "", "message": c.get("message")}
    for o in result.get("obligations", []):
        yield {"section": "obligation", "datasets": LIST_SEPARATOR.join(o.get("datasets", [])),
               "license": LIST_SEPARATOR.join(o.get("licenses", [])), "verdict": "", "rule": "",
               "kind": o.get("kind"), "message": o.get("message")}
    for w in result.get("warnings", []):
        if isinstance(w, dict):
            yield {"section": "warning", "datasets": LIST_SEPARATOR.join(w.get("datasets", [])),
                   "license": "", "verdict": "", "rule": w.get("rule"), "kind": "",
                   "message": w.get("message")}
        else:
            yield {"section": "warning", "datasets": "", "license": "", "verdict": "",
                   "rule": "", "kind": "", "message": str(w)}


def write_csv(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if scope.check is not None:
            writer.writerow(CHECK_COLUMNS)
            for row in check_rows(scope.check):
                writer.writerow([escape_cell(cell_text(row.get(c))) for c in CHECK_COLUMNS])
            report.rows = len(scope.check.get("datasets", []))
            return
        names = [c.name for c in REGISTER_COLUMNS]
        writer.writerow(names)
        for row in iter_register_rows(reg, scope.ids):
            writer.writerow([escape_cell(cell_text(row[n])) for n in names])
            report.rows += 1


def write_json(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    names = [c.name for c in REGISTER_COLUMNS]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'{{\n  "schema_version": {SCHEMA_VERSION},\n')
        if scope.check is not None:
            handle.write('  "check": ')
            handle.write(json.dumps(scope.check, sort_keys=True, ensure_ascii=False,
                                    default=str))
            handle.write(",\n")
        if scope.corpus_name is not None or scope.ids is not None:
            handle.write(f'  "corpus": {json.dumps(scope.corpus_name, ensure_ascii=False)},\n')
        handle.write('  "datasets": [')
        for row in iter_register_rows(reg, scope.ids):
            item = {n: _json_value(row[n]) for n in names}
            handle.write(",\n    " if report.rows else "\n    ")
            handle.write(json.dumps(item, sort_keys=True, ensure_ascii=False))
            report.rows += 1
        handle.write("\n  ]\n}\n" if report.rows else "]\n}\n")
