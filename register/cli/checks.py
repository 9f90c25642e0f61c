"""``register checks``: read back the checks ``register check --record`` stored."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from register.cli._common import FormatOption, emit, open_register, parse_date, resolve_format
from register.render.formats import OutputFormat, to_json

if TYPE_CHECKING:
    from register.check_verbs import RecordedCheckListJSON

app = typer.Typer(help="Read back recorded checks (check --record).", no_args_is_help=True)

CHECKS_COLUMNS = ["id", "at", "by", "corpus", "use", "verdict", "policy", "datasets",
                  "state_hash"]


@app.command("list")
def list_checks(
    ctx: typer.Context,
    limit: Annotated[
        int | None, typer.Option("--limit", metavar="N", help="Only the N newest checks.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="Only checks on or after DATE.")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """List the recorded checks, newest first: when, who, corpus, use, verdict.

    Example: register checks list --limit 10 --format csv
    """
    with open_register(ctx) as reg:
        records = reg.recorded_checks(limit=limit, since=parse_date(since, "--since"))
    data: RecordedCheckListJSON = {"checks": [r.summary() for r in records]}
    rows = [dict(r) for r in data["checks"]]
    emit(data, rows, CHECKS_COLUMNS, fmt, title=f"{len(rows)} recorded check(s)")


@app.command("show")
def show_check(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(metavar="ID", help="Recorded check id.")],
    fmt: FormatOption = None,
) -> None:
    """Show one recorded check: the result as it was computed and recorded.

    Example: register checks show 3 --format json
    """
    with open_register(ctx) as reg:
        record = reg.recorded_check(record_id)
    f = resolve_format(fmt)
    if f is OutputFormat.json:
        sys.stdout.write(to_json(record.to_dict()))
        return
    summary = record.summary()
    rows: list[dict[str, object]] = [
        {"field": "id", "value": summary["id"]}, {"field": "at", "value": summary["at"]},
        {"field": "by", "value": summary["by"]}, {"field": "corpus", "value": summary["corpus"]},
        {"field": "use", "value": summary["use"]},
        {"field": "verdict", "value": summary["verdict"]},
        {"field": "policy", "value": summary["policy"]},
        {"field": "state_hash", "value": summary["state_hash"]},
    ]
    result = record.result
    for ds in result.get("datasets", []):
        rows.append({"field": f"dataset {ds.get('id')}",
                     "value": f"{ds.get('verdict')} ({ds.get('license') or 'no license'})"})
    for key in ("conflicts", "obligations", "warnings"):
        for item in result.get(key, []):
            rows.append({"field": key[:-1], "value": item.get("message")})
    emit(record.to_dict(), rows, ["field", "value"], f, title=f"recorded check {record_id}")
