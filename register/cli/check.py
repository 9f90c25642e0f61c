"""``register check``, ``register notice`` and ``register clear``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from register.render.checkview import CHECK_COLUMNS, check_row_dicts
from register.render.formats import (
    VERDICT_STYLES,
    OutputFormat,
    escape_markup,
    print_table,
    to_csv,
    to_json,
)

if TYPE_CHECKING:
    from register.check.result import CheckResult
    from register.register import Register


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("notice")(notice)
    app.command("clear")(clear)


def _run_check(
    reg: Register, corpus_file: Path | None, dataset: list[str] | None,
    base_model: str | None = None, **kwargs: Any
) -> CheckResult:
    if corpus_file is not None:  # extra --dataset options join the corpus file's datasets
        return reg.check_corpus(corpus_file, extra_datasets=dataset or (),
                                base_model_id=base_model, **kwargs)
    if base_model and not dataset:  # the model alone: its chain and its recorded data
        return reg.check_model(base_model, **kwargs)
    return reg.check(list(dict.fromkeys(dataset or [])),
                     base_model={"id": base_model} if base_model else None, **kwargs)


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
    base_model: Annotated[
        str | None,
        typer.Option(
            "--base-model", metavar="ID",
            help="Base model id (from the model register); alone: check that model.",
        ),
    ] = None,
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
    if not use:
        raise UsageError(
            "--use is required (research, internal, service, release-weights, release-data)"
        )
    validate_use(use)
    if corpus_file is None and not dataset and not base_model:
        raise UsageError("give a CORPUS_FILE, --dataset ID or --base-model ID")
    on_date = parse_date(on, "--on")
    with open_register(ctx) as reg:  # one register for the check and its record
        result = _run_check(
            reg,
            corpus_file,
            dataset,
            base_model,
            use=use,
            non_commercial=non_commercial,
            region=region,
            on=on_date,
            policy=policy,
        )
        if record:
            state = reg.record_check(result, by=by)
            info(f"recorded check (register state {state[:16]})")
    f = resolve_format(fmt)
    if f is OutputFormat.json:
        sys.stdout.write(to_json(result.to_dict()))
    elif f is OutputFormat.csv:
        sys.stdout.write(to_csv(check_row_dicts(result), CHECK_COLUMNS))
    else:
        print_check(result)
    raise typer.Exit(result.exit_code)


def print_check(result: CheckResult) -> None:
    """The verdict line, then the check view (one row per finding, as in ``--format csv``)."""
    from rich.console import Console

    out = Console(file=sys.stdout, soft_wrap=True, highlight=False)
    style = VERDICT_STYLES.get(result.verdict, "")
    out.print(
        f"[bold {style}]{result.verdict.upper()}[/] for use '{result.use}'"
        f" ({'commercial' if result.commercial else 'non-commercial'}"
        f"{', region ' + result.region if result.region else ''},"
        f" on {result.on.isoformat()}, policy {escape_markup(result.policy)})"
    )
    print_table(check_row_dicts(result), CHECK_COLUMNS, styles=VERDICT_STYLES)


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
    on_date = parse_date(on, "--on")
    with open_register(ctx) as reg:
        result = reg.check_corpus(
            corpus_file, use=use, non_commercial=non_commercial, region=region,
            on=on_date, policy=policy,
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
    until_date = parse_date(until, "--until")
    with open_register(ctx) as reg:
        known = bool(reg.existing_ids([dataset_id]))
        c = reg.clear(dataset_id, use=use, reason=reason, by=by, until=until_date)
    if not known:
        info(
            f"note: {dataset_id!r} is not a dataset in the register (recorded for a base "
            "model of that id)"
        )
    info(f"{dataset_id}: cleared for {c.use} until {c.until or 'no end date'} by {c.by}")
