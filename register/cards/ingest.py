"""Bulk ingest of parsed dataset cards into the store.

Cards arrive as :class:`register.cards.files.CardDocument` (from files, directories or the Hub).
They are written in batches; each batch is one transaction, so a killed process leaves only
whole batches and re-running the same command finishes the work without duplicates
(unchanged cards are recognised by their SHA-256 and skipped).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine

from register.errors import RegisterError
from register.store.audit import AuditWriter, now_iso
from register.store.engine import run_write
from register.store.tables import AuditEvent, Dataset, DatasetVersion

if TYPE_CHECKING:
    from register.cards.files import CardDocument, Found
    from register.licenses.catalog import KnowledgeBase

_D = Dataset.__table__  # type: ignore[attr-defined]
_V = DatasetVersion.__table__  # type: ignore[attr-defined]
_E = AuditEvent.__table__  # type: ignore[attr-defined]


@dataclass
class IngestSummary:
    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)
    license_changes: list[tuple[str, str | None, str | None]] = field(default_factory=list)

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


def _json_encoder(**options: Any) -> Callable[[Any], str]:
    """``json.JSONEncoder(**options).encode`` without its per-call set-up.

    Each ``encode`` call builds a new C encoder, a float-formatting closure and a
    circular-reference dict, and goes through two Python frames: about half the cost of
    encoding a small row.  Here the C encoder is built once (as ``iterencode`` would build
    it) with one ``markers`` dict, which a successful encode leaves empty and which is
    cleared after a failed one, so the output and the errors are the same."""
    encoder = json.JSONEncoder(**options)
    if c_make_encoder is None or encoder.indent is not None:  # pragma: no cover
        return encoder.encode
    markers: dict[int, Any] = {}
    make = c_make_encoder(
        markers if encoder.check_circular else None, encoder.default,
        encode_basestring_ascii if encoder.ensure_ascii else encode_basestring, None,
        encoder.key_separator, encoder.item_separator, encoder.sort_keys, encoder.skipkeys,
        encoder.allow_nan)

    def encode(value: Any) -> str:
        try:
            return "".join(make(value, 0))
        except BaseException:
            markers.clear()
            raise

    return encode


_dumps = _json_encoder(sort_keys=True, ensure_ascii=False, default=str)
"""``json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)``."""


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
    norm_cache: dict[str, Any] = {}
    for batch in _batched(items, batch_size):
        docs: dict[str, CardDocument] = {}
        for item in batch:
            if isinstance(item, Unchanged):
                summary.unchanged += 1
            elif isinstance(item, RegisterError):
                summary.failed.append(str(item))
            else:
                if item.dataset_id in docs:  # same id twice in one batch: last one wins
                    summary.unchanged += 1
                docs[item.dataset_id] = item
        if docs:
            part = run_write(engine, partial(_write_batch, docs=list(docs.values()),
                                             actor=actor, norm_cache=norm_cache, kb=kb))
            summary.ingested += part.ingested
            summary.updated += part.updated
            summary.unchanged += part.unchanged
            summary.license_changes.extend(part.license_changes)
        if progress:
            progress(len(batch))
    return summary


_NEW_COLUMNS = (
    "id", "ingested_at", "concluded_license", "license_changed_at", "previous_license",
    "personal_data", "source", "revision", "card_sha256", "version", "pretty_name",
    "metadata_json", "raw_license_json", "declared_license", "declared_needs_review",
    "declared_reason", "declared_confidence", "declared_method", "suggestions_json",
    "updated_at",
)
_VERSION_COLUMNS = (
    "dataset_id", "version", "card_sha256", "source", "revision", "raw_license_json",
    "declared_license", "declared_needs_review", "metadata_json", "ingested_at",
)
_EVENT_COLUMNS = (
    "seq", "at", "actor", "action", "dataset_id", "before_json", "after_json", "reason",
    "prev_hash", "hash",
)
# audit.canonical with the encoder built once (json.dumps builds one per call)
_canonical = _json_encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)


def _write_batch(conn: Connection, docs: list[CardDocument], actor: str,
                 norm_cache: dict[str, Any] | None = None,
                 kb: KnowledgeBase | None = None) -> IngestSummary:
    """Write one batch in the caller's transaction: new datasets, updated datasets, one
    version row and one audit event each (the hash chain continued as
    :class:`register.store.audit.AuditWriter` does).  Rows are built as tuples and inserted with
    one ``executemany`` per table (SQLAlchemy Core with dicts on other databases)."""
    from register.licenses.normalize import normalize_card_license

    part = IngestSummary()
    existing = {
        row.id: row
        for row in conn.execute(
            select(_D.c.id, _D.c.card_sha256, _D.c.version, _D.c.declared_license)
            .where(_D.c.id.in_([d.dataset_id for d in docs]))
        )
    }
    audit = AuditWriter(conn, actor)
    seq, prev = audit.seq, audit.prev
    now = now_iso()
    new_rows: list[tuple[Any, ...]] = []
    upd_rows: list[dict[str, Any]] = []
    version_rows: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    cache: dict[str, Any] = {} if norm_cache is None else norm_cache
    for doc in docs:
        ds_id = doc.dataset_id
        old = existing.get(ds_id)
        if old is not None and old.card_sha256 == doc.card_sha256:
            part.unchanged += 1
            continue
        raw_json = _dumps(doc.raw_license)
        norm = cache.get(raw_json)
        if norm is None:  # many cards repeat the same license fields: normalize once per run
            norm = _without_nul(normalize_card_license(doc.raw_license, kb=kb))
            if len(cache) >= 4096:
                cache.clear()
            cache[raw_json] = norm
        meta_json = _dumps(doc.metadata)
        version = 1 if old is None else old.version + 1
        source, revision, sha = doc.source, doc.revision, doc.card_sha256
        expression, needs_review = norm.expression, norm.needs_review
        version_rows.append((ds_id, version, sha, source, revision, raw_json, expression,
                             needs_review, meta_json, now))
        after_json = _canonical({
            "version": version, "card_sha256": sha, "source": source, "revision": revision,
            "declared_license": expression, "needs_review": needs_review,
        })
        if old is None:
            part.ingested += 1
            new_rows.append((ds_id, now, None, None, None, "unknown", source, revision, sha,
                             version, _pretty_name(doc.metadata), meta_json, raw_json,
                             expression, needs_review, norm.reason, norm.confidence,
                             norm.method, _dumps(doc.rights_suggestions), now))
            action, before_json, reason = "dataset.ingest", None, None
        else:
            part.updated += 1
            changed = old.declared_license != expression
            row = {
                "b_id": ds_id, "source": source, "revision": revision, "card_sha256": sha,
                "version": version, "pretty_name": _pretty_name(doc.metadata),
                "metadata_json": meta_json, "raw_license_json": raw_json,
                "declared_license": expression, "declared_needs_review": needs_review,
                "declared_reason": norm.reason, "declared_confidence": norm.confidence,
                "declared_method": norm.method,
                "suggestions_json": _dumps(doc.rights_suggestions), "updated_at": now,
            }
            if changed:
                row["license_changed_at"] = now
                row["previous_license"] = old.declared_license
                part.license_changes.append((ds_id, old.declared_license, expression))
            upd_rows.append(row)
            action = "dataset.update"
            before_json = _canonical({"version": old.version, "card_sha256": old.card_sha256,
                                      "declared_license": old.declared_license})
            reason = "declared license changed" if changed else None
        seq += 1
        digest = hashlib.sha256(_canonical(
            [seq, now, actor, action, ds_id, before_json, after_json, reason, prev]
        ).encode("utf-8")).hexdigest()
        events.append((seq, now, actor, action, ds_id, before_json, after_json, reason, prev,
                       digest))
        prev = digest
    _insert_many(conn, _D, _NEW_COLUMNS, new_rows)
    for changed_rows in _split_by_keys(upd_rows):
        keys = [k for k in changed_rows[0] if k != "b_id"]
        stmt = update(_D).where(_D.c.id == bindparam("b_id")).values(
            {k: bindparam(k) for k in keys}
        )
        conn.execute(stmt, changed_rows)
    _insert_many(conn, _V, _VERSION_COLUMNS, version_rows)
    _insert_many(conn, _E, _EVENT_COLUMNS, events)
    return part


def _insert_many(conn: Connection, table: Any, columns: tuple[str, ...],
                 rows: list[tuple[Any, ...]]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order).  On SQLite one plain ``executemany``
    through the driver (errors still come wrapped by SQLAlchemy, so lock retries work);
    elsewhere SQLAlchemy Core, which batches rows into multi-VALUES statements."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _c in columns)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
    else:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def _split_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def _pretty_name(metadata: dict[str, Any]) -> str | None:
    name = metadata.get("pretty_name")
    if isinstance(name, str | int | float) and name != "":
        return str(name).replace("\0", "\ufffd")
    return None


def _without_nul(norm: Any) -> Any:
    """PostgreSQL text cannot hold NUL: a card quoting one must not fail its whole batch."""
    fields = {k: v.replace("\0", "\ufffd") for k in ("expression", "reason", "method")
              if isinstance(v := getattr(norm, k), str) and "\0" in v}
    if not fields:
        return norm
    from dataclasses import replace

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
        if known and _stored_checksum_matches(found, ds_id, known):
            yield Unchanged(ds_id)
            continue
        try:
            yield parse_found(found, ds_id)
        except RegisterError as exc:
            yield exc
