"""Syncing the register with the Hugging Face Hub's dataset or model listing
(``ingest --hub-all``, ``model ingest --hub-all``): :func:`sync_hub` with ``kind``
"dataset" or "model" (:class:`HubKind`: what differs is the listing call, the register's
revisions, how one card is fetched and how a batch is written).

The listing is read in bulk, page after page (``HfApi.list_datasets(expand=[...])``: the Hub
pages it with a ``Link: <...>; rel="next"`` cursor, one request for ``page_size`` datasets,
and the pages are consumed as they come, so the full listing is never held).  For each page
the register is asked once for the revisions it holds; a dataset listed at the sha the register
already holds is skipped without a request.  The others (new, or a new sha) have their
``README.md`` (and ``dataset_infos.json`` / ``dataset_info.json`` when present) downloaded at
the listed sha by ``jobs`` threads, each download bounded as it streams
(:func:`register.cards.hub.download`: no per-repository ``dataset_info`` call to learn
sizes).  A model (``list_models``) has its file metadata read first, one request, for its
weights' sha256 (:func:`register.models.hub.fetch_listed_model`), then its ``README.md``.
Parsed cards go through a bounded queue to the single writer (the calling thread),
which commits them in batches, one transaction each
(:func:`register.cards.ingest.ingest_documents`,
:func:`register.models.service.ingest_model_cards`).

Rate limits: huggingface_hub's ``http_backoff`` retries ``429`` answers after the
``Retry-After`` the Hub sends (and 5xx / network errors with exponential back-off); what still
fails is one line (the listing: raised, once the batches already fetched are written; one
dataset: counted as failed and the sync goes on).

Resumable: every committed batch holds the cards at their listed sha (an unchanged card at a new
sha records the new revision, see :func:`register.store.decisions.write_ingest_batch`), so a
sync killed at any point and run again skips what was written and fetches the rest.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from register.cards import hub
from register.cards.files import CardDocument, validate_dataset_id
from register.cards.ingest import IngestSummary, ingest_documents
from register.errors import RegisterError, UsageError
from register.store import model_queries, queries
from register.store.engine import read_connection

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from register.licenses.catalog import KnowledgeBase

__all__ = ["DEFAULT_JOBS", "LIST_EXPAND", "MAX_JOBS", "HubKind", "SyncSummary", "hub_kind",
           "sync_datasets", "sync_hub", "sync_models"]

DEFAULT_JOBS = 8
MAX_JOBS = 16
PAGE_SIZE = 1000  # datasets a listing page (the Hub's largest)
BATCH_SIZE = 100  # cards a write transaction (a kill loses at most this much fetching)
#: what the listing asks for (datasets and models alike): enough to compare shas and to
#: record the Hub's gating, and light (no cardData, no siblings): a no-change sync reads
#: ~150 bytes a repository
LIST_EXPAND = ["sha", "lastModified", "gated", "private", "disabled"]
_TIMEOUT = 30.0
_DONE = object()


@dataclass(frozen=True)
class HubKind:
    """What a sync of one kind of repository needs."""

    name: str  # "dataset" or "model"
    list_method: str  # the HfApi listing: list_datasets / list_models
    held: Callable[[Connection, list[str]], dict[str, str | None]]  # id -> held revision
    fetch: Callable[[Any, str, dict[str, str]], Any]  # (listed info, endpoint, headers)
    write: Callable[..., Any]  # (engine, stream, actor=, batch_size=, progress=, kb=)
    card: type  # what ``fetch`` returns (counted as fetched)


def hub_kind(name: str) -> HubKind:
    """The :class:`HubKind` ``name`` ("dataset" or "model")."""
    if name == "dataset":
        return HubKind("dataset", "list_datasets", queries.revisions, fetch_listed,
                       ingest_documents, CardDocument)
    if name == "model":
        from register.models.cards import ModelCard
        from register.models.hub import fetch_listed_model
        from register.models.service import ingest_model_cards

        return HubKind("model", "list_models", model_queries.model_revisions,
                       fetch_listed_model, ingest_model_cards, ModelCard)
    raise UsageError(f"no Hub sync for {name!r} repositories (dataset or model)")


@dataclass
class SyncSummary(IngestSummary):
    listed: int = 0  # datasets the listing gave
    same_sha: int = 0  # skipped: the register holds them at the listed sha
    fetched: int = 0  # cards downloaded (new or new sha)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"hub: listed {self.listed}, same sha {self.same_sha}, fetched {self.fetched} "
                f"in {self.seconds:.1f} s")


def sync_datasets(engine: Engine, **kw: Any) -> SyncSummary:
    """:func:`sync_hub` of the Hub's datasets."""
    return sync_hub(engine, "dataset", **kw)


def sync_models(engine: Engine, **kw: Any) -> SyncSummary:
    """:func:`sync_hub` of the Hub's models."""
    return sync_hub(engine, "model", **kw)


def sync_hub(
    engine: Engine,
    kind: str = "dataset",
    *,
    actor: str,
    search: str | None = None,
    limit: int | None = None,
    jobs: int = DEFAULT_JOBS,
    endpoint: str | None = None,
    token: str | None = None,
    page_size: int = PAGE_SIZE,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    kb: KnowledgeBase | None = None,
) -> SyncSummary:
    """List the Hub's ``kind`` repositories ("dataset" or "model"; those matching
    ``search``, at most ``limit``; default: all) and ingest the cards that are new or at a
    new sha; see the module docstring.

    ``progress(n)`` is called as repositories are done (skipped or written).  Raises
    :class:`HubError` when the listing fails (after writing what was fetched)."""
    what = hub_kind(kind)
    if not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"--jobs must be from 1 to {MAX_JOBS}, not {jobs}", param="--jobs")
    if limit is not None and limit < 0:
        raise UsageError(f"--limit must be 0 or more, not {limit}", param="--limit")
    started = time.monotonic()
    ep = hub.hub_endpoint(endpoint)
    tok = hub.resolve_token(token)
    api = hub.hub_api(ep, tok)
    headers = hub.hub_headers(tok)
    summary = SyncSummary()
    stop = threading.Event()
    # bounded memory: at most ``maxsize`` results wait for the writer and ``2 * jobs``
    # fetches are in flight or done-but-not-queued; the lister holds one page
    results: queue.Queue[Any] = queue.Queue(maxsize=2 * batch_size)
    slots = threading.Semaphore(2 * jobs)
    failure: list[BaseException] = []

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                results.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def fetch(info: Any) -> None:
        try:
            if stop.is_set():
                return
            try:
                item: Any = what.fetch(info, ep, headers)
            except hub.HubUnreachable as exc:
                item = hub.unreachable(ep, exc)
            except RegisterError as exc:
                item = exc
            put(item)
        finally:
            slots.release()

    def lister() -> None:
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="hub-fetch")
        try:
            listing = getattr(api, what.list_method)(search=search or None, limit=limit,
                                                     expand=LIST_EXPAND)
            while not stop.is_set():
                page = hub.hub_call(lambda: list(islice(listing, page_size)),
                                    f"the Hub's {what.name} listing", None)
                if not page:
                    break
                with read_connection(engine) as conn:
                    held = what.held(conn, [d.id for d in page])
                same = 0
                for info in page:
                    if info.sha and held.get(info.id) == info.sha:
                        same += 1
                        continue
                    while not slots.acquire(timeout=0.1):
                        if stop.is_set():
                            return
                    pool.submit(fetch, info)
                put(("listed", len(page), same))
        except hub.HubUnreachable as exc:
            failure.append(hub.unreachable(ep, exc))
        except BaseException as exc:  # handed to the writer's thread, raised there
            failure.append(exc)
        finally:
            pool.shutdown(wait=True, cancel_futures=stop.is_set())
            put(_DONE)

    def stream() -> Iterator[Any]:
        while True:
            item = results.get()
            if item is _DONE:
                return
            if isinstance(item, tuple):
                _tag, listed, same = item
                summary.listed += listed
                summary.same_sha += same
                if progress and same:
                    progress(same)
                continue
            if isinstance(item, what.card):
                summary.fetched += 1
            yield item

    thread = threading.Thread(target=lister, name="hub-lister", daemon=True)
    thread.start()
    try:
        part = what.write(engine, stream(), actor=actor, batch_size=batch_size,
                          progress=progress, kb=kb)
    finally:
        stop.set()
        thread.join(timeout=_TIMEOUT)
    for name in ("ingested", "updated", "unchanged", "revised", "failed", "license_changes",
                 "hints"):
        setattr(summary, name, getattr(part, name))
    summary.seconds = time.monotonic() - started
    if failure:
        raise failure[0]
    return summary


def fetch_listed(info: Any, endpoint: str, headers: dict[str, str]) -> CardDocument:
    """The card of a listed dataset at its listed sha (``info``: a listing ``DatasetInfo``).

    Raises :class:`CardError` / :class:`HubError` for this dataset, :class:`HubUnreachable`
    when the Hub cannot be reached."""
    validate_dataset_id(info.id, path=info.id)
    return hub.with_hub_metadata(
        hub.card_at(info.id, info.sha or "main", endpoint, headers, revision=info.sha), info)
