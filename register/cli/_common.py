"""Shared CLI plumbing: the global state, output-format option, and printers."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from register.errors import UsageError
from register.render.formats import OutputFormat, default_format, print_table, to_csv, to_json

if TYPE_CHECKING:
    from register.register import Register


@dataclass
class State:
    db: str | None = None
    debug: bool = False


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    return root.obj


def open_register(ctx: typer.Context, *, create: bool = False) -> Register:
    """The register of ``--db``; use it as ``with open_register(ctx) as reg:`` so it is
    closed when the command is done."""
    from register.register import Register

    return Register.open(state(ctx).db, create=create)


FormatOption = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="Output format: table (terminal default), json, csv."),
]


ExpectVersionOption = Annotated[
    int | None,
    typer.Option("--expect-version", metavar="N",
                 help="Refuse if the dataset changed after its version N (the row_version of "
                      "an export); nothing is written."),
]
ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Apply rows whose dataset changed since the export anyway "
                                  "(recorded in the audit trail)."),
]


NonCommercialOption = Annotated[
    bool, typer.Option("--non-commercial", help="The use is non-commercial.")
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", metavar="CC", help="Where the model is used (ISO 3166-1 alpha-2)."),
]
OnOption = Annotated[
    str | None, typer.Option("--on", metavar="DATE", help="Check date (default today).")
]
PolicyOption = Annotated[
    Path | None,
    typer.Option("--policy", metavar="FILE", help="Policy YAML changing the default knobs."),
]


def resolve_format(fmt: OutputFormat | None) -> OutputFormat:
    return fmt or default_format()


def emit(
    data: Any,
    rows: list[dict[str, Any]],
    columns: list[str],
    fmt: OutputFormat | None,
    *,
    title: str | None = None,
) -> None:
    """Print ``data`` as JSON, or ``rows`` as a table / CSV."""
    f = resolve_format(fmt)
    if f is OutputFormat.json:
        sys.stdout.write(to_json(data))
    elif f is OutputFormat.csv:
        sys.stdout.write(to_csv(rows, columns))
    else:
        print_table(rows, columns, title=title)


def info(message: str) -> None:
    """A progress or summary line (stderr), control characters made visible."""
    from register.render.cells import terminal_text

    sys.stderr.write(terminal_text(message) + "\n")


def run_rights_import(ctx: typer.Context, file: Path, by: str | None,
                      force: bool = False) -> None:
    """``rights import`` and ``import xlsx|csv``: validate all rows, write, summarize.
    ``-`` reads the table from standard input (an xlsx workbook or CSV text)."""
    if str(file) == "-":
        import tempfile

        data = sys.stdin.buffer.read()
        suffix = ".xlsx" if data.startswith(b"PK\x03\x04") else ".csv"
        with tempfile.TemporaryDirectory(prefix="register-stdin-") as tmp:
            staged = Path(tmp) / f"stdin{suffix}"
            staged.write_bytes(data)
            _import_file(ctx, staged, by, force, shown="-")
        return
    _import_file(ctx, file, by, force, shown=str(file))


def _import_file(ctx: typer.Context, file: Path, by: str | None, force: bool, *,
                 shown: str) -> None:
    with open_register(ctx) as reg:
        summary = reg.import_rights(file, by=by, force=force,
                                    warn=lambda m: info(f"Warning: {m}"))
    file = Path(shown)
    info(f"{file}: {summary['rows']} row(s): rights changed {summary['rights_changed']}, "
         f"licenses concluded {summary['licenses_changed']}, unchanged {summary['unchanged']}")


def parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not an ISO 8601 date (e.g. 2027-01-31)") from None


def check_hub_sync_usage(*, hub_all: bool, hub_search: str | None, revision: str | None,
                         noun: str) -> None:
    """The option clashes of ``--hub-all`` / ``--hub-search`` (``noun``: datasets, models)."""
    if hub_all and hub_search:
        raise UsageError(f"--hub-all lists every {noun[:-1]}; it cannot be used with "
                         "--hub-search")
    if revision and (hub_search or hub_all):
        raise UsageError(f"--revision applies to --hub only: --hub-search and --hub-all "
                         f"ingest each {noun[:-1]} at the sha the Hub lists")


def run_hub_sync(reg: Register, kind: str, *, search: str | None, limit: int | None,
                 jobs: int, by: str | None) -> Any:
    """``reg.sync_hub`` with a progress bar and its summary line on stderr."""
    with progress_bar("hub sync") as advance:
        synced = reg.sync_hub(search=search, limit=limit, jobs=jobs, actor=by,
                              progress=advance, kind=kind)
    info(synced.line())
    return synced


def progress_bar(label: str = "ingest") -> Any:
    """A progress bar on stderr for long ingests (only on a terminal)."""
    if not sys.stderr.isatty():
        return nullcontext(None)
    from contextlib import contextmanager

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    @contextmanager
    def bar():  # type: ignore[no-untyped-def]
        with Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        ) as progress:
            task = progress.add_task(label, total=None)
            yield lambda n: progress.advance(task, n)

    return bar()
