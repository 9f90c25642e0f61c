"""The one spreadsheet column schema of rights: column names, the editable columns, which
columns hold lists or dates, the ``rights set`` option names, and the cells of a record.

Every exporter (:mod:`register.exports`) writes these columns and every importer
(:mod:`register.rights.table_import`) reads them; parsing the cell values is
:mod:`register.rights.values`' job, applying them :mod:`register.rights.record`'s.

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
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from register.check.facts import RightsRecord
from register.render.cells import LIST_SEPARATOR

__all__ = [
    "BY_COLUMN",
    "COLUMN_TO_FIELD",
    "DATE_COLUMNS",
    "EDITABLE_COLUMNS",
    "FIELD_TO_COLUMN",
    "ID_COLUMN",
    "LICENSE_COLUMNS",
    "LIST_COLUMNS",
    "REASON_COLUMN",
    "RIGHTS_COLUMNS",
    "Style",
    "column_label",
    "join_list",
    "option_name",
    "record_cells",
]

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

Style = Literal["option", "column"]


def option_name(column: str) -> str:
    """``consent_purpose`` -> ``--consent-purpose``."""
    return "--" + column.replace("_", "-")


def column_label(column: str, style: Style) -> str:
    """How a problem names ``column``: its option name (``rights set``) or the column."""
    return option_name(column) if style == "option" else column


def join_list(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(values)


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
