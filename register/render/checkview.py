"""The one tabular view of a check result: one row per finding, the same columns everywhere.

``register check --format csv``, the ``register check`` table, ``register export csv --use``,
the ``check_rows`` of ``register export json --use`` and the workbook's Check sheet all show
:func:`check_rows` under :data:`CHECK_COLUMNS`:

========== ===========================================================================
section    ``verdict`` (the corpus: first row) | ``dataset`` (one row per reason, or
           one row when it has none) | ``dataset-obligation`` | ``conflict`` |
           ``obligation`` (what the corpus owes, per kind) | ``warning``
datasets   the dataset id (``(base model)`` appended for the base model), or the ids a
           conflict, obligation or warning concerns (``;``-separated); the corpus name
           on the verdict row
license    the dataset's license, or the licenses concerned (``;``-separated)
verdict    the corpus' or the dataset's verdict (empty on other rows)
rule       the SPEC section 4 rule of the finding
kind       the obligation kind
message    the finding; a dataset's first row also says which OR option was used
           (rule 12) and which clearance applied (rule 13)
========== ===========================================================================

Every cell is text (lists already joined), so each format writes the rows as they are.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from register.render.cells import LIST_SEPARATOR

if TYPE_CHECKING:
    from register.check.result import CheckResult, DatasetVerdict

__all__ = [
    "CHECK_COLUMNS", "LIST_SEPARATOR", "CheckRow", "check_row_dicts", "check_rows",
    "iter_check_row_dicts", "print_check_report",
]

CHECK_COLUMNS: tuple[str, ...] = (
    "section", "datasets", "license", "verdict", "rule", "kind", "message",
)


@dataclass(frozen=True)
class CheckRow:
    """One finding of a check, a row of the check view (fields: :data:`CHECK_COLUMNS`)."""

    section: str
    datasets: str
    license: str | None
    verdict: str
    rule: str
    kind: str
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"section": self.section, "datasets": self.datasets, "license": self.license,
                "verdict": self.verdict, "rule": self.rule, "kind": self.kind,
                "message": self.message}


def _join(items: tuple[str, ...]) -> str:
    return LIST_SEPARATOR.join(items)


def _summary(result: CheckResult) -> str:
    parts = [f"use {result.use}", "commercial" if result.commercial else "non-commercial"]
    if result.region:
        parts.append(f"region {result.region}")
    parts.append(f"on {result.on.isoformat()}")
    if result.policy:
        parts.append(f"policy {result.policy}")
    return "; ".join(parts)


def _notes(d: DatasetVerdict) -> list[str]:
    notes = []
    if d.chosen_option:
        notes.append(f"OR resolved to {d.chosen_option}")
    c = d.clearance
    if c is not None:
        notes.append(f"cleared by {c.by}"
                     + (f" until {c.until.isoformat()}" if c.until else "")
                     + (f": {c.reason}" if c.reason else ""))
    return notes


def check_rows(result: CheckResult) -> Iterator[CheckRow]:
    """The rows of the check view, in order: verdict, datasets, conflicts, obligations,
    warnings."""
    yield CheckRow("verdict", result.corpus or "", "", result.verdict, "", "", _summary(result))
    for d in result.datasets:
        notes = _notes(d)
        if not d.reasons:
            yield CheckRow("dataset", d.label, d.license, d.verdict, "", "",
                           "; ".join(notes) or "no findings")
        for i, r in enumerate(d.reasons):
            message = r.message
            if i == 0 and notes:
                message = f"{message} ({'; '.join(notes)})"
            yield CheckRow("dataset", d.label, d.license, d.verdict, r.rule, "", message)
        for o in d.obligations:
            yield CheckRow("dataset-obligation", d.label, o.license, "", o.rule, o.kind,
                           o.message)
    for c in result.conflicts:
        yield CheckRow("conflict", _join(c.datasets), _join(c.licenses), "", c.rule, "",
                       c.message)
    for owed in result.obligations:
        yield CheckRow("obligation", _join(owed.datasets), _join(owed.licenses), "", "",
                       owed.kind, owed.message)
    for w in result.warnings:
        yield CheckRow("warning", _join(w.datasets), "", "", w.rule, "", w.message)


def check_row_dicts(result: CheckResult) -> list[dict[str, str | None]]:
    """:func:`check_rows` as mappings column -> cell (for the table and CSV writers)."""
    return list(iter_check_row_dicts(result))


def iter_check_row_dicts(result: CheckResult) -> Iterator[dict[str, str | None]]:
    """:func:`check_row_dicts` one row at a time (the streamed CSV output)."""
    return (row.as_dict() for row in check_rows(result))


def print_check_report(result: CheckResult, stream: TextIO | None = None) -> None:
    """The view a lawyer reads on a terminal: the verdict, the datasets that are blocked or
    need review with their reasons, conflicts, obligations, the OR options chosen (rule 12),
    the clearances applied (rule 13), warnings, then the datasets that are fine.  The same
    findings as :func:`check_rows`, grouped for reading rather than one per row."""
    from rich.console import Console

    from register.render.formats import VERDICT_STYLES, escape_markup

    esc = escape_markup
    out = Console(file=stream or sys.stdout, soft_wrap=True, highlight=False)
    style = VERDICT_STYLES.get(result.verdict, "")
    out.print(
        f"[bold {style}]{result.verdict.upper()}[/] for use '{result.use}'"
        f" ({'commercial' if result.commercial else 'non-commercial'}"
        f"{', region ' + esc(result.region) if result.region else ''},"
        f" on {result.on.isoformat()}, policy {esc(result.policy)})"
    )
    for wanted in ("blocked", "needs-review"):
        flagged = [d for d in result.datasets if d.verdict == wanted]
        if flagged:
            out.print(f"\n[bold]{wanted}[/]")
        for d in flagged:
            out.print(f"  {_label(d)} ({esc(d.license or 'no license')})")
            for r in d.reasons:
                out.print(f"    - rule {r.rule}: {esc(r.message)}")
    if result.conflicts:
        out.print("\n[bold]conflicts[/]")
        for c in result.conflicts:
            out.print(f"  - rule {c.rule}: {esc(c.message)} ({esc(', '.join(c.datasets))})")
    if result.obligations:
        out.print("\n[bold]obligations[/]")
        for o in result.obligations:
            out.print(f"  - {o.kind}: {esc(o.message)} ({esc(', '.join(o.datasets))})")
    chosen = [d for d in result.datasets if d.chosen_option]
    if chosen:
        out.print("\n[bold]license choices[/] (rule 12: an OR is used under the option chosen)")
        for d in chosen:
            out.print(f"  - {_label(d)}: {esc(d.license or '')} -> used under "
                      f"{esc(d.chosen_option or '')}")
    cleared = [d for d in result.datasets if d.clearance]
    if cleared:
        out.print("\n[bold]clearances applied[/] (rule 13)")
        for d in cleared:
            cl = d.clearance
            assert cl is not None
            until = f" until {cl.until.isoformat()}" if cl.until else " (no end date)"
            out.print(f"  - {_label(d)}: cleared for {esc(cl.use)} by {esc(cl.by)}{until}: "
                      f"{esc(cl.reason)} -> {d.verdict}")
    if result.warnings:
        out.print("\n[bold]warnings[/]")
        for w in result.warnings:
            out.print(f"  - {esc(w.message)}")
    fine = [d for d in result.datasets if d.verdict in ("allowed", "allowed-with-obligations")]
    if fine:
        out.print(
            f"\n{len(fine)} dataset(s) allowed"
            f"{' (with obligations)' if any(d.obligations for d in fine) else ''}: "
            + ", ".join(_label(d) for d in fine[:20]) + (" ..." if len(fine) > 20 else ""))


def _label(d: DatasetVerdict) -> str:
    from register.render.formats import escape_markup

    return escape_markup(d.id + (" [base model]" if d.base_model else ""))
