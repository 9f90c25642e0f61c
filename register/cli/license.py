"""``register license``: normalize texts, show knowledge-base terms, conclude a license."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from register.cli._common import (
    ExpectVersionOption,
    FormatOption,
    emit,
    info,
    open_register,
    resolve_format,
)
from register.errors import NotFoundError
from register.render.formats import OutputFormat

app = typer.Typer(
    help="Normalize license texts, show license terms, record a concluded license.",
    no_args_is_help=True,
)

NORMALIZE_COLUMNS = ["input", "expression", "needs_review", "confidence", "method", "reason"]


@app.command("normalize")
def normalize(
    texts: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="TEXT",
            help="License texts; with none, one text per line is read from stdin.",
        ),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Normalize free text, Hub ids, URLs or license texts to SPDX expressions.

    Example: echo "Apache License 2.0" | register license normalize --format json
    """
    from register.licenses.normalize import normalize as run

    inputs = list(texts) if texts else [line.rstrip("\r\n") for line in sys.stdin]
    results = [dict(run(t).to_dict()) for t in inputs]
    f = resolve_format(fmt)
    if f is OutputFormat.json:
        for r in results:  # one JSON object per input (JSON Lines)
            sys.stdout.write(_one_line(r))
        return
    emit({"results": results}, results, NORMALIZE_COLUMNS, f)


def _one_line(obj: dict[str, Any]) -> str:
    import json

    from register.versions import SCHEMA_VERSION

    return json.dumps({"schema_version": SCHEMA_VERSION, **obj}, sort_keys=True,
                      ensure_ascii=False) + "\n"


@app.command("show")
def show(
    license_id: Annotated[
        str,
        typer.Argument(metavar="LICENSE", help="License id (SPDX, LicenseRef-..., or a Hub id)."),
    ],
    fmt: FormatOption = None,
) -> None:
    """Print the terms the knowledge base holds for a license, with their sources.

    Example: register license show CC-BY-SA-4.0
    """
    from register.licenses.catalog import default_kb

    kb = default_kb()
    terms = kb.get(license_id)
    if terms is None:
        from register.licenses.normalize import normalize as run

        guess = run(license_id).expression
        terms = kb.get(guess) if guess else None
    if terms is None:
        raise NotFoundError(
            f"no terms for license {license_id!r} in the knowledge base",
            hint="add a YAML file to a directory in $REGISTER_LICENSES_DIR",
        )
    data = terms.to_dict()
    rows = [{"term": k, "value": v} for k, v in data["terms"].items()]
    rows += [
        {
            "term": "source",
            "value": f"{s['url']} (version {s['version']}, reviewed {s['reviewed']})",
        }
        for s in data["sources"]
    ]
    if data["notes"]:
        rows.append({"term": "notes", "value": data["notes"]})
    emit(data, rows, ["term", "value"], fmt, title=f"{terms.id}: {terms.name}")


@app.command("set")
def set_license(
    ctx: typer.Context,
    dataset_id: Annotated[str, typer.Argument(metavar="ID", help="Dataset id.")],
    expression: Annotated[str, typer.Argument(metavar="EXPR", help="SPDX expression.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (required).")],
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who decides (default: OS user).")
    ] = None,
    expect_version: ExpectVersionOption = None,
) -> None:
    """Record a concluded license; it overrides the declared one everywhere.

    Example: register license set squad CC-BY-SA-4.0 --reason "checked the paper" --by alice
    """
    with open_register(ctx) as reg:
        expr = reg.set_license(dataset_id, expression, reason=reason, by=by,
                               expected_version=expect_version)
    info(f"{dataset_id}: concluded license {expr}")


@app.command("withdraw")
def withdraw_license(
    ctx: typer.Context,
    dataset_id: Annotated[str, typer.Argument(metavar="ID", help="Dataset id.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (required).")],
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who decides (default: OS user).")
    ] = None,
    expect_version: ExpectVersionOption = None,
) -> None:
    """Withdraw the concluded license: the declared one applies again (audited).

    Example: register license withdraw squad --reason "the paper was retracted" --by alice
    """
    with open_register(ctx) as reg:
        expr = reg.withdraw_license(dataset_id, reason=reason, by=by,
                                    expected_version=expect_version)
    info(f"{dataset_id}: concluded license {expr} withdrawn")
