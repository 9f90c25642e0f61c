"""The local fake Hugging Face Hub the Hub tests share (http.server on 127.0.0.1, no network).

The fake answers exactly the routes huggingface_hub uses here:
``GET /api/datasets/{id}[/revision/{rev}]``, ``HEAD|GET /datasets/{id}/resolve/{rev}/{file}``
(with ``X-Repo-Commit``, ``ETag`` and ``Content-Length``) and ``GET /api/datasets?search=``.
Errors carry ``X-Error-Code`` as the real Hub does (RepoNotFound, GatedRepo, ...).
Use the ``fake_hub`` fixture (import it into the test module) or ``with FakeHub() as hub``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

__all__ = ["FakeHub", "FakeRepo", "fake_hub"]


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


