"""The batched rights import (issue 19): unchanged rows write nothing, an edited subset writes
exactly its rows, and a failure after a batch boundary (reading or writing) writes nothing."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from register import Register
from register.cards.files import parse_card_bytes
from register.errors import ConflictError, ValidationError
from register.exports import export_register
from register.rights import table_import
from register.rights.record import parse_rights_options
from register.store import rights_import
from register.store.tables import DECISIONS, RIGHTS_HISTORY

IDS = [f"org/d{i:02d}" for i in range(12)]


def doc(dataset_id: str):
    card = b"---\nlicense: mit\n---\n# Card\n"
    return parse_card_bytes(card, None, dataset_id, f"mem://{dataset_id}")


@pytest.fixture
def filled(reg: Register, monkeypatch: pytest.MonkeyPatch) -> Register:
    """Twelve datasets, every third with rights, one with a concluded license; batches of 5
    rows when reading and 3 when writing, so a dozen rows cross batch boundaries."""
    monkeypatch.setattr(table_import, "BATCH_ROWS", 5)
    monkeypatch.setattr(rights_import, "IMPORT_BATCH", 3)
    reg.ingest_documents([doc(i) for i in IDS], actor="ingester")
    for i in IDS[::3]:
        reg.set_rights(i, parse_rights_options(personal_data="no", collected_in=["DE"],
                                               retain_until="2030-01-01"),
                       reason="seed", by="bob")
    reg.set_license(IDS[1], "Apache-2.0", reason="contract", by="alice")
    return reg


def _counts(reg: Register) -> tuple[int, int, int]:
    with reg.engine.connect() as conn:
        rights = conn.execute(select(func.count()).select_from(RIGHTS_HISTORY)).scalar_one()
        licenses = conn.execute(select(func.count()).select_from(DECISIONS)).scalar_one()
    return len(reg.audit_log()), rights, licenses


def _state(reg: Register) -> dict[str, object]:
    return {i: (reg.show(i).rights.recorded, reg.show(i).license.concluded) for i in IDS}


def _export_csv(reg: Register, path: Path) -> list[dict[str, str]]:
    export_register(reg, "csv", path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_unchanged_reimport_writes_no_version_and_no_audit_row(filled: Register,
                                                               tmp_path: Path,
                                                               kind: str) -> None:
    out = tmp_path / f"export.{kind}"
    export_register(filled, kind, out)
    events, rights, licenses = _counts(filled)
    warnings: list[str] = []
    summary = filled.import_rights(out, by="carol", warn=warnings.append)
    assert summary == {"rows": 12, "rights_changed": 0, "licenses_changed": 0,
                       "unchanged": 12}
    assert warnings == []  # no computed cell reads as edited (last_change keeps its time)
    # the import's own event only: no rights.set / license event, no history row
    assert _counts(filled) == (events + 1, rights, licenses)
    assert filled.audit_log()[-1].action == "import"
    assert filled.audit_verify().ok


def test_edited_subset_writes_exactly_those_rows(filled: Register, tmp_path: Path) -> None:
    rows = _export_csv(filled, tmp_path / "export.csv")
    before = _state(filled)
    events, rights, licenses = _counts(filled)
    by_id = {r["id"]: r for r in rows}
    by_id[IDS[0]]["allowed_region"] = "EU"            # batch 1, has rights
    by_id[IDS[4]]["personal_data"] = "yes"            # batch 1 / 2 boundary (5th row)
    by_id[IDS[4]]["lawful_basis"] = "contract"
    by_id[IDS[6]]["collected_in"] = "fr, de"          # batch 2: a new list, any spelling
    by_id[IDS[9]]["collected_in"] = "de"              # batch 2: the stored value, respelled
    by_id[IDS[11]]["concluded_license"] = "MIT"       # batch 3: a license only
    by_id[IDS[11]]["concluded_reason"] = "vendor letter"
    by_id[IDS[1]]["concluded_license"] = "-"          # withdraw
    by_id[IDS[1]]["reason"] = "letter withdrawn"
    by_id[IDS[2]]["pretty_name"] = "grey cells are ignored"
    warnings: list[str] = []
    summary = filled.import_rights(_write(tmp_path / "edited.csv", rows), by="carol",
                                   warn=warnings.append)
    assert summary == {"rows": 12, "rights_changed": 3, "licenses_changed": 2,
                       "unchanged": 7}
    assert len(warnings) == 1 and "(pretty_name)" in warnings[0]
    new = filled.audit_log()[events:]
    assert sorted((e.action, e.dataset_id) for e in new) == sorted([
        ("rights.set", IDS[0]), ("rights.set", IDS[4]), ("rights.set", IDS[6]),
        ("license.withdraw", IDS[1]), ("license.conclude", IDS[11]), ("import", None)])
    assert all(e.actor == "carol" for e in new)
    assert _counts(filled) == (events + 6, rights + 3, licenses + 2)
    after = _state(filled)
    assert {i for i in IDS if after[i] != before[i]} == {IDS[0], IDS[1], IDS[4], IDS[6],
                                                        IDS[11]}
    assert filled.show(IDS[6]).rights.recorded["collected_in"] == ["DE", "FR"]
    assert filled.show(IDS[0]).rights.recorded["allowed_regions"] == ["EU"]
    assert filled.show(IDS[0]).rights.reason == "import of edited.csv"
    assert filled.show(IDS[11]).license.concluded_reason == "vendor letter"
    assert filled.show(IDS[1]).license.concluded is None
    assert filled.audit_verify().ok
    # and the new state exported again is a no-op
    again = filled.import_rights(_write(tmp_path / "again.csv",
                                        _export_csv(filled, tmp_path / "e2.csv")))
    assert again["unchanged"] == 12


def test_a_bad_row_after_a_batch_boundary_writes_nothing(filled: Register,
                                                        tmp_path: Path) -> None:
    rows = _export_csv(filled, tmp_path / "export.csv")
    rows[0]["allowed_region"] = "EU"        # valid, batch 1
    rows[7]["allowed_region"] = "ZZ"        # invalid, batch 2
    before, counts = _state(filled), _counts(filled)
    with pytest.raises(ValidationError) as err:
        filled.import_rights(_write(tmp_path / "bad.csv", rows), by="carol")
    assert [(p.row, p.column) for p in err.value.problems] == [(9, "allowed_region")]
    assert _state(filled) == before and _counts(filled) == counts


def test_a_conflict_in_a_later_write_batch_rolls_back_the_earlier_ones(
        filled: Register, tmp_path: Path) -> None:
    rows = _export_csv(filled, tmp_path / "old.csv")
    for r in rows:
        r["dpia"] = "DPIA-7"  # every row changes: four write batches of three
    filled.set_rights(IDS[10], parse_rights_options(dpia="DPIA-NEWER"), reason="r", by="ann")
    before, counts = _state(filled), _counts(filled)
    table = _write(tmp_path / "old-edited.csv", rows)
    with pytest.raises(ConflictError) as err:
        filled.import_rights(table, by="carol")
    assert len(err.value.conflicts) == 1 and f"({IDS[10]})" in err.value.conflicts[0]
    assert _state(filled) == before and _counts(filled) == counts
    assert filled.audit_verify().ok
    summary = filled.import_rights(table, by="carol", force=True)
    assert summary["rights_changed"] == 12
    assert all(filled.show(i).rights.recorded["dpia"] == "DPIA-7" for i in IDS)
    assert filled.audit_log()[-1].after["forced_over"] == err.value.conflicts
    assert filled.audit_verify().ok


def test_xlsx_computed_cell_edits_warn_and_respellings_write_nothing(filled: Register,
                                                                     tmp_path: Path) -> None:
    """The cheap comparisons of computed cells (yes/no, times) still see an edit: a row whose
    only change is a computed cell warns and writes nothing; a computed cell changed only in
    surrounding blanks is not an edit, one changed in case is; an editable cell respelled
    (case, blanks) reads as the stored value and writes nothing."""
    import openpyxl

    out = tmp_path / "export.xlsx"
    export_register(filled, "xlsx", out)
    book = openpyxl.load_workbook(out)
    sheet = book["Register"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    row = {sheet.cell(r, col["id"]).value: r for r in range(2, sheet.max_row + 1)}

    def cell(dataset_id: str, name: str):  # type: ignore[no-untyped-def]
        return sheet.cell(row[dataset_id], col[name])

    assert cell(IDS[2], "needs_review").value in ("yes", "no")
    cell(IDS[2], "needs_review").value = "no" if cell(IDS[2], "needs_review").value == "yes" \
        else "yes"
    stamp = cell(IDS[5], "last_change")
    stamp.value = stamp.value.replace(year=stamp.value.year - 1)
    source = cell(IDS[7], "source")
    assert source.value
    source.value = f"  {source.value} "  # blanks only: not an edit
    cell(IDS[8], "declared_license").value = "mit"  # case: an edit
    assert cell(IDS[0], "collected_in").value == "DE"
    cell(IDS[0], "collected_in").value = " de "  # the stored ["DE"], respelled
    cell(IDS[3], "collected_in").value = "De"
    book.save(tmp_path / "edited.xlsx")
    events, rights, licenses = _counts(filled)
    warnings: list[str] = []
    summary = filled.import_rights(tmp_path / "edited.xlsx", by="carol",
                                   warn=warnings.append)
    assert len(warnings) == 1
    edited = re.findall(r"[A-Z]+\d+ \((\w+)\)", warnings[0])
    assert sorted(edited) == ["declared_license", "last_change", "needs_review"]
    assert summary == {"rows": 12, "rights_changed": 0, "licenses_changed": 0,
                       "unchanged": 12}
    assert _counts(filled) == (events + 1, rights, licenses)  # the import event only
