"""``register checks list`` / ``checks show``: read back what ``check --record`` stored."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from register import Register
from register.errors import NotFoundError, UsageError
from tests.cli_helpers import run_cli
from tests.schema_helpers import assert_valid

Capsys = pytest.CaptureFixture[str]


@pytest.fixture
def db(tmp_path: Path, cards_dir: Path, capsys: Capsys) -> str:
    target = str(tmp_path / "reg.db")
    assert run_cli(capsys, "--db", target, "ingest", cards_dir, "-r").code == 0
    for args in (["-d", "beans", "-d", "squad_v2", "--use", "service", "--by", "alice"],
                 ["-d", "aeslc", "--use", "research", "--by", "bob"]):
        result = run_cli(capsys, "--db", target, "check", *args, "--record", "--on",
                         "2026-12-01", "-f", "json")
        assert result.code in (0, 3), result.err
    return target


def test_checks_list_newest_first_in_every_format(db: str, capsys: Capsys) -> None:
    result = run_cli(capsys, "--db", db, "checks", "list", "-f", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert_valid("checks-list", data)
    assert [(c["id"], c["by"], c["use"], c["datasets"]) for c in data["checks"]] == [
        (2, "bob", "research", ["aeslc"]), (1, "alice", "service", ["beans", "squad_v2"])]
    assert data["checks"][1]["verdict"] == "allowed-with-obligations"
    rows = list(csv.DictReader(io.StringIO(
        run_cli(capsys, "--db", db, "checks", "list", "--limit", "1", "-f", "csv").out)))
    assert [r["id"] for r in rows] == ["2"] and rows[0]["datasets"] == "aeslc"


def test_checks_show_is_the_recorded_result(db: str, capsys: Capsys) -> None:
    result = run_cli(capsys, "--db", db, "checks", "show", "1", "-f", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert_valid("checks-show", data)
    again = run_cli(capsys, "--db", db, "check", "-d", "beans", "-d", "squad_v2", "--use",
                    "service", "--on", "2026-12-01", "-f", "json")
    assert data["result"] == json.loads(again.out)  # same state, same result
    table = run_cli(capsys, "--db", db, "checks", "show", "1", "-f", "table")
    assert "dataset beans" in table.out and "alice" in table.out
    missing = run_cli(capsys, "--db", db, "checks", "show", "99")
    assert missing.code == 1 and missing.err.startswith("Error: no recorded check 99")


def test_python_api_reads_recorded_checks(db: str) -> None:
    with Register.open(db) as reg:
        [newest] = reg.recorded_checks(limit=1)
        assert newest.id == 2 and newest.by == "bob"
        assert reg.recorded_check(1).datasets == ["beans", "squad_v2"]
        with pytest.raises(NotFoundError):
            reg.recorded_check(42)
        with pytest.raises(UsageError, match="^limit must be"):
            reg.recorded_checks(limit=0)


def test_no_recorded_checks(tmp_path: Path, cards_dir: Path, capsys: Capsys) -> None:
    target = str(tmp_path / "r.db")
    run_cli(capsys, "--db", target, "ingest", cards_dir / "beans")
    result = run_cli(capsys, "--db", target, "checks", "list", "-f", "json")
    assert json.loads(result.out)["checks"] == []
