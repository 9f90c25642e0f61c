"""``register ingest --hub`` / ``--hub-search`` end to end against the local fake Hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cards.test_hub import CARDS
from tests.cli_helpers import run_cli
from tests.hub_helpers import FakeHub


def test_ingest_hub_records_revision_and_source(fake_hub: FakeHub, tmp_path: Path,  # noqa: F811
                                                capsys: pytest.CaptureFixture[str]) -> None:
    repo = fake_hub.add_dir("nyu/squad_v2", CARDS / "squad_v2")
    fake_hub.add_dir("beans", CARDS / "beans")
    db = tmp_path / "hub.db"
    result = run_cli(capsys, "--db", db, "ingest", "--hub", "nyu/squad_v2", "--hub", "beans",
                     "--hub", "missing/dataset")
    assert result.code == 1  # one dataset could not be fetched
    assert "ingested 2, updated 0, unchanged 0, failed 1" in result.err
    assert "missing/dataset" in result.err
    shown = json.loads(run_cli(capsys, "--db", db, "show", "nyu/squad_v2", "-f", "json").out)
    assert shown["revision"] == repo.sha
    assert shown["source"] == f"{fake_hub.url}/datasets/nyu/squad_v2"
    assert shown["license"]["effective"] == "CC-BY-SA-4.0"
    again = run_cli(capsys, "--db", db, "ingest", "--hub", "nyu/squad_v2")
    assert "unchanged 1" in again.err and again.code == 0


def test_ingest_hub_search(fake_hub: FakeHub, tmp_path: Path,  # noqa: F811
                           capsys: pytest.CaptureFixture[str]) -> None:
    fake_hub.add_dir("acme/beans", CARDS / "beans")
    fake_hub.add_dir("acme/cedr", CARDS / "cedr")
    db = tmp_path / "hub.db"
    result = run_cli(capsys, "--db", db, "ingest", "--hub-search", "acme", "--limit", "5")
    assert result.code == 0, result.err
    listed = json.loads(run_cli(capsys, "--db", db, "list", "-f", "json").out)
    assert {d["id"] for d in listed["datasets"]} == {"acme/beans", "acme/cedr"}
