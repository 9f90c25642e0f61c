"""The workbook's **Dashboard** sheet (``register export xlsx --dashboard``).

The figures are those of ``register report dashboard`` (:func:`register.Register.figures`),
written as small tables with native Excel charts over them (XlsxWriter charts referring to
the cells, so Excel, LibreOffice and Numbers draw and update them): verdicts per use
(stacked bars), the review queue by reason and by age, and the headline counts.
No figure is computed here.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_col_to_name

from register.check.facts import VERDICTS
from register.exports.xlsx_book import Sheet, print_setup, styled

if TYPE_CHECKING:
    from xlsxwriter.chart import Chart

    from register.register import Register
    from register.reports.figures import FiguresJSON

__all__ = ["dashboard_tables", "write_dashboard"]

#: chart size in pixels (16 x 7.5 cm at 96 dpi)
CHART_SIZE = {"width": 605, "height": 283}


def dashboard_tables(figures: FiguresJSON) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The sheet's tables, in order: (title, header, rows)."""
    headline = [
        ["datasets", figures["datasets"]],
        ["datasets with unresolved license issues", len(figures["datasets_license_issues"])],
        ["review queue", figures["review_queue"]],
        [f"retention deadlines in the next {figures['retention_days']} days",
         len(figures["retention_due"])],
        ["models inventoried", figures["models"]],
        ["models that passed the provenance checks", figures["models_provenance_passed"]],
        ["models with unresolved license issues", len(figures["models_license_issues"])],
    ]
    verdicts = [[use, *(counts.get(v, 0) for v in VERDICTS)]
                for use, counts in figures["verdicts"].items()]
    tables: list[tuple[str, list[str], list[list[Any]]]] = [
        ("Register on " + figures["on"], ["figure", "count"], headline),
        ("Verdicts per use (each dataset checked alone)", ["use", *VERDICTS], verdicts),
        ("Review queue by reason", ["reason", "datasets"],
         [[r, n] for r, n in figures["review_by_reason"].items()]),
        ("Review queue by age", ["age", "datasets"],
         [[a, n] for a, n in figures["review_by_age"].items()]),
    ]
    governance = figures.get("governance")
    if governance:  # once sign-offs are recorded, as on the HTML dashboard
        by_tier = governance["by_tier_and_approval"]
        states = sorted({s for per in by_tier.values() for s in per})
        tables.append(("Models by tier and approval state", ["tier", *states],
                       [[tier, *(per.get(s, 0) for s in states)]
                        for tier, per in by_tier.items()]))
    return tables


def write_dashboard(sheet: Sheet, reg: Register, on: date | None) -> None:
    """Write the tables and a bar chart beside each of the last three."""
    figures = reg.figures(on=on).to_dict()
    print_setup(sheet.ws, titles=False)
    sheet.widths([44, 14, 14, 14, 14, 14])
    row = 1
    for n, (title, header, rows) in enumerate(dashboard_tables(figures)):
        sheet.append([styled(title, bold=True, font_size=13)])
        sheet.append([styled(h, bold=True) for h in header])
        first = row + 2
        for values in rows:
            sheet.append(values)
        last = first + len(rows) - 1
        if n > 0 and rows:
            sheet.ws.insert_chart(row - 1, 7, _chart(sheet, title, len(header), first, last,
                                                     stacked=n == 1))  # at H{row}
        row = last + 1
        pad = max(0, 16 - (len(rows) + 2)) if n > 0 else 0  # room for the chart beside
        for _ in range(pad + 1):
            sheet.append([])
        row += pad + 1


def _ref(sheet: Sheet, col: int, first: int, last: int | None = None) -> str:
    """An absolute reference (1-based rows, 0-based column) on ``sheet``, sheet name quoted."""
    name = "'" + sheet.name.replace("'", "''") + "'"
    letter = xl_col_to_name(col)
    cells = f"${letter}${first}" + (f":${letter}${last}" if last is not None else "")
    return f"={name}!{cells}"


def _chart(sheet: Sheet, title: str, columns: int, first: int, last: int, *,
           stacked: bool) -> Chart:
    """Bars of columns B.. (series named by the header row) over the categories in A."""
    chart = sheet.book.wb.add_chart({"type": "bar", "subtype": "stacked"} if stacked
                                    else {"type": "column"})
    assert chart is not None
    for col in range(1, columns):
        chart.add_series({"name": _ref(sheet, col, first - 1),
                          "categories": _ref(sheet, 0, first, last),
                          "values": _ref(sheet, col, first, last)})
    chart.set_title({"name": title})
    chart.set_size(CHART_SIZE)
    return chart
