"""The xlsx export's check options, print setup, Review widths and Dashboard sheet.

Read back with openpyxl (charts: their parts in the zip, since openpyxl does not load charts).
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from register.errors import UsageError
from register.exports import export_register
from register.exports.xlsx_dashboard import dashboard_tables
from register.register import Register
from tests.cli_helpers import run_cli

ON = date(2027, 1, 1)


@pytest.fixture
def loaded(sqlite_reg: Register, cards_dir: Path) -> Register:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    return sqlite_reg


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.yaml"
    path.write_text("name: nc-mix\ndatasets: [beans, aslg_pc12, squad_v2]\n")
    return path


def _check_verdict(path: Path) -> str:
    ws = openpyxl.load_workbook(path)["Check"]
    header = {c.value: c.column for c in ws[1]}
    return str(ws.cell(2, header["verdict"]).value)


def test_check_sheet_says_what_check_says_with_the_options(
        loaded: Register, corpus: Path, tmp_path: Path) -> None:
    commercial = loaded.check_corpus(corpus, use="service", on=ON)
    nc = loaded.check_corpus(corpus, use="service", on=ON, non_commercial=True, region="DE")
    assert commercial.verdict != nc.verdict  # the NC dataset decides it: the option matters
    out = tmp_path / "nc.xlsx"
    report = export_register(loaded, "xlsx", out, corpus=corpus, use="service", on=ON,
                             non_commercial=True, region="DE")
    assert report.check_verdict == nc.verdict == _check_verdict(out)
    about = [r[0] for r in openpyxl.load_workbook(out)["About"].iter_rows(values_only=True)]
    assert f"Check: use service, region DE, non-commercial: {nc.verdict}" in about
    plain = tmp_path / "plain.xlsx"
    export_register(loaded, "xlsx", plain, corpus=corpus, use="service", on=ON)
    assert _check_verdict(plain) == commercial.verdict


def test_cli_export_options_match_check_json(
        loaded: Register, corpus: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    db = str(loaded.engine.url.database)
    loaded.close()
    out = tmp_path / "cli.xlsx"
    args = ("--use", "service", "--non-commercial", "--region", "FR", "--on", "2027-01-01")
    run = run_cli(capsys, "--db", db, "export", "xlsx", out, "--corpus", corpus, *args)
    assert run.code == 0, run.err
    check = run_cli(capsys, "--db", db, "check", corpus, *args, "--format", "json")
    assert json.loads(check.out)["verdict"] == _check_verdict(out)
    bad = run_cli(capsys, "--db", db, "export", "xlsx", out, "--region", "FR")
    assert bad.code == 2 and "--region needs --corpus FILE and --use USE" in bad.err


def test_every_sheet_prints_landscape_to_page_width_with_header_rows(
        loaded: Register, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "print.xlsx"
    export_register(loaded, "xlsx", out, corpus=corpus, use="service", on=ON, dashboard=True)
    wb = openpyxl.load_workbook(out)
    for ws in wb:
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # fitToWidth left out means 1 (the ECMA-376 default), which openpyxl reads as None
        assert ws.page_setup.fitToWidth in (1, None), ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title
        assert ws.page_setup.paperSize == 9, ws.title
        if ws.title in ("Register", "Check", "Review", "Licenses"):
            assert ws.page_setup.orientation == "landscape"
            assert ws.print_title_rows == "$1:$1", ws.title
    review = wb["Review"]
    widths = {c: review.column_dimensions[c].width for c in "ABCDE"}
    assert widths["C"] >= 50 and widths["D"] >= 60  # issue and detail are readable


def test_dashboard_sheet_holds_the_board_figures_and_native_charts(
        loaded: Register, tmp_path: Path) -> None:
    out = tmp_path / "dash.xlsx"
    export_register(loaded, "xlsx", out, on=ON, dashboard=True)
    figures = loaded.figures(on=ON).to_dict()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Dashboard"
    cells = {r[0]: r[1:] for r in wb["Dashboard"].iter_rows(values_only=True) if r and r[0]}
    assert cells["datasets"][0] == figures["datasets"] == loaded.count()
    assert cells["review queue"][0] == figures["review_queue"] == len(
        loaded.list_datasets(needs_review=True, today=ON))
    assert cells["datasets with unresolved license issues"][0] == len(
        figures["datasets_license_issues"])
    for use, counts in figures["verdicts"].items():
        assert list(cells[use][:4]) == [counts["allowed"], counts["allowed-with-obligations"],
                                        counts["needs-review"], counts["blocked"]]
        assert sum(cells[use][:4]) == figures["datasets"]
    assert cells["license"][0] == figures["review_by_reason"]["license"]
    tables = dashboard_tables(figures)
    with zipfile.ZipFile(out) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        refs = [re.findall(r"<(?:\w+:)?f>([^<]*)</", z.read(n).decode()) for n in charts]
    assert len(charts) == len(tables) - 1  # a chart beside each table but the headline
    uses = len(figures["verdicts"])
    assert "'Dashboard'!$A$13:$A$" + str(12 + uses) in refs[0]  # categories: the uses
    assert all(ref.startswith("'Dashboard'!") for chart in refs for ref in chart)


def test_dashboard_is_an_xlsx_sheet_only(loaded: Register, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--dashboard"):
        export_register(loaded, "csv", tmp_path / "x.csv", dashboard=True)


def test_workbook_with_dashboard_imports_back(loaded: Register, tmp_path: Path) -> None:
    out = tmp_path / "dash.xlsx"
    export_register(loaded, "xlsx", out, on=ON, dashboard=True)
    summary = loaded.import_rights(out, by="procurement")
    assert summary["rows"] == loaded.count()
    assert summary["rights_changed"] == summary["licenses_changed"] == 0
