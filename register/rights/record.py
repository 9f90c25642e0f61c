"""Rights records: validation, changes, and the questions ``list`` and ``check`` ask of them.

Pure functions only: no database, no CLI.  The store persists :class:`RightsRecord` values
(:mod:`register.check.facts`); this module turns user input into validated changes, applies them,
and answers the list filters.

Spreadsheet / CSV format
========================
The rights import (``register rights import FILE``) and the spreadsheet round trip
(``register export xlsx`` / ``register import xlsx``) share one set of column names.  One row
per dataset; the header is the first row; column names are matched case-insensitively, with
spaces and hyphens read as ``_`` (``Allowed Region`` == ``allowed-region`` == ``allowed_region``)
and the plural spellings ``consent_purposes`` / ``allowed_regions`` accepted as aliases.
Columns the importer does not know (the export's read-only computed columns) are ignored.

=================  ===========================================================================
column             content
=================  ===========================================================================
``id``             dataset id (required column; one row per id)
``personal_data``  ``yes`` | ``no`` | ``unknown``
``sensitive``      list of sensitive categories (``biometric;health``)
``dpia``           free-text DPIA / review reference
``lawful_basis``   one of :data:`register.check.facts.LAWFUL_BASES`
``consent_purpose`` list of uses (:data:`register.check.facts.USES`) or ``any``
``collected_in``   list of ISO 3166-1 alpha-2 country codes
``allowed_region`` list of ISO 3166-1 alpha-2 codes, ``EU``, ``EEA`` or ``any``
``collected_on``   ISO 8601 date ``YYYY-MM-DD`` (or a date cell in ``.xlsx``)
``retain_until``   ISO 8601 date; the last day the data may be used
``concluded_license``  an SPDX expression recorded as the concluded license (human decision)
``concluded_reason``   why (required when ``concluded_license`` is given, unless ``reason`` is)
``reason``         why the row's changes are made (audit trail)
``by``             who makes them (defaults to the importing user)
=================  ===========================================================================

Lists are written ``;``-separated (``DE;FR``); on input ``;`` and ``,`` both separate and
spaces around items are ignored.  Keywords are case-insensitive and ``_`` or a space may stand
for ``-`` (``Legitimate interests`` == ``legitimate-interests``); output is always canonical
(lower-case keywords, upper-case country codes, lists de-duplicated and sorted).

Not given vs. cleared
---------------------
* An **empty** cell (or an option not passed) means *not given*: the stored value is kept.
  This is what makes an unedited exported row a no-op.
* The **clear marker** ``-`` (or ``none``, any case) removes the stored value: the field goes
  back to its default (``personal_data`` to ``unknown``, lists to empty, the rest to nothing).
  On the command line either write the marker as the value (``--dpia -``,
  ``--allowed-region none``) or name the field with ``clear=`` (the CLI's ``--clear FIELD``,
  field given as column name, option name or record field name).
* A list value **replaces** the stored list (``--sensitive health`` on a record holding
  ``biometric`` leaves ``health`` only); repeat the option to give several values.
* ``any`` (consent purposes, allowed regions) cannot be combined with other values.

Region codes are validated by :mod:`register.rights.regions`; ``EU``/``EEA`` are stored as written
and
expanded only when a check or filter needs member states.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from register.check.facts import (
    LAWFUL_BASES,
    PERSONAL_DATA_VALUES,
    SENSITIVE_CATEGORIES,
    USES,
    RightsRecord,
)
from register.errors import RegisterError, ValidationError, ValidationProblem
from register.render.cells import LIST_SEPARATOR
from register.rights.regions import expand_regions, region_allowed, validate_region

__all__ = [
    "CLEAR_MARKERS",
    "COLUMN_TO_FIELD",
    "EDITABLE_COLUMNS",
    "FIELD_TO_COLUMN",
    "LICENSE_COLUMNS",
    "RIGHTS_COLUMNS",
    "RightsChange",
    "apply_change",
    "change_problems",
    "check_change",
    "expand_regions",
    "expiring_within",
    "format_problems",
    "join_list",
    "normalize_region_filter",
    "parse_rights_options",
    "parse_rights_values",
    "record_cells",
    "rights_problems",
    "split_list",
    "usable_in_region",
    "validate_record",
]

# --------------------------------------------------------------------------- column names

#: Rights field columns, in spreadsheet order (shared by every exporter and importer).
RIGHTS_COLUMNS: tuple[str, ...] = (
    "personal_data",
    "sensitive",
    "dpia",
    "lawful_basis",
    "consent_purpose",
    "collected_in",
    "allowed_region",
    "collected_on",
    "retain_until",
)
ID_COLUMN = "id"
REASON_COLUMN = "reason"
BY_COLUMN = "by"
#: License columns the spreadsheet import may also carry.
LICENSE_COLUMNS: tuple[str, ...] = ("concluded_license", "concluded_reason")
#: Every column the importers read, in the order an exporter should write them.
EDITABLE_COLUMNS: tuple[str, ...] = (
    ID_COLUMN,
    *RIGHTS_COLUMNS,
    *LICENSE_COLUMNS,
    REASON_COLUMN,
    BY_COLUMN,
)

#: Spreadsheet column -> RightsRecord / RightsChange field.
COLUMN_TO_FIELD: dict[str, str] = {
    "personal_data": "personal_data",
    "sensitive": "sensitive",
    "dpia": "dpia",
    "lawful_basis": "lawful_basis",
    "consent_purpose": "consent_purposes",
    "collected_in": "collected_in",
    "allowed_region": "allowed_regions",
    "collected_on": "collected_on",
    "retain_until": "retain_until",
}
FIELD_TO_COLUMN: dict[str, str] = {v: k for k, v in COLUMN_TO_FIELD.items()}
LIST_COLUMNS = frozenset({"sensitive", "consent_purpose", "collected_in", "allowed_region"})
DATE_COLUMNS = frozenset({"collected_on", "retain_until"})

CLEAR_MARKERS: tuple[str, ...] = ("-", "none")
ANY = "any"

Style = Literal["option", "column"]


def option_name(column: str) -> str:
    """``consent_purpose`` -> ``--consent-purpose``."""
    return "--" + column.replace("_", "-")


def _name(column: str, style: Style) -> str:
    return option_name(column) if style == "option" else column


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


# --------------------------------------------------------------------------- value parsing

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPLIT_RE = re.compile(r"[;,]")


def split_list(text: str) -> list[str]:
    """``'DE; FR,,IT'`` -> ``['DE', 'FR', 'IT']``."""
    return [part.strip() for part in _SPLIT_RE.split(text) if part.strip()]


def join_list(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(values)


def _keyword(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def _is_clear(text: str) -> bool:
    return text.strip().lower() in CLEAR_MARKERS


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not _DATE_RE.match(text):
        raise ValueError(f"{text!r} is not an ISO 8601 date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date (YYYY-MM-DD)") from None


def _region_code(code: str, *, groups: bool) -> str:
    try:
        return validate_region(code, allow_groups=groups, allow_any=groups)
    except RegisterError as exc:
        expected = "an ISO 3166-1 alpha-2 country code" + (", EU, EEA or any" if groups else "")
        message = f"{code.strip()!r} is not {expected}"
        if exc.hint:
            message += f" ({exc.hint})"
        raise ValueError(message) from exc


def _country(code: str) -> str:
    return _region_code(code, groups=False)


def _region(code: str) -> str:
    return _region_code(code, groups=True)


def _choice(kind: str, allowed: tuple[str, ...]) -> Any:
    def parse(text: str) -> str:
        value = _keyword(text)
        if value not in allowed:
            choices = ", ".join(allowed[:-1]) + " or " + allowed[-1]
            what = f"{kind} ({choices})" if kind else choices
            raise ValueError(f"{text.strip()!r} is not {what}")
        return value

    return parse


_PURPOSES = (*USES, ANY)
_SCALAR_PARSERS: dict[str, Any] = {
    "personal_data": _choice("", PERSONAL_DATA_VALUES),
    "lawful_basis": _choice("a lawful basis", LAWFUL_BASES),
}
_LIST_PARSERS: dict[str, tuple[Any, tuple[str, ...] | None]] = {
    # column -> (item parser, canonical order or None for alphabetical)
    "sensitive": (_choice("a sensitive category", SENSITIVE_CATEGORIES), SENSITIVE_CATEGORIES),
    "consent_purpose": (_choice("a use", _PURPOSES), _PURPOSES),
    "collected_in": (_country, None),
    "allowed_region": (_region, None),
}


def _sort(values: Iterable[str], order: tuple[str, ...] | None) -> tuple[str, ...]:
    unique = set(values)
    if order is not None:
        return tuple(v for v in order if v in unique)
    return tuple(sorted(unique, key=lambda v: (v == ANY, v)))


def _normalize_clear_name(name: str) -> str | None:
    key = name.strip().lstrip("-").lower().replace("-", "_")
    if key in COLUMN_TO_FIELD:
        return COLUMN_TO_FIELD[key]
    if key in FIELD_TO_COLUMN:
        return key
    return None


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
            ValidationProblem(message, row=row, column=_name(column, style), sheet=sheet)
        )

    out: dict[str, Any] = {}
    cleared: set[str] = set()
    for name in clear:
        fname = _normalize_clear_name(name)
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
            if any(_is_clear(item) for item in items):
                if len(items) > 1:
                    problem(column, "the clear marker '-' cannot be combined with values")
                else:
                    cleared.add(fname)
                continue
            parse, order = _LIST_PARSERS[column]
            parsed: list[str] = []
            ok = True
            for item in items:
                try:
                    parsed.append(parse(item))
                except ValueError as exc:
                    problem(column, str(exc))
                    ok = False
            if not ok:
                continue
            if ANY in parsed and len(set(parsed)) > 1:
                problem(column, "'any' cannot be combined with other values")
                continue
            out[fname] = _sort(parsed, order)
            continue

        if isinstance(raw, (list, tuple)):
            if len(raw) > 1:
                problem(column, "takes one value, got several")
                continue
            raw = raw[0]
        if isinstance(raw, str):
            if not raw.strip():
                continue
            if _is_clear(raw):
                cleared.add(fname)
                continue
        try:
            if column in DATE_COLUMNS:
                out[fname] = _parse_date(raw)
            elif column == "dpia":
                text = str(raw).strip()
                if "\n" in text or "\r" in text:
                    raise ValueError("must be a single line")
                out[fname] = text
            else:
                out[fname] = _SCALAR_PARSERS[column](str(raw))
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
        raise ValidationError(format_problems(problems), problems)
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
                f"{_name('collected_on', style)} {collected_on.isoformat()}",
                row=row,
                column=_name("retain_until", style),
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

    Raises :class:`ValidationError` naming ``--region`` for an unknown code.
    """
    try:
        return _region(region)
    except ValueError as exc:
        raise ValidationError(
            f"--region: {exc}", [ValidationProblem(str(exc), column="--region")]
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


def record_cells(record: RightsRecord | None) -> dict[str, str | date | None]:
    """Cell values for :data:`RIGHTS_COLUMNS` (lists joined with ``;``, dates as ``date``,
    empty as ``None``).  What exporters write; reading them back gives the same record.
    """
    rec = record or RightsRecord()
    cells: dict[str, str | date | None] = {}
    for column in RIGHTS_COLUMNS:
        value = getattr(rec, COLUMN_TO_FIELD[column])
        if isinstance(value, tuple):
            cells[column] = join_list(value) or None
        else:
            cells[column] = value if value not in ("",) else None
    return cells
