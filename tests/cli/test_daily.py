"""Issue 17: the CLI behaves as a new user expects (exit codes, stdin/stdout, hints, filters)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from register import Register, __version__
from tests.cli_helpers import run_cli

Capsys = pytest.CaptureFixture[str]


@pytest.fixture
def db(tmp_path: Path, cards_dir: Path, capsys: Capsys) -> str:
    target = str(tmp_path / "reg.db")
    result = run_cli(capsys, "--db", target, "ingest", cards_dir, "--recursive")
    assert result.code == 0, result.err
    return target


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


# -- list --------------------------------------------------------------------------------
def test_list_needs_review_table_and_csv_show_the_reasons(
        db: str, capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    as_json = json.loads(run_cli(capsys, "--db", db, "list", "--needs-review", "-f", "json").out)
    result = run_cli(capsys, "--db", db, "list", "--needs-review", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [r["id"] for r in rows] == [d["id"] for d in as_json["datasets"]]
    arabic = next(r for r in rows if r["id"] == "arabic_speech_corpus")
    assert arabic["needs_review"] == "no" and arabic["rights_needs_review"] == "yes"
    assert "suggests personal data" in arabic["review_reasons"]
    assert all(r["review_reasons"] for r in rows)  # every queued dataset says why
    table = run_cli(capsys, "--db", db, "list", "--needs-review", "-f", "table").out
    assert "review_reasons" in table and "suggests personal" in table


def test_list_license_family_and_term_filters(db: str, capsys: Capsys) -> None:
    with Register.open(db) as reg:
        reg.set_license("beans", "CC-BY-SA-3.0", reason="test: an older version")

    def ids(*args: str) -> list[str]:
        result = run_cli(capsys, "--db", db, "list", *args, "-f", "json")
        assert result.code == 0, result.err
        return [d["id"] for d in json.loads(result.out)["datasets"]]

    family = ids("--license", "CC-BY-SA")
    assert {"beans", "squad_v2", "asset", "cord19"} <= set(family)
    assert "aslg_pc12" not in family  # CC-BY-NC-4.0 is another family
    assert ids("--license", "CC-BY-SA-4.0") == [i for i in family if i != "beans"]
    assert "squad_v2" not in ids("--license", "CC-BY")
    assert set(ids("--share-alike")) >= {"beans", "squad_v2", "ethos"}
    assert "cedr" not in ids("--share-alike")
    assert ids("--non-commercial") == ["aslg_pc12"]


def test_personal_data_is_unknown_in_list_and_export_json(db: str, tmp_path: Path,
                                                          capsys: Capsys) -> None:
    listed = json.loads(run_cli(capsys, "--db", db, "list", "-f", "json").out)["datasets"]
    out = tmp_path / "export.json"
    assert run_cli(capsys, "--db", db, "export", "json", out).code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))["datasets"]
    assert {d["id"]: d["personal_data"] for d in listed} == \
        {d["id"]: d["personal_data"] for d in exported}
    assert {d["personal_data"] for d in exported} == {"unknown"}


# -- one exit-code rule --------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["rights", "set", "beans", "--personal-data", "maybe"],
    ["rights", "set", "beans", "--collected-in", "XX"],
    ["list", "--region", "XX"],
    ["list", "--personal-data", "maybe"],
    ["check", "--dataset", "beans", "--use", "service", "--region", "XX"],
    ["check", "--dataset", "beans", "--use", "service", "--on", "2027-13-01"],
    ["clear", "beans", "--use", "training", "--reason", "r", "--by", "me"],
    ["clear", "beans", "--use", "service", "--reason", "r", "--by", "me",
     "--until", "2027-13-01"],
    ["notice", "corpus.yaml"],
])
def test_invalid_option_values_exit_2_with_one_message(args: list[str], db: str,
                                                       tmp_path: Path, capsys: Capsys) -> None:
    os.chdir(tmp_path)
    Path("corpus.yaml").write_text("name: c\ndatasets: [beans]\n", encoding="utf-8")
    result = run_cli(capsys, "--db", db, *args)
    assert result.code == 2, result.err
    lines = [line for line in result.err.splitlines() if not line.startswith("Hint:")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.err
    assert "--" in lines[0]  # the CLI names its option


def test_bad_input_data_exits_1(db: str, tmp_path: Path, capsys: Capsys) -> None:
    table = tmp_path / "rights.csv"
    table.write_text("id,personal_data\nbeans,maybe\n", encoding="utf-8")
    result = run_cli(capsys, "--db", db, "rights", "import", table)
    assert result.code == 1, result.err
    assert result.err.count("maybe") == 1, result.err


# -- ingest ---------------------------------------------------------------------------------
def test_file_and_directory_give_the_same_checksum(tmp_path: Path, cards_dir: Path,
                                                   capsys: Capsys) -> None:
    card = cards_dir / "beans" / "README.md"
    assert (cards_dir / "beans" / "dataset_infos.json").is_file()
    for first, second in ((cards_dir / "beans", card), (card, cards_dir / "beans")):
        target = str(tmp_path / f"{first.name}.db")
        assert run_cli(capsys, "--db", target, "ingest", first).code == 0
        again = run_cli(capsys, "--db", target, "ingest", second)
        assert "unchanged 1" in again.err, again.err
        with Register.open(target) as reg:
            assert reg.show("beans").version == 1


def test_ingest_directory_of_datasets_hints_recursive(tmp_path: Path, cards_dir: Path,
                                                      capsys: Capsys) -> None:
    result = run_cli(capsys, "--db", tmp_path / "r.db", "ingest", cards_dir)
    assert result.code == 1
    assert "Hint: it holds 15 dataset directories: use --recursive" in result.err


# -- stdin / stdout, version, completion ------------------------------------------------------
def test_check_reads_the_corpus_from_stdin(db: str, tmp_path: Path, capsys: Capsys,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = "name: piped\ndatasets: [beans, squad_v2]\n"
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    from_file = run_cli(capsys, "--db", db, "check", tmp_path / "c.yaml", "--use", "service",
                        "--on", "2026-12-01", "-f", "json")
    _stdin(monkeypatch, text.encode())
    piped = run_cli(capsys, "--db", db, "check", "-", "--use", "service", "--on", "2026-12-01",
                    "-f", "json")
    assert piped.code == from_file.code
    assert json.loads(piped.out) == json.loads(from_file.out)
    _stdin(monkeypatch, b"name: [unclosed\n")
    bad = run_cli(capsys, "--db", db, "check", "-", "--use", "service")
    assert bad.code == 1 and "<stdin>" in bad.err


def test_verdict_on_stderr_when_stdout_is_json(db: str, capsys: Capsys) -> None:
    result = run_cli(capsys, "--db", db, "check", "-d", "beans", "-d", "squad_v2", "--use",
                     "service", "--on", "2026-12-01", "--format", "json")
    verdict = json.loads(result.out)["verdict"]
    assert result.err.startswith(f"verdict: {verdict} for use service (2 dataset(s)")


def test_rights_import_from_stdin(db: str, capsys: Capsys,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, b"id,personal_data\nbeans,no\n")
    result = run_cli(capsys, "--db", db, "rights", "import", "-", "--by", "alice")
    assert result.code == 0, result.err
    assert result.err.startswith("-: 1 row(s)")
    with Register.open(db) as reg:
        assert reg.show("beans").rights.recorded["personal_data"] == "no"


def test_notice_to_stdout_with_dash_and_requires_use(db: str, tmp_path: Path,
                                                     capsys: Capsys) -> None:
    corpus = tmp_path / "c.yaml"
    corpus.write_text("name: c\ndatasets: [beans]\n", encoding="utf-8")
    result = run_cli(capsys, "--db", db, "notice", corpus, "--use", "service", "-o", "-")
    assert result.code == 0 and "beans" in result.out and not (tmp_path / "-").exists()
    missing = run_cli(capsys, "--db", db, "notice", corpus)
    assert missing.code == 2 and "--use is required" in missing.err


def test_version_and_completion(capsys: Capsys) -> None:
    result = run_cli(capsys, "--version")
    assert result.code == 0 and result.out == f"register {__version__}\n"
    helptext = run_cli(capsys, "--help").out
    assert "--install-completion" in helptext and "--show-completion" in helptext


# -- clearances, PostgreSQL ------------------------------------------------------------------
def test_an_expired_clearance_warns(db: str, capsys: Capsys) -> None:
    past = (date.today() - timedelta(days=3)).isoformat()
    result = run_cli(capsys, "--db", db, "clear", "ethos", "--use", "service", "--reason",
                     "old contract", "--by", "alice", "--until", past)
    assert result.code == 0
    assert f"Warning: this clearance expired on {past}" in result.err
    shown = run_cli(capsys, "--db", db, "show", "ethos", "-f", "table").out
    assert "EXPIRED" in shown
    check = run_cli(capsys, "--db", db, "check", "-d", "ethos", "--use", "service")
    assert f"clearance by alice expired on {past}" in check.out


def test_a_missing_postgres_database_is_one_clear_line(capsys: Capsys) -> None:
    base = os.environ.get("REGISTER_TEST_PG_URL")
    if not base:
        pytest.skip("set $REGISTER_TEST_PG_URL to run PostgreSQL tests")
    url = base.rsplit("/", 1)[0] + "/no_such_register_db"
    result = run_cli(capsys, "--db", url, "list")
    assert result.code == 1
    first, *rest = result.err.splitlines()
    assert first.startswith("Error: PostgreSQL database 'no_such_register_db' does not exist")
    assert "internal error" not in result.err and all(r.startswith("Hint:") for r in rest)


def test_a_read_never_creates_the_register(tmp_path: Path, capsys: Capsys) -> None:
    result = run_cli(capsys, "--db", tmp_path / "typo.db", "list")
    assert result.code == 1 and "no register at" in result.err
    assert not (tmp_path / "typo.db").exists()
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_version_is_the_packaged_one() -> None:
    tomllib = pytest.importorskip("tomllib")

    root = Path(__file__).resolve().parent.parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == __version__
