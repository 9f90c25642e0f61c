"""One review state everywhere: ``list``, ``check``, ``export csv`` / ``json`` and the xlsx
Register and Review sheets agree on whether each dataset needs review, and why.

Pinned on the real fixture cards with one concluded as an unknown ``LicenseRef-...`` (which
``export csv`` used to call ``needs_review = no``), one concluded ``NOASSERTION``, a rights
gap, and cards that suggest personal data; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from register.check.review import LICENSE, RIGHTS
from tests.cli_helpers import run_cli

UNKNOWN_REF = "LicenseRef-acme-internal"


def _cli(capsys: pytest.CaptureFixture[str], *args: object) -> str:
    r = run_cli(capsys, *(str(a) for a in args))
    assert r.code in (0, 3), r.err
    return r.out


@pytest.fixture
def outputs(db_target: str, cards_dir: Path, tmp_path: Path,
            capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    db = ("--db", db_target)
    _cli(capsys, *db, "ingest", "--recursive", cards_dir)
    _cli(capsys, *db, "license", "set", "beans", UNKNOWN_REF, "--reason", "signed contract")
    _cli(capsys, *db, "license", "set", "cedr", "NOASSERTION", "--reason", "contradicts paper")
    _cli(capsys, *db, "rights", "set", "squad_v2", "--personal-data", "yes", "--reason", "names")
    listed = json.loads(_cli(capsys, *db, "list", "-f", "json"))["datasets"]
    check = json.loads(_cli(capsys, *db, "check", "-d", "beans", "--use", "service",
                            "-f", "json"))
    for fmt in ("csv", "json", "xlsx"):
        _cli(capsys, *db, "export", fmt, tmp_path / f"out.{fmt}")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        exported_csv = {r["id"]: r for r in csv.DictReader(handle)}
    exported_json = {r["id"]: r for r in json.loads(
        (tmp_path / "out.json").read_text(encoding="utf-8"))["datasets"]}
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    ws = wb["Register"]
    header = [c.value for c in ws[1]]
    sheet = {row[0]: dict(zip(header, row, strict=True))
             for row in ws.iter_rows(min_row=2, values_only=True)}
    review_rows = [r for r in wb["Review"].iter_rows(min_row=2, values_only=True) if r[0]]
    return {"list": {d["id"]: d for d in listed}, "check": check, "csv": exported_csv,
            "json": exported_json, "xlsx": sheet, "review": review_rows}


def test_review_state_and_reasons_agree_in_every_output(outputs: dict[str, object]) -> None:
    listed, exported_csv, exported_json, sheet, review_rows = (
        outputs["list"], outputs["csv"], outputs["json"], outputs["xlsx"], outputs["review"])
    assert isinstance(listed, dict) and isinstance(review_rows, list)
    assert set(listed) == set(exported_csv) == set(exported_json) == set(sheet)  # type: ignore
    flagged = 0
    for ident, entry in listed.items():
        needs = entry["needs_review"] or entry["rights_needs_review"]
        reason = "; ".join(entry["review_reasons"]) or None
        assert bool(entry["review_reasons"]) == needs, ident
        assert exported_csv[ident]["needs_review"] == ("yes" if needs else "no"), ident  # type: ignore
        assert (exported_csv[ident]["review_reason"] or None) == reason, ident  # type: ignore
        assert exported_json[ident]["needs_review"] is needs, ident  # type: ignore
        assert exported_json[ident]["review_reason"] == reason, ident  # type: ignore
        assert sheet[ident]["needs_review"] == ("yes" if needs else "no"), ident  # type: ignore
        assert sheet[ident]["review_reason"] == reason, ident  # type: ignore
        on_sheet = [r[2] for r in review_rows if r[0] == ident and r[1] in (LICENSE, RIGHTS)]
        assert on_sheet == entry["review_reasons"], ident
        flagged += needs
    assert flagged >= 5


def test_unknown_licenseref_needs_review_everywhere(outputs: dict[str, object]) -> None:
    reason = f"no terms in the knowledge base for {UNKNOWN_REF}: a check will need review"
    beans = outputs["list"]["beans"]  # type: ignore[index]
    assert beans["license"] == UNKNOWN_REF and beans["needs_review"] is True
    assert beans["review_reasons"] == [reason]
    check = outputs["check"]
    assert check["verdict"] == "needs-review"  # type: ignore[index]
    assert outputs["csv"]["beans"]["needs_review"] == "yes"  # type: ignore[index]
    assert outputs["csv"]["beans"]["review_reason"] == reason  # type: ignore[index]
    assert outputs["json"]["beans"]["needs_review"] is True  # type: ignore[index]
    assert outputs["xlsx"]["beans"]["needs_review"] == "yes"  # type: ignore[index]
    assert ("beans", LICENSE, reason) in [r[:3] for r in outputs["review"]]  # type: ignore
    cedr = outputs["list"]["cedr"]  # type: ignore[index]
    assert cedr["needs_review"] and cedr["review_reasons"] == [
        "the concluded license is NOASSERTION: contradicts paper"]
