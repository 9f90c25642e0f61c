"""Hub ingest (register.cards.hub) against a local fake Hub: http.server on 127.0.0.1, no network.

The fake answers exactly the routes huggingface_hub uses here:
``GET /api/datasets/{id}[/revision/{rev}]``, ``HEAD|GET /datasets/{id}/resolve/{rev}/{file}``
(with ``X-Repo-Commit``, ``ETag`` and ``Content-Length``) and ``GET /api/datasets?search=``.
Errors carry ``X-Error-Code`` as the real Hub does (RepoNotFound, GatedRepo, ...).
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from register.cards import hub
from register.cards.files import CardDocument, parse_card_dir
from register.errors import CardError, HubError

CARDS = Path(__file__).parents[1] / "fixtures" / "cards"


@dataclass
class FakeRepo:
    files: dict[str, bytes]
    sha: str = ""
    gated: bool = False
    card_data: dict | None = None
    revisions: dict[str, str] = field(default_factory=dict)  # name -> sha

    def __post_init__(self) -> None:
        if not self.sha:
            h = hashlib.sha1()
            for name in sorted(self.files):
                h.update(name.encode() + b"\0" + self.files[name])
            self.sha = h.hexdigest()
        self.revisions.setdefault("main", self.sha)
        self.revisions.setdefault(self.sha, self.sha)


class FakeHub:
    """A threaded HTTP server that answers the Hub routes for ``repos`` (id -> FakeRepo)."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, auth header
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    def add_dir(self, dataset_id: str, directory: Path, **kw: object) -> FakeRepo:
        files = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
        repo = FakeRepo(files, **kw)  # type: ignore[arg-type]
        self.repos[dataset_id] = repo
        return repo

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub_ = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes = b"", headers: dict | None = None,
                      ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _error(self, status: int, code: str, message: str) -> None:
                body = json.dumps({"error": message}).encode()
                self._send(status, body, {"X-Error-Code": code, "X-Error-Message": message})

            def do_HEAD(self) -> None:  # noqa: N802
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                query = parse_qs(parts.query)
                hub_.requests.append((self.command, self.path, self.headers.get("authorization")))
                if path == "/api/datasets":
                    term = " ".join(query.get("search", [""])).lower()
                    limit = int(query.get("limit", ["1000"])[0])
                    ids = [i for i in sorted(hub_.repos) if term in i.lower()][:limit]
                    self._send(200, json.dumps([{"id": i} for i in ids]).encode())
                    return
                if path.startswith("/api/datasets/"):
                    rest = path[len("/api/datasets/"):]
                    rev = "main"
                    if "/revision/" in rest:
                        rest, rev = rest.split("/revision/", 1)
                    self._info(rest, rev)
                    return
                if path.startswith("/datasets/") and "/resolve/" in path:
                    repo_id, tail = path[len("/datasets/"):].split("/resolve/", 1)
                    rev, filename = tail.split("/", 1)
                    self._resolve(repo_id, rev, filename)
                    return
                self._error(404, "NotFound", "no such route")

            def _repo(self, repo_id: str) -> FakeRepo | None:
                repo = hub_.repos.get(repo_id)
                if repo is None:
                    self._error(404, "RepoNotFound", "Repository not found")
                    return None
                if repo.gated and not self.headers.get("authorization"):
                    self._error(401, "GatedRepo", "Access to this dataset is restricted")
                    return None
                return repo

            def _info(self, repo_id: str, rev: str) -> None:
                repo = self._repo(repo_id)
                if repo is None:
                    return
                sha = repo.revisions.get(rev)
                if sha is None:
                    self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                    return
                info = {
                    "_id": "x", "id": repo_id, "sha": sha, "private": False,
                    "gated": "auto" if repo.gated else False, "disabled": False,
                    "lastModified": "2024-05-01T12:00:00.000Z", "tags": [],
                    "siblings": [{"rfilename": n, "size": len(b)}
                                 for n, b in sorted(repo.files.items())],
                }
                if repo.card_data is not None:
                    info["cardData"] = repo.card_data
                self._send(200, json.dumps(info).encode())

            def _resolve(self, repo_id: str, rev: str, filename: str) -> None:
                repo = self._repo(repo_id)
                if repo is None:
                    return
                sha = repo.revisions.get(rev)
                if sha is None:
                    self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                    return
                body = repo.files.get(filename)
                if body is None:
                    self._error(404, "EntryNotFound", f"{filename} does not exist")
                    return
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                self._send(200, body, {"X-Repo-Commit": sha, "ETag": etag},
                           ctype="text/plain; charset=utf-8")

        return Handler


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeHub]:
    with FakeHub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.delenv("HF_HUB_CACHE", raising=False)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        yield server


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
    # the cache went to the temporary HF_HOME
    assert list((Path(hub._cache_dir(None) or "")).glob("datasets--nyu--squad_v2"))


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


def test_oversized_card_refused_before_download(fake_hub: FakeHub) -> None:
    fake_hub.repos["big"] = FakeRepo({"README.md": b"---\nlicense: mit\n---\n" +
                                      b"x" * (5 * 1024 * 1024 + 1)})
    [err] = list(hub.fetch_cards(["big"]))
    assert isinstance(err, CardError) and "5 MB" in str(err)
    assert not any("/resolve/" in p for _m, p, _a in fake_hub.requests)


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
