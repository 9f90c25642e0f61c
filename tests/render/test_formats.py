"""The streamed JSON and CSV writers (register.render.formats.write_json / write_csv): what
they write parses to exactly what the whole-document writers (to_json / to_csv) give, for
plain data and for the real ``check`` and ``list`` outputs (schema-validated)."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from register.check.facts import USES
from register.cli.datasets import LIST_COLUMNS
from register.register import Register
from register.render.checkview import CHECK_COLUMNS, check_row_dicts
from register.render.formats import Encoded, to_csv, to_json, write_csv, write_json
from tests.check_corpus_helpers import CHECK_ON, every_finding_register
from tests.cli_helpers import run_cli
from tests.schema_helpers import assert_valid


def _written(data: dict[str, Any]) -> str:
    buf = io.StringIO()
    write_json(data, buf)
    return buf.getvalue()


@pytest.mark.parametrize("data", [
    {},
    {"datasets": []},
    {"schema_version": 7, "datasets": [{"b": 1, "a": [1, 2]}], "note": "caf\u00e9 \u2028"},
    {"verdict": "allowed", "on": date(2026, 1, 2), "region": None, "nested": {"z": 1, "a": 2},
     "rows": [{"id": 'q"uote', "x": None}, {"id": "back\\slash"}], "empty": ()},
])
def test_write_json_parses_to_what_to_json_gives(data: dict[str, Any]) -> None:
    text = _written(data)
    assert json.loads(text) == json.loads(to_json(data))
    assert text.endswith("}\n") and text.startswith("{\n  ")


def test_write_json_streams_iterators_and_encoded_items() -> None:
    rows = [{"id": f"d{i}", "n": i} for i in range(2500)]  # more than one write batch
    lazy = _written({"datasets": (r for r in rows), "done": True})
    encoded = {"datasets": Encoded(json.dumps(r, sort_keys=True) for r in rows), "done": True}
    expected = json.loads(to_json({"datasets": rows, "done": True}))
    assert json.loads(lazy) == expected == json.loads(_written(encoded))
    lines = lazy.splitlines()
    assert lines[1:4] == ['  "datasets": [', '    {"id": "d0", "n": 0},',
                          '    {"id": "d1", "n": 1},']  # one element a line, keys sorted


def test_write_csv_equals_to_csv() -> None:
    rows = [{"a": "=1+1", "b": ["x", "y"]}, {"a": None, "b": "plain"}] * 1500
    buf = io.StringIO()
    write_csv(iter(rows), ["a", "b"], buf)
    assert buf.getvalue() == to_csv(rows, ["a", "b"])


@pytest.mark.parametrize("use", USES)
def test_check_streamed_output_equals_the_whole_document(
        use: str, tmp_path: Path, cards_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, corpus = every_finding_register(capsys, tmp_path, cards_dir)
    streamed = run_cli(capsys, "--db", db, "check", corpus, "--use", use, "--on", CHECK_ON,
                       "-f", "json")
    csv_out = run_cli(capsys, "--db", db, "check", corpus, "--use", use, "--on", CHECK_ON,
                      "-f", "csv")
    with Register.open(db) as reg:
        result = reg.check_corpus(corpus, use=use, on=date.fromisoformat(CHECK_ON))
    data = json.loads(streamed.out)
    assert_valid("check", data)
    assert data == json.loads(to_json(result.to_dict()))
    assert streamed.code == csv_out.code == result.exit_code
    assert csv_out.out == to_csv(check_row_dicts(result), CHECK_COLUMNS)


def test_list_streamed_output_equals_the_whole_document(
        tmp_path: Path, cards_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = every_finding_register(capsys, tmp_path, cards_dir)
    with Register.open(db) as reg:
        summaries = {flag: [s.to_dict() for s in reg.list_datasets(needs_review=flag)]
                     for flag in (False, True)}
    for flag, rows in summaries.items():
        args = ["--needs-review"] if flag else []
        streamed = run_cli(capsys, "--db", db, "list", *args, "-f", "json")
        data = json.loads(streamed.out)
        assert_valid("list", data)
        assert data == json.loads(to_json({"datasets": rows}))
        csv_out = run_cli(capsys, "--db", db, "list", *args, "-f", "csv")
        assert csv_out.out == to_csv([dict(r) for r in rows], LIST_COLUMNS)
    assert summaries[True] and len(summaries[True]) < len(summaries[False])


def test_a_bad_list_filter_fails_before_any_output(
        tmp_path: Path, cards_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = every_finding_register(capsys, tmp_path, cards_dir)
    bad = run_cli(capsys, "--db", db, "list", "--region", "Atlantis", "-f", "json")
    assert bad.code == 2 and bad.out == "" and "Atlantis" in bad.err
