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

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from register.render.cells import (
    LIST_SEPARATOR,
    cell_text,
    csv_records,
    escape_cell,
    escape_tail,
    iter_csv_records,
)
from register.render.formats import CellRows

if TYPE_CHECKING:
    from register.check.result import (
        AppliedClearance,
        CheckResult,
        DatasetTemplate,
        DatasetVerdict,
        DatasetVerdicts,
    )

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


def _notes(chosen_option: str | None, c: AppliedClearance | None) -> list[str]:
    notes = []
    if chosen_option:
        notes.append(f"OR resolved to {chosen_option}")
    if c is not None:
        notes.append(f"cleared by {c.by}"
                     + (f" until {c.until.isoformat()}" if c.until else "")
                     + (f": {c.reason}" if c.reason else ""))
    return notes


# One row a template gives each of its datasets: (section, the dataset's own license?, else
# this license, verdict, rule, kind, message after the "<id>: " prefix?, message).
_Spec = tuple[str, bool, "str | None", str, str, str, bool, str]


def _template_specs(t: DatasetTemplate) -> list[_Spec]:
    """The dataset rows of every dataset of template ``t``, without the dataset (the same
    rows, in the same order, as the per-dataset loop of :func:`check_rows` gives)."""
    notes = _notes(t.chosen_option, t.clearance)
    out: list[_Spec] = []
    if not t.reasons:
        out.append(("dataset", True, None, t.verdict, "", "", False,
                    "; ".join(notes) or "no findings"))
    for i, (rule, message) in enumerate(t.reasons):
        if i == 0 and notes:
            message = f"{message} ({'; '.join(notes)})"
        out.append(("dataset", True, None, t.verdict, rule, "", True, message))
    for kind, rule, lic, message in t.obligations:
        out.append(("dataset-obligation", False, lic, "", rule, kind, True, message))
    return out


def _dataset_rows(result: CheckResult) -> Iterator[CheckRow]:
    from register.check.result import DatasetVerdicts

    datasets = result.datasets
    if isinstance(datasets, DatasetVerdicts):  # each template's rows built once
        specs: dict[int, list[_Spec]] = {}
        for ident, license, t in datasets.rows():
            spec = specs.get(id(t))
            if spec is None:
                spec = specs[id(t)] = _template_specs(t)
            yield from _template_rows(ident, license, t, spec)
        return
    for d in datasets:
        notes = _notes(d.chosen_option, d.clearance)
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


def _corpus_rows(result: CheckResult) -> Iterator[CheckRow]:
    for c in result.conflicts:
        yield CheckRow("conflict", _join(c.datasets), _join(c.licenses), "", c.rule, "",
                       c.message)
    for owed in result.obligations:
        yield CheckRow("obligation", _join(owed.datasets), _join(owed.licenses), "", "",
                       owed.kind, owed.message)
    for w in result.warnings:
        yield CheckRow("warning", _join(w.datasets), "", "", w.rule, "", w.message)


def _verdict_row(result: CheckResult) -> CheckRow:
    return CheckRow("verdict", result.corpus or "", "", result.verdict, "", "", _summary(result))


def check_rows(result: CheckResult) -> Iterator[CheckRow]:
    """The rows of the check view, in order: verdict, datasets, conflicts, obligations,
    warnings."""
    yield _verdict_row(result)
    yield from _dataset_rows(result)
    yield from _corpus_rows(result)


def check_row_dicts(result: CheckResult) -> list[dict[str, str | None]]:
    """:func:`check_rows` as mappings column -> cell (for the table and CSV writers)."""
    return list(iter_check_row_dicts(result))


def _escaped(row: CheckRow) -> list[str]:
    return [escape_cell(cell_text(v)) for v in (row.section, row.datasets, row.license,
                                                row.verdict, row.rule, row.kind, row.message)]


class _CheckRowDicts(CellRows[dict[str, str | None]]):
    """:func:`check_rows` as mappings, or (for :func:`~register.render.formats.write_csv`)
    as CSV records, each template's records encoded once (see :func:`_template_block`)."""

    columns = CHECK_COLUMNS

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        self._dicts: Iterator[dict[str, str | None]] | None = None

    def __next__(self) -> dict[str, str | None]:
        if self._dicts is None:
            self._dicts = (row.as_dict() for row in check_rows(self.result))
        return next(self._dicts)

    def csv_records(self) -> Iterator[str]:
        from register.check.result import DatasetVerdicts

        if self._dicts is not None:  # partly read as mappings: the rest the same way
            rest = (_escaped(CheckRow(**d)) for d in self._dicts)  # type: ignore[arg-type]
            yield from iter_csv_records(rest)
            return
        self._dicts = iter(())
        result = self.result
        yield from csv_records([_escaped(_verdict_row(result))])
        datasets = result.datasets
        if isinstance(datasets, DatasetVerdicts):
            yield from _dataset_records(datasets)
        else:
            yield from iter_csv_records(map(_escaped, _dataset_rows(result)))
        yield from iter_csv_records(map(_escaped, _corpus_rows(result)))


#: Stands for a dataset's cells while a template's records are encoded (a template whose
#: text holds it is encoded row by row instead).
_SLOT = "\uf8ff"
#: An id whose cells the slots can stand for: no blank, line break, comma or quote (dataset
#: ids hold none; another is encoded row by row).  For such an id ``escape_cell(id + s) ==
#: escape_cell(id) + escape_tail(s)`` and CSV quoting never depends on it.
_SIMPLE_ID = re.compile(r'[^\s\u00a0\u3000\x0b\x0c,"\uf8ff]+')


class _Escapes:
    """``escape_cell`` / ``escape_tail`` of the texts many templates share, each once."""

    def __init__(self) -> None:
        self._cell: dict[str, str] = {}
        self._tail: dict[str, str] = {}

    def cell(self, text: str) -> str:
        hit = self._cell.get(text)
        if hit is None:
            hit = self._cell[text] = escape_cell(text)
        return hit

    def tail(self, text: str) -> str:
        hit = self._tail.get(text)
        if hit is None:
            hit = self._tail[text] = escape_tail(text)
        return hit


def _template_block(t: DatasetTemplate, esc: _Escapes) -> str | None:
    """The CSV records of every dataset of ``t`` as one ``str.format`` text: ``{0}`` the
    escaped label, ``{1}`` the license's CSV field, ``{2}`` the escaped ``"<id>: "`` prefix
    (None when the template's text holds the slot character)."""
    cells: list[list[str]] = []
    for section, own, lic, verdict, rule, kind, prefixed, message in _template_specs(t):
        if _SLOT in message or (lic and _SLOT in lic):
            return None
        cells.append([esc.cell(section), _SLOT, _SLOT if own else esc.cell(cell_text(lic)),
                      esc.cell(verdict), esc.cell(rule), esc.cell(kind),
                      _SLOT + esc.tail(message) if prefixed else esc.cell(message)])
    out: list[str] = []
    for record, row in zip(csv_records(cells), cells, strict=True):
        parts = record.replace("{", "{{").replace("}", "}}").split(_SLOT)
        slots = ["{0}"] + (["{1}"] if row[2] == _SLOT else []) + (
            ["{2}"] if row[6].startswith(_SLOT) else [])
        if len(parts) != len(slots) + 1:  # pragma: no cover - guarded by the checks above
            return None
        out.append(parts[0] + "".join(s + p for s, p in zip(slots, parts[1:], strict=True)))
    return "".join(out)


def _dataset_records(datasets: DatasetVerdicts) -> Iterator[str]:
    """The dataset rows of :func:`check_rows` as CSV records (what :func:`_escaped` and
    ``csv_records`` give), a template's records filled in per dataset."""
    blocks: dict[int, str | None] = {}
    licenses: dict[str | None, str] = {}
    esc = _Escapes()
    for ident, license, t in datasets.rows():
        key = id(t)
        if key in blocks:
            block = blocks[key]
        else:
            block = blocks[key] = _template_block(t, esc)
        if block is None or not _SIMPLE_ID.fullmatch(ident):
            yield from csv_records(map(_escaped, _template_rows(ident, license, t,
                                                                _template_specs(t))))
            continue
        lic = licenses.get(license)
        if lic is None:
            # the field as in a record of several (a lone empty field would be quoted)
            lic = licenses[license] = csv_records(
                [[escape_cell(cell_text(license)), ""]])[0][:-2]
        eid = escape_cell(ident)
        yield block.format(eid + " (base model)" if t.base_model else eid, lic, eid + ": ")


def _template_rows(ident: str, license: str | None, t: DatasetTemplate,
                   spec: list[_Spec]) -> Iterator[CheckRow]:
    """The rows of one dataset of template ``t`` (``spec``: :func:`_template_specs` of it)."""
    label = ident + " (base model)" if t.base_model else ident
    pre = ident + ": "
    for section, own, lic, verdict, rule, kind, prefixed, message in spec:
        yield CheckRow(section, label, license if own else lic, verdict, rule, kind,
                       pre + message if prefixed else message)


def iter_check_row_dicts(result: CheckResult) -> Iterator[dict[str, str | None]]:
    """:func:`check_row_dicts` one row at a time (the streamed CSV output; given to
    :func:`~register.render.formats.write_csv`, the rows are escaped per template)."""
    return _CheckRowDicts(result)


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
