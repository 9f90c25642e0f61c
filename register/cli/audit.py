"""``register audit``: the audit trail and its tamper check."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from register.cli._common import FormatOption, emit, info, open_register, parse_date
from register.render.formats import to_json

if TYPE_CHECKING:
    from register.views import AuditLogJSON

app = typer.Typer(help="Show and verify the tamper-evident audit trail.", no_args_is_help=True)

LOG_COLUMNS = ["seq", "at", "actor", "action", "dataset_id", "reason", "before", "after"]


@app.command("log")
def log(
    ctx: typer.Context,
    dataset: Annotated[
        str | None, typer.Option("--dataset", metavar="ID", help="Only events of this dataset.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="DATE", help="Only events on or after DATE.")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Show who changed what, when and why.

    Example: register audit log --dataset squad --since 2026-01-01
    """
    with open_register(ctx) as reg:
        entries = reg.audit_log(dataset_id=dataset, since=parse_date(since, "--since"))
    data: AuditLogJSON = {"events": [e.to_dict() for e in entries]}
    events = [dict(e) for e in data["events"]]
    emit(data, events, LOG_COLUMNS, fmt, title=f"{len(events)} event(s)")


@app.command("verify")
def verify(
    ctx: typer.Context,
    anchor: Annotated[
        list[str] | None,
        typer.Option("--anchor", metavar="HASH",
                     help="A head hash noted earlier; it must still be in the chain."),
    ] = None,
    allowed_signers: Annotated[
        Path | None,
        typer.Option("--allowed-signers", metavar="FILE",
                     help="ssh-keygen allowed-signers file: every approval must be signed "
                          "and verify."),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """Recompute the hash chain and the state it implies; exit 1 if tampered.

    Keep the printed head hash outside the register (a ticket, CI log) and pass it back with
    --anchor to detect a rewrite of the whole history after that point.

    With --allowed-signers, every approval must carry an SSH signature that verifies (a forged
    or edited sign-off fails even when the database was rewritten to match).

    Example: register audit verify --anchor 3f9a0c... --allowed-signers allowed_signers
    """
    with open_register(ctx) as reg:
        report = reg.audit_verify(anchors=anchor or (), allowed_signers=allowed_signers)
    if fmt is not None and fmt.value == "json":
        sys.stdout.write(to_json(report.to_dict()))
    if report.ok:
        info(f"audit trail intact: {report.events} event(s) verified, head {report.head_hash}")
        return
    where = f" at event {report.first_bad_seq}" if report.first_bad_seq else ""
    sys.stderr.write(f"Error: audit trail tampered{where}: {report.problem}\n")
    raise typer.Exit(1)
