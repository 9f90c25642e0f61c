"""``register approve``, ``register status`` and ``register reassess``: sign-offs per use-case
tier, bound to the evidence they were given, and their reassessment (exit 0 nothing changed,
3 something needs review, 4 an approval is no longer valid)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from register.cli._common import (
    FormatOption,
    OnOption,
    PolicyOption,
    emit,
    info,
    open_register,
    parse_date,
    resolve_format,
)
from register.errors import UsageError
from register.render.formats import OutputFormat, print_table, to_json

if TYPE_CHECKING:
    from register.governance.approvals import SubjectStatus

TIER_HELP = ("exploratory, internal-decision-support, controlled-pilot, limited-production or "
             "safety-critical-production")


def register(app: typer.Typer) -> None:
    app.command("approve")(approve)
    app.command("status")(status)
    app.command("reassess")(reassess)


def approve(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(metavar="MODEL|CORPUS",
                                           help="A model id of the register or a corpus YAML.")],
    tier: Annotated[str, typer.Option("--tier", metavar="TIER", help=f"Tier: {TIER_HELP}.")] = "",
    role: Annotated[str, typer.Option("--role", metavar="ROLE",
                                      help="The role signing (legal, engineering, ...).")] = "",
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Who signs.")] = "",
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why.")] = "",
    use: Annotated[str | None, typer.Option(
        "--use", metavar="USE", help="The use checked (default: the tier's use).")] = None,
    sign_with: Annotated[Path | None, typer.Option(
        "--sign-with", metavar="KEY",
        help="SSH private key: sign the sign-off (ssh-keygen -Y sign).")] = None,
    policy: PolicyOption = None,
    fmt: FormatOption = None,
) -> None:
    """Sign off a model or corpus for a tier, bound to a digest of the evidence it was given.

    The sign-off stops counting the moment its evidence changes (check result, dataset and
    model versions, policy); the history keeps it.

    Example: register approve acme/tuned --tier controlled-pilot --role legal --by alice --reason ok
    """
    for value, option in ((tier, "--tier"), (role, "--role"), (by, "--by"),
                          (reason, "--reason")):
        if not value:
            raise UsageError(f"missing option '{option}'")
    with open_register(ctx) as reg:
        signoff = reg.approve(subject, tier=tier, role=role, by=by, reason=reason, use=use,
                              sign_with=sign_with, policy=policy)
    if resolve_format(fmt) is OutputFormat.json:
        sys.stdout.write(to_json(dict(signoff.to_dict())))
    signed = f", signed with {signoff.signer_fingerprint}" if signoff.signature else ""
    info(f"approval {signoff.id}: {subject} for {tier} by {signoff.by} ({signoff.role}), "
         f"evidence {signoff.evidence_digest[:16]}{signed}")


STATUS_COLUMNS = ["tier", "state", "use", "roles", "signed", "missing"]


def _status_rows(s: SubjectStatus) -> list[dict[str, Any]]:
    return [{"tier": t.tier.name, "state": t.state, "use": t.tier.use,
             "roles": ", ".join(t.tier.roles) or "-",
             "signed": ", ".join(f"{x.by} ({x.role})" for x in t.signed) or "-",
             "missing": "; ".join(t.missing) or "-"} for t in s.tiers]


def status(
    ctx: typer.Context,
    subject: Annotated[str | None, typer.Argument(
        metavar="[MODEL|CORPUS]", help="A model id or corpus YAML (default: every model).")] = None,
    on: OnOption = None,
    policy: PolicyOption = None,
    fmt: FormatOption = None,
) -> None:
    """Each tier's requirements, who signed, what is missing (every model without MODEL).

    Example: register status acme/tuned --format json
    """
    day = parse_date(on, "--on")
    with open_register(ctx) as reg:
        if subject is None:
            every = reg.statuses(policy=policy, on=day)
            rows = [{"subject": f"{s.kind}:{s.id}", **r} for s in every.subjects
                    for r in _status_rows(s)]
            emit(every.to_dict(), rows, ["subject", *STATUS_COLUMNS], fmt,
                 title=f"{len(every.subjects)} subject(s)")
            return
        one = reg.status(subject, policy=policy, on=day)
    f = resolve_format(fmt)
    emit(one.to_dict(), _status_rows(one), STATUS_COLUMNS, f,
         title=f"{one.kind} {one.id}: approved for {one.approved_tier or 'no tier yet'}")
    if f is OutputFormat.table and one.history:
        print_table([{"id": h.id, "at": h.at, "tier": h.tier, "role": h.role, "by": h.by,
                      "state": h.state, "counts": h.counts, "signed": h.signature is not None,
                      "evidence": h.evidence_digest[:16]} for h in one.history],
                    ["id", "at", "tier", "role", "by", "state", "counts", "signed",
                     "evidence"], title="sign-offs (history)")


FINDING_COLUMNS = ["severity", "kind", "subject", "dataset", "old", "new", "approvals",
                   "signers", "message"]


def reassess(
    ctx: typer.Context,
    refresh_hub: Annotated[bool, typer.Option(
        "--refresh-hub", help="Re-ingest the Hub's current revision of hub-sourced datasets "
                              "first.")] = False,
    on: OnOption = None,
    policy: PolicyOption = None,
    by: Annotated[str | None, typer.Option("--by", metavar="NAME",
                                           help="Who runs it (recorded).")] = None,
    fmt: FormatOption = None,
) -> None:
    """Re-run every recorded check and approval; exit 0 unchanged, 3 review, 4 invalid.

    Each finding names the approval, the dataset, the old and new license (or clearance,
    retention, withdrawal) and the signers. For cron: a non-zero exit is a change to act on.

    Example: register reassess --refresh-hub --format json
    """
    day = parse_date(on, "--on")
    with open_register(ctx) as reg:
        result = reg.reassess(refresh_hub=refresh_hub, on=day, policy=policy, by=by)
    data = result.to_dict()
    rows = [{**f, "approvals": ", ".join(map(str, f["approvals"])) or "-",
             "signers": ", ".join(f["signers"]) or "-"} for f in data["findings"]]
    emit(data, rows, FINDING_COLUMNS, fmt,
         title=f"{len(rows)} finding(s) on {data['on']} (exit {result.exit_code})")
    for message in result.refresh_errors:
        info(f"Warning: {message}")
    info(f"reassessed {result.approvals_checked} approval(s) and {result.checks_checked} "
         f"recorded check(s): {len(rows)} finding(s)")
    raise typer.Exit(result.exit_code)
