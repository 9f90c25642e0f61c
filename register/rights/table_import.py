"""Reading rights tables (``.csv`` / ``.xlsx``).

The column names and cell format are documented in :mod:`register.rights.columns`.  Reading is
validate-everything: :func:`read_rights_table` walks every row and returns every problem
(sheet, row as the user sees it with the header on row 1, column) beside the rows that are
valid, so the importer can refuse the whole file and say exactly what to fix.

File-level failures (missing, too large, not a workbook, not UTF-8) raise
:class:`~register.errors.ExportError`; nothing else escapes (openpyxl, zip and csv errors are
wrapped).  Limits: 50 MB on disk, 500 MB uncompressed inside an ``.xlsx``, 1,000,000 data rows;
at most 10,000 problems are listed individually (one last problem counts the rest).

Cells written by the exporters are formula-escaped; the reader undoes it with
:func:`register.render.cells.unescape_cell` (the one home of cell text).  An xlsx cell with
the ``quotePrefix`` style (how the exporter writes formula-like text) is read verbatim; older
workbooks, whose formula-like text carries a literal leading ``'``, are unescaped as before.
Text cells are read as Excel reads them: the ECMA-376 ``_xHHHH_`` escapes are undone (Excel
and XlsxWriter write literal ``_x0041_`` text as ``_x005F_x0041_``; openpyxl does not undo it, bar
the ``x005F_`` of a shared string, which :mod:`register.rights.table_files` reads exactly).

Workbooks: the sheet read is the one named ``Register`` (case-insensitive); a workbook without
one is refused (never "the first sheet", which may be a Check or a user's own sheet).  A formula
cell in an editable column with no cached value (a workbook written by a program that does not
compute formulas) is a problem naming the cell, never read as "unchanged".  Cells of the
computed (grey) columns are not imported; :func:`computed_edits` names the ones that differ
from the register so that the importer can warn about them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from register.actors import actor_problem
from register.check.facts import RightsRecord
from register.errors import ExportError, ValidationError, ValidationProblem
from register.ids import dataset_id_problem
from register.render.cells import cell_text
from register.rights.columns import (
    BY_COLUMN,
    DATE_COLUMNS,
    EDITABLE_COLUMNS,
    ID_COLUMN,
    REASON_COLUMN,
    RIGHTS_COLUMNS,
)
from register.rights.record import (
    RightsChange,
    change_problems,
    check_change,
    format_problems,
    parse_rights_values,
)
from register.rights.table_files import (
    MAX_BYTES,
    MAX_PROBLEMS,
    MAX_ROWS,
    Workbook,
    csv_rows,
    header_name,
    table_cell,
)
from register.rights.values import CLEAR_MARKERS

__all__ = [
    "BATCH_ROWS",
    "COMPUTED_COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "VERSION_COLUMN",
    "Lookup",
    "Records",
    "RightsRow",
    "TableScan",
    "computed_edits",
    "load_rights_table",
    "read_rights_table",
    "scan_rights_table",
]

BATCH_ROWS = 1000
"""Data rows validated per batch (one ``lookup`` and at most one ``records`` call each)."""
VERSION_COLUMN = "row_version"
"""The version token an export writes per row (the seq of the dataset's last audit event);
an import refuses a row whose dataset changed since (see :meth:`Register.import_rights`)."""


#: Computed (grey) columns of the export, whose edits are ignored (and warned about).
COMPUTED_COLUMNS: tuple[str, ...] = (
    "pretty_name", "source", "revision", "version", "raw_license", "declared_license",
    "effective_license", "needs_review", "review_reason", "concluded_by", "rights_by",
    "rights_reason", "suggestions", "previous_license", "last_change", "card_sha256",
)


Lookup = Callable[[Sequence[str]], Mapping[str, Mapping[str, Any]]]
"""``lookup(ids)`` -> id -> the register's export cells of that dataset (column -> value, as
:func:`register.exports.iter_register_rows` gives them), for the ids it holds."""
Records = Callable[[Sequence[str]], Mapping[str, RightsRecord | None]]
"""``records(ids)`` -> id -> the stored rights record (None: none recorded)."""


@dataclass(frozen=True)
class RightsRow:
    """One valid row of a rights table."""

    row: int
    dataset_id: str
    change: RightsChange
    concluded_license: str | None = None
    concluded_reason: str | None = None
    reason: str | None = None
    by: str | None = None  # "stated by" (the changes are recorded under the importer)
    sheet: str | None = None
    row_version: int | None = None


@dataclass
class TableScan:
    """What :func:`scan_rights_table` found: the valid rows that may change the register
    (with a ``lookup``, rows equal to the register are only counted, in ``unchanged``),
    every problem, and the edited computed-column cells ("D5 (revision)")."""

    rows: list[RightsRow] = field(default_factory=list)
    problems: list[ValidationProblem] = field(default_factory=list)
    unchanged: int = 0
    computed_edits: list[str] = field(default_factory=list)


def computed_edits(number: int, cells: Sequence[Any],
                   columns: Mapping[str, tuple[int, str]], stored: Mapping[str, Any],
                   ) -> list[str]:
    """The computed-column cells of data row ``number`` (``columns``: name -> (index,
    column letter)) whose text differs from the register's export cells ``stored``:
    ``["D5 (revision)", ...]``."""
    out = []
    width = len(cells)
    for column, (index, letter) in columns.items():
        raw = cells[index] if index < width else None
        want = stored.get(column)
        kind = type(raw)
        if raw == want and kind is type(want) and (
                raw is None or kind is int or kind is datetime
                or (kind is str and "'" not in raw)):
            continue  # the same text, number or time as exported (no escape to undo)
        if kind is str and type(want) is bool and raw == ("yes" if want else "no"):
            continue  # a yes/no cell as exported
        # a date(time) cell as the export's text (the time kept)
        text = (cell_text(raw) if isinstance(raw, date)
                else str(table_cell(raw, keep_date=False) or ""))
        have = cell_text(want).strip()
        if column == "last_change":
            have, text = have[:16], text[:16]
        if have != text:
            out.append(f"{letter}{number} ({column})")
    return out


# --------------------------------------------------------------------------- the table


class _Problems:
    """Problem list with a cap; counts what it does not keep."""

    def __init__(self, sheet: str | None) -> None:
        self.items: list[ValidationProblem] = []
        self.dropped = 0
        self.sheet = sheet

    def add(self, message: str, *, row: int | None, column: str | None) -> None:
        self.extend([ValidationProblem(message, row=row, column=column, sheet=self.sheet)])

    def extend(self, problems: list[ValidationProblem]) -> None:
        for problem in problems:
            if len(self.items) < MAX_PROBLEMS:
                self.items.append(problem)
            else:
                self.dropped += 1

    def result(self) -> list[ValidationProblem]:
        if self.dropped:
            return [
                *self.items,
                ValidationProblem(
                    f"{self.dropped} more problems not listed",
                    sheet=self.sheet,
                ),
            ]
        return self.items


def read_rights_table(
    path: Path | str,
    *,
    known_ids: Collection[str] | None = None,
    current: Callable[[str], RightsRecord | None] | None = None,
    license_check: Callable[[str], str | None] | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> tuple[list[RightsRow], list[ValidationProblem]]:
    """Read and validate every row of a ``.csv`` / ``.xlsx`` rights table.

    Returns the valid rows and every problem; the caller writes nothing when problems is
    non-empty.  Optional hooks make the validation complete before any write:

    * ``known_ids``: ids the register holds (others are a problem);
    * ``current``: the stored record of an id, so cross-field rules are checked against
      the record the row would produce (without it, only within-row rules are checked);
    * ``license_check``: returns an error message for an invalid ``concluded_license``.

    Raises :class:`ExportError` when the file itself cannot be read or exceeds the limits.
    """
    scan = scan_rights_table(path, known_ids=known_ids, current=current,
                             license_check=license_check, max_rows=max_rows,
                             max_bytes=max_bytes)
    return scan.rows, scan.problems


def scan_rights_table(
    path: Path | str,
    *,
    lookup: Lookup | None = None,
    records: Records | None = None,
    known_ids: Collection[str] | None = None,
    current: Callable[[str], RightsRecord | None] | None = None,
    license_check: Callable[[str], str | None] | None = None,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
    batch: int | None = None,
) -> TableScan:
    """:func:`read_rights_table`, ``batch`` data rows at a time, against the register.

    With ``lookup`` (which then also stands for ``known_ids``), each batch's ids are looked
    up in one call; a row whose rights cells are empty or equal to the register's export
    cells, and whose ``concluded_license`` is empty or the stored one, is counted as
    unchanged without being parsed (its other cells are still checked) and not returned;
    the other rows are parsed and checked against their stored record, fetched for the
    batch in one ``records`` call (or ``current``); the computed-column cells of valid rows
    are compared with the export cells (:attr:`TableScan.computed_edits`).  Memory holds one
    batch and the rows that may change the register.  ``batch`` defaults to
    :data:`BATCH_ROWS`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ExportError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}",
            hint="give a .csv or .xlsx file",
        )
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not path.is_file():
        raise ExportError(f"{path}: not a file")
    if size > max_bytes:
        raise ExportError(
            f"{path}: file is larger than {max_bytes // 2**20} MB; refused",
            hint="split it into several files",
        )

    book: Workbook | None = None
    rows: Generator[tuple[int, Sequence[Any]], None, None]
    if suffix == ".csv":
        rows = csv_rows(path)
    else:
        book = Workbook(path)
        rows = book.rows()

    reader = _Reader(_Problems(book.sheet_name if book else None), lookup, records, known_ids,
                     current, license_check, book.uncached if book is not None else ())
    try:
        _read(path, rows, reader, max_rows, max(1, batch or BATCH_ROWS))
    finally:
        rows.close()
        if book is not None:
            book.close()
    reader.scan.problems = reader.problems.result()
    return reader.scan


_Pending = tuple[int, dict[str, Any], Sequence[Any]]


def _read(
    path: Path,
    rows: Iterator[tuple[int, Sequence[Any]]],
    reader: _Reader,
    max_rows: int,
    batch: int,
) -> None:
    header: dict[str, int] | None = None
    wanted: list[tuple[str, int, bool]] = []  # (column, index, is a date column)
    pending: list[_Pending] = []
    problems = reader.problems
    for number, cells in rows:
        if header is None:
            header = {}
            for index, raw in enumerate(cells):
                name = header_name(raw)
                if name in COMPUTED_COLUMNS and name not in reader.computed:
                    reader.computed[name] = (index, _column_letter(index))
                if name not in EDITABLE_COLUMNS and name != VERSION_COLUMN:
                    continue  # read-only / computed / unknown columns are ignored
                if name in header:
                    problems.add("column appears twice", row=number, column=name)
                else:
                    header[name] = index
            if ID_COLUMN not in header:
                problems.add(
                    "missing required column 'id' (the dataset id)", row=number, column=ID_COLUMN
                )
                return
            reader.header = header
            wanted = [(name, index, name in DATE_COLUMNS) for name, index in header.items()]
            continue
        if number - 1 > max_rows:
            raise ExportError(
                f"{path}: more than {max_rows:,} rows; refused", hint="split it into several files"
            )
        width = len(cells)
        values = {name: None if index >= width or (raw := cells[index]) is None
                  else table_cell(raw, keep_date=dated) for name, index, dated in wanted}
        if all(v is None for v in values.values()):
            continue  # blank line
        pending.append((number, values, cells))
        if len(pending) >= batch:
            reader.batch(pending)
            pending = []
    if pending:
        reader.batch(pending)

    if header is None:
        problems.add(
            "the file is empty (expected a header row with an 'id' column)", row=None, column=None
        )


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


def _ref(index: int, number: int) -> str:
    return f"{_column_letter(index)}{number}"


def _same_rights(values: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Every rights cell of the row is empty (keep) or the register's export cell, and the
    stored dates are consistent (an inconsistent stored record is checked the long way)."""
    for column in RIGHTS_COLUMNS:
        value = values.get(column)
        if value is None:
            continue
        have = stored.get(column)
        if isinstance(value, date):
            value = value.isoformat()
        if isinstance(have, date):
            have = have.isoformat()
        if value != have:
            return False
    first, last = stored.get("collected_on"), stored.get("retain_until")
    return not (isinstance(first, date) and isinstance(last, date) and last < first)


class _Reader:
    """The state of one table read: hooks, header, problems, the scan being built."""

    def __init__(self, problems: _Problems, lookup: Lookup | None, records: Records | None,
                 known_ids: Collection[str] | None,
                 current: Callable[[str], RightsRecord | None] | None,
                 license_check: Callable[[str], str | None] | None,
                 uncached: Collection[tuple[int, int]]) -> None:
        self.problems = problems
        self.lookup = lookup
        self.records = records
        self.known_ids = known_ids
        self.current = current
        self.license_check = license_check
        self.uncached = uncached
        self.header: dict[str, int] = {}
        self.computed: dict[str, tuple[int, str]] = {}  # name -> (index, column letter)
        self.seen: dict[str, int] = {}
        self.scan = TableScan()

    def batch(self, pending: list[_Pending]) -> None:
        """Validate one batch of data rows (one ``lookup`` / ``records`` call each)."""
        stored: Mapping[str, Mapping[str, Any]] = {}
        if self.lookup is not None:
            ids = [v[ID_COLUMN] for _n, v, _c in pending if isinstance(v.get(ID_COLUMN), str)]
            stored = self.lookup(ids)
        same: list[bool] = []
        slow: list[str] = []
        for _number, values, _cells in pending:
            dataset_id = values.get(ID_COLUMN)
            here = stored.get(dataset_id) if isinstance(dataset_id, str) else None
            same.append(here is not None and _same_rights(values, here))
            if here is not None and not same[-1]:
                slow.append(dataset_id)  # type: ignore[arg-type]
        current = self.current
        if self.lookup is not None:
            found = self.records(slow) if self.records is not None and slow else {}
            current = found.get if self.records is not None else self.current
        known = stored if self.lookup is not None else self.known_ids
        for (number, values, cells), fast in zip(pending, same, strict=True):
            self._uncached(number)
            dataset_id = values.get(ID_COLUMN)
            here = stored.get(dataset_id) if isinstance(dataset_id, str) else None
            row = _validate_row(number, values, self.problems, self.seen, known, current,
                                self.license_check, fast=fast)
            if row is None:
                continue
            if here is not None and self.computed:
                self.scan.computed_edits.extend(
                    computed_edits(number, cells, self.computed, here))
            if fast and row.concluded_license in (None, here and here.get("concluded_license")):
                self.scan.unchanged += 1  # equal to the register: nothing to write
            else:
                self.scan.rows.append(row)

    def _uncached(self, number: int) -> None:
        if not self.uncached:
            return
        for name, index in self.header.items():
            if (number, index) in self.uncached:
                self.problems.add(f"cell {_ref(index, number)} holds a formula with no "
                                  "computed value; type the value, or open and save the "
                                  "workbook in a spreadsheet application",
                                  row=number, column=name)



def _validate_row(
    number: int,
    values: dict[str, Any],
    problems: _Problems,
    seen: dict[str, int],
    known_ids: Collection[str] | Mapping[str, Any] | None,
    current: Callable[[str], RightsRecord | None] | None,
    license_check: Callable[[str], str | None] | None,
    *,
    fast: bool = False,
) -> RightsRow | None:
    """The row if valid (problems added otherwise).  ``fast``: its rights cells are known
    to equal the stored record's (:func:`_same_rights`), so they are not parsed."""
    before = len(problems.items) + problems.dropped
    token = values.get(VERSION_COLUMN)
    row_version: int | None = None
    if token is not None:
        try:
            row_version = int(str(token))
        except ValueError:
            problems.add("not a version token (a whole number written by the export); "
                         "leave it as exported", row=number, column=VERSION_COLUMN)
    dataset_id = values.get(ID_COLUMN)
    if dataset_id is None:
        problems.add("dataset id is empty", row=number, column=ID_COLUMN)
    elif (id_problem := dataset_id_problem(dataset_id)) is not None:
        problems.add(id_problem, row=number, column=ID_COLUMN)
    elif dataset_id in seen:
        problems.add(
            f"duplicate id {dataset_id!r} (also on row {seen[dataset_id]})",
            row=number,
            column=ID_COLUMN,
        )
    else:
        seen[dataset_id] = number
        if known_ids is not None and dataset_id not in known_ids:
            problems.add(f"no dataset {dataset_id!r} in the register", row=number, column=ID_COLUMN)

    found: list[ValidationProblem] = []
    if fast:
        change = _KEEP
    else:
        change, found = parse_rights_values(values, style="column", row=number,
                                            sheet=problems.sheet)
        problems.extend(found)
    if not found and not fast:
        if current is not None and dataset_id is not None:
            # the record this row would produce, against what is stored
            found = check_change(current(dataset_id), change, row=number, sheet=problems.sheet)
        else:
            found = change_problems(change, row=number, sheet=problems.sheet)
        problems.extend(found)

    license_text = values.get("concluded_license")
    concluded_reason = values.get("concluded_reason")
    reason = values.get(REASON_COLUMN)
    if isinstance(license_text, str):
        if license_text.lower() in CLEAR_MARKERS:
            if not concluded_reason and not reason:  # '-' withdraws the concluded license
                problems.add(
                    "withdrawing a concluded license needs a reason (concluded_reason or reason)",
                    row=number,
                    column="concluded_reason",
                )
        else:
            if not concluded_reason and not reason:
                problems.add(
                    "a concluded license needs a reason (concluded_reason or reason)",
                    row=number,
                    column="concluded_reason",
                )
            if license_check is not None:
                message = license_check(license_text)
                if message:
                    problems.add(message, row=number, column="concluded_license")
    elif concluded_reason and not license_text:
        problems.add(
            "concluded_reason given without a concluded_license",
            row=number,
            column="concluded_license",
        )

    by = values.get(BY_COLUMN)
    if isinstance(by, str):  # only "stated by": the changes are recorded under the importer
        message = actor_problem(by)
        if message:
            problems.add(message, row=number, column=BY_COLUMN)

    if len(problems.items) + problems.dropped != before or dataset_id is None:
        return None
    return RightsRow(
        row=number,
        dataset_id=dataset_id,
        change=change,
        concluded_license=license_text,
        concluded_reason=concluded_reason,
        reason=reason,
        by=by,
        sheet=problems.sheet,
        row_version=row_version,
    )


_KEEP = RightsChange()  # a row whose rights cells equal the stored record keeps it




def load_rights_table(path: Path | str, **hooks: Any) -> list[RightsRow]:
    """:func:`read_rights_table`, raising :class:`ValidationError` listing every problem."""
    rows, problems = read_rights_table(path, **hooks)
    if problems:
        raise ValidationError(
            f"{path}: {len(problems)} problem(s): {format_problems(problems)}",
            problems,
            hint="fix the rows named above; nothing was imported",
        )
    return rows
