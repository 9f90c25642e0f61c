"""The ``fake_hub`` fixture the Hub tests share: a :class:`tests.fake_hub.FakeHub` on 127.0.0.1
(no network) with ``HF_ENDPOINT`` pointing at it and a temporary ``HF_HOME``.

Use the fixture (``tests/conftest.py`` imports it for every test) or ``with FakeHub() as hub``.
The sync tests of datasets and models share :func:`synth_hub_fixture` (a fake Hub of
synthetic repositories of one kind), :func:`version_counts` (versions held a repository) and
:func:`killed_sync_resumes` (a real sync process SIGKILLed mid-sync, then run again).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text

from tests.fake_hub import FakeHub, FakeRepo

if TYPE_CHECKING:
    from register import Register

__all__ = ["FakeHub", "FakeRepo", "fake_hub", "interrupt_after", "point_at", "sleeps",
           "killed_sync_resumes", "synth_hub_fixture", "synth_server", "version_counts",
           "wait_for_sync_threads"]

ROOT = Path(__file__).resolve().parents[1]


def point_at(server: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeHub:
    """Point huggingface_hub (through the environment) at ``server``."""
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    return server


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeHub]:
    with FakeHub() as server:
        yield point_at(server, monkeypatch, tmp_path)


def synth_server(kind: str, n: int, **kw: Any) -> FakeHub:
    """A fake Hub (not started) serving ``n`` synthetic ``kind`` repositories ("dataset":
    ``synth/ds-...``, "model": ``synth/model-...``)."""
    return FakeHub(**{"synthetic_models" if kind == "model" else "synthetic": n}, **kw)


def synth_hub_fixture(kind: str, n: int, page_size: int) -> Any:
    """A ``synth_hub`` fixture: :func:`synth_server` started and pointed at."""

    @pytest.fixture
    def synth_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeHub]:
        with synth_server(kind, n, page_size=page_size) as server:
            yield point_at(server, monkeypatch, tmp_path)

    return synth_hub


def version_counts(reg: Register, kind: str = "dataset") -> dict[str, int]:
    """How many versions ``reg`` holds of each ``kind`` repository (id -> count)."""
    with reg.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {kind}_id, count(*) FROM {kind}_version "
                                 f"GROUP BY {kind}_id"))
        return {r[0]: r[1] for r in rows}


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """huggingface_hub's back-off sleeps, recorded instead of slept."""
    import huggingface_hub.utils._http as hf_http

    calls: list[float] = []
    monkeypatch.setattr(hf_http.time, "sleep", calls.append)
    return calls


def interrupt_after(batches: int) -> Callable[[int], None]:
    """A sync ``progress`` callback that raises KeyboardInterrupt at its ``batches``-th call
    (after that many committed batches)."""
    done: list[int] = []

    def interrupt(n: int) -> None:
        done.append(n)
        if len(done) == batches:
            raise KeyboardInterrupt

    return interrupt


def wait_for_sync_threads(timeout: float = 10.0) -> None:
    """Wait until an interrupted sync's fetch threads and lister have stopped."""
    deadline = time.monotonic() + timeout
    while any(t.name.startswith("hub-") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "sync threads still running"
        time.sleep(0.05)


def _count(db: Path, sql: str) -> int:
    """``sql``'s count read from the SQLite register ``db`` (0 before it is migrated)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0


def killed_sync_resumes(tmp_path: Path, kind: str, n: int = 400, kill_at: int = 100) -> None:
    """A real ``[model] ingest --hub-all`` process over ``n`` synthetic ``kind``
    repositories is SIGKILLed once it has written ``kill_at``; the re-run skips what was
    written, fetches only the rest and leaves each repository once with one version, and
    ``audit verify`` passes."""
    table = kind
    with synth_server(kind, n, page_size=50, latency=0.01) as server:
        db = tmp_path / "hub.db"
        env = dict(os.environ, HF_ENDPOINT=server.url, HF_HOME=str(tmp_path / "hf"),
                   HF_HUB_DISABLE_TELEMETRY="1", PYTHONPATH=str(ROOT))
        env.pop("HF_TOKEN", None)
        verb = ["ingest"] if kind == "dataset" else ["model", "ingest"]
        base = [sys.executable, "-c", "from register.cli import run; run()", "--db", str(db)]
        cmd = [*base, *verb, "--hub-all", "--jobs", "4", "--by", "kill-test"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while _count(db, f"SELECT count(*) FROM {table}") < kill_at:
            assert proc.poll() is None, "the sync ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        held = _count(db, f"SELECT count(*) FROM {table}")
        assert kill_at <= held < n
        before = len(server.requests)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert f"same sha {held}," in done.stderr
        readmes = [p for _m, p, _a in server.requests[before:] if p.endswith("/README.md")]
        assert len(readmes) == n - held
    assert _count(db, f"SELECT count(*) FROM {table}") == n
    assert _count(db, f"SELECT count(*) FROM {table}_version") == n
    assert _count(db, f"SELECT count(DISTINCT {table}_id) FROM {table}_version") == n
    verify = subprocess.run([*base, "audit", "verify"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
