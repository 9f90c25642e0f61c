"""``register export xlsx``: the procurement workbook (openpyxl, streamed).

Sheets, in tab order:

* **Register** -- one row per dataset (:data:`register.exports.REGISTER_COLUMNS`).  Editable
  columns (rights fields, ``concluded_license`` / ``concluded_reason``, ``reason``, ``by``)
  have a yellow header, a comment saying what they accept, and data-validation lists where
  the values are a closed set (``personal_data``, ``lawful_basis``) or prompts otherwise.
  Computed columns have a grey header with the comment "computed -- edits are ignored" and a
  grey background (one conditional-format rule per column block, so it costs nothing per
  row).  ``needs_review = yes`` cells are amber.  ``register import xlsx`` reads this sheet.
* **Check** (with ``--corpus --use``) -- the verdict and every finding, one per row
  (:func:`register.render.checkview.check_rows`), verdict cells coloured.
* **Review** -- what needs a human and why: the dataset's review items (license review,
  license ids without terms, rights gaps, unconfirmed personal-data hints from the card; the
  same as its ``needs_review`` / ``review_reason`` cells), then license changes and
  retention (:mod:`register.check.review`).
* **Licenses** -- the knowledge-base terms of every license the exported datasets name.
* **About** -- how to edit and import the workbook.

Every sheet: frozen header row, autofilter, column widths from the header and the first 500
rows.  Dates are real dates (``collected_on``, ``retain_until``; ``last_change`` a UTC
date-time).  Sheet protection is not used: it would also block sorting and filtering and
adding one's own notes; the import ignores computed columns anyway.

Safety and limits (nothing is silently lost; every change is a report warning):

* text a spreadsheet could run as a formula (``= + - @``, tab or CR first, also after blanks
  or in full width: :func:`register.render.cells.needs_formula_guard`) is a string cell with
  the ``quotePrefix`` style, so no cell is ever a formula and the value read back (openpyxl,
  pandas, Excel) is the original text; the import keeps such cells verbatim and still undoes
  the leading ``'`` of workbooks written by older versions;
* characters XML cannot hold (control characters) are replaced by U+FFFD;
* a cell over 32,767 characters is cut with a visible ``[truncated ...]`` marker;
* hyperlinks stop at 65,530 per sheet (the cells keep their text).

Streaming: openpyxl's write-only mode; rows go to disk as they are read from the database, so
memory stays bounded for any register size (see ``bench/bench_export.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

from register.exports import (
    REGISTER_COLUMNS,
    Column,
    ExportReport,
    ExportScope,
    RegisterRow,
    iter_register_rows,
)
from register.licenses.expressions import license_keys
from register.render.cells import LIST_SEPARATOR, cell_text, needs_formula_guard
from register.render.checkview import CHECK_COLUMNS, check_rows

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from register.check.result import CheckResult
    from register.register import Register

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_HYPERLINKS",
    "MAX_SHEET_TITLE",
    "sheet_title",
    "write_xlsx",
]

MAX_CELL_CHARS = 32_767
MAX_HYPERLINKS = 65_530
MAX_SHEET_TITLE = 31
MAX_WIDTH = 60
SAMPLE_ROWS = 500
MAX_LISTED_WARNINGS = 20

TRUNCATION_MARK = (" \u2026 [truncated: {:,} of {:,} characters not shown; Excel holds 32,767 "
                   "per cell; the json export has the full text]")
COMPUTED_NOTE = "computed \u2014 edits are ignored"
_GREY = PatternFill("solid", fgColor="EDEDED")
_GREY_HEAD = PatternFill("solid", fgColor="BFBFBF")
_EDIT_HEAD = PatternFill("solid", fgColor="FFF2CC")
_BOLD = Font(bold=True)
_LINK = Font(color="0563C1", underline="single")
_WRAP = Alignment(wrap_text=True, vertical="top")
VERDICT_FILLS: dict[str, PatternFill] = {
    "allowed": PatternFill("solid", fgColor="C6EFCE"),
    "allowed-with-obligations": PatternFill("solid", fgColor="E2EFDA"),
    "needs-review": PatternFill("solid", fgColor="FFEB9C"),
    "blocked": PatternFill("solid", fgColor="FFC7CE"),
}
_REVIEW_FILL = VERDICT_FILLS["needs-review"]
_INVALID_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})

REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("id", width=28), Column("area", width=14), Column("issue", width=50),
    Column("detail", width=60), Column("effective_license", width=22),
)
LICENSE_TERMS: tuple[str, ...] = (
    "commercial_use", "attribution", "notice", "license_text", "share_alike",
    "share_alike_compatible", "no_derivatives", "research_only", "use_restrictions",
    "training_restriction", "redistribution_prohibited", "results_carveout",
    "extra_obligations",
)
LICENSE_COLUMNS: tuple[Column, ...] = (
    Column("license", width=28), Column("name", width=40), Column("family", width=16),
    Column("datasets", kind="int", width=9), Column("in_knowledge_base", width=10),
    *(Column(t, width=12) for t in LICENSE_TERMS),
    Column("sources", width=40), Column("reviewed", width=11), Column("notes", width=50),
)


def sheet_title(name: str) -> str:
    """A valid sheet name: no ``[]:*?/\\``, not blank, at most 31 characters."""
    title = name.translate(_INVALID_TITLE).strip("'").strip() or "Sheet"
    return title[:MAX_SHEET_TITLE]


class _Writer:
    """Cell conversion shared by every sheet: escaping, limits, warnings."""

    def __init__(self, report: ExportReport) -> None:
        self.report = report
        self.truncated: list[str] = []
        self.replaced: list[str] = []
        self.links: Counter[str] = Counter()
        self.link_warned: set[str] = set()

    def text(self, value: str, where: str) -> str:
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            self.replaced.append(where)
        if len(value) > MAX_CELL_CHARS:
            total = len(value)
            cut = MAX_CELL_CHARS - len(TRUNCATION_MARK.format(total, total)) - 4
            value = value[:cut] + TRUNCATION_MARK.format(total - cut, total)
            self.truncated.append(f"{where} ({total:,} characters)")
        return value

    def value(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            return self.text(value, where) if value else None
        if isinstance(value, bool):
            return cell_text(value)
        if isinstance(value, list | tuple):
            return self.text(cell_text(value), where) if value else None
        return value

    def link(self, ws: WriteOnlyWorksheet, text: str, url: str, where: str) -> Any:
        title = ws.title
        if self.links[title] >= MAX_HYPERLINKS:
            if title not in self.link_warned:
                self.link_warned.add(title)
                self.report.warn(f"sheet {title}: more than {MAX_HYPERLINKS:,} links (the Excel "
                                 f"limit); cells from {where} on keep their text without a link")
            return text
        self.links[title] += 1
        cell = _guarded(ws, text) if isinstance(text, str) else WriteOnlyCell(ws, value=text)
        cell.hyperlink = url
        cell.font = _LINK
        return cell

    def finish(self) -> None:
        for what, items in (("cut to the Excel limit of 32,767 characters (marked "
                             "'[truncated ...]' in the cell)", self.truncated),
                            ("had characters a workbook cannot hold (replaced by U+FFFD)",
                             self.replaced)):
            if not items:
                continue
            shown = ", ".join(items[:MAX_LISTED_WARNINGS])
            more = len(items) - MAX_LISTED_WARNINGS
            self.report.warn(f"{len(items)} cell(s) {what}: {shown}"
                             + (f" and {more} more" if more > 0 else ""))


def _guarded(ws: WriteOnlyWorksheet, text: str) -> Any:
    """A string cell holding ``text`` exactly; formula-like text (and text starting with
    ``'``) gets the ``quotePrefix`` style, so no spreadsheet runs it and the import keeps it
    verbatim."""
    cell = WriteOnlyCell(ws, value=None)
    cell.value = text
    cell.data_type = "s"
    if needs_formula_guard(text) or text.startswith("'"):
        cell.quotePrefix = True
    return cell


def _append(ws: WriteOnlyWorksheet, values: Sequence[Any]) -> None:
    """``ws.append(values)`` with every formula-like text as a guarded string cell."""
    ws.append([_guarded(ws, v) if isinstance(v, str) and v and (
        needs_formula_guard(v) or v.startswith("'")) else v for v in values])


def _header(ws: WriteOnlyWorksheet, columns: Sequence[Column], *, marked: bool) -> None:
    cells = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=col.name)
        cell.font = _BOLD
        if marked:
            if col.editable:
                cell.fill = _EDIT_HEAD
                cell.comment = Comment(f"editable: {col.help}" if col.help else "editable",
                                       "register", width=300, height=110)
            elif col.name != "id":
                cell.fill = _GREY_HEAD
                note = COMPUTED_NOTE + (f"\n{col.help}" if col.help else "")
                cell.comment = Comment(note, "register", width=260, height=80)
            else:
                cell.comment = Comment(f"{col.help}\n(the key the import matches rows by)",
                                       "register", width=260, height=80)
        elif col.help:
            cell.comment = Comment(col.help, "register", width=260, height=80)
        cells.append(cell)
    _append(ws, cells)


def _display_len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 19 if hasattr(value, "hour") else 10
    return min(len(str(value)), MAX_WIDTH)


def _setup(ws: WriteOnlyWorksheet, columns: Sequence[Column], sample: Iterable[dict[str, Any]],
           ) -> None:
    """Freeze the header and size the columns (before the first row is written)."""
    ws.freeze_panes = "B2" if columns and columns[0].name == "id" else "A2"
    print_setup(ws)
    widths = {c.name: max(len(c.name) + 3, c.width, 8) for c in columns}
    for row in sample:
        for c in columns:
            widths[c.name] = max(widths[c.name], _display_len(row.get(c.name)) + 2)
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(
            max(widths[c.name], 8), MAX_WIDTH if c.kind == "text" else 20)


def print_setup(ws: WriteOnlyWorksheet, *, titles: bool = True) -> None:
    """Print on A4 landscape, every column on one page width, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4 (ECMA-376 paper size 9)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if titles:
        ws.print_title_rows = "1:1"


def _finish_sheet(ws: WriteOnlyWorksheet, columns: Sequence[Column], rows: int) -> None:
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{rows + 1}"


# --------------------------------------------------------------------------- Register


def _validations(ws: WriteOnlyWorksheet, rows: int) -> None:
    from register.check.facts import LAWFUL_BASES, PERSONAL_DATA_VALUES

    if rows == 0:
        return
    index = {c.name: i for i, c in enumerate(REGISTER_COLUMNS, start=1)}

    def rng(name: str) -> str:
        letter = get_column_letter(index[name])
        return f"{letter}2:{letter}{rows + 1}"

    lists = {
        "personal_data": ",".join(PERSONAL_DATA_VALUES),
        "lawful_basis": ",".join((*LAWFUL_BASES, "none")),
    }
    for col in REGISTER_COLUMNS:
        if not col.editable:
            continue
        if col.name in lists:
            dv = DataValidation(type="list", formula1=f'"{lists[col.name]}"', allow_blank=True,
                                showErrorMessage=True, errorTitle=col.name,
                                error=f"{col.name}: {col.help}")
        elif col.kind == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="1",
                                allow_blank=True, showErrorMessage=True, errorStyle="warning",
                                errorTitle=col.name, error=f"{col.name}: {col.help}")
        else:
            dv = DataValidation(allow_blank=True)
        dv.showInputMessage = True
        dv.promptTitle = col.name[:32]
        dv.prompt = col.help[:255]
        dv.add(rng(col.name))
        ws.data_validations.append(dv)


def _grey_computed(ws: WriteOnlyWorksheet, rows: int) -> None:
    if rows == 0:
        return
    blocks: list[tuple[int, int]] = []
    for i, col in enumerate(REGISTER_COLUMNS, start=1):
        if col.editable or col.name == "id":
            continue
        if blocks and blocks[-1][1] == i - 1:
            blocks[-1] = (blocks[-1][0], i)
        else:
            blocks.append((i, i))
    for first, last in blocks:
        ref = f"{get_column_letter(first)}2:{get_column_letter(last)}{rows + 1}"
        ws.conditional_formatting.add(ref, FormulaRule(formula=["TRUE"], fill=_GREY))


def _register_rows(
    ws: WriteOnlyWorksheet, rows: Iterator[RegisterRow], w: _Writer,
    review: ReviewWriter, seen_licenses: Counter[str],
) -> int:
    names = [c.name for c in REGISTER_COLUMNS]
    source_at = names.index("source")
    review_at = names.index("needs_review")
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007
        ident = row["id"]
        out: list[Any] = []
        for name in names:
            value = row[name]
            if isinstance(value, str):
                value = w.text(value, f"Register!{name} of {ident}") if value else None
            elif isinstance(value, bool):
                value = cell_text(value)
            out.append(value)
        source = row["source"]
        if isinstance(source, str) and source.startswith(("https://", "http://")):
            out[source_at] = w.link(ws, out[source_at], source, f"row {count + 1}")
        if row["needs_review"]:
            cell = WriteOnlyCell(ws, value="yes")
            cell.fill = _REVIEW_FILL
            out[review_at] = cell
        _append(ws, out)
        for lid in set(license_keys(row["declared_license"])) | set(
                license_keys(row["concluded_license"])):
            seen_licenses[lid] += 1
        review.add(row)
    return count


class ReviewWriter:
    """Rows of the Review sheet, written while the Register sheet streams."""

    def __init__(self, ws: WriteOnlyWorksheet, w: _Writer, today: date) -> None:
        self.ws = ws
        self.w = w
        self.today = today
        self.rows = 0
        _setup(ws, REVIEW_COLUMNS, [])
        _header(ws, REVIEW_COLUMNS, marked=False)

    def _emit(self, ident: str, area: str, issue: str, detail: str | None,
              license: str | None) -> None:
        where = f"Review!{area} of {ident}"
        _append(self.ws, [self.w.text(ident, where), area, self.w.text(issue, where),
                        self.w.text(detail, where) if detail else None,
                        self.w.text(license, where) if license else None])
        self.rows += 1

    def add(self, row: RegisterRow) -> None:
        """The dataset's review items (:func:`register.check.review.dataset_review`, the
        same as its ``needs_review`` / ``review_reason`` cells), then its attention notes."""
        ident = row["id"]
        lic = row["effective_license"]
        for item in (*row.review, *row.attention):
            self._emit(ident, item.kind, item.message, item.action or None, lic)

    def finish(self) -> None:
        if self.rows == 0:
            _append(self.ws, [None, None, "nothing needs review", None, None])
        _finish_sheet(self.ws, REVIEW_COLUMNS, max(self.rows, 1))


# --------------------------------------------------------------------------- other sheets


def _licenses(ws: WriteOnlyWorksheet, reg: Register, seen: Counter[str], w: _Writer,
              report: ExportReport) -> None:
    try:
        kb: Any = reg.kb
    except Exception as exc:  # a broken knowledge base must not stop the export
        report.warn(f"Licenses sheet: knowledge base not available ({exc})")
        kb = None
    rows: list[dict[str, Any]] = []
    for lid in sorted(seen, key=str.lower):
        terms = kb.get(lid) if kb is not None else None
        item: dict[str, Any] = {"license": lid, "datasets": seen[lid],
                                "in_knowledge_base": "yes" if terms else "no"}
        if terms is None:
            item["notes"] = ("no terms in the knowledge base: checks of datasets under this "
                             "license need review" if lid.upper() != "NOASSERTION"
                             else "no license asserted: needs review")
        else:
            data = terms.to_dict()
            item.update(name=terms.name, family=terms.family, notes=terms.notes or None)
            for t in LICENSE_TERMS:
                value = data["terms"][t]
                item[t] = (LIST_SEPARATOR.join(value) or None) if isinstance(value, list) else value
            item["sources"] = LIST_SEPARATOR.join(s["url"] for s in data["sources"]) or None
            item["reviewed"] = LIST_SEPARATOR.join(str(s["reviewed"]) for s in data["sources"]
                                        if s.get("reviewed")) or None
        rows.append(item)
    _setup(ws, LICENSE_COLUMNS, rows[:SAMPLE_ROWS])
    _header(ws, LICENSE_COLUMNS, marked=False)
    for item in rows:
        out = [w.value(item.get(c.name), f"Licenses!{c.name} of {item['license']}")
               for c in LICENSE_COLUMNS]
        sources = item.get("sources")
        if sources and sources.startswith(("https://", "http://")):
            at = [c.name for c in LICENSE_COLUMNS].index("sources")
            out[at] = w.link(ws, out[at], sources.split(LIST_SEPARATOR)[0], item["license"])
        _append(ws, out)
    if not rows:
        _append(ws, ["(no licenses)"])
    _finish_sheet(ws, LICENSE_COLUMNS, max(len(rows), 1))


def _check(ws: WriteOnlyWorksheet, result: CheckResult, w: _Writer) -> None:
    columns = [Column(n, width=12) for n in CHECK_COLUMNS]
    rows = list(check_rows(result))
    _setup(ws, columns, [r.as_dict() for r in rows[:SAMPLE_ROWS]])
    _header(ws, columns, marked=False)
    verdict_at = CHECK_COLUMNS.index("verdict")
    for n, row in enumerate(rows, start=2):
        out: list[Any] = [w.value(value, f"Check!{c} row {n}")
                          for c, value in row.as_dict().items()]
        fill = VERDICT_FILLS.get(row.verdict)
        if fill is not None:
            cell = WriteOnlyCell(ws, value=row.verdict)
            cell.fill = fill
            if row.section == "verdict":
                cell.font = _BOLD
            out[verdict_at] = cell
        _append(ws, out)
    _finish_sheet(ws, columns, len(rows))


ABOUT_LINES: tuple[str, ...] = (
    "Dataset license and rights register \u2014 exported workbook",
    "",
    "Register: one row per dataset. Yellow headers are editable; grey columns are computed "
    "and edits to them are ignored.",
    "To record a decision, edit the rights cells (personal_data, sensitive, dpia, "
    "lawful_basis, consent_purpose, collected_in, allowed_region, collected_on, "
    "retain_until) or write a concluded_license (an SPDX expression) with a "
    "concluded_reason; say why in 'reason' and who in 'by'.",
    "Lists are separated by ';' (DE;FR). An empty cell keeps the stored value; '-' (or "
    "'none') clears it. Dates are YYYY-MM-DD.",
    "Then import the file: register import xlsx THIS_FILE --by YOUR_NAME. Every row is "
    "checked first; if any is invalid nothing is imported and every problem is listed with "
    "its sheet, row and column. Unchanged rows change nothing.",
    "Review: what needs a human and why. Licenses: the terms the knowledge base holds for "
    "every license named. Check (when exported with --corpus and --use): the verdict and "
    "every finding.",
    "Text that a spreadsheet could run as a formula is stored as text (quote prefix), "
    "never as a formula.",
)


def _about(ws: WriteOnlyWorksheet, scope: ExportScope, report: ExportReport) -> None:
    print_setup(ws, titles=False)
    ws.page_setup.orientation = "portrait"
    ws.column_dimensions["A"].width = 110
    for i, line in enumerate(ABOUT_LINES):
        cell = WriteOnlyCell(ws, value=line)
        cell.alignment = _WRAP
        if i == 0:
            cell.font = Font(bold=True, size=13)
        _append(ws, [cell])
    if scope.corpus_name is not None or scope.ids is not None:
        _append(ws, [f"Corpus: {scope.corpus_name or '(unnamed)'} "
                 f"({len(scope.ids or ())} datasets)"])
    if scope.check is not None:
        options = "".join(", " + (k.replace("_", "-") if v is True else f"{k} {v}")
                          for k, v in scope.check_options)
        _append(ws, [f"Check: use {scope.check.use}{options}: {scope.check.verdict}"])
    _append(ws, [f"Datasets: {report.rows}"])


# --------------------------------------------------------------------------- entry point


def write_xlsx(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    wb = Workbook(write_only=True)
    w = _Writer(report)
    register_ws = wb.create_sheet(sheet_title("Register"))
    check_ws = wb.create_sheet(sheet_title("Check")) if scope.check is not None else None
    review_ws = wb.create_sheet(sheet_title("Review"))
    licenses_ws = wb.create_sheet(sheet_title("Licenses"))
    about_ws = wb.create_sheet(sheet_title("About"))
    dashboard_ws = wb.create_sheet(sheet_title("Dashboard"), 0) if scope.dashboard else None

    if check_ws is not None and scope.check is not None:
        _check(check_ws, scope.check, w)

    rows = iter_register_rows(reg, scope.ids, today=scope.on)
    sample = list(islice(rows, SAMPLE_ROWS))
    _setup(register_ws, REGISTER_COLUMNS, [r.cells for r in sample])
    _header(register_ws, REGISTER_COLUMNS, marked=True)
    review = ReviewWriter(review_ws, w, scope.on or date.today())
    seen: Counter[str] = Counter()
    count = _register_rows(register_ws, chain(sample, rows), w, review, seen)
    report.rows = count
    _finish_sheet(register_ws, REGISTER_COLUMNS, count)
    _validations(register_ws, count)
    _grey_computed(register_ws, count)
    review.finish()
    _licenses(licenses_ws, reg, seen, w, report)
    _about(about_ws, scope, report)
    if dashboard_ws is not None:
        from register.exports.xlsx_dashboard import write_dashboard

        write_dashboard(dashboard_ws, reg, scope.on)
    w.finish()
    wb.save(path)
