"""``register check``, ``register notice`` and ``register clear``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from register.check.uses import validate_use
from register.cli._common import (
    FormatOption,
    NonCommercialOption,
    OnOption,
    PolicyOption,
    RegionOption,
    info,
    open_register,
    parse_date,
    resolve_format,
)
from register.errors import UsageError
from register.render.formats import VERDICT_STYLES, OutputFormat, to_csv, to_json


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("notice")(notice)
    app.command("clear")(clear)


def _run_check(
    ctx: typer.Context, corpus_file: Path | None, dataset: list[str] | None, **kwargs: Any
) -> dict[str, Any]:
    if corpus_file is None and not dataset:
        raise UsageError("give a CORPUS_FILE or --dataset ID")
    reg = open_register(ctx)
    if corpus_file is not None:  # extra --dataset options join the corpus file's datasets
        return reg.check_corpus(corpus_file, extra_datasets=dataset or (), **kwargs)
    return reg.check(list(dict.fromkeys(dataset or [])), **kwargs)


def check(
    ctx: typer.Context,
    corpus_file: Annotated[
        Path | None,
        typer.Argument(metavar="[CORPUS_FILE]", help="Corpus YAML (name, base_model, datasets)."),
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", "-d", metavar="ID", help="Dataset id (repeatable)."),
    ] = None,
    use: Annotated[
        str,
        typer.Option(
            "--use",
            metavar="USE",
            help="research, internal, service, release-weights or release-data.",
        ),
    ] = "",
    non_commercial: NonCommercialOption = False,
    region: RegionOption = None,
    on: OnOption = None,
    policy: PolicyOption = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record", help="Store the result and the register state in the audit trail."
        ),
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who records (with --record).")
    ] = None,
    fmt: FormatOption = None,
) -> None:
    """May these datasets be combined for this use? Exit 0 allowed, 3 needs review, 4 blocked.

    Example: register check corpus.yaml --use release-weights --region DE --format json
    """
    from register.check.engine import verdict_exit_code

    if not use:
        raise UsageError(
            "--use is required (research, internal, service, release-weights, release-data)"
        )
    validate_use(use)
    result = _run_check(
        ctx,
        corpus_file,
        dataset,
        use=use,
        non_commercial=non_commercial,
        region=region,
        on=parse_date(on, "--on"),
        policy=policy,
    )
    if record:
        state = open_register(ctx).record_check(result, by=by)
        info(f"recorded check (register state {state[:16]})")
    f = resolve_format(fmt)
    if f is OutputFormat.json:
        sys.stdout.write(to_json(result))
    elif f is OutputFormat.csv:
        sys.stdout.write(to_csv(check_rows(result), CHECK_COLUMNS))
    else:
        print_check(result)
    raise typer.Exit(verdict_exit_code(result["verdict"]))


CHECK_COLUMNS = ["id", "license", "verdict", "reasons", "obligations"]


def check_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": d["id"],
            "license": d.get("license"),
            "verdict": d["verdict"],
            "reasons": [f"rule {r['rule']}: {r['message']}" for r in d.get("reasons", [])],
            "obligations": [
                o["kind"] if isinstance(o, dict) else o for o in d.get("obligations", [])
            ],
        }
        for d in result["datasets"]
    ]


def print_check(result: dict[str, Any]) -> None:
    """The view a lawyer reads: verdict, problem datasets, conflicts, obligations."""
    from rich.console import Console
    from rich.markup import escape

    out = Console(file=sys.stdout, soft_wrap=True, highlight=False)
    verdict = result["verdict"]
    style = VERDICT_STYLES.get(verdict, "")
    out.print(
        f"[bold {style}]{verdict.upper()}[/] for use '{result['use']}'"
        f" ({'commercial' if result['commercial'] else 'non-commercial'}"
        f"{', region ' + result['region'] if result.get('region') else ''},"
        f" on {result['on']}, policy {result['policy']})"
    )
    for wanted in ("blocked", "needs-review"):
        rows = [d for d in result["datasets"] if d["verdict"] == wanted]
        if rows:
            out.print(f"\n[bold]{wanted}[/]")
        for d in rows:
            out.print(f"  {_label(d)} ({escape(d.get('license') or 'no license')})")
            for r in d.get("reasons", []):
                out.print(f"    - rule {r['rule']}: {escape(r['message'])}")
    if result.get("conflicts"):
        out.print("\n[bold]conflicts[/]")
        for c in result["conflicts"]:
            out.print(
                f"  - rule {c['rule']}: {escape(c['message'])} ({escape(', '.join(c['datasets']))})"
            )
    if result.get("obligations"):
        out.print("\n[bold]obligations[/]")
        for o in result["obligations"]:
            out.print(
                f"  - {o['kind']}: {escape(o['message'])} ({escape(', '.join(o['datasets']))})"
            )
    chosen = [d for d in result["datasets"] if d.get("chosen_option")]
    if chosen:
        # Rule 12: the licence the corpus is used under is the one the obligations follow.
        out.print("\n[bold]license choices[/] (rule 12: an OR is used under the option chosen)")
        for d in chosen:
            out.print(
                f"  - {_label(d)}: {escape(d.get('license') or '')} -> used under "
                f"{escape(d['chosen_option'])}"
            )
    cleared = [d for d in result["datasets"] if d.get("clearance")]
    if cleared:
        out.print("\n[bold]clearances applied[/] (rule 13)")
        for d in cleared:
            c = d["clearance"]
            until = f" until {c['until']}" if c.get("until") else " (no end date)"
            out.print(
                f"  - {_label(d)}: cleared for {escape(c['use'])} by {escape(c['by'])}{until}"
                f": {escape(c.get('reason') or '')} -> {d['verdict']}"
            )
    if result.get("warnings"):
        out.print("\n[bold]warnings[/]")
        for w in result["warnings"]:
            text = w if isinstance(w, str) else w.get("message", str(w))
            out.print(f"  - {escape(text)}")
    fine = [
        d for d in result["datasets"] if d["verdict"] in ("allowed", "allowed-with-obligations")
    ]
    if fine:
        out.print(
            f"\n{len(fine)} dataset(s) allowed"
            f"{' (with obligations)' if any(d['obligations'] for d in fine) else ''}: "
            + ", ".join(_label(d) for d in fine[:20])
            + (" ..." if len(fine) > 20 else "")
        )


def _label(d: dict[str, Any]) -> str:
    from rich.markup import escape

    return escape(d["id"]) + (escape(" [base model]") if d.get("base_model") else "")


def notice(
    ctx: typer.Context,
    corpus_file: Annotated[Path, typer.Argument(metavar="CORPUS_FILE", help="Corpus YAML.")],
    use: Annotated[
        str, typer.Option("--use", metavar="USE", help="Intended use.")
    ] = "release-weights",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    non_commercial: NonCommercialOption = False,
    region: RegionOption = None,
    on: OnOption = None,
    policy: PolicyOption = None,
) -> None:
    """Print the attribution / NOTICE text (markdown) the corpus owes for this use.

    The check options (--non-commercial, --region, --on, --policy) are those of `check`, so the
    notice states the same verdict. Example: register notice corpus.yaml --use release-weights
    """
    from register.render.notice import render_notice

    validate_use(use)
    reg = open_register(ctx)
    result = reg.check_corpus(
        corpus_file, use=use, non_commercial=non_commercial, region=region,
        on=parse_date(on, "--on"), policy=policy,
    )
    text = render_notice(reg, result)
    if output:
        output.write_text(text, encoding="utf-8")
        info(f"wrote {output}")
    else:
        sys.stdout.write(text)


def clear(
    ctx: typer.Context,
    dataset_id: Annotated[str, typer.Argument(metavar="ID", help="Dataset (or base model) id.")],
    use: Annotated[str, typer.Option("--use", metavar="USE", help="The use cleared.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why it is cleared.")],
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who clears it.")],
    until: Annotated[
        str | None, typer.Option("--until", metavar="DATE", help="Last day the clearance is valid.")
    ] = None,
) -> None:
    """Record a legal clearance that turns needs-review into allowed for one use.

    Example: register clear squad --use service --reason "bought" --by alice --until 2027-12-31
    """
    validate_use(use)
    reg = open_register(ctx)
    known = bool(reg._existing_ids([dataset_id]))
    c = reg.clear(dataset_id, use=use, reason=reason, by=by, until=parse_date(until, "--until"))
    if not known:
        info(
            f"note: {dataset_id!r} is not a dataset in the register (recorded for a base "
            "model of that id)"
        )
    info(f"{dataset_id}: cleared for {c.use} until {c.until or 'no end date'} by {c.by}")
