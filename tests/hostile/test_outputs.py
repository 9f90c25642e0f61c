"""Issue 13, outputs: CSV records, formula guards, terminal escapes, export targets, xlsx."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest

from register.errors import ExportError
from register.exports import atomic_output, export_register
from register.register import Register
from register.render.cells import (
    csv_row,
    escape_cell,
    needs_formula_guard,
    terminal_text,
    unescape_cell,
)
from register.render.formats import print_table, to_csv
from register.rights.record import parse_rights_options

PAYLOADS = ["ok\r=cmd|' /C calc'!A0", "ok\n+1", "a\r\n@SUM(1)", " =1+1", "\u3000-2",
            "\uff1dcmd", "\uff0b1", "\uff0d1", "\uff20x", "'=x", "\t=1", "\r=1", "plain",
            "it's", "x\r'=y"]


@pytest.fixture
def loaded(sqlite_reg: Register, cards_dir: Path) -> Register:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    return sqlite_reg


@pytest.mark.parametrize("text", PAYLOADS)
def test_escape_is_reversible_and_guards_every_line(text: str) -> None:
    escaped = escape_cell(text)
    assert unescape_cell(escaped) == text
    import re

    for line in re.split(r"\r\n|\r|\n", escaped):
        assert not needs_formula_guard(line), (text, escaped)


def test_csv_row_quotes_bare_cr() -> None:
    assert csv_row(["a\rb", "c"]) == '"a\rb",c\n'
    assert csv_row(["a", "b"]) == "a,b\n"
    assert list(csv.reader(io.StringIO(csv_row(["a\rb", "c"])))) == [["a\rb", "c"]]
    text = to_csv([{"x": "ok\r=cmd"}], ["x"])
    assert text == 'x\n"ok\r\'=cmd"\n'


def test_terminal_text_escapes_controls() -> None:
    assert terminal_text("\x1b]0;PWNED\x07\x1b[2J\u202e\x9bz\tok\n") == (
        "\\x1b]0;PWNED\\x07\\x1b[2J\\u202e\\x9bz\tok\n")
    out = io.StringIO()
    print_table([{"a": "\x1b[31mred\u2066"}], ["a"], title="t\x1b[2J")
    print_table([{"a": "\x1b[31mred\u2066"}], ["a"], title="t\x1b[2J", stream=out)
    assert "\x1b" not in out.getvalue() and "\u2066" not in out.getvalue()


def test_cr_payload_never_starts_a_csv_record(loaded: Register, tmp_path: Path) -> None:
    change = parse_rights_options(personal_data="no")
    loaded.set_rights("beans", change, reason="ok\r=cmd|' /C calc'!A0", by="t")
    out = tmp_path / "out.csv"
    export_register(loaded, "csv", out)
    raw = out.read_bytes().decode()
    import re

    for record in re.split(r"\r\n|\r|\n", raw):
        for cell in record.split(","):
            assert not cell.lstrip('" ').startswith(("=", "+", "@")), cell
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    [beans] = [r for r in rows if r["id"] == "beans"]
    assert unescape_cell(beans["rights_reason"]) == "ok\r=cmd|' /C calc'!A0"


# --------------------------------------------------------------------------- targets


def test_dash_is_stdout(loaded: Register, capfd: pytest.CaptureFixture[str]) -> None:
    export_register(loaded, "json", "-")
    assert capfd.readouterr().out.startswith("{")
    assert not Path("-").exists()


def test_dev_null_stays_a_device(loaded: Register) -> None:
    export_register(loaded, "csv", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_symlink_followed_not_replaced(loaded: Register, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    export_register(loaded, "csv", link)
    assert link.is_symlink() and real.read_text().startswith("id,")


def test_hard_link_refused(loaded: Register, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    os.link(real, tmp_path / "other.csv")
    with pytest.raises(ExportError, match="hard links"):
        export_register(loaded, "csv", real)
    assert real.read_text() == "old" and os.stat(real).st_nlink == 2


def test_modes(loaded: Register, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.csv"
        export_register(loaded, "csv", new)
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        kept = tmp_path / "kept.csv"
        kept.write_text("x")
        kept.chmod(0o640)
        export_register(loaded, "csv", kept)
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_fifo_without_reader_refused_with_reader_written(loaded: Register,
                                                         tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match="no reader"):
        export_register(loaded, "csv", fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    import time

    time.sleep(0.2)
    export_register(loaded, "csv", fifo)
    reader.join(30)
    assert got and got[0].startswith(b"id,") and stat.S_ISFIFO(fifo.stat().st_mode)


def test_proc_targets_are_clear_errors(loaded: Register) -> None:
    for target in ("/proc/version", "/proc/nonexistent/x.csv"):
        with pytest.raises(ExportError):
            export_register(loaded, "csv", target)


def test_atomic_output_removes_temp_on_error(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_killed_xlsx_export_leaves_nothing(loaded: Register, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    try:
        import hostile_corpus as hc
    finally:
        sys.path.pop(0)
    box = tmp_path / "box"
    box.mkdir()
    corpus = hc.Corpus(box)
    import shutil

    source = loaded.engine.url.database or ""
    loaded.close()  # checkpoints the WAL, so the copy holds the datasets
    shutil.copyfile(source, corpus.db)
    for i in range(3):
        outcome = hc._killed_export(corpus, box / f"k{i}.xlsx")
        assert outcome.problems == [], outcome
        assert outcome.code != 0  # it was killed, not finished
    assert list(corpus.tmp.iterdir()) == []


# --------------------------------------------------------------------------- xlsx


def test_xlsx_guard_keeps_the_original_text(loaded: Register, tmp_path: Path) -> None:
    change = parse_rights_options(dpia="=1+1")
    loaded.set_rights("beans", change, reason="'=quoted", by="t")
    out = tmp_path / "out.xlsx"
    export_register(loaded, "xlsx", out)
    ws = openpyxl.load_workbook(out)["Register"]
    header = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1)
               if ws.cell(r, header["id"]).value == "beans")
    cell = ws.cell(row, header["dpia"])
    assert cell.value == "=1+1" and cell.data_type == "s" and cell.quotePrefix
    assert ws.cell(row, header["rights_reason"]).value == "'=quoted"
    import pandas as pd

    frame = pd.read_excel(out, sheet_name="Register")
    assert frame.loc[frame["id"] == "beans", "dpia"].item() == "=1+1"
    # imports back unchanged (verbatim quotePrefix cells)
    summary = loaded.import_rights(out, by="t")
    assert summary["rights_changed"] == 0
    assert loaded.show("beans").rights.recorded["dpia"] == "=1+1"


def test_old_workbooks_with_a_leading_quote_still_import(loaded: Register,
                                                         tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Register"
    ws.append(["id", "dpia", "reason"])
    ws.append(["beans", "'=2+2", "old export"])
    path = tmp_path / "old.xlsx"
    wb.save(path)
    loaded.import_rights(path, by="t")
    assert loaded.show("beans").rights.recorded["dpia"] == "=2+2"


def test_cli_subprocess_table_has_no_escapes(loaded: Register, tmp_path: Path) -> None:
    change = parse_rights_options(personal_data="no")
    loaded.set_rights("beans", change, reason="\x1b]0;PWNED\x07\x1b[2J", by="t")
    db = loaded.engine.url.database or ""
    for args in (["audit", "log", "-f", "table"], ["show", "beans", "-f", "table"]):
        done = subprocess.run([sys.executable, "-c", "from register.cli import run; run()",
                               "--db", db, *args], capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout
