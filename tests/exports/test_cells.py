"""The Register sheet cells (:mod:`register.exports.cells`): the import's batch lookup gives
the export's cells, whatever its caches hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from register.check.review import Reviewer
from register.exports import cells as cells_mod
from register.exports import iter_register_rows
from register.exports.cells import RowCells, register_cells
from register.register import Register
from register.rights.record import parse_rights_options


def _filled(reg: Register, cards_dir: Path) -> list[str]:
    reg.ingest_paths([cards_dir], recursive=True)
    ids = reg.dataset_ids()
    for i, dataset_id in enumerate(ids[:4]):
        change = parse_rights_options(personal_data="yes" if i % 2 else "no",
                                      allowed_region=["EU"] if i < 2 else ["DE", "FR"],
                                      retain_until="2030-01-31" if i == 3 else None)
        assert change is not None
        reg.set_rights(dataset_id, change, reason="test", by="tester")
    reg.set_license(ids[-1], "MIT", reason="vendor letter", by="tester")
    return ids


@pytest.mark.parametrize("limit", [1, 2, 20_000])
def test_lookup_cells_are_the_export_cells(sqlite_reg: Register, cards_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           limit: int) -> None:
    ids = _filled(sqlite_reg, cards_dir)
    assert len(ids) > 4
    want = {row["id"]: row.cells for row in iter_register_rows(sqlite_reg)}
    monkeypatch.setattr(cells_mod, "MEMO_LIMIT", limit)  # caches cleared as they fill
    builder = RowCells(Reviewer(sqlite_reg.kb))
    got: dict[str, dict[str, object]] = {}
    for start in range(0, len(ids), 3):  # batches sharing the caches, as an import's do
        got |= register_cells(sqlite_reg.engine, ids[start:start + 3], builder)
    assert got == want
    assert all(list(got[k]) == list(want[k]) for k in want)  # the same columns, in order
    again = register_cells(sqlite_reg.engine, list(reversed(ids)), builder)  # warm caches
    assert again == want
    assert register_cells(sqlite_reg.engine, ["no-such-dataset"], builder) == {}
