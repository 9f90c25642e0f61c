"""Rights tables: CSV / XLSX round trips, every-problem validation, limits, cell escaping."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from register.check.facts import (
    LAWFUL_BASES,
    PERSONAL_DATA_VALUES,
    SENSITIVE_CATEGORIES,
    USES,
    RightsRecord,
)
from register.errors import ExportError, RegisterError, ValidationError
from register.render.cells import FORMULA_TRIGGERS, escape_cell, unescape_cell
from register.rights import table_import as tabular
from register.rights.columns import EDITABLE_COLUMNS, RIGHTS_COLUMNS, record_cells
from register.rights.record import RightsChange, apply_change, validate_record
from register.rights.table_import import load_rights_table, read_rights_table

# --------------------------------------------------------------------------- writers


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return escape_cell(value)
    return value


def _ooxml(value: Any) -> Any:
    """Text as Excel stores it: a literal ``_xHHHH_`` gets ``_x005F`` before it (openpyxl
    writes text as given)."""
    return re.sub(r"(_x[0-9A-Fa-f]{4}_)", r"_x005F\1", value) if isinstance(value, str) else value


def write_csv(path: Path, header: list[str], rows: list[list[Any]], *, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else v.isoformat() if isinstance(v, date) else _text(v)
                    for v in row
                ]
            )
    return path


def write_xlsx(
    path: Path,
    header: list[str],
    rows: list[list[Any]],
    *,
    sheet: str = "Register",
    first_sheet: str | None = None,
) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    if first_sheet:
        ws.title = first_sheet
        ws.append(["id", "personal_data"])
        ws.append(["decoy", "maybe"])
        ws = book.create_sheet(sheet)
    else:
        ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append([_ooxml(_text(v)) for v in row])
    book.save(path)
    return path


def write_table(kind: str, path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    if kind == "csv":
        return write_csv(path.with_suffix(".csv"), header, rows)
    return write_xlsx(path.with_suffix(".xlsx"), header, rows)


def record_row(dataset_id: str, record: RightsRecord, *extra: Any) -> list[Any]:
    cells = record_cells(record)
    return [dataset_id, *(cells[c] for c in RIGHTS_COLUMNS), *extra]


FULL = RightsRecord(
    personal_data="yes",
    sensitive=("biometric", "health", "location"),
    dpia="=DPIA-2024-07",  # starts with a formula trigger: must be escaped and come back
    lawful_basis="consent",
    consent_purposes=("research", "internal"),
    collected_in=("DE", "FR"),
    allowed_regions=("CH", "EU"),
    collected_on=date(2020, 1, 31),
    retain_until=date(2027, 1, 31),
)

# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_round_trip_of_every_field(tmp_path: Path, kind: str) -> None:
    header = list(EDITABLE_COLUMNS)
    row = record_row("org/name", FULL, "MIT", "-checked by legal", "@procurement", "Ana")
    path = write_table(kind, tmp_path / "rights", header, [row])
    rows, problems = read_rights_table(path)
    assert problems == []
    [got] = rows
    assert got.row == 2
    assert got.dataset_id == "org/name"
    assert got.change == RightsChange(
        personal_data="yes",
        sensitive=("biometric", "health", "location"),
        dpia="=DPIA-2024-07",
        lawful_basis="consent",
        consent_purposes=("research", "internal"),
        collected_in=("DE", "FR"),
        allowed_regions=("CH", "EU"),
        collected_on=date(2020, 1, 31),
        retain_until=date(2027, 1, 31),
    )
    assert apply_change(None, got.change) == FULL
    assert (got.concluded_license, got.concluded_reason, got.reason, got.by) == (
        "MIT",
        "-checked by legal",
        "@procurement",
        "Ana",
    )
    assert got.sheet == (None if kind == "csv" else "Register")


def test_xlsx_stores_escaped_text_not_formulas(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", ["id", "dpia"], [["a", "=HYPERLINK(1)"]])
    book = openpyxl.load_workbook(path)
    ws = book.active
    assert ws is not None
    cell = ws["B2"]
    assert cell.data_type == "s"
    assert cell.value == "'=HYPERLINK(1)"
    rows, _ = read_rights_table(path)
    assert rows[0].change.dpia == "=HYPERLINK(1)"


def test_xlsx_text_escapes_are_read_as_excel_reads_them(tmp_path: Path) -> None:
    # Excel writes a literal "_x0041_" as "_x005F_x0041_" and a line feed may come as
    # "_x000A_"; openpyxl leaves both in the text, the reader undoes them
    path = write_xlsx(tmp_path / "r.xlsx", ["id", "dpia", "consent_purpose"],
                      [["a", "ref _x0041_ kept", None]])
    book = openpyxl.load_workbook(path)
    book.active["C2"].value = "research_x003B_service"  # type: ignore[index]
    book.save(path)
    [row], problems = read_rights_table(path)
    assert problems == []
    assert row.change.dpia == "ref _x0041_ kept"
    assert row.change.consent_purposes == ("research", "service")


def _patched(path: Path, member: str, old: str, new: str) -> None:
    """Replace ``old`` (a regular expression, one match) by ``new`` in a zip member."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    text, count = re.subn(old, new, parts[member].decode())
    assert count == 1
    parts[member] = text.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("hook", [True, False], ids=["values-only", "cells"])
def test_xlsx_shared_and_inline_strings_are_unescaped_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: bool) -> None:
    # Excel and LibreOffice keep text in the shared-string table, where openpyxl drops every
    # "x005F_" and keeps the other escapes; inline strings (XlsxWriter's constant_memory, our
    # exports) come as stored.  A mixed workbook: each cell's text undone exactly once.
    import xlsxwriter

    path = tmp_path / "mixed.xlsx"
    book = xlsxwriter.Workbook(str(path))  # default mode: shared strings, escaped as Excel does
    ws = book.add_worksheet("Register")
    quoted = book.add_format({"quote_prefix": True})
    texts = ["_x0041_", "a_x005F_b", "RAW-SHARED", "INLINE-1", "INLINE-2", "x005F_ kept"]
    for r, row in enumerate([["id", "dpia"], *[[f"d{i}", t] for i, t in enumerate(texts)]]):
        ws.write_row(r, 0, row)
    ws.write_string(len(texts) + 1, 0, "dq")
    ws.write_string(len(texts) + 1, 1, "=_x0041_", quoted)
    book.close()
    shared, sheet = "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"
    _patched(path, shared, "<t>RAW-SHARED</t>", "<t>_x0042_ raw</t>")  # a real escape: "B"
    _patched(path, sheet, r'<c r="B5" t="s"><v>\d+</v></c>',
             '<c r="B5" t="inlineStr"><is><t>_x005F_x0043_ inline</t></is></c>')
    _patched(path, sheet, r'<c r="B6" t="s"><v>\d+</v></c>',  # openpyxl reads "_x0041_" too
             '<c r="B6" t="inlineStr"><is><t>_x0041_</t></is></c>')
    if not hook:
        monkeypatch.setattr(tabular.Workbook, "_values_only", lambda self: False)
    rows, problems = read_rights_table(path)
    assert problems == []
    assert [row.change.dpia for row in rows] == [
        "_x0041_", "a_x005F_b", "B raw", "_x0043_ inline", "A", "x005F_ kept", "=_x0041_"]


def test_xlsx_date_cells_and_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "r.xlsx",
        ["id", "collected_on", "retain_until", "dpia"],
        [["a", datetime(2021, 3, 4, 0, 0), date(2030, 12, 31), 12345]],
    )
    [row], problems = read_rights_table(path)
    assert problems == []
    assert row.change.collected_on == date(2021, 3, 4)
    assert row.change.retain_until == date(2030, 12, 31)
    assert row.change.dpia == "12345"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_empty_cells_are_not_given_and_markers_clear(tmp_path: Path, kind: str) -> None:
    header = ["ID", "Personal Data", "sensitive", "dpia", "allowed-regions", "last_change"]
    rows = [["a", None, "-", "", "none", "2024-01-01 computed"]]
    path = write_table(kind, tmp_path / "r", header, rows)
    [row], problems = read_rights_table(path)
    assert problems == []
    assert row.change.given() == {}
    assert row.change.clear == {"sensitive", "allowed_regions"}
    stored = RightsRecord(personal_data="yes", sensitive=("health",), allowed_regions=("EU",))
    assert apply_change(stored, row.change) == RightsRecord(personal_data="yes")


def test_register_sheet_is_preferred(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "r.xlsx", ["id", "personal_data"], [["real", "no"]], first_sheet="Readme"
    )
    [row], problems = read_rights_table(path)
    assert problems == []
    assert row.dataset_id == "real"
    assert row.sheet == "Register"


def test_no_register_sheet_is_refused(tmp_path: Path) -> None:
    # issue 13: the first sheet (maybe a Check sheet) is never read in place of "Register"
    path = write_xlsx(tmp_path / "r.xlsx", ["id", "personal_data"], [["x", "no"]], sheet="Data")
    with pytest.raises(ExportError, match="no 'Register' sheet .*'Data'"):
        read_rights_table(path)
    named = write_xlsx(tmp_path / "n.xlsx", ["id", "personal_data"], [["x", "no"]],
                       sheet="register")
    [row], _ = read_rights_table(named)
    assert row.sheet == "register"


def test_csv_bom_and_semicolon_delimiter(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bom.csv", ["id", "collected_in"], [["a", "DE;FR"]], bom=True)
    [row], problems = read_rights_table(path)
    assert problems == []
    assert row.change.collected_in == ("DE", "FR")
    semi = tmp_path / "semi.csv"
    semi.write_text('id;collected_in;sensitive\na;"DE;FR";health\n', encoding="utf-8")
    [row], problems = read_rights_table(semi)
    assert problems == []
    assert row.change.collected_in == ("DE", "FR")
    assert row.change.sensitive == ("health",)


_safe_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FFF, blacklist_categories=["Cs"]),
    min_size=1,
    max_size=30,
).filter(lambda s: s == s.strip() and s.lower() not in ("-", "none"))

records = st.builds(
    RightsRecord,
    personal_data=st.sampled_from(PERSONAL_DATA_VALUES),
    sensitive=st.lists(st.sampled_from(SENSITIVE_CATEGORIES), unique=True).map(
        lambda xs: tuple(c for c in SENSITIVE_CATEGORIES if c in xs)
    ),
    dpia=st.none() | _safe_text,
    lawful_basis=st.none() | st.sampled_from(LAWFUL_BASES),
    consent_purposes=st.sampled_from(((), ("any",), ("research",), USES)),
    collected_in=st.sampled_from(((), ("DE",), ("BR", "JP"))),
    allowed_regions=st.sampled_from(((), ("any",), ("EEA", "EU"), ("CH", "EU"))),
    collected_on=st.none() | st.dates(date(1990, 1, 1), date(2100, 1, 1)),
    retain_until=st.none() | st.dates(date(1990, 1, 1), date(2100, 1, 1)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(record=records)
def test_hypothesis_round_trip_through_csv_and_xlsx(tmp_path: Path, record: RightsRecord) -> None:
    assume(validate_record(record) == [])
    for kind in ("csv", "xlsx"):
        path = write_table(
            kind, tmp_path / "prop", ["id", *RIGHTS_COLUMNS], [record_row("d", record)]
        )
        [row], problems = read_rights_table(path)
        assert problems == []
        assert apply_change(None, row.change) == record


# --------------------------------------------------------------------------- problems


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_malformed_rows_list_every_problem(tmp_path: Path, kind: str) -> None:
    header = ["id", *RIGHTS_COLUMNS, "concluded_license", "reason", "notes"]

    def mk(**cells: Any) -> list[Any]:
        return [cells.get(column) for column in header]

    rows: list[list[Any]] = [
        mk(id="ok", personal_data="no", lawful_basis="not-applicable"),
        mk(
            id="bad1",
            personal_data="maybe",
            sensitive="gossip",
            lawful_basis="because",
            consent_purpose="marketing",
            collected_in="XX",
            allowed_region="ZZ",
            collected_on="2020-13-01",
            retain_until="soon",
        ),
        mk(personal_data="yes"),
        mk(id="ok", personal_data="yes"),
        mk(
            id="bad2",
            personal_data="yes",
            lawful_basis="not-applicable",
            collected_on="2022-01-02",
            retain_until="2022-01-01",
        ),
        mk(),  # blank line: skipped
        mk(id="bad3", concluded_license="MIT"),
    ]
    path = write_table(kind, tmp_path / "bad", header, rows)
    good, problems = read_rights_table(path)
    assert [r.dataset_id for r in good] == ["ok"]
    found = [(p.row, p.column) for p in problems]
    assert found == [
        (3, "personal_data"),
        (3, "sensitive"),
        (3, "lawful_basis"),
        (3, "consent_purpose"),
        (3, "collected_in"),
        (3, "allowed_region"),
        (3, "collected_on"),
        (3, "retain_until"),
        (4, "id"),
        (5, "id"),
        (6, "retain_until"),
        (8, "concluded_reason"),
    ]
    sheet = None if kind == "csv" else "Register"
    assert all(p.sheet == sheet for p in problems)
    assert "duplicate id 'ok' (also on row 2)" in problems[9].message
    assert "'XX' is not an ISO 3166-1 alpha-2 country code" in problems[4].message
    with pytest.raises(ValidationError) as info:
        load_rights_table(path)
    assert len(info.value.problems) == len(problems)
    assert "row 3 collected_in" in str(info.value)
    if kind == "xlsx":
        assert str(problems[0]).startswith("sheet Register, row 3, column personal_data: ")


def test_missing_id_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", ["dataset name", "personal_data"], [["a", "yes"]])
    rows, problems = read_rights_table(path)
    assert rows == []
    assert [(p.row, p.column) for p in problems] == [(1, "id")]
    assert "missing required column 'id'" in problems[0].message


def test_duplicate_header_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", ["id", "dpia", "DPIA"], [["a", "x", "y"]])
    _, problems = read_rights_table(path)
    assert [(p.row, p.column) for p in problems] == [(1, "dpia")]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    rows, problems = read_rights_table(path)
    assert rows == [] and len(problems) == 1 and "empty" in problems[0].message


def test_hooks_known_ids_current_and_license_check(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        ["id", "personal_data", "concluded_license", "concluded_reason"],
        [["known", "yes", "NOT A LICENSE", "why"], ["ghost", None, None, None]],
    )
    stored = {"known": RightsRecord(personal_data="no", lawful_basis="not-applicable")}
    _, problems = read_rights_table(
        path,
        known_ids={"known"},
        current=stored.get,
        license_check=lambda text: None if text == "MIT" else f"{text!r} is not SPDX",
    )
    assert [(p.row, p.column) for p in problems] == [
        (2, "concluded_license"),
        (3, "id"),
    ]


def test_concluded_license_withdrawal_needs_a_reason(tmp_path: Path) -> None:
    """'-' withdraws the concluded license (issue 12), with a reason like any decision."""
    path = write_csv(tmp_path / "r.csv", ["id", "concluded_license"], [["a", "-"]])
    _, problems = read_rights_table(path)
    assert [(p.row, p.column) for p in problems] == [(2, "concluded_reason")]
    path = write_csv(tmp_path / "ok.csv", ["id", "concluded_license", "reason"],
                     [["a", "-", "retracted"]])
    rows, problems = read_rights_table(path)
    assert problems == [] and rows[0].concluded_license == "-"


def test_problem_list_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "MAX_PROBLEMS", 3)
    path = write_csv(tmp_path / "r.csv", ["id", "dpia"], [[None, "x"]] * 5)
    _, problems = read_rights_table(path)
    assert len(problems) == 4
    assert problems[-1].message == "2 more problems not listed"


# --------------------------------------------------------------------------- file errors


def test_file_errors_are_register_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no such file"):
        read_rights_table(tmp_path / "missing.csv")
    with pytest.raises(ExportError, match="unsupported file type"):
        read_rights_table(tmp_path / "x.xls")
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a zip")
    with pytest.raises(ExportError, match=r"fake.xlsx: not a valid \.xlsx workbook"):
        read_rights_table(fake)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,dpia\nä,é\n".encode("latin-1"))
    with pytest.raises(ExportError, match="not UTF-8"):
        read_rights_table(latin)
    broken = tmp_path / "broken.xlsx"
    import zipfile

    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<nonsense")
    with pytest.raises(RegisterError):
        read_rights_table(broken)


def test_limits(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", ["id"], [[f"d{i}"] for i in range(5)])
    with pytest.raises(ExportError, match="more than 3 rows"):
        read_rights_table(path, max_rows=3)
    assert len(read_rights_table(path, max_rows=5)[0]) == 5
    with pytest.raises(ExportError, match="larger than"):
        read_rights_table(path, max_bytes=10)
    xlsx = write_xlsx(tmp_path / "r.xlsx", ["id"], [[f"d{i}"] for i in range(5)])
    with pytest.raises(ExportError, match="more than 3 rows"):
        read_rights_table(xlsx, max_rows=3)


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+31 20", "'+31 20"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'quoted", "''quoted"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_escape_cell(raw: str, escaped: str) -> None:
    assert escape_cell(raw) == escaped
    assert unescape_cell(escaped) == raw


@given(st.text())
def test_escape_round_trip(text: str) -> None:
    escaped = escape_cell(text)
    assert not escaped.startswith(FORMULA_TRIGGERS)
    assert unescape_cell(escaped) == text
