"""The cell layer of the xlsx export: an XlsxWriter ``constant_memory`` workbook, written
row by row.

:class:`Book` holds the workbook, its formats (made once per style) and what every sheet
shares: text limits (32,767 characters, visibly cut), characters XML cannot hold (replaced by
U+FFFD), the formula guard (formula-like text is a string cell with the quote prefix, never a
formula: :func:`register.render.cells.needs_formula_guard`), hyperlinks within Excel's
limits, and the warnings of all of these.  :class:`Sheet` writes rows in order (what
``constant_memory`` needs); :class:`Cell` is a value with a style or a link.  Every cell is
written with its type (the workbook options turn no text into a formula, number or link).
The sheets themselves are :mod:`register.exports.xlsx` and
:mod:`register.exports.xlsx_dashboard`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from register.render.cells import cell_text, needs_formula_guard

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from register.exports import ExportReport

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_HYPERLINKS",
    "MAX_SHEET_TITLE",
    "MAX_URL_CHARS",
    "SAFE_CHARS",
    "Book",
    "Cell",
    "Sheet",
    "plain_texts",
    "print_setup",
    "sheet_title",
    "styled",
]

MAX_CELL_CHARS = 32_767  # UTF-16 units
#: text up to this many characters is within MAX_CELL_CHARS whatever it holds
SAFE_CHARS = MAX_CELL_CHARS // 2
MAX_HYPERLINKS = 65_530
MAX_URL_CHARS = 2_079  # Excel's limit for a hyperlink target
MAX_SHEET_TITLE = 31
MAX_LISTED_WARNINGS = 20
A4 = 9  # ECMA-376 paper size 9

TRUNCATION_MARK = (" \u2026 [truncated: {:,} of {:,} characters not shown; Excel holds 32,767 "
                   "per cell; the json export has the full text]")
#: characters XML 1.0 cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``)
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
#: text that needs a closer look (:meth:`Book.put`): it starts with neither a word character
#: nor ``/`` (so it may be a formula start, a blank, or a quote), or it holds an illegal
#: character; everything else is written as it is
SUSPECT_TEXT = re.compile(r"^[^\w/]|[\000-\010\013\014\016-\037]")
#: the two halves of :data:`SUSPECT_TEXT`, for :func:`plain_texts`: a first character
#: that needs a look, a character XML cannot hold
_SUSPECT_FIRST = re.compile(r"[^\w/]")
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_first = itemgetter(0)

SOLID = {"pattern": 1}
BOLD = {"bold": True}
LINK = {"font_color": "#0563C1", "underline": 1}
WRAP = {"text_wrap": True, "valign": "top"}
_INVALID_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def plain_texts(texts: Iterable[Any]) -> bool:
    """True when every value of ``texts`` (``None`` and ``""`` skipped) is text that
    :meth:`Book.put` writes as it is (its fast path: :data:`SUSPECT_TEXT` finds nothing and
    it is short), checked for the whole row at once: one search over the joined texts (a
    newline joins them: XML holds it) and one over their first characters, instead of a
    search per cell.  False for a row holding a value that is not text, and for a row whose
    texts together exceed :data:`SAFE_CHARS`: the cell-by-cell path decides those."""
    values = list(filter(None, texts))
    try:
        joined = "\n".join(values)
    except TypeError:  # a value that is not text
        return False
    return (len(joined) <= SAFE_CHARS and _ILLEGAL.search(joined) is None
            and _SUSPECT_FIRST.search("".join(map(_first, values))) is None)


def sheet_title(name: str) -> str:
    """A valid sheet name: no ``[]:*?/\\``, not blank, at most 31 characters."""
    title = name.translate(_INVALID_TITLE).strip("'").strip() or "Sheet"
    return title[:MAX_SHEET_TITLE]


class Cell(NamedTuple):
    """A cell with a style (XlsxWriter format properties) and, optionally, a link."""

    value: Any
    style: tuple[tuple[str, Any], ...] = ()
    url: str | None = None


def styled(value: Any, **props: Any) -> Cell:
    return Cell(value, tuple(sorted(props.items())))


class Sheet:
    """A worksheet written row by row (constant_memory: rows in order)."""

    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self.ws: Worksheet = book.wb.add_worksheet(name)
        self.name: str = self.ws.name
        self.row = 0  # the next row (0-based)
        self.links = 0

    def append(self, values: Sequence[Any]) -> None:
        """Write ``values`` as the next row: text as string cells (formula-like text with the
        quote prefix), numbers, dates, and :class:`Cell` s; ``None`` and ``""`` stay empty."""
        book = self.book
        ws = self.ws
        r = self.row
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                if value:
                    book.string(ws, r, c, value, None)
            elif isinstance(value, Cell):
                book.cell(self, r, c, value)
            else:
                book.typed(ws, r, c, value, None)
        self.row = r + 1

    def widths(self, widths: Sequence[float]) -> None:
        for c, width in enumerate(widths):
            self.ws.set_column(c, c, width)


class Book:
    """The workbook: formats, cell conversion shared by every sheet, limits, warnings."""

    def __init__(self, path: Path, report: ExportReport) -> None:
        import xlsxwriter

        self.wb: Workbook = xlsxwriter.Workbook(str(path), {
            "constant_memory": True,
            # every cell is written with its type: no text is ever turned into a formula,
            # a number or a link
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
        })
        self.report = report
        self.truncated: list[str] = []
        self.replaced: list[str] = []
        self.link_warned: set[str] = set()
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.quote = self.format((("quote_prefix", True),))
        self.date = self.format((("num_format", "yyyy-mm-dd"),))
        self.datetime = self.format((("num_format", "yyyy-mm-dd h:mm:ss"),))

    def format(self, style: tuple[tuple[str, Any], ...]) -> Format:
        fmt = self._formats.get(style)
        if fmt is None:
            fmt = self._formats[style] = self.wb.add_format(dict(style))
        return fmt

    def sheet(self, name: str) -> Sheet:
        return Sheet(self, sheet_title(name))

    # ------------------------------------------------------------------ cells

    def text(self, value: str, where: str) -> str:
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            self.replaced.append(where)
        if len(value) > SAFE_CHARS and _utf16_len(value) > MAX_CELL_CHARS:
            # Excel counts UTF-16 units: a character beyond U+FFFF takes two
            total = len(value)
            room = MAX_CELL_CHARS - len(TRUNCATION_MARK.format(total, total)) - 4
            cut = room
            while _utf16_len(value[:cut]) > room:
                cut -= (_utf16_len(value[:cut]) - room + 1) // 2 or 1
            value = value[:cut] + TRUNCATION_MARK.format(total - cut, total)
            self.truncated.append(f"{where} ({total:,} characters)")
        return value

    def put(self, ws: Worksheet, r: int, c: int, value: str, where: str | tuple[str, ...],
            ) -> None:
        """A text cell: :meth:`text` (limits) and :meth:`string` (the formula guard), with
        a fast path for the plain text most cells hold.  ``where`` names the cell for the
        warnings (its parts are joined only when one is needed)."""
        if SUSPECT_TEXT.search(value) is None and len(value) <= SAFE_CHARS:
            ws.write_string(r, c, value)
        else:
            self.string(ws, r, c, self.text(value, where if isinstance(where, str)
                                            else "".join(where)), None)

    def any(self, ws: Worksheet, r: int, c: int, value: Any, where: str | tuple[str, ...],
            ) -> None:
        """A cell of any value: text as :meth:`put`, others as :meth:`typed`; ``None`` and
        ``""`` stay empty."""
        if isinstance(value, str):
            if value:
                self.put(ws, r, c, value, where)
        elif value is not None:
            self.typed(ws, r, c, value, None)

    def value(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            return self.text(value, where) if value else None
        if isinstance(value, bool):
            return cell_text(value)
        if isinstance(value, list | tuple):
            return self.text(cell_text(value), where) if value else None
        return value

    def string(self, ws: Worksheet, r: int, c: int, value: str, style: Any) -> None:
        """A string cell holding ``value`` exactly; formula-like text (and text starting with
        ``'``) gets the quote prefix, so no spreadsheet runs it and the import keeps it
        verbatim."""
        if needs_formula_guard(value) or value[0] == "'":
            ws.write_string(r, c, value, self.format((*style, ("quote_prefix", True)))
                            if style else self.quote)
        else:
            ws.write_string(r, c, value, self.format(style) if style else None)

    def typed(self, ws: Worksheet, r: int, c: int, value: Any, style: Any) -> None:
        if isinstance(value, bool):
            self.string(ws, r, c, cell_text(value), style)
        elif isinstance(value, datetime):
            ws.write_datetime(r, c, value, self.format(
                (*style, ("num_format", "yyyy-mm-dd h:mm:ss"))) if style else self.datetime)
        elif isinstance(value, date):
            ws.write_datetime(r, c, value, self.format(
                (*style, ("num_format", "yyyy-mm-dd"))) if style else self.date)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, self.format(style) if style else None)
        else:
            self.string(ws, r, c, str(value), style)

    def cell(self, sheet: Sheet, r: int, c: int, cell: Cell) -> None:
        value, style, url = cell
        if url is not None:
            text = value if isinstance(value, str) and value else url
            fmt = self.format((*style, ("quote_prefix", True)) if needs_formula_guard(text)
                              or text[0] == "'" else style)
            sheet.ws.write_url(r, c, url, fmt, string=text)
        elif isinstance(value, str):
            if value:
                self.string(sheet.ws, r, c, value, style)
        elif value is not None:
            self.typed(sheet.ws, r, c, value, style)

    def link(self, sheet: Sheet, text: Any, url: str, where: str) -> Any:
        """``text`` linked to ``url``, or plain ``text`` past the Excel limits (warned)."""
        if _utf16_len(url) > MAX_URL_CHARS:
            self.report.warn(f"sheet {sheet.name}: {where}: the URL is longer than "
                             f"{MAX_URL_CHARS:,} characters (the Excel limit); the cell keeps "
                             "its text without a link")
            return text
        if sheet.links >= MAX_HYPERLINKS:
            if sheet.name not in self.link_warned:
                self.link_warned.add(sheet.name)
                self.report.warn(f"sheet {sheet.name}: more than {MAX_HYPERLINKS:,} links (the "
                                 f"Excel limit); cells from {where} on keep their text without "
                                 "a link")
            return text
        sheet.links += 1
        return Cell(text, tuple(sorted(LINK.items())), url)

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



def print_setup(ws: Worksheet, *, titles: bool = True) -> None:
    """Print on A4 landscape, every column on one page width, the header row on every page."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as the rows need
    if titles:
        ws.repeat_rows(0)

