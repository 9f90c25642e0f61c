"""pandas views for notebook users: :meth:`Register.frame` and :meth:`CheckResult.to_frame`.

pandas is imported here only (the CLI never loads it).  The register frame has the columns
of the csv export (:data:`register.exports.REGISTER_COLUMNS`) with Python values (dates as
``datetime.date``, lists as lists, empty as ``None``); the check frame one row per dataset
(and the base model) with its verdict, the rules and messages behind it, and its obligations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from register.check.result import CheckResult
    from register.register import Register

__all__ = ["CHECK_FRAME_COLUMNS", "check_frame", "register_frame"]

CHECK_FRAME_COLUMNS: tuple[str, ...] = (
    "id", "license", "verdict", "base_model", "chosen_option", "cleared_by", "rules",
    "reasons", "obligations")


def register_frame(reg: Register, ids: Sequence[str] | None = None, *,
                   today: date | None = None) -> pd.DataFrame:
    """The register (or the datasets ``ids``) as a DataFrame, one row per dataset by id."""
    import pandas as pd

    from register.exports import REGISTER_COLUMNS, iter_register_rows

    names = [c.name for c in REGISTER_COLUMNS]
    rows = ([_cell(row.cells.get(n)) for n in names]
            for row in iter_register_rows(reg, ids, today=today))
    return pd.DataFrame(list(rows), columns=names, dtype=object)  # None stays None


def check_frame(result: CheckResult) -> pd.DataFrame:
    """One row per dataset of a check: verdict, rules and reasons, obligation kinds."""
    import pandas as pd

    records = [(d.id, d.license, d.verdict, d.base_model, d.chosen_option, d.cleared_by,
                [r.rule for r in d.reasons], [r.message for r in d.reasons],
                list(dict.fromkeys(o.kind for o in d.obligations)))
               for d in result.datasets]
    return pd.DataFrame.from_records(records, columns=list(CHECK_FRAME_COLUMNS))


def _cell(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
