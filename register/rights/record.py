"""Rights records: changes, applying them, cross-field validation, and the questions
``list`` and ``check`` ask of them.

Pure functions only: no database, no CLI.  The store persists :class:`RightsRecord` values
(:mod:`register.check.facts`); this module turns user input (``rights set`` options, rows of
the rights import) into validated :class:`RightsChange` values, applies them, and answers the
list filters.  The columns are :mod:`register.rights.columns`' (the one spreadsheet column
schema, documented there); single values are parsed by :mod:`register.rights.values`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any

from register.check.facts import RightsRecord
from register.errors import OptionValueError, ValidationError, ValidationProblem
from register.rights.columns import (
    COLUMN_TO_FIELD,
    FIELD_TO_COLUMN,
    LIST_COLUMNS,
    RIGHTS_COLUMNS,
    Style,
    column_label,
)
from register.rights.regions import expand_regions as expand_regions
from register.rights.regions import region_allowed
from register.rights.values import (
    ANY,
    clear_field,
    is_clear,
    parse_list,
    parse_region,
    parse_scalar,
    split_list,
)

__all__ = [
    "RightsChange",
    "apply_change",
    "change_problems",
    "check_change",
    "expand_regions",
    "expiring_within",
    "format_problems",
    "normalize_region_filter",
    "parse_rights_options",
    "parse_rights_values",
    "rights_problems",
    "usable_in_region",
    "validate_record",
]


# --------------------------------------------------------------------------- the change


@dataclass(frozen=True)
class RightsChange:
    """What a user asked to change.  ``None`` means *not given* (keep the stored value);
    a field named in ``clear`` goes back to its default.  Values are validated and canonical.
    """

    personal_data: str | None = None
    sensitive: tuple[str, ...] | None = None
    dpia: str | None = None
    lawful_basis: str | None = None
    consent_purposes: tuple[str, ...] | None = None
    collected_in: tuple[str, ...] | None = None
    allowed_regions: tuple[str, ...] | None = None
    collected_on: date | None = None
    retain_until: date | None = None
    clear: frozenset[str] = field(default_factory=frozenset)

    def given(self) -> dict[str, Any]:
        """The fields set by the user (not the cleared ones), by record field name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "clear" and getattr(self, f.name) is not None
        }

    def is_empty(self) -> bool:
        return not self.clear and not self.given()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (for the audit trail)."""
        out: dict[str, Any] = {}
        for name, value in self.given().items():
            if isinstance(value, date):
                out[name] = value.isoformat()
            elif isinstance(value, tuple):
                out[name] = list(value)
            else:
                out[name] = value
        if self.clear:
            out["clear"] = sorted(self.clear)
        return out


# --------------------------------------------------------------------------- parsing


def parse_rights_values(
    values: dict[str, Any],
    *,
    clear: Iterable[str] = (),
    style: Style = "column",
    row: int | None = None,
    sheet: str | None = None,
) -> tuple[RightsChange, list[ValidationProblem]]:
    """Validate raw values keyed by column name (see :data:`RIGHTS_COLUMNS`).

    A value may be ``None`` / ``""`` / an empty list (not given), a string (lists are split on
    ``;`` or ``,``), a list of strings (repeated options), or for dates a ``date``.
    Returns the change and every problem found (the change is only meaningful without problems).
    """
    problems: list[ValidationProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(
            ValidationProblem(message, row=row, column=column_label(column, style), sheet=sheet)
        )

    out: dict[str, Any] = {}
    cleared: set[str] = set()
    for name in clear:
        fname = clear_field(name)
        if fname is None:
            problems.append(
                ValidationProblem(
                    f"{name!r} is not a rights field ({', '.join(RIGHTS_COLUMNS)})",
                    row=row,
                    column="--clear" if style == "option" else "clear",
                    sheet=sheet,
                )
            )
        else:
            cleared.add(fname)

    for column in RIGHTS_COLUMNS:
        raw = values.get(column)
        if raw is None or raw == "" or (isinstance(raw, (list, tuple)) and not raw):
            continue
        fname = COLUMN_TO_FIELD[column]
        if column in LIST_COLUMNS:
            items: list[str] = []
            for part in [raw] if isinstance(raw, str) else list(raw):
                items.extend(split_list(str(part)))
            if not items:
                continue
            if any(is_clear(item) for item in items):
                if len(items) > 1:
                    problem(column, "the clear marker '-' cannot be combined with values")
                else:
                    cleared.add(fname)
                continue
            value, messages = parse_list(column, items)
            for message in messages:
                problem(column, message)
            if value is not None:
                out[fname] = value
            continue

        if isinstance(raw, (list, tuple)):
            if len(raw) > 1:
                problem(column, "takes one value, got several")
                continue
            raw = raw[0]
        if isinstance(raw, str):
            if not raw.strip():
                continue
            if is_clear(raw):
                cleared.add(fname)
                continue
        try:
            out[fname] = parse_scalar(column, raw)
        except ValueError as exc:
            problem(column, str(exc))

    for fname in sorted(cleared & set(out)):
        problem(FIELD_TO_COLUMN[fname], "is both set and cleared")
    return RightsChange(**out, clear=frozenset(cleared)), problems


def format_problems(problems: list[ValidationProblem], *, limit: int = 20) -> str:
    """One line naming every problem (up to ``limit``): ``--x: msg; --y: msg``."""

    def one(p: ValidationProblem) -> str:
        where = [f"row {p.row}"] if p.row is not None else []
        if p.column:
            where.append(p.column)
        return f"{' '.join(where)}: {p.message}" if where else p.message

    text = "; ".join(one(p) for p in problems[:limit])
    if len(problems) > limit:
        text += f"; and {len(problems) - limit} more"
    return text


def parse_rights_options(
    personal_data: str | None = None,
    sensitive: Iterable[str] = (),
    dpia: str | None = None,
    lawful_basis: str | None = None,
    consent_purpose: Iterable[str] = (),
    collected_in: Iterable[str] = (),
    allowed_region: Iterable[str] = (),
    collected_on: str | date | None = None,
    retain_until: str | date | None = None,
    *,
    clear: Iterable[str] = (),
) -> RightsChange:
    """Validate ``rights set`` options; raise :class:`ValidationError` naming every problem.

    Problems carry the option name as ``column`` (``--collected-in``).  Within-change
    cross-field rules are checked too (both dates given; ``not-applicable`` with
    ``--personal-data yes``); rules against the stored record are :func:`check_change`'s job.
    """
    values = {
        "personal_data": personal_data,
        "sensitive": list(sensitive),
        "dpia": dpia,
        "lawful_basis": lawful_basis,
        "consent_purpose": list(consent_purpose),
        "collected_in": list(collected_in),
        "allowed_region": list(allowed_region),
        "collected_on": collected_on,
        "retain_until": retain_until,
    }
    change, problems = parse_rights_values(values, clear=clear, style="option")
    if not problems:
        problems = change_problems(change, style="option")
    if problems:
        raise OptionValueError(format_problems(problems), problems)
    return change


# --------------------------------------------------------------------------- applying


_DEFAULTS = RightsRecord()


def apply_change(current: RightsRecord | None, change: RightsChange) -> RightsRecord:
    """The record after ``change``; does not validate (see :func:`validate_record`)."""
    base = current or RightsRecord()
    updates: dict[str, Any] = {name: getattr(_DEFAULTS, name) for name in change.clear}
    updates.update(change.given())
    return replace(base, **updates)


def _cross_problems(
    collected_on: date | None,
    retain_until: date | None,
    style: Style,
    row: int | None,
    sheet: str | None,
) -> list[ValidationProblem]:
    problems: list[ValidationProblem] = []
    if collected_on and retain_until and retain_until < collected_on:
        problems.append(
            ValidationProblem(
                f"{retain_until.isoformat()} is before "
                f"{column_label('collected_on', style)} {collected_on.isoformat()}",
                row=row,
                column=column_label("retain_until", style),
                sheet=sheet,
            )
        )
    # ``not-applicable`` with personal data ``yes``/``unknown`` is recorded as the user says:
    # it is not a lawful basis then, which the check (rule 9) and ``list --needs-review``
    # report, rather than refusing to record what the organization knows.
    return problems


def change_problems(
    change: RightsChange,
    *,
    style: Style = "column",
    row: int | None = None,
    sheet: str | None = None,
) -> list[ValidationProblem]:
    """Cross-field rules that can be decided from the change alone."""
    return _cross_problems(
        change.collected_on,
        change.retain_until,
        style,
        row,
        sheet,
    )


def validate_record(
    record: RightsRecord,
    *,
    style: Style = "column",
    row: int | None = None,
    sheet: str | None = None,
) -> list[ValidationProblem]:
    """Cross-field rules on a whole record: ``retain_until`` not before ``collected_on``.

    A DPIA reference without sensitive categories is fine, and so is ``not-applicable``
    with personal data ``yes``: SPEC 4.1 makes that "no lawful basis" (needs review at check
    time and in ``list --needs-review``), so it is recorded, not refused.
    """
    return _cross_problems(
        record.collected_on,
        record.retain_until,
        style,
        row,
        sheet,
    )


def check_change(
    current: RightsRecord | None,
    change: RightsChange,
    *,
    style: Style = "column",
    row: int | None = None,
    sheet: str | None = None,
) -> list[ValidationProblem]:
    """Problems of the record ``change`` would produce from ``current``."""
    return validate_record(apply_change(current, change), style=style, row=row, sheet=sheet)


# --------------------------------------------------------------------------- queries


def rights_problems(record: RightsRecord | None) -> list[str]:
    """What a human must still record (used by ``list --needs-review``; SPEC rule 9)."""
    if record is None:
        return []
    out: list[str] = []
    if record.personal_data == "yes" and not record.lawful_basis:
        out.append("holds personal data but no lawful basis is recorded")
    if record.personal_data == "yes" and record.lawful_basis == "not-applicable":
        out.append("holds personal data but the lawful basis is 'not-applicable'")
    if record.sensitive and not record.dpia:
        out.append(f"sensitive categories ({', '.join(record.sensitive)}) without a DPIA reference")
    if record.lawful_basis == "consent" and not record.consent_purposes:
        out.append("lawful basis is consent but no consent purposes are recorded")
    return out


def normalize_region_filter(region: str) -> str:
    """Canonical form of a ``--region`` filter / check value (``de`` -> ``DE``, ``eu`` -> ``EU``).

    Raises :class:`~register.errors.OptionValueError` (exit code 2) for an unknown code.
    """
    try:
        return parse_region(region)
    except ValueError as exc:
        raise OptionValueError(
            f"region: {exc}", [ValidationProblem(str(exc), column="region")], param="region",
        ) from None


def usable_in_region(record: RightsRecord | None, region: str) -> bool:
    """Whether the dataset may be used in ``region`` (a country code, ``EU``/``EEA`` meaning
    every member, or ``any`` meaning everywhere).  No restriction recorded -> True.
    Raises :class:`ValidationError` for an unknown region code.
    """
    wanted = normalize_region_filter(region)
    if record is None or not record.allowed_regions or ANY in record.allowed_regions:
        return True
    return region_allowed(wanted, record.allowed_regions)


def expiring_within(record: RightsRecord | None, days: int, today: date) -> bool:
    """``retain_until`` falls on or before ``today + days``.

    Already expired records count too: a list of what needs attention must not hide them.
    """
    if days < 0:
        raise ValidationError(
            f"--expiring-within: {days} is negative",
            [ValidationProblem(f"{days} is negative", column="--expiring-within")],
        )
    if record is None or record.retain_until is None:
        return False
    return record.retain_until <= today + timedelta(days=days)
