"""Issue 13, inputs: FIFOs, symlinks, infos size, deep JSON, read-only registers,
workbooks, and the one dataset-id rule."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import openpyxl
import pytest

from register.cards.croissant import parse_croissant, read_croissant
from register.cards.files import MAX_INFOS_LICENSES, discover_found, parse_card_dir
from register.cards.ingest import iter_documents
from register.check.corpus import parse_corpus
from register.errors import (
    CardError,
    CorpusError,
    ExportError,
    RegisterError,
    StoreError,
    UsageError,
)
from register.ids import dataset_id_problem
from register.register import Register
from register.rights.record import parse_rights_options
from register.rights.table_import import read_rights_table

CARD = "---\nlicense: mit\n---\n# x\n"


def _card(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "README.md").write_text(CARD)
    return d


def _errors(tree: Path) -> list[str]:
    return [str(x) for x in iter_documents([tree], recursive=True)
            if isinstance(x, RegisterError)]


def test_fifos_in_a_tree_are_skipped_with_a_reason(tmp_path: Path) -> None:
    os.makedirs(tmp_path / "t" / "a")
    os.mkfifo(tmp_path / "t" / "a" / "README.md")
    b = _card(tmp_path / "t" / "b")
    os.mkfifo(b / "dataset_infos.json")
    _card(tmp_path / "t" / "c")
    start = time.monotonic()
    items = list(iter_documents([tmp_path / "t"], recursive=True))
    assert time.monotonic() - start < 30
    errors = [str(x) for x in items if isinstance(x, RegisterError)]
    assert len(errors) == 2 and all("not a regular file" in e for e in errors), errors
    assert [x.dataset_id for x in items if not isinstance(x, RegisterError)] == ["c"]
    with pytest.raises(CardError, match="not a regular file"):
        parse_card_dir(tmp_path / "t" / "a", "a")


def test_croissant_fifo_and_deep_json(tmp_path: Path) -> None:
    fifo = tmp_path / "meta.json"
    os.mkfifo(fifo)
    with pytest.raises(CardError, match="not a regular file"):
        read_croissant(fifo)
    for depth in (5_000, 100_000):
        for op, cl in (("[", "]"), ('{"a":', "}")):
            data = ('{"name": "x", "k": ' + op * depth + "1" + cl * depth + "}").encode()
            with pytest.raises(CardError, match="nested too deeply|not valid JSON") as err:
                parse_croissant(data, where="deep.json")
            assert "\n" not in str(err.value)


def test_symlinked_readme_follows_the_directory_rule(tmp_path: Path) -> None:
    tree = tmp_path / "t"
    (tree / "passwd").mkdir(parents=True)
    (tree / "passwd" / "README.md").symlink_to("/etc/passwd")
    _card(tree / "real")
    (tree / "dirlink").symlink_to(tree / "real")
    found = {f.dataset_id: f.skip for f in discover_found([tree], recursive=True)}
    assert found["real"] is None
    assert "symlink" in (found["passwd"] or "") and "symlink" in (found["dirlink"] or "")
    errors = _errors(tree)
    assert len(errors) == 2, errors


def test_infos_licenses_linear_and_capped(tmp_path: Path) -> None:
    d = _card(tmp_path / "big")
    (d / "dataset_infos.json").write_text(json.dumps(
        {f"c{i}": {"license": f"License {i}"} for i in range(200_000)}))
    start = time.monotonic()
    doc = parse_card_dir(d, "big")
    assert time.monotonic() - start < 10
    assert len(doc.raw_license["infos_license"]) == MAX_INFOS_LICENSES
    assert any("distinct license" in w for w in doc.warnings)


def test_read_only_register(sqlite_reg: Register, cards_dir: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    path = sqlite_reg.engine.url.database or ""
    sqlite_reg.close()
    import register.store.engine as engine_mod

    monkeypatch.setattr(engine_mod, "target_read_only", lambda p: True)  # root ignores modes
    with Register.open(path, create=False) as reg:
        assert reg.show("beans").id == "beans"
        assert reg.list_datasets()
        with pytest.raises(StoreError, match="read-only") as err:
            reg.set_rights("beans", parse_rights_options(personal_data="no"), reason="r",
                           by="t")
        assert "\n" not in err.value.message


def test_unopenable_register_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the register"):
        Register.open("/proc/version", create=False)


def test_workbook_sheets_formulas_and_grey_columns(sqlite_reg: Register, cards_dir: Path,
                                                   tmp_path: Path) -> None:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Check"
    wb.active.append(["id", "personal_data"])
    wb.active.append(["beans", "yes"])
    path = tmp_path / "check.xlsx"
    wb.save(path)
    with pytest.raises(ExportError, match="no 'Register' sheet"):
        read_rights_table(path)
    wb = openpyxl.Workbook()
    wb.active.title = "Register"
    wb.active.append(["id", "personal_data"])
    wb.active.append(["beans", '=IF(1,"yes","no")'])
    wb.save(path)
    _, problems = read_rights_table(path)
    assert any("B2" in p.message and "formula" in p.message for p in problems), problems
    from register.exports import export_register

    out = tmp_path / "out.xlsx"
    export_register(sqlite_reg, "xlsx", out)
    book = openpyxl.load_workbook(out)
    ws = book["Register"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("declared_license") + 1).value = "Apache-2.0"
    book.save(out)
    warnings: list[str] = []
    sqlite_reg.import_rights(out, by="t", warn=warnings.append)
    assert len(warnings) == 1 and "declared_license" in warnings[0], warnings
    ref = openpyxl.utils.get_column_letter(header.index("declared_license") + 1) + "2"
    assert ref in warnings[0]


BAD_IDS = ["a b", "tab\tx", "\u202eevil", "zero\u200bwidth", "nb\u00a0sp", "x" * 300,
           "line\nbreak", "esc\x1b", "", "../x", "/abs"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_one_id_rule_everywhere(bad: str, sqlite_reg: Register, cards_dir: Path,
                                tmp_path: Path) -> None:
    assert dataset_id_problem(bad) is not None
    with pytest.raises(CardError):
        parse_card_dir(cards_dir / "beans", bad)
    with pytest.raises(CorpusError):
        parse_corpus({"name": "c", "datasets": [bad]})
    with pytest.raises(UsageError):
        sqlite_reg.show(bad)
    with pytest.raises((UsageError, CardError)):
        sqlite_reg.set_rights(bad, parse_rights_options(personal_data="no"), reason="r",
                              by="t")
    if bad.strip() == bad and "\n" not in bad and bad:
        table = tmp_path / "t.csv"
        table.write_text(f"id,personal_data\n\"{bad}\",no\n", encoding="utf-8")
        _, problems = read_rights_table(table)
        assert problems and problems[0].column == "id", problems
    croissant = json.dumps({"@type": "sc:Dataset", "name": bad or "x"}).encode()
    with pytest.raises(CardError):  # (an empty --id means "from the metadata")
        parse_croissant(croissant, where="c.json", dataset_id=bad or " ")


@pytest.mark.parametrize("good", ["squad", "org/name", "a.b-c_d", "nyu-mll/glue", "ünï"])
def test_good_ids(good: str) -> None:
    assert dataset_id_problem(good) is None
