"""The ``fake_hub`` fixture the Hub tests share: a :class:`tests.fake_hub.FakeHub` on 127.0.0.1
(no network) with ``HF_ENDPOINT`` pointing at it and a temporary ``HF_HOME``.

Use the fixture (``tests/conftest.py`` imports it for every test) or ``with FakeHub() as hub``.
The sync tests of datasets and models share :func:`synth_hub_fixture` (a fake Hub of
synthetic repositories of one kind) and :func:`version_counts` (versions held a
repository).
"""

from __future__ import annotations

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
           "synth_hub_fixture", "synth_server", "version_counts", "wait_for_sync_threads"]


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
