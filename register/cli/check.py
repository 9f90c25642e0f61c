"""``register check``, ``register notice`` and ``register clear``."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
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
    state,
)
from register.errors import UsageError
from register.render.checkview import CHECK_COLUMNS, iter_check_row_dicts, print_check_report
from register.render.formats import Encoded, OutputFormat, write_csv, write_json

if TYPE_CHECKING:
    from register.check.corpus import Corpus
    from register.check.result import CheckResult
    from register.register import Register


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("notice")(notice)
    app.command("clear")(clear)


def _run_check(
    reg: Register, corpus_file: Path | Corpus | None, dataset: list[str] | None,
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
        typer.Argument(metavar="[CORPUS_FILE]",
                       help="Corpus YAML (name, base_model, datasets); - is stdin."),
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
    options: dict[str, Any] = {"use": use, "non_commercial": non_commercial, "region": region,
                               "on": on_date, "policy": policy}

    def full(corpus: Path | Corpus | None) -> CheckResult:
        with open_register(ctx) as reg:  # one register for the check and its record
            def run() -> CheckResult:
                return _run_check(reg, corpus, dataset, base_model, **options)

            if not record:
                return run()
            # computed and recorded in one transaction, on one state
            recorded, state_hash = reg.check_and_record(run, by=by)
            info(f"recorded check (register state {state_hash[:16]})")
            return recorded

    with paused_gc():
        if record or base_model:  # the audit trail, the model register: the engine path
            result = full(corpus_file)
        else:  # an SQLite register file is read without SQLAlchemy (start-up)
            from register.check_verbs import plain_check

            result = plain_check(state(ctx).db, corpus_file, dataset or [],
                                 fallback=lambda corpus: full(corpus or corpus_file),
                                 **options)
    f = resolve_format(fmt)
    with paused_gc():
        if f is OutputFormat.json:  # streamed: one dataset at a time
            write_json({**result.to_dict_without_datasets(),
                        "datasets": Encoded(result.dataset_json_lines())})
        elif f is OutputFormat.csv:
            write_csv(iter_check_row_dicts(result), CHECK_COLUMNS)
        else:
            print_check_report(result)
    if f is not OutputFormat.table:  # a CI log shows the verdict even when stdout is a file
        info(verdict_line(result))
    raise typer.Exit(result.exit_code)


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector paused for one step of a command.

    A check allocates a few objects per dataset and frees them by reference counting (it makes
    no cycles to collect), but each allocation burst sets off collections that walk every
    object alive, the imported modules included: half a second of a 50,000-dataset check.
    What is alive when the step starts is frozen out of later collections too."""
    if not gc.isenabled():  # nested, or paused by the caller
        yield
        return
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def verdict_line(result: CheckResult) -> str:
    """One stderr line: the verdict, and how many datasets, obligations, conflicts."""
    data = result.to_dict_without_datasets()  # the datasets are only counted
    counts = [f"{len(result.datasets)} dataset(s)"]
    for key in ("conflicts", "obligations", "warnings"):
        if data[key]:
            counts.append(f"{len(data[key])} {key}")
    return f"verdict: {result.verdict} for use {data['use']} ({', '.join(counts)})"


def notice(
    ctx: typer.Context,
    corpus_file: Annotated[
        Path, typer.Argument(metavar="CORPUS_FILE", help="Corpus YAML (- is stdin).")
    ],
    use: Annotated[
        str,
        typer.Option("--use", metavar="USE",
                     help="research, internal, service, release-weights or release-data."),
    ] = "",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of stdout (- is stdout)."),
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

    if not use:
        raise UsageError(
            "--use is required (research, internal, service, release-weights, release-data)"
        )
    validate_use(use)
    on_date = parse_date(on, "--on")
    with open_register(ctx) as reg:
        result = reg.check_corpus(
            corpus_file, use=use, non_commercial=non_commercial, region=region,
            on=on_date, policy=policy,
        )
        text = render_notice(reg, result)
    if output and str(output) != "-":
        output.write_text(text, encoding="utf-8")
        info(f"wrote {output}")
    else:
        sys.stdout.write(text)


def clear(
    ctx: typer.Context,
    dataset_id: Annotated[
        str,
        typer.Argument(metavar="ID | revoke", help="Dataset (or base model) id; or 'revoke'."),
    ],
    revoke_id: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="With 'revoke': the id whose clearance ends."),
    ] = None,
    use: Annotated[str, typer.Option("--use", metavar="USE", help="The use cleared.")] = "",
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Why it is cleared (or revoked).")
    ] = "",
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who clears it.")] = "",
    until: Annotated[
        str | None, typer.Option("--until", metavar="DATE", help="Last day the clearance is valid.")
    ] = None,
) -> None:
    """Record a legal clearance that turns needs-review into allowed for one use; or revoke it.

    A newer clearance for the same id and use replaces the older one; 'clear revoke ID'
    ends every clearance of ID for the use (both audited, with the reason).

    Example: register clear squad --use service --reason "bought" --by alice --until 2027-12-31

    Example: register clear revoke squad --use service --reason "contract ended" --by alice
    """
    for value, option in ((use, "--use"), (reason, "--reason"), (by, "--by")):
        if not value:
            raise UsageError(f"missing option '{option}'")
    validate_use(use)
    if revoke_id is not None:
        if dataset_id != "revoke":
            raise UsageError(f"unexpected argument {revoke_id!r}",
                             hint="register clear ID ... or register clear revoke ID ...")
        if until is not None:
            raise UsageError("--until does not apply to revoke")
        with open_register(ctx) as reg:
            n = reg.revoke_clearance(revoke_id, use=use, reason=reason, by=by)
        info(f"{revoke_id}: {n} clearance(s) for {use} revoked by {by.strip()}")
        return
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
    if c.until is not None and c.until < date.today():
        info(f"Warning: this clearance expired on {c.until.isoformat()}: checks after that "
             "day do not apply it")
