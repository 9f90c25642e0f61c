"""The check CSV written per template (register.render.checkview) equals the row-by-row CSV."""

from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from register.check.engine import check
from register.check.facts import USES, Clearance, DatasetFacts, RightsRecord
from register.render.cells import escape_cell, escape_tail
from register.render.checkview import CHECK_COLUMNS, check_row_dicts, iter_check_row_dicts
from register.render.formats import to_csv, write_csv

_ODD_IDS = ["-evil/=cmd", "@x/y", "+plus", "'quoted", "a,b/c", 'q"uote/x', "plain/ok", "ok",
            "tab\tid", "line\nbreak", "{brace}/x", "\uf8ffslot"]


def _facts() -> list[DatasetFacts]:
    out = []
    for n, ident in enumerate(_ODD_IDS):
        out.append(DatasetFacts(
            id=ident, license=["CC-BY-4.0", None, "MIT OR CC-BY-NC-4.0", "CC-BY-SA-4.0",
                               "{weird}", "Apache-2.0"][n % 6],
            license_needs_review=n % 3 == 0, license_reason='said "maybe",\n=then {no}',
            rights=RightsRecord(personal_data="yes") if n % 2 else None,
            clearances=(Clearance(ident, "service", "bob", "ok,\r\n@fine", date(2027, 1, 1)),)))
    return out


@pytest.mark.parametrize("use", USES)
def test_template_csv_equals_row_by_row_csv(use: str) -> None:
    base = DatasetFacts(id="-base/model", license="LicenseRef-scancode-llama-2-license-2023")
    for base_model in (None, base):
        result = check(_facts(), use=use, on=date(2026, 12, 1), base_model=base_model)
        fast = io.StringIO()
        write_csv(iter_check_row_dicts(result), CHECK_COLUMNS, fast)
        assert fast.getvalue() == to_csv(check_row_dicts(result), CHECK_COLUMNS)


def test_partly_read_rows_write_the_rest() -> None:
    result = check(_facts(), use="service", on=date(2026, 12, 1))
    rows = iter_check_row_dicts(result)
    first = next(rows)
    rest = io.StringIO()
    write_csv(rows, CHECK_COLUMNS, rest)
    assert to_csv([first], CHECK_COLUMNS) + rest.getvalue().split("\n", 1)[1] == to_csv(
        check_row_dicts(result), CHECK_COLUMNS)


@given(prefix=st.text(min_size=1).filter(lambda p: not any(c in p for c in "\r\n")
                                         and p.strip(" \u00a0\u3000\x0b\x0c") != ""),
       value=st.text())
def test_escape_tail_continues_escape_cell(prefix: str, value: str) -> None:
    assert escape_cell(prefix + value) == escape_cell(prefix) + escape_tail(value)
