"""``register ingest --hub`` / ``--hub-search`` end to end against the local fake Hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cards.test_hub import CARDS
from tests.cli_helpers import run_cli
from tests.hub_helpers import FakeHub, killed_sync_resumes, point_at


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


def test_ingest_hub_all_summary_and_resync(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with FakeHub(synthetic=30, page_size=10) as server:
        point_at(server, monkeypatch, tmp_path)
        db = tmp_path / "hub.db"
        first = run_cli(capsys, "--db", db, "ingest", "--hub-all", "--jobs", "4")
        assert first.code == 0, first.err
        assert "hub: listed 30, same sha 0, fetched 30 in" in first.err
        assert "ingested 30, updated 0, unchanged 0, failed 0" in first.err
        server.bump(5)
        again = run_cli(capsys, "--db", db, "ingest", "--hub-all")
        assert "hub: listed 30, same sha 29, fetched 1 in" in again.err
        assert "ingested 0, updated 1, unchanged 0, failed 0" in again.err


def test_hub_sync_usage_errors(fake_hub: FakeHub, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "hub.db"
    revision = run_cli(capsys, "--db", db, "ingest", "--hub-all", "--revision", "v1")
    assert revision.code == 2 and "--revision applies to --hub only" in revision.err
    both = run_cli(capsys, "--db", db, "ingest", "--hub-all", "--hub-search", "x")
    assert both.code == 2 and "cannot be used with --hub-search" in both.err
    jobs = run_cli(capsys, "--db", db, "ingest", "--hub-all", "--jobs", "17")
    assert jobs.code == 2 and "--jobs" in jobs.err


@pytest.mark.slow
def test_killed_hub_sync_resumes_with_each_dataset_once(tmp_path: Path) -> None:
    """A real ``ingest --hub-all`` process is SIGKILLed mid-sync; the re-run registers every
    dataset exactly once (one version each) and fetches only what was not written."""
    killed_sync_resumes(tmp_path, "dataset")
