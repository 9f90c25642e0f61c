"""The CLI end to end on real cards: ingest, list, show, license set, rights set, clear, check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture
def db(tmp_path: Path, cards_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    target = str(tmp_path / "reg.db")
    result = run_cli(capsys, "ingest", cards_dir, "--recursive", "--db", target)
    assert result.code == 0, result.err
    return target


def test_ingest_counts_and_is_idempotent(tmp_path: Path, cards_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    target = str(tmp_path / "reg.db")
    n = len([p for p in cards_dir.iterdir() if (p / "README.md").exists()])
    first = run_cli(capsys, "--db", target, "ingest", cards_dir, "--recursive")
    assert first.code == 0
    assert f"ingested {n}, updated 0, unchanged 0, failed 0" in first.err
    again = run_cli(capsys, "--db", target, "ingest", cards_dir, "--recursive")
    assert f"ingested 0, updated 0, unchanged {n}, failed 0" in again.err


def test_changed_card_makes_a_version_and_records_license_change(
        db: str, cards_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    card = cards_dir / "beans" / "README.md"
    text = card.read_text(encoding="utf-8")
    assert "license:\n- mit" in text
    card.write_text(text.replace("license:\n- mit", "license:\n- cc-by-nc-4.0"),
                    encoding="utf-8")
    result = run_cli(capsys, "--db", db, "ingest", cards_dir, "--recursive")
    assert "updated 1" in result.err
    assert "license changed: beans: MIT -> CC-BY-NC-4.0" in result.err
    shown = json.loads(run_cli(capsys, "--db", db, "show", "beans", "-f", "json").out)
    assert [h["declared_license"] for h in shown["history"]] == ["MIT", "CC-BY-NC-4.0"]
    assert shown["history"][1]["license_changed"] is True
    listed = json.loads(run_cli(capsys, "--db", db, "list", "-f", "json").out)
    beans = next(d for d in listed["datasets"] if d["id"] == "beans")
    assert beans["license_changed"] is True and beans["previous_license"] == "MIT"


def test_bad_cards_fail_one_line_and_the_rest_lands(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "mixed"
    shutil.copytree(FIXTURES / "cards" / "beans", tree / "beans")
    bad = tree / "broken"
    bad.mkdir()
    shutil.copy(FIXTURES / "bad-cards" / "yaml_error__swedish_ner_corpus__e093be7f.md",
                bad / "README.md")
    result = run_cli(capsys, "--db", tmp_path / "r.db", "ingest", tree, "--recursive")
    assert result.code == 1
    assert "ingested 1, updated 0, unchanged 0, failed 1" in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "broken" in errors[0] and "README.md" in errors[0]
    assert "Traceback" not in result.err


def test_list_json_shape_and_filters(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run_cli(capsys, "--db", db, "list", "--format", "json").out)
    assert data["schema_version"] == 1
    by_id = {d["id"]: d for d in data["datasets"]}
    assert by_id["squad_v2"]["license"] == "CC-BY-SA-4.0"
    assert by_id["squad_v2"]["needs_review"] is False
    assert by_id["aeslc"]["needs_review"] is True  # YAML says 'unknown'
    queue = json.loads(run_cli(capsys, "--db", db, "list", "--needs-review", "-f", "json").out)
    assert "aeslc" in {d["id"] for d in queue["datasets"]}
    assert "squad_v2" not in {d["id"] for d in queue["datasets"]}
    sa = json.loads(run_cli(capsys, "--db", db, "list", "--license", "CC-BY-SA-4.0",
                            "-f", "json").out)
    assert {d["id"] for d in sa["datasets"]} >= {"squad_v2"}
    assert all("CC-BY-SA-4.0" in (d["license"] or "") for d in sa["datasets"])
    csv_out = run_cli(capsys, "--db", db, "list", "-f", "csv").out.splitlines()
    assert csv_out[0].startswith("id,license,needs_review")


def test_show_keeps_raw_fields_verbatim(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    shown = json.loads(run_cli(capsys, "--db", db, "show", "aslg_pc12", "-f", "json").out)
    assert shown["id"] == "aslg_pc12"
    assert len(shown["card_sha256"]) == 64
    assert shown["license"]["raw"]["license"] == ["cc-by-nc-4.0"]
    assert shown["license"]["declared"] == "CC-BY-NC-4.0"
    assert shown["license"]["effective"] == "CC-BY-NC-4.0"
    assert set(shown["license"]) >= {"raw", "declared", "concluded", "effective",
                                     "needs_review", "reason"}


def test_show_unknown_dataset_is_one_line_error(db: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--db", db, "show", "no-such-dataset")
    assert result.code == 1
    assert result.err.startswith("Error: dataset 'no-such-dataset' is not in the register")
    assert "Traceback" not in result.err


def test_concluded_license_wins_everywhere(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--db", db, "license", "set", "aeslc", "cc-by-4.0",
                     "--reason", "Enron corpus terms checked", "--by", "alice")
    assert result.code == 0
    shown = json.loads(run_cli(capsys, "--db", db, "show", "aeslc", "-f", "json").out)
    assert shown["license"]["concluded"] == "CC-BY-4.0"
    assert shown["license"]["effective"] == "CC-BY-4.0"
    assert shown["license"]["needs_review"] is False
    assert shown["license"]["decisions"][0]["by"] == "alice"
    queue = json.loads(run_cli(capsys, "--db", db, "list", "--needs-review", "-f", "json").out)
    assert "aeslc" not in {d["id"] for d in queue["datasets"]}


def test_license_set_rejects_invalid_expression(db: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--db", db, "license", "set", "aeslc", "MIT AND",
                     "--reason", "x")
    assert result.code == 2
    assert "not a valid SPDX license expression" in result.err


def test_rights_set_show_and_filters(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    # before anything is recorded, the card's (unconfirmed) personal-data hint queues it
    queue = json.loads(run_cli(capsys, "--db", db, "list", "--needs-review", "-f", "json").out)
    entry = next(d for d in queue["datasets"] if d["id"] == "arabic_speech_corpus")
    assert entry["rights_needs_review"] and "suggests personal data" in \
        entry["review_reasons"][0]
    result = run_cli(capsys, "--db", db, "rights", "set", "arabic_speech_corpus",
                     "--personal-data", "yes", "--sensitive", "biometric",
                     "--allowed-region", "EU", "--retain-until", "2027-01-31",
                     "--reason", "consent forms", "--by", "dpo")
    assert result.code == 0, result.err
    shown = json.loads(run_cli(capsys, "--db", db, "show", "arabic_speech_corpus",
                               "-f", "json").out)
    assert shown["rights"]["recorded"]["personal_data"] == "yes"
    assert shown["rights"]["personal_data"] == "yes"
    assert shown["rights"]["allowed_regions"] == ["EU"]
    assert shown["rights"]["history"][0]["by"] == "dpo"
    listed = json.loads(run_cli(capsys, "--db", db, "list", "--personal-data", "yes",
                                "-f", "json").out)
    assert [d["id"] for d in listed["datasets"]] == ["arabic_speech_corpus"]
    # personal data without a lawful basis is in the review queue
    queue = json.loads(run_cli(capsys, "--db", db, "list", "--needs-review", "-f", "json").out)
    assert "arabic_speech_corpus" in {d["id"] for d in queue["datasets"]}
    in_ch = json.loads(run_cli(capsys, "--db", db, "list", "--region", "CH", "-f", "json").out)
    assert "arabic_speech_corpus" not in {d["id"] for d in in_ch["datasets"]}
    in_de = json.loads(run_cli(capsys, "--db", db, "list", "--region", "DE", "-f", "json").out)
    assert "arabic_speech_corpus" in {d["id"] for d in in_de["datasets"]}
    soon = run_cli(capsys, "--db", db, "list", "--expiring-within", "36500", "-f", "json")
    assert [d["id"] for d in json.loads(soon.out)["datasets"]] == ["arabic_speech_corpus"]


def test_rights_set_bad_region_names_the_option(db: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--db", db, "rights", "set", "beans", "--collected-in", "XX")
    assert result.code == 2  # an invalid option value is a usage error
    assert "--collected-in" in result.err and "XX" in result.err
    assert result.err.count("XX") == 1, result.err  # printed once


def test_check_exit_codes_and_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    ok = run_cli(capsys, "--db", db, "check", "-d", "beans", "-d", "cedr", "--use", "service",
                 "-f", "json", "--on", "2026-12-01")
    assert ok.code == 0
    result = json.loads(ok.out)
    assert result["verdict"] == "allowed-with-obligations"
    assert result["schema_version"] == 1 and result["on"] == "2026-12-01"
    assert {o["kind"] for o in result["obligations"]} >= {"attribution", "license-text",
                                                         "notice"}
    blocked = run_cli(capsys, "--db", db, "check", "-d", "aslg_pc12", "--use", "service")
    assert blocked.code == 4
    review = run_cli(capsys, "--db", db, "check", "-d", "aeslc", "--use", "research")
    assert review.code == 3
    research = run_cli(capsys, "--db", db, "check", "-d", "aslg_pc12", "--use", "research")
    assert research.code == 0


def test_check_pauses_the_gc_only_while_it_runs(db: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    import gc

    from register.cli.check import paused_gc

    assert gc.isenabled()
    for argv in (("-f", "json"), ("-f", "csv"), ("-f", "table")):
        assert run_cli(capsys, "--db", db, "check", "-d", "beans", "--use", "service",
                       *argv).code == 0
        assert gc.isenabled()  # on again after the check and its output
    failed = run_cli(capsys, "--db", db, "check", "-d", "nope", "--use", "service")
    assert failed.code == 1 and gc.isenabled()  # and after an error
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested: the outer pause keeps it off
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.unfreeze()


def test_check_unknown_id_is_an_error(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--db", db, "check", "-d", "nope", "--use", "service")
    assert result.code == 1
    assert "'nope' is not in the register" in result.err


def test_check_requires_use(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--db", db, "check", "-d", "beans")
    assert result.code == 2


def test_clearance_lifts_needs_review_for_that_use_only(
        db: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--db", db, "clear", "aeslc", "--use", "internal", "--reason",
                     "licensed from the publisher", "--by", "legal", "--until", "2027-12-31")
    assert result.code == 0, result.err
    internal = run_cli(capsys, "--db", db, "check", "-d", "aeslc", "--use", "internal",
                       "--on", "2027-01-01", "-f", "json")
    assert internal.code == 0
    entry = json.loads(internal.out)["datasets"][0]
    assert entry["verdict"] == "allowed-with-obligations"
    assert entry.get("cleared_by") == "legal"
    service = run_cli(capsys, "--db", db, "check", "-d", "aeslc", "--use", "service",
                      "--on", "2027-01-01")
    assert service.code == 3
    expired = run_cli(capsys, "--db", db, "check", "-d", "aeslc", "--use", "internal",
                      "--on", "2028-01-01")
    assert expired.code == 3


def test_corpus_file_with_base_model(db: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: demo\nbase_model: {id: org/nd-model, license: CC-BY-ND-4.0}\n"
                      "datasets:\n  - beans\n  - {id: squad_v2}\n", encoding="utf-8")
    result = run_cli(capsys, "--db", db, "check", corpus, "--use", "release-weights",
                     "-f", "json")
    assert result.code == 4
    data = json.loads(result.out)
    base = next(d for d in data["datasets"] if d["id"] == "org/nd-model")
    assert base["verdict"] == "blocked"
    notice = run_cli(capsys, "--db", db, "notice", corpus, "--use", "release-weights")
    assert notice.code == 0
    assert "## " in notice.out and "squad_v2" in notice.out and "CC-BY-SA-4.0" in notice.out


def test_license_normalize_stdin_json_lines(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Apache License 2.0\nunknown\n"))
    result = run_cli(capsys, "license", "normalize", "--format", "json")
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert [r["expression"] for r in lines] == ["Apache-2.0", None]
    assert lines[1]["needs_review"] is True
    assert set(lines[0]) >= {"input", "expression", "needs_review", "confidence", "method",
                             "reason"}


def test_license_show_prints_terms_and_sources(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "license", "show", "CC-BY-SA-4.0", "-f", "json")
    assert result.code == 0
    data = json.loads(result.out)
    assert data["terms"]["share_alike"] == "service"
    assert data["sources"] and data["sources"][0]["url"].startswith("https://")
    missing = run_cli(capsys, "license", "show", "LicenseRef-nothing-like-this")
    assert missing.code == 1 and missing.err.startswith("Error:")


def test_db_option_anywhere_and_env(tmp_path: Path, cards_dir: Path,
                                    capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "env.db"
    monkeypatch.setenv("REGISTER_DB", str(target))
    assert run_cli(capsys, "ingest", cards_dir / "beans").code == 0
    assert target.exists()
    listed = json.loads(run_cli(capsys, "list", "-f", "json").out)
    assert [d["id"] for d in listed["datasets"]] == ["beans"]


def test_reading_a_missing_register_is_an_error(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "--db", tmp_path / "none.db", "list")
    assert result.code == 1
    assert "no register at" in result.err
    assert not (tmp_path / "none.db").exists()


def test_corpus_file_plus_dataset_options_keep_the_base_model(
        db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: mix\nbase_model: {id: org/nd-model, license: CC-BY-ND-4.0}\n"
                      "datasets: [beans]\n", encoding="utf-8")
    result = run_cli(capsys, "--db", db, "check", corpus, "-d", "cedr", "-d", "beans",
                     "--use", "release-weights", "-f", "json")
    data = json.loads(result.out)
    assert sorted(d["id"] for d in data["datasets"]) == ["beans", "cedr", "org/nd-model"]
    assert data["corpus"] == "mix"
    assert result.code == 4  # the ND base model still blocks release-weights
