"""``register export`` / ``register import``: the commands a user types."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from register.exports import EXPORT_FORMATS, ExportFormat
from tests.cli_helpers import Run
from tests.cli_helpers import run_cli as _run_cli

FIXTURES = Path(__file__).parents[1] / "fixtures"


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> Run:
    return _run_cli(capsys, *(str(a) for a in args))


@pytest.fixture
def db(tmp_path: Path, cards_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "register.db"
    r = run_cli(capsys, "--db", path, "ingest", "--recursive", cards_dir)
    assert r.code == 0, r.err
    return path


def test_every_format_maps_to_an_exporter() -> None:
    from register.exports import _EXPORTERS

    assert set(EXPORT_FORMATS) == {f.value for f in ExportFormat} == {
        "xlsx", "csv", "json", "spdx", "cyclonedx", "croissant", "spdx2-json", "spdx2-tv"}
    assert set(_EXPORTERS) == set(ExportFormat)


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_each_format(fmt: str, db: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"out.{fmt}"
    r = run_cli(capsys, "--db", db, "export", fmt, out)
    assert r.code == 0, r.err
    assert "15 dataset row(s)" in r.err and r.out == ""
    assert out.stat().st_size > 0
    assert not list(tmp_path.glob(".out.*.part"))


def test_export_csv_and_json_of_a_check(db: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: demo\ndatasets: [beans, arabic_speech_corpus]\n")
    out = tmp_path / "check.csv"
    r = run_cli(capsys, "--db", db, "export", "csv", out, "--corpus", corpus, "--use",
                "release-data", "--on", "2027-01-01")
    assert r.code == 0, r.err
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["section"] == "verdict" and rows[0]["datasets"] == "demo"
    assert {row["datasets"] for row in rows if row["section"] == "dataset"} == {
        "beans", "arabic_speech_corpus"}
    js = tmp_path / "check.json"
    r = run_cli(capsys, "--db", db, "export", "json", js, "--corpus", corpus, "--use",
                "release-data")
    data = json.loads(js.read_text())
    assert data["schema_version"] == 1 and data["corpus"] == "demo"
    assert data["check"]["use"] == "release-data"
    assert [d["id"] for d in data["datasets"]] == ["arabic_speech_corpus", "beans"]


def test_export_import_xlsx_round_trip(db: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "register.xlsx"
    assert run_cli(capsys, "--db", db, "export", "xlsx", out).code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Register"]
    header = {c.value: c.column for c in ws[1]}
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "beans")
    ws.cell(row, header["personal_data"]).value = "no"
    ws.cell(row, header["reason"]).value = "plant images only"
    wb.save(out)
    r = run_cli(capsys, "--db", db, "import", "xlsx", out, "--by", "procurement")
    assert r.code == 0, r.err
    assert "rights changed 1" in r.err and "unchanged 14" in r.err
    shown = json.loads(run_cli(capsys, "--db", db, "show", "beans", "--format", "json").out)
    assert shown["rights"]["recorded"]["personal_data"] == "no"
    assert shown["rights"]["by"] == "procurement"


def test_import_invalid_workbook_names_cells(db: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "register.xlsx"
    assert run_cli(capsys, "--db", db, "export", "xlsx", out).code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Register"]
    header = {c.value: c.column for c in ws[1]}
    ws.cell(3, header["personal_data"]).value = "perhaps"
    wb.save(out)
    r = run_cli(capsys, "--db", db, "import", "xlsx", out)
    assert r.code == 1
    assert "Error:" in r.err and "sheet Register" in r.err and "row 3" in r.err
    assert "personal_data" in r.err and "Traceback" not in r.err


def test_import_croissant(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = run_cli(capsys, "--db", db, "import", "croissant",
                FIXTURES / "croissant" / "common-voice-subset.json")
    assert r.code == 0, r.err
    assert "ingested 1" in r.err
    shown = json.loads(run_cli(capsys, "--db", db, "show", "example-org/voice-commands-de",
                               "--format", "json").out)
    assert shown["license"]["declared"] == "CC-BY-4.0"


def test_ingest_reads_croissant_files(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = run_cli(capsys, "--db", db, "ingest",
                FIXTURES / "croissant" / "common-voice-subset.json")
    assert r.code == 0, r.err
    assert "ingested 1" in r.err
    shown = json.loads(run_cli(capsys, "--db", db, "show", "example-org/voice-commands-de",
                               "--format", "json").out)
    assert shown["license"]["declared"] == "CC-BY-4.0"
    named = run_cli(capsys, "--db", db, "ingest", "--id", "stations",
                    FIXTURES / "croissant" / "weather-stations.jsonld")
    assert named.code == 0, named.err
    assert json.loads(run_cli(capsys, "--db", db, "show", "stations", "-f", "json").out)["id"] \
        == "stations"


def test_export_errors(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = run_cli(capsys, "--db", db, "export", "pdf", tmp_path / "x.pdf")
    assert r.code == 2 and "FORMAT must be one of" in r.err
    r = run_cli(capsys, "--db", db, "export", "xlsx", tmp_path / "x.xlsx", "--use", "service")
    assert r.code == 2 and "--corpus" in r.err
    r = run_cli(capsys, "--db", db, "export", "xlsx", tmp_path / "nodir" / "x.xlsx")
    assert r.code == 1 and "does not exist" in r.err
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: demo\ndatasets: [no-such-dataset]\n")
    r = run_cli(capsys, "--db", db, "export", "csv", tmp_path / "x.csv", "--corpus", corpus)
    assert r.code == 1 and "no-such-dataset" in r.err
