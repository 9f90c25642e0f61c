"""The workbook's **Dashboard** sheet (``register export xlsx --dashboard``).

The figures are those of ``register report dashboard`` (:func:`register.Register.figures`),
written as small tables with native Excel charts over them (openpyxl charts, so Excel,
LibreOffice and Numbers draw and update them): verdicts per use (stacked bars), the review
queue by reason and by age, and the headline counts.  No figure is computed here.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from register.check.facts import VERDICTS
from register.exports.xlsx import print_setup

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from register.register import Register
    from register.reports.figures import FiguresJSON

__all__ = ["dashboard_tables", "write_dashboard"]

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)


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


def write_dashboard(ws: WriteOnlyWorksheet, reg: Register, on: date | None) -> None:
    """Write the tables and a bar chart beside each of the last three."""
    figures = reg.figures(on=on).to_dict()
    print_setup(ws, titles=False)
    ws.column_dimensions["A"].width = 44
    for letter in "BCDEF":
        ws.column_dimensions[letter].width = 14
    row = 1
    for n, (title, header, rows) in enumerate(dashboard_tables(figures)):
        ws.append([_cell(ws, title, _TITLE)])
        ws.append([_cell(ws, h, _BOLD) for h in header])
        first = row + 2
        for values in rows:
            ws.append(values)
        last = first + len(rows) - 1
        if n > 0 and rows:
            ws.add_chart(_chart(ws, title, len(header), first, last, stacked=n == 1),
                         f"H{row}")
        row = last + 1
        pad = max(0, 16 - (len(rows) + 2)) if n > 0 else 0  # room for the chart beside
        for _ in range(pad + 1):
            ws.append([])
        row += pad + 1


def _cell(ws: WriteOnlyWorksheet, value: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    return cell


def _chart(ws: WriteOnlyWorksheet, title: str, columns: int, first: int, last: int, *,
           stacked: bool) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if stacked else "col"
    chart.title = title
    if stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
    data = Reference(ws, min_col=2, max_col=columns, min_row=first - 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.height = 7.5
    chart.width = 16
    return chart
