"""``register export xlsx``: the procurement workbook (XlsxWriter, streamed).

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
* hyperlinks stop at 65,530 per sheet, and a URL over Excel's 2,079 characters gets no link
  (the cells keep their text).

Streaming: XlsxWriter's ``constant_memory`` mode (issue 18: the same workbook in about 0.6x
the CPU time of openpyxl's write-only mode, see ``bench/bench_export.py``).  Each
sheet's rows go to a temporary file as they are read from the database, in row order (the
Review sheet fills while the Register sheet streams), so memory stays bounded for any
register size; strings are inline (no shared-string table to hold).  What needs the row
count (autofilter, validations, conditional formats) is added after the rows, which
XlsxWriter keeps apart from the cell data.  openpyxl reads the workbook back (the import).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.exports import (
    REGISTER_COLUMNS,
    Column,
    ExportReport,
    ExportScope,
    RegisterRow,
    iter_register_rows,
)
from register.exports.xlsx_book import (
    BOLD,
    MAX_CELL_CHARS,
    MAX_SHEET_TITLE,
    SOLID,
    WRAP,
    Book,
    Cell,
    Sheet,
    plain_texts,
    print_setup,
    sheet_title,
    styled,
)
from register.licenses.expressions import license_keys
from register.render.cells import LIST_SEPARATOR
from register.render.checkview import CHECK_COLUMNS, check_rows

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

    from register.check.result import CheckResult
    from register.register import Register

__all__ = [
    "LICENSE_COLUMNS",
    "MAX_CELL_CHARS",
    "MAX_SHEET_TITLE",
    "REVIEW_COLUMNS",
    "about_lines",
    "license_rows",
    "print_setup",
    "sheet_title",
    "write_xlsx",
]

MAX_WIDTH = 60
SAMPLE_ROWS = 500

COMPUTED_NOTE = "computed \u2014 edits are ignored"
_GREY = "#EDEDED"
_EDIT_HEAD = {**BOLD, **SOLID, "bg_color": "#FFF2CC"}
_GREY_HEAD = {**BOLD, **SOLID, "bg_color": "#BFBFBF"}
VERDICT_FILLS: dict[str, str] = {
    "allowed": "#C6EFCE",
    "allowed-with-obligations": "#E2EFDA",
    "needs-review": "#FFEB9C",
    "blocked": "#FFC7CE",
}
_REVIEW_FILL = {**SOLID, "bg_color": VERDICT_FILLS["needs-review"]}

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



def _header(sheet: Sheet, columns: Sequence[Column], *, marked: bool) -> None:
    ws = sheet.ws
    r = sheet.row
    for c, col in enumerate(columns):
        style: dict[str, Any] = BOLD
        note = None
        size = {"author": "register", "width": 260, "height": 80}
        if marked:
            if col.editable:
                style = _EDIT_HEAD
                note = f"editable: {col.help}" if col.help else "editable"
                size = {**size, "width": 300, "height": 110}
            elif col.name != "id":
                style = _GREY_HEAD
                note = COMPUTED_NOTE + (f"\n{col.help}" if col.help else "")
            else:
                note = f"{col.help}\n(the key the import matches rows by)"
        elif col.help:
            note = col.help
        sheet.book.string(ws, r, c, col.name, tuple(sorted(style.items())))
        if note:
            ws.write_comment(r, c, note, size)
    sheet.row = r + 1


def _display_len(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 19 if hasattr(value, "hour") else 10
    return min(len(str(value)), MAX_WIDTH)


def _setup(sheet: Sheet, columns: Sequence[Column], sample: Iterable[dict[str, Any]]) -> None:
    """Freeze the header, set up printing and size the columns."""
    sheet.ws.freeze_panes(1, 1 if columns and columns[0].name == "id" else 0)
    print_setup(sheet.ws)
    widths = {c.name: max(len(c.name) + 3, c.width, 8) for c in columns}
    for row in sample:
        for c in columns:
            widths[c.name] = max(widths[c.name], _display_len(row.get(c.name)) + 2)
    sheet.widths([min(max(widths[c.name], 8), MAX_WIDTH if c.kind == "text" else 20)
                  for c in columns])



def _finish_sheet(sheet: Sheet, columns: Sequence[Column], rows: int) -> None:
    sheet.ws.autofilter(0, 0, rows, len(columns) - 1)


# --------------------------------------------------------------------------- Register


def _validations(ws: Worksheet, rows: int) -> None:
    from register.check.facts import LAWFUL_BASES, PERSONAL_DATA_VALUES

    if rows == 0:
        return
    lists = {
        "personal_data": list(PERSONAL_DATA_VALUES),
        "lawful_basis": [*LAWFUL_BASES, "none"],
    }
    for c, col in enumerate(REGISTER_COLUMNS):
        if not col.editable:
            continue
        error = {"error_title": col.name[:32], "error_message": f"{col.name}: {col.help}"[:255]}
        options: dict[str, Any]
        if col.name in lists:
            options = {"validate": "list", "source": lists[col.name], **error}
        elif col.kind == "date":
            options = {"validate": "date", "criteria": ">", "value": date(1900, 1, 1),
                       "error_type": "warning", **error}
        else:
            options = {"validate": "any"}
        options |= {"ignore_blank": True, "input_title": col.name[:32],
                    "input_message": col.help[:255]}
        ws.data_validation(1, c, rows, c, options)


def _grey_computed(book: Book, ws: Worksheet, rows: int) -> None:
    if rows == 0:
        return
    blocks: list[tuple[int, int]] = []
    for i, col in enumerate(REGISTER_COLUMNS):
        if col.editable or col.name == "id":
            continue
        if blocks and blocks[-1][1] == i - 1:
            blocks[-1] = (blocks[-1][0], i)
        else:
            blocks.append((i, i))
    grey = book.format((("bg_color", _GREY),))
    for first, last in blocks:
        ws.conditional_format(1, first, rows, last,
                              {"type": "formula", "criteria": "TRUE", "format": grey})


def _register_rows(
    sheet: Sheet, rows: Iterator[RegisterRow], review: ReviewWriter,
    seen_licenses: Counter[str],
) -> int:
    """Write the dataset rows (the hot loop).

    Each column's cells are written by its kind, with no per-cell type dispatch: a row's
    text cells are checked with one search (:func:`plain_texts`) and then written as they
    are, or else cell by cell (:meth:`Book.any`: the formula guard, limits, warnings); a
    ``source`` URL then becomes a link over its plain cell (the same cell, rewritten while
    its row is still open).  A value not of its column's kind takes :meth:`Book.any`.
    """
    book = sheet.book
    ws = sheet.ws
    at = {c.name: i for i, c in enumerate(REGISTER_COLUMNS)}
    text_names = [c.name for c in REGISTER_COLUMNS if c.kind == "text"]
    text_at = [at[n] for n in text_names]
    name_at = {i: c.name for i, c in enumerate(REGISTER_COLUMNS)}
    texts_of = itemgetter(*text_names)
    numbers = [(at[c.name], c.name) for c in REGISTER_COLUMNS if c.kind == "int"]
    dates = [(at[c.name], c.name, book.datetime if c.kind == "datetime" else book.date,
              datetime if c.kind == "datetime" else date)
             for c in REGISTER_COLUMNS if c.kind in ("date", "datetime")]
    (review_at, review_name), = ((at[c.name], c.name) for c in REGISTER_COLUMNS
                                 if c.kind == "bool")
    source_at = at["source"]
    review_fmt = book.format(tuple(sorted(_REVIEW_FILL.items())))
    write_string, write_number, write_datetime = ws.write_string, ws.write_number, \
        ws.write_datetime
    any_cell = book.any
    pairs: Counter[tuple[str | None, str | None]] = Counter()
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007
        cells = row.cells
        ident = cells["id"]
        r = sheet.row
        texts = texts_of(cells)
        source = cells["source"]
        url = source if isinstance(source, str) and source.startswith(
            ("https://", "http://")) else None
        plain = plain_texts(texts)
        if plain:
            for c, value in zip(text_at, texts, strict=True):
                if value:
                    write_string(r, c, value)
                elif value is not None and value.__class__ is not str:  # 0, False
                    any_cell(ws, r, c, value, ("Register!", name_at[c], " of ", ident))
        else:
            for c, name, value in zip(text_at, text_names, texts, strict=True):
                if c != source_at or url is None:
                    any_cell(ws, r, c, value, ("Register!", name, " of ", ident))
        if url is not None:  # a plain row wrote it as it is: the link rewrites that cell
            shown = url if plain else book.text(url, f"Register!source of {ident}")
            linked = book.link(sheet, shown, url, f"row {count + 1}")
            if isinstance(linked, Cell):
                book.cell(sheet, r, source_at, linked)
            elif not plain:
                book.string(ws, r, source_at, shown, None)
        for c, name in numbers:
            value = cells[name]
            if value.__class__ is int:
                write_number(r, c, value)
            else:
                any_cell(ws, r, c, value, ("Register!", name, " of ", ident))
        for c, name, fmt, kind in dates:
            value = cells[name]
            if value.__class__ is kind:
                write_datetime(r, c, value, fmt)
            elif value is not None:
                any_cell(ws, r, c, value, ("Register!", name, " of ", ident))
        value = cells[review_name]
        if value is None or isinstance(value, str):
            any_cell(ws, r, review_at, value, ("Register!", review_name, " of ", ident))
        elif value:
            write_string(r, review_at, "yes", review_fmt)
        else:
            write_string(r, review_at, "no")
        sheet.row = r + 1
        pairs[cells["declared_license"], cells["concluded_license"]] += 1
        if row.review or row.attention:
            review.add(row)
    for (declared, concluded), n in pairs.items():  # each distinct pair once
        for lid in set(license_keys(declared)) | set(license_keys(concluded)):
            seen_licenses[lid] += n
    return count


class ReviewWriter:
    """Rows of the Review sheet, written while the Register sheet streams."""

    def __init__(self, sheet: Sheet, today: date) -> None:
        self.sheet = sheet
        self.book = sheet.book
        self.today = today
        self.rows = 0
        _setup(sheet, REVIEW_COLUMNS, [])
        _header(sheet, REVIEW_COLUMNS, marked=False)

    def add(self, row: RegisterRow) -> None:
        """The dataset's review items (:func:`register.check.review.dataset_review`, the
        same as its ``needs_review`` / ``review_reason`` cells), then its attention notes."""
        if not (row.review or row.attention):
            return
        ident = row["id"]
        lic = row["effective_license"]
        sheet, book = self.sheet, self.book
        ws, write_string, r = sheet.ws, sheet.ws.write_string, sheet.row
        for item in (*row.review, *row.attention):
            values = (ident, item.kind, item.message, item.action, lic)
            if plain_texts(values):
                for c, value in enumerate(values):
                    if value:
                        write_string(r, c, value)
                    elif value is not None and value.__class__ is not str:  # 0, False
                        book.any(ws, r, c, value, ("Review!", item.kind, " of ", ident))
            else:
                where = ("Review!", item.kind, " of ", ident)
                for c, value in enumerate(values):
                    book.any(ws, r, c, value, where)
            r += 1
        self.rows += r - sheet.row
        sheet.row = r

    def finish(self) -> None:
        if self.rows == 0:
            self.sheet.append([None, None, "nothing needs review", None, None])
        _finish_sheet(self.sheet, REVIEW_COLUMNS, max(self.rows, 1))


# --------------------------------------------------------------------------- other sheets


def license_rows(reg: Register, seen: Counter[str], report: ExportReport,
                 ) -> list[dict[str, Any]]:
    """The Licenses sheet's rows (column name -> value, by :data:`LICENSE_COLUMNS`): the
    knowledge-base terms of every license in ``seen`` (id -> datasets naming it)."""
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
    return rows


def _licenses(sheet: Sheet, reg: Register, seen: Counter[str], report: ExportReport) -> None:
    book = sheet.book
    rows = license_rows(reg, seen, report)
    _setup(sheet, LICENSE_COLUMNS, rows[:SAMPLE_ROWS])
    _header(sheet, LICENSE_COLUMNS, marked=False)
    at = [c.name for c in LICENSE_COLUMNS].index("sources")
    for item in rows:
        out = [book.value(item.get(c.name), f"Licenses!{c.name} of {item['license']}")
               for c in LICENSE_COLUMNS]
        sources = item.get("sources")
        if sources and sources.startswith(("https://", "http://")):
            out[at] = book.link(sheet, out[at], sources.split(LIST_SEPARATOR)[0],
                                item["license"])
        sheet.append(out)
    if not rows:
        sheet.append(["(no licenses)"])
    _finish_sheet(sheet, LICENSE_COLUMNS, max(len(rows), 1))


def _check(sheet: Sheet, result: CheckResult) -> None:
    book = sheet.book
    columns = [Column(n, width=12) for n in CHECK_COLUMNS]
    rows = list(check_rows(result))
    _setup(sheet, columns, [r.as_dict() for r in rows[:SAMPLE_ROWS]])
    _header(sheet, columns, marked=False)
    verdict_at = CHECK_COLUMNS.index("verdict")
    for n, row in enumerate(rows, start=2):
        out: list[Any] = [book.value(value, f"Check!{c} row {n}")
                          for c, value in row.as_dict().items()]
        fill = VERDICT_FILLS.get(row.verdict)
        if fill is not None:
            props: dict[str, Any] = {**SOLID, "bg_color": fill}
            if row.section == "verdict":
                props |= BOLD
            out[verdict_at] = styled(row.verdict, **props)
        sheet.append(out)
    _finish_sheet(sheet, columns, len(rows))


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


def about_lines(scope: ExportScope, report: ExportReport) -> list[str]:
    """The About sheet's lines (one cell each): how to edit and import, and the scope."""
    lines = list(ABOUT_LINES)
    if scope.corpus_name is not None or scope.ids is not None:
        lines.append(f"Corpus: {scope.corpus_name or '(unnamed)'} "
                     f"({len(scope.ids or ())} datasets)")
    if scope.check is not None:
        options = "".join(", " + (k.replace("_", "-") if v is True else f"{k} {v}")
                          for k, v in scope.check_options)
        lines.append(f"Check: use {scope.check.use}{options}: {scope.check.verdict}")
    lines.append(f"Datasets: {report.rows}")
    return lines


def _about(sheet: Sheet, scope: ExportScope, report: ExportReport) -> None:
    print_setup(sheet.ws, titles=False)
    sheet.ws.set_portrait()
    sheet.widths([110])
    for i, line in enumerate(about_lines(scope, report)):
        if i < len(ABOUT_LINES):
            sheet.append([styled(line, **WRAP, **({"bold": True, "font_size": 13} if i == 0
                                                     else {}))])
        else:
            sheet.append([line])


# --------------------------------------------------------------------------- entry point


def write_xlsx(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    book = Book(path, report)
    # tab order; each sheet streams its rows in order, interleaved with the others
    dashboard = book.sheet("Dashboard") if scope.dashboard else None
    register = book.sheet("Register")
    check = book.sheet("Check") if scope.check is not None else None
    review_sheet = book.sheet("Review")
    licenses = book.sheet("Licenses")
    about = book.sheet("About")

    if check is not None and scope.check is not None:
        _check(check, scope.check)

    rows = iter_register_rows(reg, scope.ids, today=scope.on)
    sample = list(islice(rows, SAMPLE_ROWS))
    _setup(register, REGISTER_COLUMNS, [r.cells for r in sample])
    _header(register, REGISTER_COLUMNS, marked=True)
    review = ReviewWriter(review_sheet, scope.on or date.today())
    seen: Counter[str] = Counter()
    count = _register_rows(register, chain(sample, rows), review, seen)
    report.rows = count
    _finish_sheet(register, REGISTER_COLUMNS, count)
    _validations(register.ws, count)
    _grey_computed(book, register.ws, count)
    review.finish()
    _licenses(licenses, reg, seen, report)
    _about(about, scope, report)
    if dashboard is not None:
        from register.exports.xlsx_dashboard import write_dashboard

        write_dashboard(dashboard, reg, scope.on)
    book.finish()
    book.wb.close()
