"""The one check view (register.render.checkview): every format shows the same rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from register.check.facts import USES
from register.check.result import (
    AppliedClearance,
    CheckResult,
    CheckWarning,
    Conflict,
    DatasetObligation,
    DatasetVerdict,
    Obligation,
    Reason,
)
from register.render.checkview import CHECK_COLUMNS, check_row_dicts, check_rows
from tests.check_corpus_helpers import CHECK_ON, every_finding_register
from tests.cli_helpers import run_cli


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("use", USES)
def test_check_csv_rows_equal_export_csv_rows(use: str, tmp_path: Path, cards_dir: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``check -f csv`` and ``export csv --use`` (and the json/xlsx exports) are one view."""
    db, corpus = every_finding_register(capsys, tmp_path, cards_dir)
    checked = run_cli(capsys, "--db", db, "check", str(corpus), "--use", use, "--on", CHECK_ON,
                      "-f", "csv")
    assert checked.code in (0, 3, 4), checked.err
    check_csv = _csv_rows(checked.out)
    assert check_csv[0] == list(CHECK_COLUMNS)

    out = tmp_path / "check.csv"
    exported = run_cli(capsys, "--db", db, "export", "csv", str(out), "--corpus", str(corpus),
                       "--use", use, "--on", CHECK_ON)
    assert exported.code == 0, exported.err
    assert _csv_rows(out.read_text(encoding="utf-8")) == check_csv
    assert out.read_text(encoding="utf-8") == checked.out  # byte for byte

    js = tmp_path / "check.json"
    assert run_cli(capsys, "--db", db, "export", "json", str(js), "--corpus", str(corpus),
                   "--use", use, "--on", CHECK_ON).code == 0
    data = json.loads(js.read_text(encoding="utf-8"))
    as_rows = [[row[c] or "" for c in CHECK_COLUMNS] for row in data["check_rows"]]
    assert as_rows == check_csv[1:]

    book = tmp_path / "check.xlsx"
    assert run_cli(capsys, "--db", db, "export", "xlsx", str(book), "--corpus", str(corpus),
                   "--use", use, "--on", CHECK_ON).code == 0
    sheet = openpyxl.load_workbook(book, read_only=True)["Check"]
    cells = [["" if v is None else str(v) for v in row]
             for row in sheet.iter_rows(values_only=True)]
    assert cells == check_csv


def test_every_section_is_shown(tmp_path: Path, cards_dir: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    db, corpus = every_finding_register(capsys, tmp_path, cards_dir)
    checked = run_cli(capsys, "--db", db, "check", str(corpus), "--use", "release-weights",
                      "--on", CHECK_ON, "-f", "csv")
    rows = _csv_rows(checked.out)[1:]
    assert {r[0] for r in rows} == {"verdict", "dataset", "dataset-obligation", "conflict",
                                    "obligation", "warning"}
    notes = " ".join(r[6] for r in rows if r[0] == "dataset")
    assert "OR resolved to MIT" in notes and "cleared by counsel until 2027-12-31" in notes
    assert rows[1][:2] == ["dataset", "example/base-1b (base model)"]


def test_the_check_table_groups_the_same_findings(tmp_path: Path, cards_dir: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The terminal view groups the findings for a reader (blocked / needs review, conflicts,
    obligations, OR choices, clearances, warnings); every finding of the CSV view is in it."""
    db, corpus = every_finding_register(capsys, tmp_path, cards_dir)
    table = run_cli(capsys, "--db", db, "check", str(corpus), "--use", "release-weights",
                    "--on", CHECK_ON, "-f", "table")
    csv_run = run_cli(capsys, "--db", db, "check", str(corpus), "--use", "release-weights",
                      "--on", CHECK_ON, "-f", "csv")
    assert table.code == 4 == csv_run.code
    first = table.out.splitlines()[0]
    assert first.startswith("BLOCKED for use 'release-weights' (commercial, on 2026-06-01")
    for heading in ("blocked", "conflicts", "obligations", "license choices",
                    "clearances applied", "warnings"):
        assert f"\n{heading}" in table.out, heading
    assert "dataset(s) allowed" in table.out
    rows = list(csv.reader(io.StringIO(csv_run.out)))[1:]
    for section, _datasets, _lic, verdict, _rule, _kind, message in rows:
        if section in ("conflict", "obligation", "warning") or (
                section == "dataset" and verdict in ("blocked", "needs-review")
                and message != "no findings"):
            assert message.split(" (OR resolved")[0].split(" (cleared by")[0] in table.out, \
                message


def _result() -> CheckResult:
    return CheckResult(
        verdict="needs-review", use="service", commercial=True, region=None,
        on=date(2026, 1, 2), policy="default", corpus="c",
        datasets=(
            DatasetVerdict("a", "MIT OR CC-BY-4.0", "allowed-with-obligations",
                           (Reason("12", "a: chose"),),
                           (DatasetObligation("attribution", "6", "MIT", "a: credit"),),
                           chosen_option="MIT"),
            DatasetVerdict("b", None, "allowed-with-obligations", (),
                           clearance=AppliedClearance("service", "ann", "ok", date(2027, 1, 1))),
            DatasetVerdict("m", "MIT", "needs-review", (Reason("1", "m: ?"),), base_model=True),
        ),
        conflicts=(Conflict(("a", "b"), ("X", "Y"), "clash"),),
        obligations=(Obligation("attribution", ("a",), ("MIT",), "credit"),),
        warnings=(CheckWarning("9", ("a", "b"), "pd unknown"),),
    )


def test_rows_of_a_hand_built_result() -> None:
    assert [list(r.as_dict().values()) for r in check_rows(_result())] == [
        ["verdict", "c", "", "needs-review", "", "", "use service; commercial; on 2026-01-02; "
         "policy default"],
        ["dataset", "a", "MIT OR CC-BY-4.0", "allowed-with-obligations", "12", "",
         "a: chose (OR resolved to MIT)"],
        ["dataset-obligation", "a", "MIT", "", "6", "attribution", "a: credit"],
        ["dataset", "b", None, "allowed-with-obligations", "", "",
         "cleared by ann until 2027-01-01: ok"],
        ["dataset", "m (base model)", "MIT", "needs-review", "1", "", "m: ?"],
        ["conflict", "a;b", "X;Y", "", "5", "", "clash"],
        ["obligation", "a", "MIT", "", "", "attribution", "credit"],
        ["warning", "a;b", "", "", "9", "", "pd unknown"],
    ]
    assert all(list(d) == list(CHECK_COLUMNS) for d in check_row_dicts(_result()))
