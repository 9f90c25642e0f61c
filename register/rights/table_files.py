"""Reading the cells of rights tables: the ``.csv`` and ``.xlsx`` readers, their limits and
the cell-to-text rule (:mod:`register.rights.table_import` validates what they read).

Limits: 50 MB on disk, 500 MB uncompressed inside an ``.xlsx``; the sheet read is the one
named ``Register``.  xlsx text is read as Excel reads it: a ``quotePrefix`` cell verbatim
(:class:`_Verbatim`), the ECMA-376 ``_xHHHH_`` escapes undone once.  openpyxl gives an inline
string's text as stored (escapes kept: undone here) but a shared string with every ``x005F_``
dropped and the other escapes kept, which loses the difference between a stored ``_x0041_``
(``A``) and ``_x005F_x0041_`` (literal ``_x0041_``); so the cells whose shared string holds
``x005F_`` take their text from the shared-string table read here (:func:`_exact_shared`).
"""

from __future__ import annotations

import csv
import posixpath
import zipfile
from collections.abc import Generator, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from register.errors import ExportError, RegisterError
from register.render.cells import unescape_cell

MAX_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED = 500 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_PROBLEMS = 10_000
REGISTER_SHEET = "Register"
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

# --------------------------------------------------------------------------- cells


def table_cell(value: Any, *, keep_date: bool) -> Any:
    """A raw cell as text (or a ``date`` in date columns); ``None`` when empty."""
    if value is None:
        return None
    if type(value) is str:  # the common case, first (a _Verbatim is not exactly a str)
        return unescape_cell(value).strip() or None
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


def header_name(raw: Any) -> str:
    if raw is None:
        return ""
    name = str(raw).strip().lower().replace(" ", "_").replace("-", "_")
    return _ALIASES.get(name, name)


def csv_rows(path: Path) -> Generator[tuple[int, list[Any]], None, None]:
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


class Workbook:
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
        try:  # the package read as openpyxl read it (a part it accepted is well formed)
            with zipfile.ZipFile(path) as archive:
                self.member = _sheet_member(archive, self.sheet_name)
                #: ``(row, column)`` -> text of the cells whose shared string openpyxl misreads
                self.exact = _exact_shared(archive, self.member)
                formulas = self.member is not None and _holds(archive, self.member, b"<f>",
                                                              b"<f ")
        except Exception:
            self.book.close()
            raise ExportError(f"{path}: not a valid .xlsx workbook") from None
        self.uncached = self._uncached_formulas(path) if formulas else set()

    def _uncached_formulas(self, path: Path) -> set[tuple[int, int]]:
        """``(row, column index)`` of the formula cells that have no cached value."""
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

    def rows(self) -> Generator[tuple[int, Sequence[Any]], None, None]:
        try:
            if hasattr(self.sheet, "reset_dimensions"):
                self.sheet.reset_dimensions()  # do not trust a writer's <dimension>
            if self._values_only():
                cells: Iterator[Sequence[Any]] = self.sheet.iter_rows(values_only=True)
            else:  # pragma: no cover - an openpyxl without the hook _values_only uses
                cells = ([_cell_value(c, self.exact) for c in row]
                         for row in self.sheet.iter_rows())
            yield from enumerate(cells, start=1)
        except RegisterError:
            raise
        except Exception as exc:
            raise ExportError(
                f"{self.path}: not a valid .xlsx workbook (sheet {self.sheet_name}: {exc})"
            ) from None

    def _values_only(self) -> bool:
        """Make ``iter_rows(values_only=True)`` give the text of ``quotePrefix`` cells as
        :class:`_Verbatim`: openpyxl's read-only sheet builds each row from the parsed cells
        (value and style id) in ``_get_row``; wrapping it costs a set lookup per cell
        instead of a cell object per cell.  False when this openpyxl lacks the hook."""
        styles = getattr(self.book, "_cell_styles", None)
        get_row = getattr(self.sheet, "_get_row", None)
        if styles is None or get_row is None:
            return False
        quoted = {i for i, style in enumerate(styles) if getattr(style, "quotePrefix", None)}
        exact = self.exact
        from openpyxl.utils.escape import unescape

        def values_row(row: list[dict[str, Any]], min_col: int = 1, max_col: int | None = None,
                       values_only: bool = True) -> tuple[Any, ...]:
            out = get_row(row, min_col, max_col, True)
            # ECMA-376 ``_xHHHH_`` escapes (Excel and XlsxWriter write literal ``_x0041_``
            # text as ``_x005F_x0041_``), which openpyxl leaves in the text
            escaped = [i for i, v in enumerate(out) if type(v) is str and "_x" in v]
            marked = [c for c in row if c.get("style_id") in quoted
                      and isinstance(c.get("value"), str) and c["value"]] if quoted else []
            exacts = [c for c in row if (c["row"], c["column"]) in exact] if exact else []
            if not escaped and not marked and not exacts:
                return tuple(out)
            values = list(out)
            for index in escaped:
                values[index] = unescape(values[index])
            for cell in exacts:  # already unescaped (once), from the shared-string table
                index = cell["column"] - min_col
                if 0 <= index < len(values):
                    values[index] = exact[cell["row"], cell["column"]]
            for cell in marked:
                index = cell["column"] - min_col
                if 0 <= index < len(values):
                    text = exact.get((cell["row"], cell["column"]))
                    if text is None:
                        text = cell["value"]
                        text = unescape(text) if "_x" in text else text
                    values[index] = _Verbatim(text)
            return tuple(values)

        self.sheet._get_row = values_row
        return True

    def close(self) -> None:
        self.book.close()


def _cell_value(cell: Any, exact: dict[tuple[int, int], str]) -> Any:
    value = getattr(cell, "value", None)
    if isinstance(value, str) and value:
        key: Any = (getattr(cell, "row", None), getattr(cell, "column", None))
        if key in exact:  # already unescaped, from the shared-string table
            value = exact[key]
        elif "_x" in value:  # ECMA-376 ``_xHHHH_`` escapes, which openpyxl leaves in the text
            from openpyxl.utils.escape import unescape

            value = unescape(value)
        style = getattr(cell, "style_array", None)
        if style is not None and style.quotePrefix:
            return _Verbatim(value)
    return value


# --------------------------------------------------------------------------- shared strings

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}Override"
_SHARED_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id -> (type, target part name); empty when it has none."""
    from openpyxl.xml.functions import fromstring

    folder, name = posixpath.split(part)
    try:
        tree = fromstring(archive.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    except KeyError:
        return {}
    out = {}
    for rel in tree.iter(_PKG_RELS):
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else posixpath.normpath(
            posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", ""), target)
    return out


def _sheet_member(archive: zipfile.ZipFile, title: str) -> str | None:
    """The zip member of the sheet named ``title`` (the package's relationships, as Excel
    finds it); ``None`` when it cannot be told."""
    from openpyxl.xml.functions import fromstring

    book = next((target for kind, target in _rels(archive, "").values()
                 if kind.endswith("/officeDocument")), None)
    if book is None:
        return None
    rels = _rels(archive, book)
    for sheet in fromstring(archive.read(book)).iter(f"{_MAIN}sheet"):
        if sheet.get("name") == title:
            return rels.get(sheet.get(f"{_DOC_RELS}id", ""), ("", None))[1]
    return None


def _exact_shared(archive: zipfile.ZipFile, member: str | None) -> dict[tuple[int, int], str]:
    """``(row, column)`` -> text (escapes undone once) of the sheet's cells whose shared string
    holds ``x005F_``, which openpyxl drops before the other escapes are undone (a stored
    ``_x005F_x0041_`` would read as ``A``, not ``_x0041_``).  Empty, after a byte scan of the
    shared-string table, for the many workbooks without one: there openpyxl's text is the
    stored text, and undoing its escapes once is exact."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.utils.escape import unescape
    from openpyxl.xml.functions import fromstring, iterparse

    types = fromstring(archive.read("[Content_Types].xml"))
    strings = next((o.get("PartName", "").lstrip("/") for o in types.iter(_TYPES)
                    if o.get("ContentType") == _SHARED_TYPE), None)
    if not strings or member is None or not _holds(archive, strings, b"x005F_"):
        return {}
    wanted: dict[int, str] = {}
    with archive.open(strings) as handle:
        index = 0
        for _, node in iterparse(handle):
            if node.tag == f"{_MAIN}si":  # the text as openpyxl joins it: t, then r/t runs
                text = "".join(t.text or "" for t in (
                    node.findall(f"{_MAIN}t") + node.findall(f"{_MAIN}r/{_MAIN}t")))
                if "x005F_" in text:
                    wanted[index] = unescape(text)
                index += 1
                node.clear()
    if not wanted:
        return {}
    out: dict[tuple[int, int], str] = {}
    with archive.open(member) as handle:
        number = 0
        for _, node in iterparse(handle):
            if node.tag != f"{_MAIN}row":
                continue
            number = int(float(node.get("r", number + 1)))  # numbered as openpyxl numbers rows
            column = 0
            for cell in node.iter(f"{_MAIN}c"):
                place = cell.get("r")
                if place:
                    row, column = coordinate_to_tuple(place)
                else:
                    row, column = number, column + 1
                if cell.get("t") == "s":
                    value = cell.findtext(f"{_MAIN}v")
                    if value and value.strip().isdigit() and int(value) in wanted:
                        out[row, column] = wanted[int(value)]
            node.clear()
    return out


def _holds(archive: zipfile.ZipFile, member: str, *needles: bytes) -> bool:
    """True when the zip member holds one of ``needles`` (scanned in chunks); False when the
    package has no such member."""
    keep = max(len(n) for n in needles)
    try:
        with archive.open(member) as handle:
            tail = b""
            while chunk := handle.read(1 << 20):
                window = tail + chunk
                if any(n in window for n in needles):
                    return True
                tail = chunk[-keep:]
    except KeyError:
        return False
    return False
