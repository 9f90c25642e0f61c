"""The xlsx export's row fast path: a whole row's text checked at once
(:func:`register.exports.xlsx_book.plain_texts`) decides exactly as the cell-by-cell rule,
and a row that is not plain still gets every guard, limit, link and warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from register.exports import export_register
from register.exports.xlsx_book import SAFE_CHARS, SUSPECT_TEXT, plain_texts
from register.register import Register
from register.store.engine import run_write
from register.store.tables import DATASETS


def _cell_is_plain(value: str) -> bool:
    """The cell-by-cell rule (``Book.put``'s fast path)."""
    return SUSPECT_TEXT.search(value) is None and len(value) <= SAFE_CHARS


_TEXT = st.one_of(
    st.none(), st.just(""),
    st.text(alphabet=st.sampled_from("ab/_1 =+-@'\t\r\n\x00\x01\x0b\x1f\u00a0\uff1d\u00e9"),
            max_size=8),
    st.text(max_size=12),
)


@given(st.lists(_TEXT, max_size=8))
def test_row_check_agrees_with_the_cell_rule(texts: list[str | None]) -> None:
    expected = all(_cell_is_plain(t) for t in texts if t)
    assert plain_texts(texts) == expected


@pytest.mark.parametrize("texts", [
    ["plain", 7], ["plain", True], ["plain", ["a"]],  # not text: the cell path decides
    ["x" * SAFE_CHARS, "y"],  # long together: the cell path decides
])
def test_rows_the_check_leaves_to_the_cell_path(texts: list[Any]) -> None:
    assert not plain_texts(texts)


def test_a_row_that_is_not_plain_keeps_its_link_guard_and_one_warning(
        sqlite_reg: Register, cards_dir: Path, tmp_path: Path) -> None:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    url = "https://huggingface.co/datasets/beans"

    def work(conn: Any) -> None:
        conn.execute(update(DATASETS).where(DATASETS.c.id == "beans").values(
            source=url, pretty_name="ok\x01name", revision="=1+1"))

    run_write(sqlite_reg.engine, work)
    out = tmp_path / "rows.xlsx"
    report = export_register(sqlite_reg, "xlsx", out)
    ws = openpyxl.load_workbook(out)["Register"]
    header = {c.value: c.column for c in ws[1]}
    row = next(r[0].row for r in ws.iter_rows(min_row=2, max_col=1) if r[0].value == "beans")
    source = ws.cell(row, header["source"])
    assert source.value == url and source.hyperlink is not None
    assert source.hyperlink.target == url
    assert ws.cell(row, header["pretty_name"]).value == "ok\ufffdname"
    revision = ws.cell(row, header["revision"])
    assert revision.value == "=1+1" and revision.data_type == "s"
    assert revision.quotePrefix
    replaced = [w for w in report.warnings if "U+FFFD" in w]
    assert len(replaced) == 1 and replaced[0].startswith("1 cell(s)")
    assert "Register!pretty_name of beans" in replaced[0]
    # the other rows took the fast path: their cells read back as written
    others = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] != "beans"]
    assert others and all(isinstance(r[header["id"] - 1], str) for r in others)
