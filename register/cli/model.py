"""``register model``: ingest model cards, record fine-tunes, check and trace models."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from register.cli._common import (
    FormatOption,
    NonCommercialOption,
    OnOption,
    PolicyOption,
    RegionOption,
    check_hub_sync_usage,
    emit,
    info,
    open_register,
    parse_date,
    resolve_format,
    run_hub_sync,
)
from register.errors import UsageError
from register.render.formats import OutputFormat, print_table, to_json

if TYPE_CHECKING:
    from register.models.trace import ModelTrace

app = typer.Typer(help="Models: model cards, lineage, fine-tune records, traces.",
                  no_args_is_help=True)


@app.command("ingest")
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="PATH", help="Model card files (README.md) or model directories (their "
        "weight files are hashed); roots with --recursive.")] = None,
    recursive: Annotated[bool, typer.Option(
        "--recursive", "-r", help="Ingest every model directory below each PATH.")] = False,
    model_id: Annotated[str | None, typer.Option(
        "--id", metavar="ID", help="Model id for a single card (default: its directory "
        "name, owner__name read as owner/name).")] = None,
    hub: Annotated[list[str] | None, typer.Option(
        "--hub", metavar="ID", help="Hub model id to fetch (repeatable).")] = None,
    revision: Annotated[str | None, typer.Option(
        "--revision", metavar="REV", help="Hub revision for --hub.")] = None,
    with_ancestors: Annotated[bool, typer.Option(
        "--with-ancestors", help="Also fetch the base_model chain of each --hub model.")
    ] = False,
    hub_search: Annotated[str | None, typer.Option(
        "--hub-search", metavar="QUERY", help="Search the Hub's models and ingest the "
        "matches (all of them unless --limit), as --hub-all does.")] = None,
    hub_all: Annotated[bool, typer.Option(
        "--hub-all", help="Sync every model on the Hub: list them in pages, fetch only the "
        "cards new or at a new sha; resumable (a re-run skips what is registered).")
    ] = False,
    limit: Annotated[int | None, typer.Option(
        "--limit", metavar="N", min=0,
        help="Most models listed for --hub-search / --hub-all (default: all).")] = None,
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", metavar="N", min=1, max=16,
        help="Parallel card fetches for --hub-search / --hub-all (1-16).")] = 8,
    by: Annotated[str | None, typer.Option("--by", metavar="NAME", help="Who ingests.")] = None,
) -> None:
    """Ingest Hugging Face model cards; unchanged cards are skipped, changed ones versioned.

    Example: register model ingest models/ --recursive
    """
    if not paths and not hub and not hub_search and not hub_all:
        raise UsageError("give PATH..., --hub ID, --hub-search QUERY or --hub-all")
    check_hub_sync_usage(hub_all=hub_all, hub_search=hub_search, revision=revision,
                         noun="models")
    if with_ancestors and (hub_search or hub_all):
        raise UsageError("--with-ancestors applies to --hub only")
    summaries: list[Any] = []
    with open_register(ctx, create=True) as reg:
        if paths:
            summaries.append(reg.ingest_models(paths, recursive=recursive, model_id=model_id,
                                               actor=by))
        if hub:
            summaries.append(reg.ingest_models_hub(hub, revision=revision,
                                                   with_ancestors=with_ancestors, actor=by))
        if hub_search or hub_all:
            summaries.append(run_hub_sync(reg, "model", search=hub_search, limit=limit,
                                          jobs=jobs, by=by))
    failed = [e for s in summaries for e in s.failed]
    for error in failed:
        sys.stderr.write(f"Error: {error}\n")
    for hint in dict.fromkeys(h for s in summaries for h in getattr(s, "hints", ())):
        sys.stderr.write(f"Hint: {hint}\n")
    for s in summaries:
        for mid, old, new in s.license_changes:
            info(f"license changed: {mid}: {old or 'none'} -> {new or 'none'}")
    info(f"models ingested {sum(s.ingested for s in summaries)}, updated "
         f"{sum(s.updated for s in summaries)}, unchanged "
         f"{sum(s.unchanged for s in summaries)}, failed {len(failed)}")
    if failed:
        raise typer.Exit(1)


@app.command("list")
def list_models(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """The models in the register with their declared license and bases.

    Example: register model list --format table
    """
    with open_register(ctx) as reg:
        rows = reg.list_models()
    columns = ["id", "kind", "declared_license", "declared_needs_review", "base_models",
               "base_model_relation", "source"]
    emit(rows, rows, columns, fmt)


@app.command("record")
def record(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The tuned model's id.")],
    base: Annotated[str, typer.Option("--base", metavar="ID", help="Base model id "
                                      "(in the register).")],
    corpus: Annotated[Path, typer.Option("--corpus", metavar="FILE",
                                         help="Corpus YAML it was trained on.")],
    weights: Annotated[list[Path], typer.Option(
        "--weights", metavar="PATH", help="Weight file or directory (repeatable).")],
    owner: Annotated[str, typer.Option("--owner", metavar="NAME",
                                       help="Who owns (approved) the model.")],
    scope: Annotated[str, typer.Option("--scope", metavar="TEXT",
                                       help="Where it is deployed / what it is for.")],
    code_revision: Annotated[str | None, typer.Option(
        "--code-revision", metavar="SHA", help="Training code revision.")] = None,
    use: Annotated[str, typer.Option("--use", metavar="USE",
                                     help="The use it was checked for.")] = "release-weights",
    by: Annotated[str | None, typer.Option("--by", metavar="NAME", help="Who records.")] = None,
    fmt: FormatOption = None,
) -> None:
    """Record a fine-tune: base, exact dataset versions, check (by hash), weights' sha256.

    Example: register model record acme/bot-v1 --base meta-llama/Llama-3.1-8B
    --corpus corpus.yaml --weights out/ --owner alice --scope "support bot, EU"
    """
    with open_register(ctx) as reg:
        out = reg.record_model(name, base=base, corpus=corpus, weights=weights, owner=owner,
                               scope=scope, code_revision=code_revision, use=use, by=by)
    if resolve_format(fmt) is OutputFormat.json:
        sys.stdout.write(to_json(out))
        return
    info(f"recorded {out['model_id']} (record {out['record']}) on {out['base_id']}: "
         f"{len(out['dataset_versions'])} dataset version(s), {len(out['weights'])} weight "
         f"file(s), check {out['check_verdict']} for {out['use']} "
         f"(result sha256 {out['check_hash'][:16]})")


@app.command("check")
def check(
    ctx: typer.Context,
    model_id: Annotated[str, typer.Argument(metavar="ID", help="Model id.")],
    use: Annotated[str, typer.Option("--use", metavar="USE", help="Intended use.")],
    non_commercial: NonCommercialOption = False,
    region: RegionOption = None,
    on: OnOption = None,
    policy: PolicyOption = None,
    fmt: FormatOption = None,
) -> None:
    """May this model be used so? Its whole chain and (recorded) training data are checked.

    Same as register check --base-model ID. Example: register model check acme/bot-v1
    --use release-weights
    """
    from register.render.checkview import CHECK_COLUMNS, check_row_dicts
    from register.render.checkview import print_check_report as print_check
    from register.render.formats import to_csv

    with open_register(ctx) as reg:
        result = reg.check_model(model_id, use=use, non_commercial=non_commercial,
                                 region=region, on=parse_date(on, "--on"), policy=policy)
    f = resolve_format(fmt)
    if f is OutputFormat.json:
        sys.stdout.write(to_json(result.to_dict()))
    elif f is OutputFormat.csv:
        sys.stdout.write(to_csv(check_row_dicts(result), CHECK_COLUMNS))
    else:
        print_check(result)
    raise typer.Exit(result.exit_code)


@app.command("trace")
def trace(
    ctx: typer.Context,
    model_id: Annotated[str, typer.Argument(metavar="ID", help="Model id.")],
    fmt: FormatOption = None,
) -> None:
    """What model, from what base, trained on what data, under which check, with which
    weights, approved by whom, deployed where.

    Example: register model trace acme/bot-v1 --format json
    """
    with open_register(ctx) as reg:
        t = reg.trace_model(model_id)
    if resolve_format(fmt) is OutputFormat.json:
        sys.stdout.write(to_json(t.to_dict()))
        return
    print_trace(t)


@app.command("export")
def export(
    ctx: typer.Context,
    model_id: Annotated[str, typer.Argument(metavar="ID", help="Model id.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to FILE.")
                      ] = None,
    standard: Annotated[str, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="spdx (SPDX 3.0.1 AI profile JSON-LD) or cyclonedx (CycloneDX 1.6 JSON).")
    ] = "spdx",
) -> None:
    """The SPDX 3.0.1 AI profile (JSON-LD) or CycloneDX 1.6 BOM of a model, its ancestors and
    training data.

    Example: register model export acme/bot-v1 --format cyclonedx -o bot.cdx.json
    """
    if standard not in ("spdx", "cyclonedx"):
        raise UsageError(f"--format must be spdx or cyclonedx, not {standard!r}")
    with open_register(ctx) as reg:
        doc = (reg.export_model_cyclonedx(model_id) if standard == "cyclonedx"
               else reg.export_model_spdx(model_id))
    if standard == "cyclonedx":  # a standard document: no envelope (CycloneDX forbids extras)
        import json

        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        text = to_json(doc)
    if output:
        output.write_text(text, encoding="utf-8")
        info(f"wrote {output}")
    else:
        sys.stdout.write(text)


def _short(sha: Any) -> str:
    return str(sha)[:16] if sha else "-"


def print_trace(t: ModelTrace) -> None:
    """The one-screen story of a model (tables on stdout)."""
    m = t.model
    eff = t.effective
    lines = [
        f"model {m['id']} ({m['kind']}, version {m['version']}, {m['source']})",
        f"effective terms: {eff['expression'] or 'unknown'}"
        + ("  [NEEDS REVIEW]" if eff["needs_review"] else ""),
    ]
    lines += [f"  review: {r}" for r in eff["reasons"]]
    lines += [f"  note: {n}" for n in eff["notes"]]
    sys.stdout.write("\n".join(lines) + "\n")
    derived: dict[str, list[str]] = {}
    for e in t.edges:
        derived.setdefault(e["model"], []).append(f"{e['relation']} of {e['base']}")
    chain_rows = [{"model": "  " * n["depth"] + n["id"],
                   "derived": "; ".join(derived.get(n["id"], [])) or "(root)",
                   "license": (n["license"] or "(none: its base's)") if n["in_register"]
                   else f"{n['license'] or '?'} (not in the register)",
                   "needs_review": n["license_needs_review"] if n["in_register"]
                   else n["license"] is None,
                   "revision": n["revision"] or n["version"] or ""} for n in t.chain]
    print_table(chain_rows, ["model", "derived", "license", "needs_review", "revision"],
                title="chain")
    if t.data:
        rows = [{"dataset": d["id"], "trained": f"{d['trained']} {d['model']}",
                 "version": d.get("version") or "", "card_sha256": _short(d.get("card_sha256")),
                 "license": d.get("license") or ("(not in the register)"
                                                 if not d.get("in_register") else "unknown"),
                 "evidence": d["evidence"]} for d in t.data]
        print_table(rows, ["dataset", "trained", "version", "card_sha256", "license",
                           "evidence"], title="training data")
    for r in t.records:
        sys.stdout.write(
            f"record {r['record']}: base {r['base']}, corpus {r['corpus']} "
            f"({r['corpus_file']}), check {r['check_verdict']} for {r['use']} "
            f"(result sha256 {r['check_hash']}), recorded by {r['by']} at {r['at']}\n"
            f"  approved by (owner) {r['owner']}; deployed: {r['scope']}; code revision "
            f"{r['code_revision'] or '-'}\n")
    if t.weights:
        print_table([{"file": w.get("path"), "sha256": w.get("sha256") or "(not known)",
                      "size": w.get("size")} for w in t.weights],
                    ["file", "sha256", "size"], title="weights")
    for c in t.clearances:
        sys.stdout.write(f"cleared for {c['use']} by {c['by']} until "
                         f"{c['until'] or 'no end date'}: {c['reason']}\n")
