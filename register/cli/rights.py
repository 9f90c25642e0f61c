"""``register rights``: record consent, lawful basis, personal data, regions, retention."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from register.cli._common import (
    ExpectVersionOption,
    ForceOption,
    info,
    open_register,
    run_rights_import,
)

app = typer.Typer(
    help="Record and import rights: consent, lawful basis, personal and "
    "sensitive data, regions, retention.",
    no_args_is_help=True,
)


@app.command("set")
def set_rights(
    ctx: typer.Context,
    dataset_id: Annotated[str, typer.Argument(metavar="ID", help="Dataset id.")],
    personal_data: Annotated[
        str | None,
        typer.Option(
            "--personal-data", metavar="yes|no|unknown", help="Does it hold personal data?"
        ),
    ] = None,
    sensitive: Annotated[
        list[str] | None,
        typer.Option(
            "--sensitive",
            metavar="CAT",
            help="Sensitive category (repeatable): biometric, "
            "health, genetic, racial-ethnic, political, religious, trade-union, sex-life, "
            "criminal, children, location, confidential-business.",
        ),
    ] = None,
    dpia: Annotated[
        str | None, typer.Option("--dpia", metavar="REF", help="DPIA or other review reference.")
    ] = None,
    lawful_basis: Annotated[
        str | None,
        typer.Option(
            "--lawful-basis",
            metavar="BASIS",
            help="consent, contract, legal-obligation, "
            "vital-interests, public-task, legitimate-interests, not-applicable.",
        ),
    ] = None,
    consent_purpose: Annotated[
        list[str] | None,
        typer.Option(
            "--consent-purpose", metavar="USE|any", help="Use covered by consent (repeatable)."
        ),
    ] = None,
    collected_in: Annotated[
        list[str] | None,
        typer.Option("--collected-in", metavar="CC", help="Country of collection (repeatable)."),
    ] = None,
    allowed_region: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-region", metavar="CC|EU|EEA|any", help="Where it may be used (repeatable)."
        ),
    ] = None,
    collected_on: Annotated[
        str | None,
        typer.Option("--collected-on", metavar="DATE", help="Collection date (2025-06-30)."),
    ] = None,
    retain_until: Annotated[
        str | None,
        typer.Option("--retain-until", metavar="DATE", help="Last day the data may be used."),
    ] = None,
    clear: Annotated[
        list[str] | None,
        typer.Option(
            "--clear", metavar="FIELD", help="Remove a recorded field (e.g. retain-until)."
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", metavar="TEXT", help="Why.")] = None,
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who (default: OS user).")
    ] = None,
    expect_version: ExpectVersionOption = None,
) -> None:
    """Record rights for a dataset; the previous values stay in its history.

    Example: register rights set squad --personal-data no --allowed-region EU --reason "DPA review"
    """
    from register.errors import UsageError
    from register.rights.record import parse_rights_options

    change = parse_rights_options(
        personal_data=personal_data,
        sensitive=sensitive or (),
        dpia=dpia,
        lawful_basis=lawful_basis,
        consent_purpose=consent_purpose or (),
        collected_in=collected_in or (),
        allowed_region=allowed_region or (),
        collected_on=collected_on,
        retain_until=retain_until,
        clear=clear or (),
    )
    if change.is_empty():
        raise UsageError("no rights option given", hint="see 'register rights set --help'")
    with open_register(ctx) as reg:
        reg.set_rights(dataset_id, change, reason=reason, by=by,
                       expected_version=expect_version)
    fields = sorted([*change.given(), *change.clear])
    info(f"{dataset_id}: rights recorded ({', '.join(fields)})")


@app.command("import")
def import_rights(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE",
                       help=".csv or .xlsx with an id column and rights columns (- is stdin)."),
    ],
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who imports (default: OS user).")
    ] = None,
    force: ForceOption = False,
) -> None:
    """Import rights for many datasets; every row is validated before anything is written.

    The changes are recorded under --by (a 'by' column is kept only as "stated by").  A row
    whose dataset changed since the export (its row_version) is a conflict: nothing is
    written, unless --force.

    Example: register rights import rights.xlsx --by procurement
    """
    run_rights_import(ctx, file, by, force)
