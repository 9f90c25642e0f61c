"""``register ingest``: dataset cards from files, directories, trees or the Hub."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from register.cli._common import (
    check_hub_sync_usage,
    info,
    open_register,
    progress_bar,
    run_hub_sync,
)
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
            "--hub-search", metavar="QUERY",
            help="Search the Hub and ingest the matches (all of them unless --limit), "
            "as --hub-all does.",
        ),
    ] = None,
    hub_all: Annotated[
        bool,
        typer.Option(
            "--hub-all",
            help="Sync every dataset on the Hub: list them in pages, fetch only the cards "
            "new or at a new sha; resumable (a re-run skips what is registered).",
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", metavar="N", min=0,
                     help="Most datasets listed for --hub-search / --hub-all (default: all)."),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", metavar="N", min=1, max=16,
                     help="Parallel card downloads for --hub-search / --hub-all (1-16)."),
    ] = 8,
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who ingests (default: OS user).")
    ] = None,
) -> None:
    """Ingest Hugging Face dataset cards; unchanged cards are skipped, changed ones versioned.

    Example: register ingest data/cards --recursive
    """
    if not paths and not hub and not hub_search and not hub_all:
        raise UsageError("give PATH..., --hub ID, --hub-search QUERY or --hub-all")
    check_hub_sync_usage(hub_all=hub_all, hub_search=hub_search, revision=revision,
                         noun="datasets")
    if dataset_id and ((paths and len(paths) > 1) or recursive):
        raise UsageError(
            "--id names a single card; it cannot be used with --recursive or several paths"
        )
    summaries = []
    with open_register(ctx, create=True) as reg:
        if paths:
            with progress_bar() as advance:
                summaries.append(
                    reg.ingest_paths(
                        paths, recursive=recursive, dataset_id=dataset_id, actor=by,
                        progress=advance,
                    )
                )
        if hub:
            summaries.append(reg.ingest_hub(hub, revision=revision, actor=by))
        if hub_search or hub_all:
            summaries.append(run_hub_sync(reg, "dataset", search=hub_search, limit=limit,
                                          jobs=jobs, by=by))
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

