"""A local fake Hugging Face Hub (http.server on 127.0.0.1, no network), for tests and benchmarks.

It answers the routes huggingface_hub calls here:

* ``GET /api/datasets`` with ``search``, ``limit``, ``expand`` (or ``expand[]``) and ``full``,
  paged by an opaque ``cursor`` announced in a ``Link: <...>; rel="next"`` header as the real
  Hub does (``page_size`` items a page);
* ``GET /api/datasets/{id}[/revision/{rev}]`` (what ``dataset_info`` reads);
* ``HEAD|GET /datasets/{id}/resolve/{rev}/{file}`` (with ``X-Repo-Commit``, ``ETag`` and
  ``Content-Length``);
* the same for models: ``GET /api/models`` (paged alike), ``GET /api/models/{id}[/revision/
  {rev}]`` (what ``model_info`` reads; with ``blobs``, the LFS ``sha256`` of each file but the
  README) and ``HEAD|GET /{id}/resolve/{rev}/{file}``.

Errors carry ``X-Error-Code`` as the real Hub does (RepoNotFound, GatedRepo, ...).

Besides explicit repositories (``repos``: id -> :class:`FakeRepo`) it can serve ``synthetic``
datasets generated on demand: ``synth/ds-0000000`` ... with the real cards of
``tests/fixtures/cards`` (one marker line added so each card is distinct), a sha that changes
when :meth:`FakeHub.bump` is called, and nothing held per dataset, so 500,000 cost no memory.
Models alike: explicit ones in ``models`` (:meth:`FakeHub.add_model`), ``synthetic_models``
``synth/model-0000000`` ... with the cards of ``tests/fixtures/model-cards`` and one weight
file each.

``latency`` seconds are slept before every answer; with ``rate_limit_every=k`` every k-th
request is answered ``429`` with ``Retry-After: retry_after``.  ``requests`` records
(method, path, authorization) of every request.  ``python -m tests.fake_hub --n 500000``
serves one from the command line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

__all__ = ["CARDS", "MODEL_CARDS", "FakeHub", "FakeRepo", "SyntheticRepos"]

CARDS = Path(__file__).parent / "fixtures" / "cards"
MODEL_CARDS = Path(__file__).parent / "fixtures" / "model-cards"
LAST_MODIFIED = "2024-05-01T12:00:00.000Z"
# what ``expand`` may ask for (the rest of the real Hub's list is answered as absent)
_EXPANDABLE = ("sha", "lastModified", "gated", "private", "disabled", "downloads", "likes",
               "cardData", "siblings", "tags")


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


class SyntheticRepos:
    """``n`` datasets (or models: ``prefix`` ``synth/model-``, a weight file each) made on
    demand from the real cards in ``cards`` (deterministic)."""

    PREFIX = "synth/ds-"

    def __init__(self, n: int, cards: Path = CARDS, prefix: str = PREFIX,
                 weights: bool = False) -> None:
        self.n = n
        self.prefix = prefix
        self.weights = weights
        self.templates = [
            {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}
            for d in sorted(cards.iterdir()) if (d / "README.md").is_file()
        ]
        self.generation: dict[int, int] = {}  # index -> commits since the first
        self.card_generation: dict[int, int] = {}  # index -> commits that changed the card
        self.lock = threading.Lock()

    def repo_id(self, i: int) -> str:
        return f"{self.prefix}{i:07d}"

    def index(self, repo_id: str) -> int | None:
        if not repo_id.startswith(self.prefix):
            return None
        tail = repo_id[len(self.prefix):]
        if len(tail) != 7 or not tail.isdigit() or int(tail) >= self.n:
            return None
        return int(tail)

    def sha(self, i: int) -> str:
        return hashlib.sha1(f"{i}:{self.generation.get(i, 0)}".encode()).hexdigest()

    def bump(self, i: int, *, card: bool = True) -> None:
        """A new commit of dataset ``i``; ``card=False``: the card stays the same bytes."""
        with self.lock:
            self.generation[i] = self.generation.get(i, 0) + 1
            if card:
                self.card_generation[i] = self.card_generation.get(i, 0) + 1

    def repo(self, i: int) -> FakeRepo:
        files = dict(self.templates[i % len(self.templates)])
        marker = f"\n<!-- {self.repo_id(i)} card {self.card_generation.get(i, 0)} -->\n"
        files["README.md"] = files["README.md"] + marker.encode()
        if self.weights:
            files["model.safetensors"] = f"weights of {self.repo_id(i)}".encode()
        return FakeRepo(files, sha=self.sha(i))


class FakeHub:
    """A threaded HTTP server answering the Hub routes for ``repos`` (and ``synthetic``)."""

    def __init__(self, *, synthetic: int = 0, latency: float = 0.0, page_size: int = 1000,
                 rate_limit_every: int = 0, retry_after: int = 0, port: int = 0,
                 synthetic_models: int = 0) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.models: dict[str, FakeRepo] = {}
        self.synthetic = SyntheticRepos(synthetic) if synthetic else None
        self.synthetic_models = (SyntheticRepos(synthetic_models, MODEL_CARDS,
                                                "synth/model-", weights=True)
                                 if synthetic_models else None)
        self.latency = latency
        self.page_size = page_size
        self.rate_limit_every = rate_limit_every
        self.retry_after = retry_after
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, auth header
        self.rate_limited = 0
        self._count = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    def add_dir(self, dataset_id: str, directory: Path, **kw: Any) -> FakeRepo:
        files = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
        repo = FakeRepo(files, **kw)
        self.repos[dataset_id] = repo
        return repo

    def add_model(self, model_id: str, readme: bytes, weights: dict[str, bytes]) -> FakeRepo:
        repo = FakeRepo({"README.md": readme, **weights})
        self.models[model_id] = repo
        return repo

    def bump(self, i: int, *, card: bool = True, kind: str = "dataset") -> None:
        synth = self._synth(kind)
        assert synth is not None
        synth.bump(i, card=card)

    def listing_requests(self, kind: str = "dataset") -> int:
        return sum(1 for m, p, _a in self.requests if m == "GET"
                   and urlsplit(p).path == f"/api/{kind}s")

    def downloads(self) -> list[str]:
        return [unquote(urlsplit(p).path) for m, p, _a in self.requests
                if m == "GET" and "/resolve/" in p]

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- data -------------------------------------------------------------------------------
    def _explicit(self, kind: str) -> dict[str, FakeRepo]:
        return self.models if kind == "model" else self.repos

    def _synth(self, kind: str) -> SyntheticRepos | None:
        return self.synthetic_models if kind == "model" else self.synthetic

    def lookup(self, repo_id: str, kind: str = "dataset") -> FakeRepo | None:
        repo = self._explicit(kind).get(repo_id)
        synth = self._synth(kind)
        if repo is None and synth is not None:
            i = synth.index(repo_id)
            if i is not None:
                repo = synth.repo(i)
        return repo

    def _ids(self, term: str, start: int, kind: str) -> Iterator[str]:
        """The ids matching ``term`` from the ``start``-th on (explicit ones first)."""
        explicit = [i for i in sorted(self._explicit(kind)) if term in i.lower()]
        yield from explicit[start:]
        start = max(0, start - len(explicit))
        synth = self._synth(kind)
        if synth is None:
            return
        if term in synth.prefix:  # every synthetic id matches: jump to the start
            for i in range(start, synth.n):
                yield synth.repo_id(i)
            return
        matching = (r for i in range(synth.n) if term in (r := synth.repo_id(i)))
        for n, repo_id in enumerate(matching):
            if n >= start:
                yield repo_id

    def _item(self, repo_id: str, fields: set[str], kind: str) -> dict[str, Any]:
        item: dict[str, Any] = {"_id": hashlib.md5(repo_id.encode()).hexdigest()[:24],
                                "id": repo_id}
        if not fields:
            return item
        synth = self._synth(kind)
        if synth is not None and (i := synth.index(repo_id)) is not None:
            # the listing of a synthetic repository needs no files unless they are asked for
            sha, gated, card_data, repo = synth.sha(i), False, None, None
            if fields & {"siblings", "cardData"}:
                repo = synth.repo(i)
        else:
            repo = self._explicit(kind)[repo_id]
            sha, gated, card_data = repo.sha, repo.gated, repo.card_data
        values: dict[str, Any] = {
            "sha": sha, "lastModified": LAST_MODIFIED, "gated": "auto" if gated else False,
            "private": False, "disabled": False, "downloads": 0, "likes": 0, "tags": [],
        }
        for name in fields & set(values):
            item[name] = values[name]
        if "cardData" in fields and card_data is not None:
            item["cardData"] = card_data
        if "siblings" in fields and repo is not None:
            item["siblings"] = [{"rfilename": n} for n in sorted(repo.files)]
        return item

    def _page(self, query: dict[str, list[str]], kind: str = "dataset",
              ) -> tuple[list[dict[str, Any]], str | None]:
        term = " ".join(query.get("search", [""])).lower()
        limit = int(query.get("limit", [str(self.page_size)])[0])
        size = max(1, min(limit, self.page_size))
        start = 0
        if "cursor" in query:
            start = json.loads(base64.urlsafe_b64decode(query["cursor"][0]))["offset"]
        if query.get("full", ["false"])[0].lower() in ("true", "1"):
            fields = set(_EXPANDABLE)
        else:
            fields = set(query.get("expand", []) + query.get("expand[]", [])) & set(_EXPANDABLE)
        items, more = [], False
        for repo_id in self._ids(term, start, kind):
            if len(items) == size:
                more = True
                break
            items.append(self._item(repo_id, fields, kind))
        if not more:
            return items, None
        cursor = base64.urlsafe_b64encode(json.dumps({"offset": start + size}).encode())
        rest = {k: v for k, v in query.items() if k != "cursor"}
        rest["cursor"] = [cursor.decode()]
        return items, f"{self.url}/api/{kind}s?{urlencode(rest, doseq=True)}"

    # -- HTTP -------------------------------------------------------------------------------
    def _throttle(self) -> bool:
        """Sleep the latency; True when this request is to be answered 429."""
        with self._lock:
            self._count += 1
            limited = bool(self.rate_limit_every) and self._count % self.rate_limit_every == 0
            if limited:
                self.rate_limited += 1
        if self.latency:
            time.sleep(self.latency)
        return limited

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub_ = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real Hub
            # headers and body go out in two writes: without TCP_NODELAY the body waits
            # for the client's delayed ACK (~40 ms a request on Linux)
            disable_nagle_algorithm = True

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

            def _error(self, status: int, code: str, message: str,
                       headers: dict | None = None) -> None:
                body = json.dumps({"error": message}).encode()
                self._send(status, body, {"X-Error-Code": code, "X-Error-Message": message,
                                          **(headers or {})})

            def do_HEAD(self) -> None:  # noqa: N802
                self.do_GET()

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                path = unquote(parts.path)
                query = parse_qs(parts.query)
                hub_.requests.append((self.command, self.path, self.headers.get("authorization")))
                if hub_._throttle():
                    self._error(429, "RateLimited", "Too many requests",
                                {"Retry-After": str(hub_.retry_after)})
                    return
                for kind in ("dataset", "model"):
                    if path == f"/api/{kind}s":
                        items, next_url = hub_._page(query, kind)
                        headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
                        self._send(200, json.dumps(items).encode(), headers)
                        return
                    if path.startswith(f"/api/{kind}s/"):
                        rest = path[len(f"/api/{kind}s/"):]
                        rev = "main"
                        if "/revision/" in rest:
                            rest, rev = rest.split("/revision/", 1)
                        self._info(rest, rev, kind, blobs="blobs" in query)
                        return
                if "/resolve/" in path and not path.startswith("/api/"):
                    kind = "dataset" if path.startswith("/datasets/") else "model"
                    tail = path[len("/datasets/"):] if kind == "dataset" else path[1:]
                    repo_id, tail = tail.split("/resolve/", 1)
                    rev, filename = tail.split("/", 1)
                    self._resolve(repo_id, rev, filename, kind)
                    return
                self._error(404, "NotFound", "no such route")

            def _repo(self, repo_id: str, kind: str) -> FakeRepo | None:
                repo = hub_.lookup(repo_id, kind)
                if repo is None:
                    self._error(404, "RepoNotFound", "Repository not found")
                    return None
                if repo.gated and not self.headers.get("authorization"):
                    self._error(401, "GatedRepo", f"Access to this {kind} is restricted")
                    return None
                return repo

            def _at(self, repo_id: str, rev: str, kind: str) -> tuple[FakeRepo, str] | None:
                """The repository and the sha ``rev`` names (None: answered with an error)."""
                repo = self._repo(repo_id, kind)
                sha = repo.revisions.get(rev) if repo is not None else None
                if repo is not None and sha is None:
                    self._error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
                return (repo, sha) if repo is not None and sha is not None else None

            def _info(self, repo_id: str, rev: str, kind: str, *, blobs: bool) -> None:
                found = self._at(repo_id, rev, kind)
                if found is None:
                    return
                repo, sha = found
                info = {
                    "_id": "x", "id": repo_id, "sha": sha, "private": False,
                    "gated": "auto" if repo.gated else False, "disabled": False,
                    "lastModified": LAST_MODIFIED, "tags": [],
                    "siblings": [self._sibling(n, b, blobs) for n, b in sorted(repo.files.items())],
                }
                if kind == "model":
                    info["modelId"] = repo_id
                if repo.card_data is not None:
                    info["cardData"] = repo.card_data
                self._send(200, json.dumps(info).encode())

            @staticmethod
            def _sibling(name: str, body: bytes, blobs: bool) -> dict[str, Any]:
                """A file of ``model_info`` / ``dataset_info``; ``blobs``: with LFS metadata
                (every file but the README stands for an LFS file here)."""
                item: dict[str, Any] = {"rfilename": name, "size": len(body)}
                if blobs and name != "README.md":
                    item["lfs"] = {"size": len(body), "pointerSize": 134,
                                   "sha256": hashlib.sha256(body).hexdigest()}
                return item

            def _resolve(self, repo_id: str, rev: str, filename: str, kind: str) -> None:
                found = self._at(repo_id, rev, kind)
                if found is None:
                    return
                repo, sha = found
                body = repo.files.get(filename)
                if body is None:
                    self._error(404, "EntryNotFound", f"{filename} does not exist",
                                {"X-Repo-Commit": sha})
                    return
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                self._send(200, body, {"X-Repo-Commit": sha, "ETag": etag},
                           ctype="text/plain; charset=utf-8")

        return Handler


def main() -> None:  # pragma: no cover - a manual tool
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="synthetic datasets")
    ap.add_argument("--models", type=int, default=0, help="synthetic models")
    ap.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rate-limit-every", type=int, default=0)
    ap.add_argument("--retry-after", type=int, default=0)
    args = ap.parse_args()
    hub = FakeHub(synthetic=args.n, latency=args.latency, page_size=args.page_size,
                  rate_limit_every=args.rate_limit_every, retry_after=args.retry_after,
                  port=args.port, synthetic_models=args.models)
    print(hub.url, flush=True)
    hub.server.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
