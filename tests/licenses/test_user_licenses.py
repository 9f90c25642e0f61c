"""A user's own license (a contract, a data use agreement) as a file in a directory they name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from register.licenses.catalog import default_kb
from tests.cli_helpers import run_cli

DUA = """\
id: LicenseRef-acme-research-dua
name: ACME research data use agreement (2026)
family: contract
terms:
  commercial_use: false
  attribution: true
  research_only: true
  redistribution_prohibited: true
sources:
  - {url: https://contracts.example/acme-dua-2026.pdf, version: "2026-03", reviewed: 2026-11-27}
notes: signed by legal on 2026-03-02
"""


@pytest.fixture
def user_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = tmp_path / "our-licenses"
    directory.mkdir()
    (directory / "acme-dua.yaml").write_text(DUA, encoding="utf-8")
    monkeypatch.setenv("REGISTER_LICENSES_DIR", str(directory))
    default_kb.cache_clear()
    yield directory
    default_kb.cache_clear()


def test_license_show_reads_the_users_file(user_kb: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "license", "show", "LicenseRef-acme-research-dua", "-f", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["terms"]["research_only"] is True
    assert data["sources"][0]["url"] == "https://contracts.example/acme-dua-2026.pdf"
    assert data["origin"].endswith("acme-dua.yaml")


def test_a_concluded_user_license_drives_the_check(user_kb: Path, tmp_path: Path,
                                                   cards_dir: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.db"
    assert run_cli(capsys, "--db", db, "ingest", cards_dir / "aeslc").code == 0
    assert run_cli(capsys, "--db", db, "license", "set", "aeslc",
                   "LicenseRef-acme-research-dua", "--reason", "signed DUA").code == 0
    research = run_cli(capsys, "--db", db, "check", "-d", "aeslc", "--use", "research")
    assert research.code == 0
    internal = run_cli(capsys, "--db", db, "check", "-d", "aeslc", "--use", "internal",
                       "-f", "json")
    assert internal.code == 4
    rules = {r["rule"] for r in json.loads(internal.out)["datasets"][0]["reasons"]}
    assert {"2", "3"} <= rules


def test_a_malformed_user_license_is_a_clear_error(user_kb: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (user_kb / "broken.yaml").write_text("id: LicenseRef-x\nterms:\n  research_only: maybe\n",
                                         encoding="utf-8")
    default_kb.cache_clear()
    result = run_cli(capsys, "license", "show", "MIT")
    assert result.code == 1
    assert "broken.yaml" in result.err and "research_only" in result.err
