"""Bulk ingest of parsed dataset cards into the store.

Cards arrive as :class:`register.cards.CardDocument` (from files, directories or the Hub).
They are written in batches; each batch is one transaction, so a killed process leaves only
whole batches and re-running the same command finishes the work without duplicates
(unchanged cards are recognised by their SHA-256 and skipped).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine

from register.audit import AuditWriter, now_iso
from register.errors import RegisterError
from register.models import Dataset, DatasetVersion
from register.store import run_write

if TYPE_CHECKING:
    from register.cards import CardDocument

_D = Dataset.__table__  # type: ignore[attr-defined]
_V = DatasetVersion.__table__  # type: ignore[attr-defined]


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


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


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
) -> IngestSummary:
    """Write documents (and count errors passed through the stream) in batches."""
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
                                             actor=actor, norm_cache=norm_cache))
            summary.ingested += part.ingested
            summary.updated += part.updated
            summary.unchanged += part.unchanged
            summary.license_changes.extend(part.license_changes)
        if progress:
            progress(len(batch))
    return summary


def _write_batch(conn: Connection, docs: list[CardDocument], actor: str,
                 norm_cache: dict[str, Any] | None = None) -> IngestSummary:
    from register.normalize import normalize_card_license

    part = IngestSummary()
    existing = {
        row.id: row
        for row in conn.execute(
            select(_D.c.id, _D.c.card_sha256, _D.c.version, _D.c.declared_license)
            .where(_D.c.id.in_([d.dataset_id for d in docs]))
        )
    }
    audit = AuditWriter(conn, actor)
    now = now_iso()
    new_rows: list[dict[str, Any]] = []
    upd_rows: list[dict[str, Any]] = []
    version_rows: list[dict[str, Any]] = []
    for doc in docs:
        old = existing.get(doc.dataset_id)
        if old is not None and old.card_sha256 == doc.card_sha256:
            part.unchanged += 1
            continue
        raw_json = _dumps(doc.raw_license)
        cache = {} if norm_cache is None else norm_cache
        norm = cache.get(raw_json)
        if norm is None:  # many cards repeat the same license fields: normalize once per run
            norm = _without_nul(normalize_card_license(doc.raw_license))
            if len(cache) >= 4096:
                cache.clear()
            cache[raw_json] = norm
        meta_json = _dumps(doc.metadata)
        version = 1 if old is None else old.version + 1
        fields = {
            "source": doc.source, "revision": doc.revision, "card_sha256": doc.card_sha256,
            "version": version, "pretty_name": _pretty_name(doc.metadata),
            "metadata_json": meta_json, "raw_license_json": raw_json,
            "declared_license": norm.expression, "declared_needs_review": norm.needs_review,
            "declared_reason": norm.reason, "declared_confidence": norm.confidence,
            "declared_method": norm.method,
            "suggestions_json": _dumps(doc.rights_suggestions), "updated_at": now,
        }
        version_rows.append({
            "dataset_id": doc.dataset_id, "version": version, "card_sha256": doc.card_sha256,
            "source": doc.source, "revision": doc.revision, "raw_license_json": raw_json,
            "declared_license": norm.expression, "declared_needs_review": norm.needs_review,
            "metadata_json": meta_json, "ingested_at": now,
        })
        after = {
            "version": version, "card_sha256": doc.card_sha256, "source": doc.source,
            "revision": doc.revision, "declared_license": norm.expression,
            "needs_review": norm.needs_review,
        }
        if old is None:
            part.ingested += 1
            new_rows.append({"id": doc.dataset_id, "ingested_at": now, "concluded_license": None,
                             "license_changed_at": None, "previous_license": None,
                             "personal_data": "unknown", **fields})
            audit.append("dataset.ingest", doc.dataset_id, None, after, at=now)
        else:
            part.updated += 1
            changed = old.declared_license != norm.expression
            row = {"b_id": doc.dataset_id, **fields}
            if changed:
                row["license_changed_at"] = now
                row["previous_license"] = old.declared_license
                part.license_changes.append((doc.dataset_id, old.declared_license,
                                             norm.expression))
            upd_rows.append(row)
            before = {"version": old.version, "card_sha256": old.card_sha256,
                      "declared_license": old.declared_license}
            audit.append("dataset.update", doc.dataset_id, before, after,
                         "declared license changed" if changed else None, at=now)
    if new_rows:
        conn.execute(insert(_D), new_rows)
    for changed_rows in _split_by_keys(upd_rows):
        keys = [k for k in changed_rows[0] if k != "b_id"]
        stmt = update(_D).where(_D.c.id == bindparam("b_id")).values(
            {k: bindparam(k) for k in keys}
        )
        conn.execute(stmt, changed_rows)
    if version_rows:
        conn.execute(insert(_V), version_rows)
    audit.flush()
    return part


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


def _stored_checksum_matches(path: Path, dataset_id: str, known: dict[str, str]) -> bool:
    """Hash the card's files as parsing would and compare, without parsing (re-ingest of a
    large unchanged tree costs a read and a hash per card).  Any problem: parse instead."""
    from register import cards

    want = known.get(dataset_id)
    if want is None:
        return False
    try:
        if path.is_dir():
            readme = cards.read_limited(path / cards.CARD_NAME, cards.MAX_CARD_BYTES, "card")
            infos_path = next((path / n for n in cards.INFOS_NAMES if (path / n).is_file()),
                              None)
            infos = (cards.read_limited(infos_path, cards.MAX_INFOS_BYTES, "infos file")
                     if infos_path else None)
        else:
            readme, infos = cards.read_limited(path, cards.MAX_CARD_BYTES, "card"), None
    except RegisterError:
        return False
    return cards.card_sha256(readme, infos) == want


def iter_documents(
    paths: Iterable[Path], *, recursive: bool = False, dataset_id: str | None = None,
    known: dict[str, str] | None = None,
) -> Iterator[CardDocument | RegisterError | Unchanged]:
    """Parse every card below ``paths``; parse failures are yielded, not raised.

    ``known`` maps dataset ids to the checksums the register holds: a card whose bytes still
    hash to it is yielded as :class:`Unchanged` without being parsed.
    """
    from register.cards import discover, parse_path

    for path, found_id in discover(paths, recursive=recursive):
        ds_id = dataset_id or found_id
        if known and _stored_checksum_matches(path, ds_id, known):
            yield Unchanged(ds_id)
            continue
        try:
            yield parse_path(path, ds_id, source=os.path.abspath(path))
        except RegisterError as exc:
            yield exc
