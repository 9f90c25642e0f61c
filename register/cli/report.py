"""``register report``: the board dashboard, the EU AI Act training-content summary and the
records of processing of personal data."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from register.cli._common import info, open_register, parse_date
from register.errors import UsageError
from register.render.formats import to_csv, to_json

app = typer.Typer(help="Reports for people: board dashboard, AI Act summary, records of "
                       "processing.", no_args_is_help=True)


class DashboardFormat(str, Enum):
    html = "html"
    json = "json"


class SummaryFormat(str, Enum):
    markdown = "markdown"
    html = "html"


class ProcessingFormat(str, Enum):
    csv = "csv"
    json = "json"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    info(f"wrote {output}")


@app.command("dashboard")
def dashboard(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Argument(
        metavar="OUT", help="The HTML file to write (with --format json: optional, else "
        "stdout).")] = None,
    fmt: Annotated[DashboardFormat, typer.Option(
        "--format", "-f", help="html (the page) or json (the figures).")
    ] = DashboardFormat.html,
    on: Annotated[str | None, typer.Option(
        "--on", metavar="DATE", help="The day the figures are for (default today): ages, "
        "retention window, check date.")] = None,
) -> None:
    """Write the board dashboard: one self-contained HTML page (inline SVG charts, nothing
    fetched) with models, provenance, license issues, the review queue, retention deadlines
    in the next 90 days and the verdicts per use.

    Example: register report dashboard board.html --on 2026-12-31
    """
    from register.reports.dashboard import render_dashboard

    if fmt is DashboardFormat.html and output is None:
        raise UsageError("give OUT (the HTML file), or --format json")
    day = parse_date(on, "--on")
    with open_register(ctx) as reg:
        figures = reg.figures(on=day)
    if fmt is DashboardFormat.json:
        _write(to_json(figures.to_dict()), output)
    else:
        _write(render_dashboard(figures), output)


@app.command("ai-act-summary")
def ai_act_summary(
    ctx: typer.Context,
    model_id: Annotated[str, typer.Argument(metavar="MODEL", help="Model id.")],
    fmt: Annotated[SummaryFormat, typer.Option(
        "--format", "-f", help="markdown or html.")] = SummaryFormat.markdown,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Write the public summary of a model's training content (EU AI Act Art. 53(1)(d)),
    following the Commission's template of July 2025, from the model's lineage and the
    register; what the register does not know is left "to be completed by the provider".

    Example: register report ai-act-summary acme/bot-v1 --format html -o summary.html
    """
    from register.reports.ai_act import render_html, render_markdown

    with open_register(ctx) as reg:
        summary = reg.ai_act_summary(model_id)
    text = render_html(summary) if fmt is SummaryFormat.html else render_markdown(summary)
    _write(text, output)


@app.command("processing")
def processing(
    ctx: typer.Context,
    fmt: Annotated[ProcessingFormat, typer.Option(
        "--format", "-f", help="csv or json.")
    ] = ProcessingFormat.csv,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Records of processing of personal data: each dataset holding personal data with its
    purposes, lawful basis, categories, regions, retention, DPIA reference and the models
    trained on it.

    Example: register report processing --format csv -o processing.csv
    """
    from register.reports.processing import COLUMNS

    with open_register(ctx) as reg:
        records = reg.processing_records()
    if fmt is ProcessingFormat.json:
        _write(to_json({"records": [r.to_dict() for r in records]}), output)
    else:
        _write(to_csv([r.cells() for r in records], list(COLUMNS)), output)
