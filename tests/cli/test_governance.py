"""``register approve`` / ``status`` / ``reassess`` usage and exit codes through the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from register import Register
from register.cards.files import parse_card_bytes
from register.rights.record import parse_rights_options
from tests.cli_helpers import run_cli


def _register(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "g.db"
    card = b"---\nlicense: mit\n---\n# Y\n"
    with Register.open(db, create=True) as reg:
        reg.ingest_documents([parse_card_bytes(card, None, "y", "mem://y")], actor="t")
        reg.set_license("y", "MIT", reason="read", by="alice")
        soon = date.today() + timedelta(days=5)
        reg.set_rights("y", parse_rights_options(retain_until=soon.isoformat()),
                       reason="DPA", by="bob")
    corpus = tmp_path / "c.yaml"
    corpus.write_text("name: c\ndatasets: [y]\n", encoding="utf-8")
    return db, corpus


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db, corpus = _register(tmp_path)
    r = run_cli(capsys, "--db", db, "approve", corpus, "--role", "legal", "--by", "a",
                "--reason", "r")
    assert r.code == 2 and "--tier" in r.err
    r = run_cli(capsys, "--db", db, "approve", corpus, "--tier", "pilot", "--role", "legal",
                "--by", "a", "--reason", "r")
    assert r.code == 2 and "not a tier" in r.err
    r = run_cli(capsys, "--db", db, "status", "nope/model")
    assert r.code == 2 and "neither a model" in r.err
    r = run_cli(capsys, "--db", db, "list", "--approval", "maybe")
    assert r.code == 2


def test_approve_then_reassess_exit_3_in_the_warning_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    db, corpus = _register(tmp_path)
    r = run_cli(capsys, "--db", db, "approve", corpus, "--tier", "controlled-pilot",
                "--role", "legal", "--by", "alice", "--reason", "ok", "-f", "json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["state"] == "active"
    r = run_cli(capsys, "--db", db, "status", "-f", "json")
    [subject] = json.loads(r.out)["subjects"]
    assert subject["subject"] == "corpus:c" and subject["approved_tier"] == "controlled-pilot"
    r = run_cli(capsys, "--db", db, "reassess", "-f", "json")
    assert r.code == 3, r.err
    [finding] = json.loads(r.out)["findings"]
    assert finding["kind"] == "retention-warning" and finding["signers"] == ["alice (legal)"]
    r = run_cli(capsys, "--db", db, "list", "--approval", "approved", "-f", "json")
    assert [d["id"] for d in json.loads(r.out)["datasets"]] == ["y"]
