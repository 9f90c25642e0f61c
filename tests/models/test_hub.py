"""Model cards from the Hub (register.models.hub) against the local fake Hub
(tests/fake_hub.py: ``GET /api/models/{id}[/revision/{rev}]`` with ``lfs`` sha256 metadata and
``HEAD|GET /{id}/resolve/{rev}/{file}``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from register.errors import CardError, HubError
from register.models.cards import ModelCard
from register.models.hub import fetch_model_cards
from tests.cli_helpers import run_cli
from tests.hub_helpers import FakeHub, FakeRepo, point_at

MODELS = Path(__file__).parents[1] / "fixtures" / "model-cards"


@pytest.fixture
def model_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeHub]:
    with FakeHub() as server:
        yield point_at(server, monkeypatch, tmp_path)


def _card(name: str) -> bytes:
    return (MODELS / name / "README.md").read_bytes()


def test_fetch_with_ancestors_and_lfs_weights(model_hub: FakeHub) -> None:
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


def test_missing_model_is_one_error_and_the_batch_goes_on(model_hub: FakeHub) -> None:
    model_hub.add_model("Qwen/Qwen2.5-3B", _card("Qwen__Qwen2.5-3B"), {})
    items = list(fetch_model_cards(["nobody/nothing", "Qwen/Qwen2.5-3B"]))
    assert isinstance(items[0], HubError) and "model not found" in items[0].message
    assert items[1].model_id == "Qwen/Qwen2.5-3B"  # type: ignore[union-attr]


def test_cli_hub_with_ancestors_skips_held_models(model_hub: FakeHub, sqlite_reg,
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


def test_hub_id_reads_the_readme_by_the_bounded_download_at_the_pinned_sha(
        model_hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    cache = tmp_path / "hf-cache"  # not the machine's cache, which earlier runs may have filled
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    repo = model_hub.add_model("Qwen/Qwen2.5-3B", _card("Qwen__Qwen2.5-3B"),
                               {"model.safetensors": b"w"})
    repo.revisions["v1.0"] = repo.sha
    [card] = list(fetch_model_cards(["Qwen/Qwen2.5-3B"], revision="v1.0"))
    assert isinstance(card, ModelCard), card
    assert card.revision == repo.sha
    assert card.card_sha256 == hashlib.sha256(_card("Qwen__Qwen2.5-3B")).hexdigest()
    # the model's files at the ref, then one streamed GET of the README at the resolved sha,
    # as the sync does: no HEAD for a cache (hf_hub_download's), nothing written to HF_HOME
    assert [(m, p.split("?")[0]) for m, p, _a in model_hub.requests] == [
        ("GET", "/api/models/Qwen/Qwen2.5-3B/revision/v1.0"),
        ("GET", f"/Qwen/Qwen2.5-3B/resolve/{repo.sha}/README.md")]
    assert not cache.exists() or not any(cache.iterdir())


def test_hub_id_errors_are_those_of_the_sync(model_hub: FakeHub) -> None:
    model_hub.add_model("org/big", b"---\nlicense: mit\n---\n" + b"x" * (5 * 1024 * 1024 + 1),
                        {})
    model_hub.models["org/no-card"] = FakeRepo({"config.json": b"{}"})
    model_hub.add_model("org/ok", b"---\nlicense: mit\n---\n", {})
    big, no_card = fetch_model_cards(["org/big", "org/no-card"])
    assert isinstance(big, CardError)
    assert str(big).endswith(f"{model_hub.url}/org/big/README.md: card is over the 5 MB limit")
    assert isinstance(no_card, CardError)
    assert "org/no-card: the model repository has no README.md" in str(no_card)
    [unknown] = fetch_model_cards(["org/ok"], revision="nope")
    assert isinstance(unknown, HubError) and "revision 'nope' not found" in str(unknown)
