"""The trust commands end to end (issue 12): clear revoke, license withdraw,
--expect-version, stale imports and --force, actor names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: other\n---\n# x\n", encoding="utf-8")
    path = tmp_path / "r.db"
    assert run_cli(capsys, "--db", path, "ingest", card, "--id", "ds").code == 0
    return path


def test_clear_and_revoke(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check = ("--db", db, "check", "-d", "ds", "--use", "service")
    assert run_cli(capsys, *check).code == 3
    assert run_cli(capsys, "--db", db, "clear", "ds", "--use", "service", "--reason", "ok",
                   "--by", "lawyer").code == 0
    assert run_cli(capsys, *check).code == 0
    r = run_cli(capsys, "--db", db, "clear", "revoke", "ds", "--use", "service", "--reason",
                "contract ended", "--by", "lawyer")
    assert r.code == 0, r.err
    assert "1 clearance(s) for service revoked by lawyer" in r.err
    assert run_cli(capsys, *check).code == 3
    log = json.loads(run_cli(capsys, "--db", db, "audit", "log", "-f", "json").out)["events"]
    assert log[-1]["action"] == "clearance.revoke" and log[-1]["reason"] == "contract ended"
    assert run_cli(capsys, "--db", db, "clear", "revoke", "ds", "--use", "service",
                   "--reason", "x", "--by", "y", "--until", "2030-01-01").code == 2
    assert run_cli(capsys, "--db", db, "clear", "ds", "extra", "--use", "service",
                   "--reason", "x", "--by", "y").code == 2
    assert run_cli(capsys, "--db", db, "audit", "verify").code == 0


def test_license_withdraw_and_expect_version(db: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--db", db, "license", "set", "ds", "MIT", "--reason", "r",
                   "--by", "ann", "--expect-version", "1").code == 0
    stale = run_cli(capsys, "--db", db, "rights", "set", "ds", "--personal-data", "no",
                    "--by", "bob", "--expect-version", "1")
    assert stale.code == 1
    assert "changed since version 1" in stale.err and "license.conclude by ann" in stale.err
    r = run_cli(capsys, "--db", db, "license", "withdraw", "ds", "--reason", "wrong",
                "--by", "ann", "--expect-version", "2")
    assert r.code == 0, r.err
    shown = json.loads(run_cli(capsys, "--db", db, "show", "ds", "-f", "json").out)
    assert shown["license"]["concluded"] is None
    assert run_cli(capsys, "--db", db, "license", "withdraw", "ds", "--reason", "again").code == 1


def test_stale_import_then_force(db: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "--db", db, "rights", "set", "ds", "--retain-until", "2030-01-01",
                   "--by", "ann").code == 0
    old = tmp_path / "old.xlsx"
    assert run_cli(capsys, "--db", db, "export", "xlsx", old).code == 0
    assert run_cli(capsys, "--db", db, "rights", "set", "ds", "--retain-until", "2027-01-01",
                   "--reason", "shorter", "--by", "ann").code == 0
    events = len(json.loads(run_cli(capsys, "--db", db, "audit", "log", "-f", "json").out)
                 ["events"])
    r = run_cli(capsys, "--db", db, "import", "xlsx", old, "--by", "carol")
    assert r.code == 1
    assert "nothing was imported" in r.err and "rights.set by ann" in r.err
    after = json.loads(run_cli(capsys, "--db", db, "audit", "log", "-f", "json").out)
    assert len(after["events"]) == events
    forced = run_cli(capsys, "--db", db, "import", "xlsx", old, "--by", "carol", "--force")
    assert forced.code == 0, forced.err
    shown = json.loads(run_cli(capsys, "--db", db, "show", "ds", "-f", "json").out)
    assert shown["rights"]["recorded"]["retain_until"] == "2030-01-01"
    assert run_cli(capsys, "--db", db, "audit", "verify").code == 0


@pytest.mark.parametrize("name", ["@evil", "a\x01b", "x" * 101])
def test_bad_actor_names(db: Path, capsys: pytest.CaptureFixture[str], name: str,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    r = run_cli(capsys, "--db", db, "rights", "set", "ds", "--personal-data", "no",
                "--by", name)
    assert r.code == 2 and "--by" in r.err
    monkeypatch.setenv("REGISTER_USER", name)
    r = run_cli(capsys, "--db", db, "rights", "set", "ds", "--personal-data", "no")
    assert r.code == 2 and "REGISTER_USER" in r.err
