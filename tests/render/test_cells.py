"""The one cell-text function (:mod:`register.render.cells`) and the one list separator."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest

from register.render.cells import LIST_SEPARATOR, cell_text, escape_cell, unescape_cell
from register.rights.values import split_list
from tests.cli_helpers import run_cli


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (3, "3"),
        (date(2027, 1, 31), "2027-01-31"),
        (datetime(2026, 11, 27, 10, 0, 5), "2026-11-27 10:00:05"),
        (["DE", "FR"], "DE;FR"),
        (("a", None, True), "a;;yes"),
        ({"b": 1, "a": [1]}, '{"a": [1], "b": 1}'),
        ("=1+1", "=1+1"),  # escaping is a separate step
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_list_separator_is_the_documented_one_and_read_back() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`;`-separated" in readme
    assert LIST_SEPARATOR == ";"
    assert split_list(cell_text(["DE", "FR", "IT"])) == ["DE", "FR", "IT"]


def test_escape_is_separate_from_text() -> None:
    assert escape_cell(cell_text(["-x", "y"])) == "'-x;y"
    assert unescape_cell("'-x;y") == "-x;y"


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_csv_output_joins_lists_the_same_way(
    tmp_path: Path, cards_dir: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "r.db"
    assert run_cli(capsys, "--db", db, "ingest", cards_dir, "-r").code == 0
    done = run_cli(capsys, "--db", db, "rights", "set", "beans", "--collected-in", "DE",
                   "--collected-in", "FR", "--personal-data", "no", "--reason", "contract",
                   "--by", "legal")
    assert done.code == 0, done.err

    out = tmp_path / "register.csv"
    assert run_cli(capsys, "--db", db, "export", "csv", out).code == 0
    exported = {r["id"]: r for r in _csv(out.read_text(encoding="utf-8"))}
    assert exported["beans"]["collected_in"] == "DE;FR"

    shown = run_cli(capsys, "--db", db, "show", "beans", "-f", "csv")
    assert shown.code == 0, shown.err
    fields = {r["field"]: r["value"] for r in _csv(shown.out)}
    assert fields["rights collected_in"] == "DE;FR"

    from openpyxl import load_workbook

    book = tmp_path / "register.xlsx"
    assert run_cli(capsys, "--db", db, "export", "xlsx", book).code == 0
    ws = load_workbook(book, read_only=True)["Register"]
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows))
    beans = next(r for r in rows if r[0] == "beans")
    assert beans[header.index("collected_in")] == "DE;FR"
