"""``register export`` and ``register import``: spreadsheets and standard formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from register.check.uses import validate_use
from register.cli._common import (
    ForceOption,
    NonCommercialOption,
    PolicyOption,
    RegionOption,
    info,
    open_register,
    parse_date,
    run_rights_import,
)
from register.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_)


def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Argument(
        metavar="FORMAT",
        help="xlsx, csv, json, spdx (SPDX 3.0.1), spdx2-json / spdx2-tv (SPDX 2.3), "
             "cyclonedx (1.6) or croissant (1.0).")],
    out: Annotated[Path, typer.Argument(metavar="OUT", help="File to write (- is stdout).")],
    corpus: Annotated[
        Path | None,
        typer.Option(
            "--corpus", metavar="FILE", help="Limit to a corpus (and add its check with --use)."
        ),
    ] = None,
    use: Annotated[
        str | None, typer.Option("--use", metavar="USE", help="Use for the corpus check.")
    ] = None,
    on: Annotated[str | None, typer.Option("--on", metavar="DATE", help="Check date.")] = None,
    non_commercial: NonCommercialOption = False,
    region: RegionOption = None,
    policy: PolicyOption = None,
    dashboard: Annotated[
        bool, typer.Option("--dashboard", help="xlsx: add a Dashboard sheet with charts.")
    ] = False,
) -> None:
    """Export the register (or a corpus and its check) as xlsx, csv, json, SPDX 3.0.1 JSON-LD,
    SPDX 2.3 JSON or tag-value, CycloneDX 1.6 JSON or Croissant 1.0 JSON-LD.

    With --corpus and --use the workbook's Check sheet holds the corpus check; --region,
    --non-commercial and --policy are the options of `check`, so the sheet says what `check`
    says.

    Example: register export xlsx register.xlsx --corpus corpus.yaml --use service --region DE
    """
    from register.exports import EXPORT_FORMATS, export_register

    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"FORMAT must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    if use and corpus is None:
        raise UsageError("--use needs --corpus FILE")
    if use:
        validate_use(use)
    on_date = parse_date(on, "--on")
    with open_register(ctx) as reg:
        report = export_register(reg, fmt, out, corpus=corpus, use=use, on=on_date,
                                 region=region, non_commercial=non_commercial, policy=policy,
                                 dashboard=dashboard)
    for warning in report.warnings:
        info(f"warning: {warning}")
    info(f"wrote {out} ({report.rows} dataset row(s))")


def import_(
    ctx: typer.Context,
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT", help="xlsx (the exported workbook, edited), csv, or croissant."
        ),
    ],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="File to import.")],
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who imports (default: OS user).")
    ] = None,
    force: ForceOption = False,
) -> None:
    """Import an edited workbook (rights and concluded licenses); nothing is written if any
    row is invalid, or if a row's dataset changed since the export (unless --force).

    Example: register import xlsx register-reviewed.xlsx --by procurement
    """
    if fmt in ("xlsx", "csv"):
        run_rights_import(ctx, file, by, force)
    elif fmt == "croissant":
        from register.cards.croissant import read_croissant

        with open_register(ctx) as reg:
            s = reg.ingest_documents([read_croissant(file)], actor=by)
        info(f"ingested {s.ingested}, updated {s.updated}, unchanged {s.unchanged}")
    else:
        raise UsageError(f"FORMAT must be xlsx, csv or croissant, not {fmt!r}")
