"""Model cards from the Hub (register.models.hub) against the local fake Hub of
tests/cards/test_hub.py, extended with the model routes huggingface_hub uses:
``GET /api/models/{id}[/revision/{rev}]`` (siblings with ``lfs`` sha256 metadata) and
``HEAD|GET /{id}/resolve/{rev}/{file}``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from register.errors import HubError
from register.models.hub import fetch_model_cards
from tests.cards.test_hub import FakeHub, FakeRepo
from tests.cli_helpers import run_cli

MODELS = Path(__file__).parents[1] / "fixtures" / "model-cards"


class FakeModelHub(FakeHub):
    """The fake Hub, answering model repositories too (``models``: id -> FakeRepo)."""

    def __init__(self) -> None:
        self.models: dict[str, FakeRepo] = {}
        super().__init__()

    def add_model(self, model_id: str, readme: bytes, weights: dict[str, bytes]) -> FakeRepo:
        repo = FakeRepo({"README.md": readme, **weights})
        self.models[model_id] = repo
        return repo

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()
        hub_ = self

        class Handler(base):  # type: ignore[valid-type,misc]
            def do_GET(self) -> None:  # noqa: N802
                path = unquote(urlsplit(self.path).path)
                if path.startswith("/api/models/"):
                    hub_.requests.append((self.command, self.path,
                                          self.headers.get("authorization")))
                    rest, rev = path[len("/api/models/"):], "main"
                    if "/revision/" in rest:
                        rest, rev = rest.split("/revision/", 1)
                    repo = hub_.models.get(rest)
                    if repo is None:
                        self._error(404, "RepoNotFound", "Repository not found")
                        return
                    siblings = []
                    for name, body in sorted(repo.files.items()):
                        item: dict = {"rfilename": name, "size": len(body)}
                        if name != "README.md":
                            item["lfs"] = {"size": len(body), "pointerSize": 134,
                                           "sha256": hashlib.sha256(body).hexdigest()}
                        siblings.append(item)
                    info = {"_id": "x", "id": rest, "modelId": rest, "sha": repo.sha,
                            "private": False, "gated": False, "disabled": False,
                            "tags": [], "siblings": siblings}
                    self._send(200, json.dumps(info).encode())
                    return
                if "/resolve/" in path and not path.startswith("/datasets/"):
                    repo_id, tail = path[1:].split("/resolve/", 1)
                    _rev, filename = tail.split("/", 1)
                    repo = hub_.models.get(repo_id)
                    body = repo.files.get(filename) if repo else None
                    if repo is None or body is None:
                        self._error(404, "EntryNotFound", "not found")
                        return
                    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                    self._send(200, body, {"X-Repo-Commit": repo.sha, "ETag": etag},
                               ctype="text/plain; charset=utf-8")
                    return
                super().do_GET()

        return Handler


@pytest.fixture
def model_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeModelHub]:
    with FakeModelHub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.delenv("HF_HUB_CACHE", raising=False)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        yield server


def _card(name: str) -> bytes:
    return (MODELS / name / "README.md").read_bytes()


def test_fetch_with_ancestors_and_lfs_weights(model_hub: FakeModelHub) -> None:
    gguf = model_hub.add_model("TheBloke/Luna-AI-Llama2-Uncensored-GGUF",
                               _card("TheBloke__Luna-AI-Llama2-Uncensored-GGUF"),
                               {"luna.Q4_K_M.gguf": b"quantized"})
    model_hub.add_model("Tap-M/Luna-AI-Llama2-Uncensored",
                        _card("Tap-M__Luna-AI-Llama2-Uncensored"),
                        {"pytorch_model.bin": b"full"})
    cards = list(fetch_model_cards(["TheBloke/Luna-AI-Llama2-Uncensored-GGUF"],
                                   with_ancestors=True))
    assert [c.model_id for c in cards] == ["TheBloke/Luna-AI-Llama2-Uncensored-GGUF",
                                           "Tap-M/Luna-AI-Llama2-Uncensored"]
    first = cards[0]
    assert first.revision == gguf.sha
    assert first.source == f"{model_hub.url}/TheBloke/Luna-AI-Llama2-Uncensored-GGUF"
    assert [(w.path, w.sha256) for w in first.weights] == [
        ("luna.Q4_K_M.gguf", hashlib.sha256(b"quantized").hexdigest())]


def test_missing_model_is_one_error_and_the_batch_goes_on(model_hub: FakeModelHub) -> None:
    model_hub.add_model("Qwen/Qwen2.5-3B", _card("Qwen__Qwen2.5-3B"), {})
    items = list(fetch_model_cards(["nobody/nothing", "Qwen/Qwen2.5-3B"]))
    assert isinstance(items[0], HubError) and "model not found" in items[0].message
    assert items[1].model_id == "Qwen/Qwen2.5-3B"  # type: ignore[union-attr]


def test_cli_hub_with_ancestors_skips_held_models(model_hub: FakeModelHub, sqlite_reg,
                                                  capsys) -> None:  # type: ignore[no-untyped-def]
    model_hub.add_model("acme/ft", b"---\nlicense: llama3\nbase_model: "
                        b"NousResearch/Meta-Llama-3-8B\n---\n", {"m.safetensors": b"w"})
    model_hub.add_model("NousResearch/Meta-Llama-3-8B", _card("NousResearch__Meta-Llama-3-8B"),
                        {})
    db = sqlite_reg.engine.url.database
    run = run_cli(capsys, "--db", db, "model", "ingest", "--hub", "acme/ft",
                  "--with-ancestors")
    assert run.code == 0, run.err
    assert "models ingested 2" in run.err
    assert sqlite_reg.model_ids() == ["NousResearch/Meta-Llama-3-8B", "acme/ft"]
    model_hub.requests.clear()
    again = run_cli(capsys, "--db", db, "model", "ingest", "--hub", "acme/ft",
                    "--with-ancestors")
    assert "unchanged 1" in again.err
    assert not any("Meta-Llama" in p for _m, p, _a in model_hub.requests)
