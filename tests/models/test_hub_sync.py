"""Model Hub sync (register.cards.hub_sync, kind "model") against the local fake Hub
(127.0.0.1, no network): bulk listing in pages, only changed shas fetched, 429 / Retry-After,
interrupted syncs, and ``register model ingest --hub-all / --hub-search``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from register import Register
from register.cards.hub_sync import sync_models
from tests.cli_helpers import run_cli
from tests.hub_helpers import (
    FakeHub,
    FakeRepo,
    interrupt_after,
    killed_sync_resumes,
    point_at,
    synth_hub_fixture,
    version_counts,
    wait_for_sync_threads,
)

N = 120
PAGE = 50
MODELS = Path(__file__).parents[1] / "fixtures" / "model-cards"


synth_hub = synth_hub_fixture("model", N, PAGE)


def _row(reg: Register, model_id: str) -> tuple[str | None, str]:
    with reg.engine.connect() as conn:
        row = conn.execute(text("SELECT revision, weights_json FROM model WHERE id = :i"),
                           {"i": model_id}).one()
        return row[0], row[1]


def _readmes(hub: FakeHub, since: int = 0) -> list[str]:
    return [p for m, p, _a in hub.requests[since:] if m == "GET" and p.endswith("/README.md")]


def test_bulk_listing_is_one_request_a_page(synth_hub: FakeHub, tmp_path: Path) -> None:
    with Register.open(tmp_path / "r.db", create=True) as reg:
        summary = reg.sync_hub(kind="model", jobs=8)
        assert (summary.listed, summary.fetched, summary.ingested) == (N, N, N)
        assert summary.failed == [] and summary.same_sha == 0
        assert synth_hub.listing_requests("model") == 3  # ceil(120 / 50)
        assert synth_hub.listing_requests("dataset") == 0
        first = next(p for _m, p, _a in synth_hub.requests if p.startswith("/api/models?"))
        assert "expand=sha" in first
        readmes = _readmes(synth_hub)
        assert len(readmes) == N == len(set(readmes))
        mid = "synth/model-0000042"
        sha = synth_hub.lookup(mid, "model").sha  # type: ignore[union-attr]
        assert f"/{mid}/resolve/{sha}/README.md" in readmes
        revision, weights = _row(reg, mid)
        assert revision == sha
        # the weights' sha256 from the Hub's LFS metadata, as ``--hub ID`` records them
        digest = hashlib.sha256(f"weights of {mid}".encode()).hexdigest()
        assert digest in weights
        assert len(reg.model_ids()) == N


def test_resync_fetches_only_changed_shas(synth_hub: FakeHub, tmp_path: Path) -> None:
    with Register.open(tmp_path / "r.db", create=True) as reg:
        reg.sync_hub(kind="model")
        synth_hub.bump(3, kind="model")  # a new card
        synth_hub.bump(7, card=False, kind="model")  # a new commit, the same card
        before = len(synth_hub.requests)
        summary = reg.sync_hub(kind="model")
        fetched = {p.split("/resolve/")[0] for m, p, _a in synth_hub.requests[before:]
                   if "/resolve/" in p}
        assert fetched == {"/synth/model-0000003", "/synth/model-0000007"}
        assert (summary.same_sha, summary.fetched) == (N - 2, 2)
        assert (summary.updated, summary.unchanged, summary.revised) == (1, 1, 1)
        versions = version_counts(reg, "model")
        assert versions["synth/model-0000003"] == 2
        assert versions["synth/model-0000007"] == 1  # the same card: no new version...
        # ...but the new sha is recorded, so the next sync does not fetch it again
        assert _row(reg, "synth/model-0000007")[0] == synth_hub.synthetic_models.sha(7)  # type: ignore[union-attr]
        before = len(synth_hub.requests)
        again = reg.sync_hub(kind="model")
        assert (again.same_sha, again.fetched) == (N, 0)
        assert not any("/resolve/" in p or p.startswith("/api/models/")
                       for _m, p, _a in synth_hub.requests[before:])
        assert reg.audit_verify().ok


def test_rate_limit_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            sleeps: list[float]) -> None:
    with FakeHub(synthetic_models=40, page_size=20, rate_limit_every=7,
                 retry_after=2) as server:
        point_at(server, monkeypatch, tmp_path)
        with Register.open(tmp_path / "r.db", create=True) as reg:
            summary = reg.sync_hub(kind="model", jobs=4)
            assert summary.failed == [] and summary.ingested == 40
        assert server.rate_limited > 5
        # every 429 (listing, model files, README) waited Retry-After (+1 s), then retried
        assert sleeps.count(3.0) == server.rate_limited


def test_interrupted_sync_resumes_with_each_model_once(synth_hub: FakeHub,
                                                       tmp_path: Path) -> None:
    with Register.open(tmp_path / "r.db", create=True) as reg, \
            pytest.raises(KeyboardInterrupt):  # after the second committed batch of 20
        sync_models(reg.engine, actor="t", jobs=8, batch_size=20, progress=interrupt_after(2))
    wait_for_sync_threads()
    with Register.open(tmp_path / "r.db") as reg:
        held = len(reg.model_ids())
        assert 0 < held < N
        before = len(synth_hub.requests)
        summary = reg.sync_hub(kind="model", jobs=8)
        assert summary.same_sha == held and summary.ingested == N - held
        assert len(_readmes(synth_hub, before)) == N - held  # written ones not fetched again
        versions = version_counts(reg, "model")
        assert len(versions) == N and set(versions.values()) == {1}
        assert reg.audit_verify().ok


@pytest.mark.slow
def test_killed_model_sync_resumes_with_each_model_once(tmp_path: Path) -> None:
    """A real ``model ingest --hub-all`` process is SIGKILLed mid-sync; the re-run registers
    every model exactly once (one version each), fetches only what was not written, and
    ``audit verify`` passes."""
    killed_sync_resumes(tmp_path, "model")


def test_per_model_errors_are_counted_and_the_sync_goes_on(
        synth_hub: FakeHub, tmp_path: Path) -> None:
    synth_hub.models["org/no-card"] = FakeRepo({"config.json": b"{}"})
    with Register.open(tmp_path / "r.db", create=True) as reg:
        summary = reg.sync_hub(kind="model")
    assert summary.ingested == N
    assert len(summary.failed) == 1
    assert "org/no-card: the model repository has no README.md" in summary.failed[0]


def test_cli_hub_all_and_search(synth_hub: FakeHub, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    synth_hub.add_model("Qwen/Qwen2.5-3B", (MODELS / "Qwen__Qwen2.5-3B" / "README.md")
                        .read_bytes(), {"model.safetensors": b"w"})
    db = str(tmp_path / "r.db")
    run = run_cli(capsys, "--db", db, "model", "ingest", "--hub-search", "qwen")
    assert run.code == 0, run.err
    assert "hub: listed 1, same sha 0, fetched 1 in " in run.err
    run = run_cli(capsys, "--db", db, "model", "ingest", "--hub-all", "--limit", "30",
                  "--jobs", "4")
    assert run.code == 0, run.err
    assert "hub: listed 30, same sha 1, fetched 29 in " in run.err
    assert "models ingested 29, updated 0, unchanged 0, failed 0" in run.err
    bad = run_cli(capsys, "--db", db, "model", "ingest", "--hub-all", "--hub-search", "q")
    assert bad.code != 0 and "cannot be used with --hub-search" in bad.err
    bad = run_cli(capsys, "--db", db, "model", "ingest", "--hub-all", "--revision", "v1")
    assert bad.code != 0 and "--revision applies to --hub only" in bad.err
