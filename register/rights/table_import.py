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
and XlsxWriter write literal ``_x0041_`` text as ``_x005F_x0041_``; openpyxl does not undo it).

Workbooks: the sheet read is the one named ``Register`` (case-insensitive); a workbook without
one is refused (never "the first sheet", which may be a Check or a user's own sheet).  A formula
cell in an editable column with no cached value (a workbook written by a program that does not
compute formulas) is a problem naming the cell, never read as "unchanged".  Cells of the
computed (grey) columns are not imported; :func:`computed_edits` names the ones that differ
from the register so that the importer can warn about them.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Collection, Generator, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from register.actors import actor_problem
from register.check.facts import RightsRecord
from register.errors import ExportError, RegisterError, ValidationError, ValidationProblem
from register.ids import dataset_id_problem
from register.render.cells import unescape_cell
from register.rights.columns import (
    BY_COLUMN,
    DATE_COLUMNS,
    EDITABLE_COLUMNS,
    ID_COLUMN,
    REASON_COLUMN,
)
from register.rights.record import (
    RightsChange,
    change_problems,
    check_change,
    format_problems,
    parse_rights_values,
)
from register.rights.values import CLEAR_MARKERS

__all__ = [
    "COMPUTED_COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "VERSION_COLUMN",
    "RightsRow",
    "computed_edits",
    "load_rights_table",
    "read_rights_table",
]

MAX_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED = 500 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_PROBLEMS = 10_000
REGISTER_SHEET = "Register"
VERSION_COLUMN = "row_version"
"""The version token an export writes per row (the seq of the dataset's last audit event);
an import refuses a row whose dataset changed since (see :meth:`Register.import_rights`)."""

# Header aliases (after lower-casing and turning spaces/hyphens into ``_``).
_ALIASES = {
    "consent_purposes": "consent_purpose",
    "allowed_regions": "allowed_region",
    "dataset_id": "id",
    "dataset": "id",
}


class _Verbatim(str):
    """Text of a ``quotePrefix`` xlsx cell: taken as it is (no formula unescaping)."""

    __slots__ = ()


#: Computed (grey) columns of the export, whose edits are ignored (and warned about).
COMPUTED_COLUMNS: tuple[str, ...] = (
    "pretty_name", "source", "revision", "version", "raw_license", "declared_license",
    "effective_license", "needs_review", "review_reason", "concluded_by", "rights_by",
    "rights_reason", "suggestions", "previous_license", "last_change", "card_sha256",
)


@dataclass(frozen=True)
class RightsRow:
    """One valid row of a rights table; ``computed`` holds the row's computed-column cells
    as ``(column, cell reference, text)`` (see :func:`computed_edits`)."""

    row: int
    dataset_id: str
    change: RightsChange
    concluded_license: str | None = None
    concluded_reason: str | None = None
    reason: str | None = None
    by: str | None = None  # "stated by" (the changes are recorded under the importer)
    sheet: str | None = None
    row_version: int | None = None
    computed: tuple[tuple[str, str, str], ...] = ()


# --------------------------------------------------------------------------- cells


def _cell(value: Any, *, keep_date: bool) -> Any:
    """A raw cell as text (or a ``date`` in date columns); ``None`` when empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value if keep_date else value.isoformat()
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, _Verbatim):
        return str(value).strip() or None
    else:
        text = str(value)
    text = unescape_cell(text).strip()
    return text or None


# --------------------------------------------------------------------------- readers


def _computed_text(value: Any) -> str:
    """A computed cell as text; a date-time keeps its time (``last_change``)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(_cell(value, keep_date=False) or "")


def _header_name(raw: Any) -> str:
    if raw is None:
        return ""
    name = str(raw).strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(name, name)


def _csv_rows(path: Path) -> Generator[tuple[int, list[Any]], None, None]:
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            delimiter = max((",", ";", "\t"), key=first.count) if first else ","
            if first.count(delimiter) == 0:
                delimiter = ","
            handle.seek(0)
            reader = csv.reader(handle, delimiter=delimiter)
            number = 0
            try:
                for number, cells in enumerate(reader, start=1):  # noqa: B007
                    yield number, cells
            except csv.Error as exc:
                raise ExportError(f"{path}: row {number + 1}: not valid CSV ({exc})") from None
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not UTF-8 text", hint="save the file as CSV UTF-8") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot read ({exc.strerror or exc})") from None


class _Workbook:
    """An opened read-only workbook and the sheet to read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ExportError(f"{path}: not a valid .xlsx workbook") from None
        if unpacked > MAX_UNCOMPRESSED:
            raise ExportError(
                f"{path}: workbook unpacks to more than {MAX_UNCOMPRESSED // 2**20} MB; refused"
            )
        import openpyxl  # imported here: keeps CLI start-up fast

        try:
            self.book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception:
            raise ExportError(f"{path}: not a valid .xlsx workbook") from None
        sheets = self.book.worksheets
        if not sheets:
            self.book.close()
            raise ExportError(f"{path}: the workbook has no worksheet")
        by_name = {ws.title.lower(): ws for ws in sheets}
        found = by_name.get(REGISTER_SHEET.lower())
        if found is None:
            names = ", ".join(repr(ws.title) for ws in sheets[:10])
            self.book.close()
            raise ExportError(
                f"{path}: the workbook has no {REGISTER_SHEET!r} sheet (it has {names})",
                hint=f"import a workbook written by 'register export xlsx', or name the sheet "
                     f"to import {REGISTER_SHEET!r}")
        self.sheet = found
        self.sheet_name: str = self.sheet.title
        self.uncached = self._uncached_formulas(path)

    def _uncached_formulas(self, path: Path) -> set[tuple[int, int]]:
        """``(row, column index)`` of the formula cells that have no cached value."""
        member = getattr(self.sheet, "_worksheet_path", None)
        if not member or not _has_formulas(path, member):
            return set()
        import openpyxl

        out: set[tuple[int, int]] = set()
        try:
            formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except Exception:
            return out
        try:
            sheet = formulas[self.sheet.title]
            values = self.sheet.iter_rows(values_only=True)
            for number, (cells, cached) in enumerate(
                    zip(sheet.iter_rows(values_only=True), values, strict=False), start=1):
                for index, cell in enumerate(cells):
                    if (isinstance(cell, str) and cell.startswith("=")
                            and (index >= len(cached) or cached[index] is None)):
                        out.add((number, index))
                        if len(out) >= MAX_PROBLEMS:
                            return out
        except Exception:
            return out
        finally:
            formulas.close()
        return out

    def rows(self) -> Generator[tuple[int, list[Any]], None, None]:
        try:
            if hasattr(self.sheet, "reset_dimensions"):
                self.sheet.reset_dimensions()  # do not trust a writer's <dimension>
            for number, cells in enumerate(self.sheet.iter_rows(), start=1):
                yield number, [_cell_value(c) for c in cells]
        except RegisterError:
            raise
        except Exception as exc:
            raise ExportError(
                f"{self.path}: not a valid .xlsx workbook (sheet {self.sheet_name}: {exc})"
            ) from None

    def close(self) -> None:
        self.book.close()


def _cell_value(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    if isinstance(value, str) and value:
        if "_x" in value:  # ECMA-376 ``_xHHHH_`` escapes, which openpyxl leaves in the text
            from openpyxl.utils.escape import unescape

            value = unescape(value)
        style = getattr(cell, "style_array", None)
        if style is not None and style.quotePrefix:
            return _Verbatim(value)
    return value


def _has_formulas(path: Path, member: str) -> bool:
    """True when the sheet XML holds a formula element (scanned in chunks)."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as handle:
            tail = b""
            while chunk := handle.read(1 << 20):
                if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                    return True
                tail = chunk[-3:]
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return False
    return False


def computed_edits(rows: Collection[RightsRow],
                   current: Callable[[Collection[str]], dict[str, dict[str, Any]]],
                   ) -> list[str]:
    """The computed-column cells of ``rows`` whose text differs from the register's
    (``current(ids)`` -> id -> column -> value, as exported): ``["D5 (revision)", ...]``."""
    from register.render.cells import cell_text

    wanted = [r for r in rows if r.computed]
    if not wanted:
        return []
    stored = current([r.dataset_id for r in wanted])
    out = []
    for row in wanted:
        cells = stored.get(row.dataset_id)
        if cells is None:
            continue
        for column, ref, text in row.computed:
            have = cell_text(cells.get(column)).strip()
            if column == "last_change":
                have, text = have[:16], text[:16]
            if have != text:
                out.append(f"{ref} ({column})")
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

    book: _Workbook | None = None
    if suffix == ".csv":
        rows = _csv_rows(path)
    else:
        book = _Workbook(path)
        rows = book.rows()

    problems = _Problems(book.sheet_name if book else None)
    out: list[RightsRow] = []
    try:
        _read(path, rows, problems, out, known_ids, current, license_check, max_rows,
              book.uncached if book is not None else ())
    finally:
        rows.close()
        if book is not None:
            book.close()
    return out, problems.result()


def _read(
    path: Path,
    rows: Iterator[tuple[int, list[Any]]],
    problems: _Problems,
    out: list[RightsRow],
    known_ids: Collection[str] | None,
    current: Callable[[str], RightsRecord | None] | None,
    license_check: Callable[[str], str | None] | None,
    max_rows: int,
    uncached: Collection[tuple[int, int]] = (),
) -> None:
    header: dict[str, int] | None = None
    computed: dict[str, int] = {}
    seen: dict[str, int] = {}
    for number, cells in rows:
        if header is None:
            header = {}
            for index, raw in enumerate(cells):
                name = _header_name(raw)
                if name in COMPUTED_COLUMNS and name not in computed:
                    computed[name] = index
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
            continue
        if number - 1 > max_rows:
            raise ExportError(
                f"{path}: more than {max_rows:,} rows; refused", hint="split it into several files"
            )
        values = {
            name: _cell(
                cells[index] if index < len(cells) else None, keep_date=name in DATE_COLUMNS
            )
            for name, index in header.items()
        }
        if all(v is None for v in values.values()):
            continue  # blank line
        for name, index in header.items():
            if (number, index) in uncached:
                problems.add(f"cell {_ref(index, number)} holds a formula with no computed "
                             "value; type the value, or open and save the workbook in a "
                             "spreadsheet application", row=number, column=name)
        before = len(out)
        _validate_row(number, values, problems, out, seen, known_ids, current, license_check)
        if computed and len(out) > before:
            cells_text = tuple(
                (name, _ref(index, number),
                 _computed_text(cells[index]) if index < len(cells) else "")
                for name, index in computed.items())
            out[-1] = replace(out[-1], computed=cells_text)

    if header is None:
        problems.add(
            "the file is empty (expected a header row with an 'id' column)", row=None, column=None
        )


def _ref(index: int, number: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(index + 1)}{number}"


def _validate_row(
    number: int,
    values: dict[str, Any],
    problems: _Problems,
    out: list[RightsRow],
    seen: dict[str, int],
    known_ids: Collection[str] | None,
    current: Callable[[str], RightsRecord | None] | None,
    license_check: Callable[[str], str | None] | None,
) -> None:
    before = len(problems.items) + problems.dropped
    values = dict(values)
    token = values.pop(VERSION_COLUMN, None)
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

    change, found = parse_rights_values(values, style="column", row=number, sheet=problems.sheet)
    problems.extend(found)
    if not found:
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

    if len(problems.items) + problems.dropped == before and dataset_id is not None:
        out.append(
            RightsRow(
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
        )


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
