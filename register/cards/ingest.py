"""Bulk ingest of parsed dataset cards into the store.

Cards arrive as :class:`register.cards.files.CardDocument` (from files, directories or the Hub).
They are written in batches; each batch is one transaction, so a killed process leaves only
whole batches and re-running the same command finishes the work without duplicates
(unchanged cards are recognised by their SHA-256 and skipped).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.errors import CardError, RegisterError
from register.store import decisions
from register.store.engine import run_write

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from register.cards.files import CardDocument, Found
    from register.licenses.catalog import KnowledgeBase


@dataclass
class IngestSummary:
    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    revised: int = 0  # of the unchanged: the same card seen at a new revision
    failed: list[str] = field(default_factory=list)
    license_changes: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)  # distinct hints of the failures

    @property
    def total(self) -> int:
        return self.ingested + self.updated + self.unchanged + len(self.failed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested, "updated": self.updated, "unchanged": self.unchanged,
            "failed": len(self.failed), "errors": list(self.failed),
            "license_changes": [
                {"id": i, "from": a, "to": b} for i, a, b in self.license_changes
            ],
        }


_GC_THRESHOLD = 20_000  # first-generation threshold during an ingest (default 700)


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def ingest_documents(
    engine: Engine,
    items: Iterable[CardDocument | RegisterError | Unchanged],
    *,
    actor: str,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    kb: KnowledgeBase | None = None,
) -> IngestSummary:
    """Write documents (and count errors passed through the stream) in batches; licenses
    are normalized with ``kb`` (default: the built-in knowledge base).

    Objects that exist before the ingest (modules, the knowledge base) are frozen out of
    the cyclic garbage collector for its duration: parsing allocates many short-lived
    objects and every full collection would otherwise walk all of them again."""
    freeze = gc.isenabled() and gc.get_freeze_count() == 0
    threshold = gc.get_threshold()
    if freeze:
        gc.freeze()
        # Parsing a card allocates a few hundred containers (YAML nodes, dicts) that live
        # until the card is done, so the default first-generation threshold (700) runs a
        # collection every card or two for almost no garbage (parsing makes no cycles).
        # A larger threshold still collects any cycle within a bounded number of objects.
        gc.set_threshold(max(threshold[0], _GC_THRESHOLD), *threshold[1:])
    try:
        return _ingest_documents(engine, items, actor=actor, batch_size=batch_size,
                                 progress=progress, kb=kb)
    finally:
        if freeze:
            gc.set_threshold(*threshold)
            gc.unfreeze()


def _ingest_documents(
    engine: Engine,
    items: Iterable[CardDocument | RegisterError | Unchanged],
    *,
    actor: str,
    batch_size: int,
    progress: Callable[[int], None] | None,
    kb: KnowledgeBase | None = None,
) -> IngestSummary:
    summary = IngestSummary()
    normalize = card_normalizer(kb=kb)
    for batch in _batched(items, batch_size):
        docs: dict[str, CardDocument] = {}
        for item in batch:
            if isinstance(item, Unchanged):
                summary.unchanged += 1
            elif isinstance(item, RegisterError):
                summary.failed.append(str(item))
                if item.hint and item.hint not in summary.hints:
                    summary.hints.append(item.hint)
            else:
                if item.dataset_id in docs:  # same id twice in one batch: last one wins
                    summary.unchanged += 1
                docs[item.dataset_id] = item
        if docs:
            part = run_write(engine, partial(decisions.write_ingest_batch,
                                             docs=list(docs.values()), actor=actor,
                                             normalize=normalize))
            summary.ingested += part.ingested
            summary.updated += part.updated
            summary.unchanged += part.unchanged
            summary.revised += part.revised
            summary.license_changes.extend(part.license_changes)
        if progress:
            progress(len(batch))
    return summary


def card_normalizer(cache_size: int = 4096,
                    kb: KnowledgeBase | None = None) -> Callable[[Any, str], Any]:
    """``normalize(raw_license, raw_json)``: the declared license of a card's license
    fields under ``kb``, cached by their JSON (many cards repeat the same fields: normalize
    once)."""
    from register.licenses.normalize import normalize_card_license

    cache: dict[str, Any] = {}

    def normalize(raw_license: Any, raw_json: str) -> Any:
        norm = cache.get(raw_json)
        if norm is None:
            norm = without_nul(normalize_card_license(raw_license, kb=kb))
            if len(cache) >= cache_size:
                cache.clear()
            cache[raw_json] = norm
        return norm

    return normalize


def without_nul(norm: Any) -> Any:
    """PostgreSQL text cannot hold NUL: a card quoting one must not fail its whole batch."""
    fields = {k: v.replace("\0", "\ufffd") for k in ("expression", "reason", "method")
              if isinstance(v := getattr(norm, k), str) and "\0" in v}
    if not fields:
        return norm
    return replace(norm, **fields)


@dataclass(frozen=True)
class Unchanged:
    """A card whose bytes hash to the checksum the register already holds for its id."""

    dataset_id: str


def _stored_checksum_matches(found: Found, dataset_id: str, known: dict[str, str]) -> bool:
    """Hash the card's files as parsing would and compare, without parsing (re-ingest of a
    large unchanged tree costs a read and a hash per card).  Any problem: parse instead."""
    from register.cards import files as cards

    want = known.get(dataset_id)
    if want is None:
        return False
    path = found.path
    if os.path.basename(path) == cards.CARD_NAME and os.path.isfile(path):
        path = os.path.dirname(path) or "."  # README.md named directly: as its directory
        found = replace(found, is_dir=True)
    try:
        if found.is_dir or (found.is_dir is None and os.path.isdir(path)):
            readme = cards.read_limited(os.path.join(path, cards.CARD_NAME),
                                        cards.MAX_CARD_BYTES, "card")
            infos_path = next((p for n in cards.INFOS_NAMES
                               if os.path.isfile(p := os.path.join(path, n))), None)
            infos = (cards.read_limited(infos_path, cards.MAX_INFOS_BYTES, "infos file")
                     if infos_path else None)
        else:
            readme, infos = cards.read_limited(path, cards.MAX_CARD_BYTES, "card"), None
    except RegisterError:
        return False
    return cards.card_sha256(readme, infos) == want


CROISSANT_SUFFIXES = (".json", ".jsonld")


def iter_documents(
    paths: Iterable[Path], *, recursive: bool = False, dataset_id: str | None = None,
    known: dict[str, str] | None = None,
) -> Iterator[CardDocument | RegisterError | Unchanged]:
    """Parse every card below ``paths``; parse failures are yielded, not raised.

    ``known`` maps dataset ids to the checksums the register holds: a card whose bytes still
    hash to it is yielded as :class:`Unchanged` without being parsed.  A ``.json`` /
    ``.jsonld`` file given as a path is read as Croissant metadata.
    """
    from register.cards.files import discover_found, parse_found

    for found in discover_found(paths, recursive=recursive):
        if not found.is_dir and found.path.lower().endswith(CROISSANT_SUFFIXES):
            try:  # Croissant JSON-LD metadata: the id comes from the metadata (or --id)
                from register.cards.croissant import read_croissant

                yield read_croissant(found.path, dataset_id)
            except RegisterError as exc:
                yield exc
            continue
        ds_id = dataset_id or found.dataset_id
        if found.skip is not None:
            yield CardError(found.path, found.skip)
            continue
        if known and _stored_checksum_matches(found, ds_id, known):
            yield Unchanged(ds_id)
            continue
        try:
            yield parse_found(found, ds_id)
        except RegisterError as exc:
            yield exc
