"""pandas views: ``Register.frame()`` matches the csv export, ``CheckResult.to_frame()`` the
check's JSON, on real cards."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from register.exports import REGISTER_COLUMNS, export_register
from register.frames import CHECK_FRAME_COLUMNS
from register.register import Register

ON = date(2027, 1, 1)


def test_register_frame_has_the_csv_export_rows(sqlite_reg: Register, cards_dir: Path,
                                                tmp_path: Path) -> None:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    frame = sqlite_reg.frame(today=ON)
    assert list(frame.columns) == [c.name for c in REGISTER_COLUMNS]
    assert list(frame["id"]) == sorted(sqlite_reg.dataset_ids())
    out = tmp_path / "r.csv"
    export_register(sqlite_reg, "csv", out, on=ON)
    with out.open(encoding="utf-8") as fh:
        exported = {r["id"]: r for r in csv.DictReader(fh)}
    for row in frame.to_dict("records"):
        assert (row["effective_license"] or "") == exported[row["id"]]["effective_license"]
        assert row["needs_review"] == (exported[row["id"]]["needs_review"] == "yes")
    assert list(sqlite_reg.frame(["squad_v2", "beans"])["id"]) == ["beans", "squad_v2"]


def test_check_frame_is_one_row_per_dataset_of_the_check(sqlite_reg: Register,
                                                        cards_dir: Path) -> None:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    result = sqlite_reg.check(["beans", "aslg_pc12", "aeslc"], use="service", on=ON)
    frame = result.to_frame()
    assert list(frame.columns) == list(CHECK_FRAME_COLUMNS)
    by_id = frame.set_index("id")
    data = {d["id"]: d for d in result.to_dict()["datasets"]}
    assert set(by_id.index) == set(data)
    for ident, d in data.items():
        assert by_id.loc[ident, "verdict"] == d["verdict"]
        assert by_id.loc[ident, "rules"] == [r["rule"] for r in d["reasons"]]
    assert by_id.loc["aslg_pc12", "verdict"] == "blocked"  # NC for a commercial service
    assert (frame["verdict"] == "blocked").any() and result.verdict == "blocked"
