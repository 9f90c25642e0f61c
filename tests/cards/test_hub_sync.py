"""Hub sync (register.cards.hub_sync) against the local fake Hub (127.0.0.1, no network):
bulk listing in pages, only changed shas fetched, 429 / Retry-After, interrupted syncs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from register import Register
from register.errors import HubError, UsageError
from tests.hub_helpers import (
    FakeHub,
    FakeRepo,
    interrupt_after,
    point_at,
    synth_hub_fixture,
    version_counts,
    wait_for_sync_threads,
)

N = 250
PAGE = 100


synth_hub = synth_hub_fixture("dataset", N, PAGE)


def _revision(reg: Register, dataset_id: str) -> str | None:
    with reg.engine.connect() as conn:
        return conn.execute(text("SELECT revision FROM dataset WHERE id = :i"),
                            {"i": dataset_id}).scalar_one()


def test_bulk_listing_is_one_request_a_page(synth_hub: FakeHub, tmp_path: Path) -> None:
    with Register.open(tmp_path / "r.db", create=True) as reg:
        summary = reg.sync_hub(jobs=8)
        assert (summary.listed, summary.fetched, summary.ingested) == (N, N, N)
        assert summary.failed == [] and summary.same_sha == 0
        # ceil(250 / 100) listing pages, and no per-dataset dataset_info call
        assert synth_hub.listing_requests() == 3
        assert not any(p.startswith("/api/datasets/") for _m, p, _a in synth_hub.requests)
        # the listing asked for the shas in bulk
        first = next(p for _m, p, _a in synth_hub.requests if p.startswith("/api/datasets?"))
        assert "expand=sha" in first
        # one README a dataset (at the listed sha), plus its infos file
        readmes = [p for p in synth_hub.downloads() if p.endswith("/README.md")]
        assert len(readmes) == N == len(set(readmes))
        sha = synth_hub.lookup("synth/ds-0000042").sha  # type: ignore[union-attr]
        assert f"/datasets/synth/ds-0000042/resolve/{sha}/README.md" in readmes
        assert _revision(reg, "synth/ds-0000042") == sha
        shown = reg.show("synth/ds-0000042")
        assert shown.source == f"{synth_hub.url}/datasets/synth/ds-0000042"


def test_resync_fetches_only_changed_shas(synth_hub: FakeHub, tmp_path: Path) -> None:
    with Register.open(tmp_path / "r.db", create=True) as reg:
        reg.sync_hub()
        synth_hub.bump(3)  # a new card
        synth_hub.bump(7, card=False)  # a new commit, the same card
        before = len(synth_hub.requests)
        summary = reg.sync_hub()
        fetched = {p.split("/resolve/")[0] for m, p, _a in synth_hub.requests[before:]
                   if "/resolve/" in p}
        assert fetched == {"/datasets/synth/ds-0000003", "/datasets/synth/ds-0000007"}
        assert (summary.same_sha, summary.fetched) == (N - 2, 2)
        assert (summary.updated, summary.unchanged, summary.revised) == (1, 1, 1)
        versions = version_counts(reg)
        assert versions["synth/ds-0000003"] == 2
        assert versions["synth/ds-0000007"] == 1  # no new version for the same card...
        # ...but the register holds the new sha, so the next sync does not fetch it again
        assert _revision(reg, "synth/ds-0000007") == synth_hub.synthetic.sha(7)  # type: ignore[union-attr]
        before = len(synth_hub.requests)
        again = reg.sync_hub()
        assert (again.same_sha, again.fetched) == (N, 0)
        assert not any("/resolve/" in p for _m, p, _a in synth_hub.requests[before:])
        assert reg.audit_verify().ok


def test_search_and_limit_bound_the_listing(synth_hub: FakeHub, tmp_path: Path) -> None:
    synth_hub.add_dir("acme/beans", Path(__file__).parents[1] / "fixtures" / "cards" / "beans")
    with Register.open(tmp_path / "r.db", create=True) as reg:
        assert reg.sync_hub(search="acme").ingested == 1
        assert reg.dataset_ids() == ["acme/beans"]
        summary = reg.sync_hub(limit=30)
        assert (summary.listed, summary.same_sha, summary.ingested) == (30, 1, 29)


def test_rate_limit_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            sleeps: list[float]) -> None:
    with FakeHub(synthetic=60, page_size=20, rate_limit_every=7, retry_after=2) as server:
        point_at(server, monkeypatch, tmp_path)
        with Register.open(tmp_path / "r.db", create=True) as reg:
            summary = reg.sync_hub(jobs=4)
            assert summary.failed == [] and summary.ingested == 60
        assert server.rate_limited > 5
        # huggingface_hub waited Retry-After (+1 s) before each retry, listing and downloads
        assert sleeps.count(3.0) == server.rate_limited


def test_rate_limit_after_retries_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path, sleeps: list[float]) -> None:
    with FakeHub(synthetic=10, rate_limit_every=1, retry_after=1) as server:
        point_at(server, monkeypatch, tmp_path)
        with Register.open(tmp_path / "r.db", create=True) as reg, \
                pytest.raises(HubError) as info:
            reg.sync_hub()
    message = str(info.value)
    assert "rate limited by the Hub (HTTP 429)" in message and "\n" not in message
    assert len(sleeps) == 5  # huggingface_hub's retries, each after Retry-After


def test_per_dataset_errors_are_counted_and_the_sync_goes_on(
        synth_hub: FakeHub, tmp_path: Path) -> None:
    cards = Path(__file__).parents[1] / "fixtures" / "cards"
    synth_hub.add_dir("org/gated", cards / "cedr", gated=True)
    synth_hub.repos["org/no-card"] = FakeRepo({"data.csv": b"a,b\n"})
    synth_hub.repos["org/big"] = FakeRepo({"README.md": b"---\nlicense: mit\n---\n" +
                                           b"x" * (5 * 1024 * 1024 + 1)})
    with Register.open(tmp_path / "r.db", create=True) as reg:
        summary = reg.sync_hub()
    assert summary.ingested == N
    errors = summary.failed
    assert len(errors) == 3
    for expected in ("org/big/README.md: card is over the 5 MB limit",
                     "org/gated: the dataset is gated",
                     "org/no-card: the dataset repository has no README.md"):
        assert any(expected in e for e in errors), (expected, errors)
    assert all("\n" not in e for e in errors)


def test_interrupted_sync_resumes_without_duplicates(synth_hub: FakeHub,
                                                     tmp_path: Path) -> None:
    with Register.open(tmp_path / "r.db", create=True) as reg:
        with pytest.raises(KeyboardInterrupt):
            reg.sync_hub(jobs=8, progress=interrupt_after(2))
        held = len(reg.dataset_ids())
        assert 0 < held < N
        wait_for_sync_threads()
        before = len(synth_hub.requests)
        summary = reg.sync_hub(jobs=8)
        assert summary.same_sha == held and summary.ingested == N - held
        readmes = [p for m, p, _a in synth_hub.requests[before:] if p.endswith("/README.md")]
        assert len(readmes) == N - held  # what was written is not fetched again
        versions = version_counts(reg)
        assert len(versions) == N and set(versions.values()) == {1}
        assert reg.audit_verify().ok


def test_jobs_out_of_range(synth_hub: FakeHub, tmp_path: Path) -> None:
    with Register.open(tmp_path / "r.db", create=True) as reg:
        for jobs in (0, 17):
            with pytest.raises(UsageError, match="--jobs must be from 1 to 16"):
                reg.sync_hub(jobs=jobs)
