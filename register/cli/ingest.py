"""``register ingest``: dataset cards from files, directories, trees or the Hub."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from register.cli._common import info, open_register
from register.errors import UsageError
from register.render.cells import terminal_text


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Card files (README.md), dataset directories, roots with --recursive, "
            "or Croissant .json files.",
        ),
    ] = None,
    recursive: Annotated[
        bool,
        typer.Option("--recursive", "-r", help="Ingest every dataset directory below each PATH."),
    ] = False,
    dataset_id: Annotated[
        str | None,
        typer.Option(
            "--id", metavar="ID", help="Dataset id for a single card (default: its directory name)."
        ),
    ] = None,
    hub: Annotated[
        list[str] | None,
        typer.Option("--hub", metavar="ID", help="Hub dataset id to fetch (repeatable)."),
    ] = None,
    revision: Annotated[
        str | None,
        typer.Option(
            "--revision", metavar="REV", help="Hub revision (branch, tag or commit) for --hub."
        ),
    ] = None,
    hub_search: Annotated[
        str | None,
        typer.Option(
            "--hub-search", metavar="QUERY", help="Search the Hub and ingest the matches."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", metavar="N", help="Most matches for --hub-search.")
    ] = 20,
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who ingests (default: OS user).")
    ] = None,
) -> None:
    """Ingest Hugging Face dataset cards; unchanged cards are skipped, changed ones versioned.

    Example: register ingest data/cards --recursive
    """
    if not paths and not hub and not hub_search:
        raise UsageError("give PATH..., --hub ID or --hub-search QUERY")
    if dataset_id and ((paths and len(paths) > 1) or recursive):
        raise UsageError(
            "--id names a single card; it cannot be used with --recursive or several paths"
        )
    summaries = []
    with open_register(ctx, create=True) as reg:
        if paths:
            with _progress() as advance:
                summaries.append(
                    reg.ingest_paths(
                        paths, recursive=recursive, dataset_id=dataset_id, actor=by,
                        progress=advance,
                    )
                )
        hub_ids = list(hub or [])
        if hub_search:
            found = reg.hub_search(hub_search, limit)
            info(f"hub search {hub_search!r}: {len(found)} dataset(s)")
            hub_ids.extend(found)
        if hub_ids:
            summaries.append(reg.ingest_hub(hub_ids, revision=revision, actor=by))
    ingested = sum(s.ingested for s in summaries)
    updated = sum(s.updated for s in summaries)
    unchanged = sum(s.unchanged for s in summaries)
    failed = [e for s in summaries for e in s.failed]
    for error in failed:
        sys.stderr.write(f"Error: {terminal_text(str(error))}\n")
    for hint in dict.fromkeys(h for s in summaries for h in s.hints):
        sys.stderr.write(f"Hint: {terminal_text(hint)}\n")
    for s in summaries:
        for ds_id, old, new in s.license_changes:
            info(f"license changed: {ds_id}: {old or 'none'} -> {new or 'none'}")
    info(f"ingested {ingested}, updated {updated}, unchanged {unchanged}, failed {len(failed)}")
    if failed:
        raise typer.Exit(1)


def _progress() -> Any:
    """A progress bar on stderr for long ingests (only on a terminal)."""
    if not sys.stderr.isatty():
        return nullcontext(None)
    from contextlib import contextmanager

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    @contextmanager
    def bar():  # type: ignore[no-untyped-def]
        with Progress(
            TextColumn("ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        ) as progress:
            task = progress.add_task("ingest", total=None)
            yield lambda n: progress.advance(task, n)

    return bar()
