"""Hub ingest (register.cards.hub) against a local fake Hub: http.server on 127.0.0.1, no network.

The fake answers exactly the routes huggingface_hub uses here:
``GET /api/datasets/{id}[/revision/{rev}]``, ``HEAD|GET /datasets/{id}/resolve/{rev}/{file}``
(with ``X-Repo-Commit``, ``ETag`` and ``Content-Length``) and ``GET /api/datasets?search=``.
Errors carry ``X-Error-Code`` as the real Hub does (RepoNotFound, GatedRepo, ...).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from register.cards import hub
from register.cards.files import CardDocument, parse_card_dir
from register.errors import CardError, HubError
from tests.hub_helpers import FakeHub, FakeRepo

CARDS = Path(__file__).parents[1] / "fixtures" / "cards"


def test_fetch_records_sha_source_and_same_fields_as_local(fake_hub: FakeHub) -> None:
    repo = fake_hub.add_dir("nyu/squad_v2", CARDS / "squad_v2",
                            card_data={"license": ["cc-by-sa-4.0"]})
    [doc] = list(hub.fetch_cards(["nyu/squad_v2"]))
    assert isinstance(doc, CardDocument), doc
    assert doc.revision == repo.sha
    assert doc.source == f"{fake_hub.url}/datasets/nyu/squad_v2"
    local = parse_card_dir(CARDS / "squad_v2", "nyu/squad_v2")
    # same bytes => same checksum, raw license and metadata as a local ingest
    assert doc.card_sha256 == local.card_sha256
    assert doc.raw_license == local.raw_license
    assert doc.raw_license["license"] == ["cc-by-sa-4.0"]
    assert doc.metadata["hub"]["card_data_license"] == {"license": ["cc-by-sa-4.0"]}
    assert doc.metadata["hub"]["last_modified"].startswith("2024-05-01")
    assert {k: v for k, v in doc.metadata.items() if k != "hub"} == local.metadata
    assert not any("cardData" in w for w in doc.warnings)
    # one dataset_info without file metadata (no sizes asked for), then the files at the sha
    paths = [p for _m, p, _a in fake_hub.requests]
    assert paths[0] == "/api/datasets/nyu/squad_v2"
    assert paths[1:] == [f"/datasets/nyu/squad_v2/resolve/{repo.sha}/README.md",
                         f"/datasets/nyu/squad_v2/resolve/{repo.sha}/dataset_infos.json"]


def test_fetch_pins_revision_and_uses_revision_route(fake_hub: FakeHub) -> None:
    repo = fake_hub.add_dir("beans", CARDS / "beans")
    repo.revisions["v1.0"] = repo.sha
    [doc] = list(hub.fetch_cards(["beans"], revision="v1.0"))
    assert isinstance(doc, CardDocument)
    assert doc.revision == repo.sha
    paths = [p for _m, p, _a in fake_hub.requests]
    assert any(p.startswith("/api/datasets/beans/revision/v1.0") for p in paths)
    # files are downloaded at the resolved sha, not at the moving ref
    assert any(f"/resolve/{repo.sha}/README.md" in p for p in paths)


def test_card_without_infos_and_disagreeing_card_data(fake_hub: FakeHub) -> None:
    fake_hub.add_dir("json", CARDS / "json", card_data={"license": "mit"})
    [doc] = list(hub.fetch_cards(["json"]))
    assert isinstance(doc, CardDocument)
    assert doc.raw_license["infos_license"] == []
    assert any("cardData license fields differ" in w for w in doc.warnings)


def test_errors_are_yielded_per_dataset_and_batch_goes_on(fake_hub: FakeHub) -> None:
    fake_hub.add_dir("beans", CARDS / "beans")
    fake_hub.add_dir("org/gated", CARDS / "cedr", gated=True)
    fake_hub.repos["org/no-card"] = FakeRepo({"data.csv": b"a,b\n"})
    out = list(hub.fetch_cards(["missing/repo", "org/gated", "org/no-card", "../evil",
                                "beans"]))
    assert len(out) == 5
    missing, gated, no_card, evil, beans = out
    assert isinstance(missing, HubError) and "not found" in str(missing)
    assert isinstance(gated, HubError) and "gated" in str(gated)
    assert isinstance(no_card, CardError) and "no README.md" in str(no_card)
    assert isinstance(evil, CardError) and "'..'" in str(evil)
    assert isinstance(beans, CardDocument)
    for err in (missing, gated, no_card, evil):
        assert "\n" not in str(err)


def test_unknown_revision(fake_hub: FakeHub) -> None:
    fake_hub.add_dir("beans", CARDS / "beans")
    [err] = list(hub.fetch_cards(["beans"], revision="nope"))
    assert isinstance(err, HubError)
    assert "revision 'nope' not found" in str(err)


def test_token_from_env_is_sent_and_opens_gated(fake_hub: FakeHub,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fake_hub.add_dir("org/gated", CARDS / "cedr", gated=True)
    monkeypatch.setenv("HF_TOKEN", "hf_testtoken")
    [doc] = list(hub.fetch_cards(["org/gated"]))
    assert isinstance(doc, CardDocument)
    assert doc.metadata["hub"]["gated"] == "auto"
    assert all(a == "Bearer hf_testtoken" for _m, _p, a in fake_hub.requests)


def test_explicit_endpoint_wins_over_env(fake_hub: FakeHub,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fake_hub.add_dir("beans", CARDS / "beans")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    [doc] = list(hub.fetch_cards(["beans"], endpoint=fake_hub.url + "/"))
    assert isinstance(doc, CardDocument)
    assert doc.source == f"{fake_hub.url}/datasets/beans"


def test_oversized_card_refused_while_downloading(fake_hub: FakeHub) -> None:
    fake_hub.repos["big"] = FakeRepo({"README.md": b"---\nlicense: mit\n---\n" +
                                      b"x" * (5 * 1024 * 1024 + 1)})
    [err] = list(hub.fetch_cards(["big"]))
    assert isinstance(err, CardError)
    assert str(err).endswith("/datasets/big/README.md: card is over the 5 MB limit")


def test_download_is_bounded_as_it_streams(fake_hub: FakeHub) -> None:
    fake_hub.repos["org/d"] = FakeRepo({"README.md": b"x" * 1000})
    args = ("org/d", "README.md", "main")
    rest = (fake_hub.url, hub.hub_headers(None))
    assert hub.download(*args, 1000, "card", *rest) == b"x" * 1000
    with pytest.raises(CardError, match="card is over the 0 MB limit"):
        hub.download(*args, 999, "card", *rest)
    assert hub.download("org/d", "nope.json", "main", 10, "infos file", *rest) is None
    with pytest.raises(HubError, match="not found"):
        hub.download("org/missing", "README.md", "main", 10, "card", *rest)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_hub_raises_one_line_hub_error(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(HubError) as info:
        list(hub.fetch_cards(["beans", "squad"]))
    assert "cannot reach" in str(info.value)
    assert "\n" not in str(info.value)
    # search goes through huggingface_hub's retry loop; skip its back-off sleeps
    import huggingface_hub.utils._http as hf_http

    monkeypatch.setattr(hf_http.time, "sleep", lambda _s: None)
    with pytest.raises(HubError) as info:
        hub.search("beans", 5)
    assert "cannot reach" in str(info.value)


def test_search(fake_hub: FakeHub) -> None:
    for name in ("squad_v2", "beans", "cedr"):
        fake_hub.add_dir(f"org/{name}", CARDS / name)
    assert hub.search("squad", 10) == ["org/squad_v2"]
    assert hub.search("org", 2) == ["org/beans", "org/cedr"]
    assert hub.search("org", 0) == []
