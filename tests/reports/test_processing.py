"""Records of processing: the datasets holding personal data, with the rights record's fields
and the models whose fine-tune records used them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from register.reports.processing import COLUMNS, NOT_RECORDED
from tests.cli_helpers import run_cli
from tests.reports.conftest import TUNED


def test_json_lists_personal_data_with_rights_and_models(
        built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema

    from register.schemas import load_schema

    run = run_cli(capsys, "--db", str(built), "report", "processing", "--format", "json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    jsonschema.validate(data, load_schema("processing"))
    records = {r["dataset"]: r for r in data["records"]}
    assert set(records) == {"arabic_speech_corpus", "hate_offensive"}  # beans: "no"
    arabic = records["arabic_speech_corpus"]
    assert arabic["purposes"] == ["research", "internal"]
    assert arabic["lawful_basis"] == "consent"
    assert arabic["sensitive_categories"] == ["biometric"]
    assert arabic["collected_in"] == ["EG"] and arabic["allowed_regions"] == ["EU"]
    assert arabic["dpia"] == "DPIA-2026-014"
    assert arabic["trained_models"] == []
    assert records["hate_offensive"]["trained_models"] == [TUNED]
    assert records["hate_offensive"]["dpia"] is None


def test_csv_says_not_recorded(built: Path, capsys: pytest.CaptureFixture[str],
                               tmp_path: Path) -> None:
    out = tmp_path / "ropa.csv"
    run = run_cli(capsys, "--db", str(built), "report", "processing", "-o", str(out))
    assert run.code == 0, run.err
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == list(COLUMNS)
    hate = next(r for r in rows if r["dataset"] == "hate_offensive")
    assert hate["dpia"] == NOT_RECORDED and hate["purposes"] == NOT_RECORDED
    assert hate["allowed_regions"] == "no restriction recorded"
    assert hate["trained_models"] == TUNED
    arabic = next(r for r in rows if r["dataset"] == "arabic_speech_corpus")
    assert arabic["purposes"] == "research; internal" or arabic["purposes"] == "research;internal"
