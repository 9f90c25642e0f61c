"""``register list`` and ``register show``."""

from __future__ import annotations

import itertools
import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from register.cli._common import FormatOption, emit, open_register, resolve_format
from register.render.cells import cell_text
from register.render.formats import OutputFormat, to_json, write_csv, write_json

if TYPE_CHECKING:
    from register.views import DatasetListJSON, DatasetView

LIST_COLUMNS = [
    "id",
    "license",
    "needs_review",
    "rights_needs_review",
    "review_reasons",
    "personal_data",
    "retain_until",
    "license_changed",
    "source",
]


def register(app: typer.Typer) -> None:
    app.command("list")(list_datasets)
    app.command("show")(show)


def list_datasets(
    ctx: typer.Context,
    license: Annotated[
        str | None,
        typer.Option(
            "--license", metavar="EXPR",
            help="Only datasets whose license includes EXPR; an id without a version names "
                 "its family (CC-BY-SA: every version).",
        ),
    ] = None,
    share_alike: Annotated[
        bool, typer.Option("--share-alike", help="Only share-alike (copyleft) licenses.")
    ] = False,
    non_commercial: Annotated[
        bool, typer.Option("--non-commercial", help="Only licenses that forbid commercial use.")
    ] = False,
    needs_review: Annotated[
        bool,
        typer.Option(
            "--needs-review", help="Only datasets a human must review (license or rights)."
        ),
    ] = False,
    personal_data: Annotated[
        str | None,
        typer.Option("--personal-data", metavar="yes|no|unknown", help="Filter by personal data."),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option("--region", metavar="CC", help="Only datasets usable in region CC."),
    ] = None,
    expiring_within: Annotated[
        int | None,
        typer.Option(
            "--expiring-within", metavar="DAYS", help="Retention ends within DAYS (or ended)."
        ),
    ] = None,
    tier: Annotated[
        str | None,
        typer.Option("--tier", metavar="TIER",
                     help="Only datasets of models/corpora with sign-offs for TIER."),
    ] = None,
    approval: Annotated[
        str | None,
        typer.Option("--approval", metavar="approved|pending|invalid",
                     help="Only datasets of models/corpora in this approval state (at --tier, "
                          "else at any tier that needs a sign-off)."),
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """List datasets with their effective license and review state (and why they need review).

    With --needs-review this is the review queue; --tier and --approval narrow it to the
    datasets behind approvals (e.g. those of an invalid limited-production approval).

    Example: register list --needs-review --format csv

    Example: register list --needs-review --tier limited-production --approval invalid
    """
    f = resolve_format(fmt)
    with open_register(ctx) as reg:
        lazy = reg.iter_datasets(
            license=license,
            needs_review=needs_review,
            personal_data=personal_data,
            region=region,
            expiring_within=expiring_within,
            share_alike=share_alike,
            non_commercial=non_commercial,
        )
        if tier is not None or approval is not None:
            keep = reg.governed_dataset_ids(tier=tier, approval=approval)
            lazy = (s for s in lazy if s.id in keep)
        # the first row before any output: a bad filter fails before the JSON starts
        summaries = itertools.chain(list(itertools.islice(lazy, 1)), lazy)
        if f is OutputFormat.json:  # streamed, one dataset at a time
            write_json({"datasets": (s.to_dict() for s in summaries)})
            return
        if f is OutputFormat.csv:
            write_csv((s.to_dict() for s in summaries), LIST_COLUMNS)
            return
        data: DatasetListJSON = {"datasets": [s.to_dict() for s in summaries]}
    rows = [dict(r) for r in data["datasets"]]
    emit(data, rows, LIST_COLUMNS, f, title=f"{len(rows)} dataset(s)")


def show(
    ctx: typer.Context,
    dataset_id: Annotated[str, typer.Argument(metavar="ID", help="Dataset id.")],
    fmt: FormatOption = None,
) -> None:
    """Show one dataset: source, checksum, raw and normalized license, rights, history.

    Example: register show squad --format json
    """
    with open_register(ctx) as reg:
        view = reg.show(dataset_id)
    f = resolve_format(fmt)
    if f is OutputFormat.json:
        sys.stdout.write(to_json(view.to_dict()))
        return
    rows = _show_rows(view)
    emit(view.to_dict(), rows, ["field", "value"], f, title=dataset_id)


def _show_rows(view: DatasetView) -> list[dict[str, Any]]:
    lic = view.license
    rights = view.rights
    rows: list[dict[str, Any]] = [
        {"field": "id", "value": view.id},
        {"field": "name", "value": view.pretty_name},
        {"field": "source", "value": view.source},
        {"field": "revision", "value": view.revision},
        {"field": "card sha256", "value": view.card_sha256},
        {"field": "version", "value": view.version},
        {"field": "license (effective)", "value": lic.effective},
        {"field": "needs review", "value": lic.needs_review},
        {"field": "declared", "value": lic.declared},
        {"field": "declared reason", "value": lic.reason},
        {
            "field": "concluded",
            "value": lic.concluded
            and f"{lic.concluded} (by {lic.concluded_by}: {lic.concluded_reason})",
        },
    ]
    for key, value in sorted(lic.raw.items()):
        if value not in (None, "", [], {}):
            rows.append({"field": f"raw {key}", "value": cell_text(value)[:500]})
    for key, value in (rights.recorded or {}).items():
        rows.append({"field": f"rights {key}", "value": value})
    if rights.by:
        rows.append(
            {
                "field": "rights recorded by",
                "value": f"{rights.by} at {rights.at}: {rights.reason}",
            }
        )
    for key, value in sorted(rights.suggestions.items()):
        shown = value.get("value") if isinstance(value, dict) and "value" in value else value
        rows.append({"field": f"suggested {key} (unconfirmed)", "value": shown})
    for h in rights.history:
        rows.append({"field": "rights change", "value": f"{h.at} by {h.by}: {h.reason}"})
    today = date.today().isoformat()
    for c in view.clearances:
        until = c.until or "no end date"
        if c.until and str(c.until) < today:
            until = f"{c.until} (EXPIRED)"
        rows.append(
            {
                "field": "clearance",
                "value": f"{c.use} until {until} by {c.by}: {c.reason}",
            }
        )
    for v in view.history:
        mark = " (license changed)" if v.license_changed else ""
        rows.append(
            {
                "field": f"version {v.version}",
                "value": f"{v.ingested_at} {v.declared_license or 'none'}"
                f"{mark} sha256 {v.card_sha256[:12]}",
            }
        )
    return rows
