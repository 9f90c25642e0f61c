"""The ``fake_hub`` fixture the Hub tests share: a :class:`tests.fake_hub.FakeHub` on 127.0.0.1
(no network) with ``HF_ENDPOINT`` pointing at it and a temporary ``HF_HOME``.

Use the fixture (``tests/conftest.py`` imports it for every test) or ``with FakeHub() as hub``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_hub import FakeHub, FakeRepo

__all__ = ["FakeHub", "FakeRepo", "fake_hub", "point_at"]


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
