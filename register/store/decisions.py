"""Every write to the register's tables, each with its audit event.

Human decisions (a concluded license, a rights change, a clearance, a recorded check, a
rights import) and the ingest's batch writes.  Each function runs in the caller's write
transaction (:func:`register.store.engine.run_write`), so the tables and the hash chain of
:mod:`register.store.audit` change together or not at all.  Reads are in
:mod:`register.store.queries`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from register.check.facts import Clearance, RightsRecord
from register.errors import ConflictError, ValidationError
from register.store import queries
from register.store.audit import (
    CHAIN_FORMAT,
    AuditWriter,
    event_hash,
    head_hash,
    now_iso,
    read_rows,
    row_digest,
)
from register.store.tables import (
    AUDIT_EVENTS,
    CHECKS,
    CLEARANCES,
    DATASETS,
    DECISIONS,
    RIGHTS_HISTORY,
    VERSIONS,
)

if TYPE_CHECKING:
    from register.check.result import CheckResult
    from register.rights.record import RightsChange

__all__ = [
    "BatchResult",
    "WITHDRAWN",
    "add_clearance",
    "check_version",
    "apply_rights",
    "conclude_license",
    "json_encoder",
    "next_id",
    "record_check",
    "revoke_clearance",
    "withdraw_license",
    "write_ingest_batch",
]

_D, _V, _L, _R, _C, _E, _K = (DATASETS, VERSIONS, DECISIONS, RIGHTS_HISTORY, CLEARANCES,
                              AUDIT_EVENTS, CHECKS)


def json_encoder(**options: Any) -> Callable[[Any], str]:
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


dumps = json_encoder(sort_keys=True, ensure_ascii=False, default=str)
"""``json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)``."""
# audit.canonical with the encoder built once (json.dumps builds one per call)
canonical = json_encoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=str)


# --------------------------------------------------------------------------- decisions


def next_id(conn: Connection, table: Any) -> int:
    """The next id of an integer-keyed table (ids are given, not generated, so the event
    can name the row it wrote; the writer lock makes this safe)."""
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def conclude_license(conn: Connection, audit: AuditWriter, dataset_id: str, expr: str,
                     reason: str, actor: str, previous: str | None) -> None:
    """Record a concluded license, its decision row and its audit event."""
    at = now_iso()
    conn.execute(update(_D).where(_D.c.id == dataset_id).values(
        concluded_license=expr, concluded_by=actor, concluded_reason=reason,
        concluded_at=at, updated_at=at))
    lid = next_id(conn, _L)
    conn.execute(insert(_L).values(id=lid, dataset_id=dataset_id, expression=expr,
                                   previous=previous, by=actor, reason=reason, at=at))
    audit.append("license.conclude", dataset_id, {"concluded_license": previous},
                 {"concluded_license": expr}, reason, at=at, actor=actor,
                 rows=[(_D, dataset_id), (_L, lid)])


WITHDRAWN = "-"
"""The ``expression`` of a license decision that withdrew the concluded license."""


def withdraw_license(conn: Connection, audit: AuditWriter, dataset_id: str, reason: str,
                     actor: str, previous: str | None) -> None:
    """Withdraw the concluded license (the declared one applies again), audited."""
    at = now_iso()
    conn.execute(update(_D).where(_D.c.id == dataset_id).values(
        concluded_license=None, concluded_by=actor, concluded_reason=reason,
        concluded_at=at, updated_at=at))
    lid = next_id(conn, _L)
    conn.execute(insert(_L).values(id=lid, dataset_id=dataset_id, expression=WITHDRAWN,
                                   previous=previous, by=actor, reason=reason, at=at))
    audit.append("license.withdraw", dataset_id, {"concluded_license": previous},
                 {"concluded_license": None}, reason, at=at, actor=actor,
                 rows=[(_D, dataset_id), (_L, lid)])


def apply_rights(conn: Connection, audit: AuditWriter, dataset_id: str, change: RightsChange,
                 reason: str | None, actor: str) -> RightsRecord:
    """Apply a rights change (validated); the previous record goes to the history."""
    from register.rights.record import apply_change, validate_record

    row = queries.dataset_row(conn, dataset_id)
    current = RightsRecord.from_dict(json.loads(row.rights_json)) if row.rights_json \
        else None
    if current is None and change.is_empty():
        return RightsRecord()  # nothing given, nothing stored: no record to create
    record = apply_change(current, change)
    problems = validate_record(record)
    if problems:
        raise ValidationError(
            f"rights for {dataset_id!r} are inconsistent: {problems[0]}", problems)
    new = record.to_dict()
    old = current.to_dict() if current else None
    if new == old:
        return record
    at = now_iso()
    why = reason or ""
    conn.execute(update(_D).where(_D.c.id == dataset_id).values(
        rights_json=dumps(new), personal_data=record.personal_data,
        retain_until=record.retain_until, rights_by=actor, rights_reason=why,
        rights_at=at, updated_at=at))
    rid = next_id(conn, _R)
    conn.execute(insert(_R).values(
        id=rid, dataset_id=dataset_id, rights_json=dumps(new),
        previous_json=dumps(old) if old else None, by=actor, reason=why, at=at))
    audit.append("rights.set", dataset_id, old, new, why, at=at, actor=actor,
                 rows=[(_D, dataset_id), (_R, rid)])
    return record


def check_version(conn: Connection, dataset_id: str, expected: int | None) -> None:
    """:class:`ConflictError` when the dataset changed after event ``expected`` (its
    version token: the seq of its last audit event); ``None`` checks nothing."""
    if expected is None:
        return
    queries.dataset_row(conn, dataset_id)  # NotFoundError first
    current = queries.row_versions(conn, [dataset_id]).get(dataset_id, 0)
    if current != expected:
        raise ConflictError(
            f"{dataset_id!r} changed since version {expected} (now {current}); nothing was "
            "written", queries.changes_since(conn, dataset_id, expected),
            hint="look at the changes listed, then retry with the current version")


def add_clearance(conn: Connection, dataset_id: str, *, use: str, reason: str, by: str,
                  until: date | None) -> Clearance:
    """Record a clearance of one id for one use, and its audit event."""
    at = now_iso()
    cid = next_id(conn, _C)
    conn.execute(insert(_C).values(id=cid, dataset_id=dataset_id, use=use, by=by,
                                   reason=reason, until=until, created_at=at))
    audit = AuditWriter(conn, by)
    audit.append("clearance.add", dataset_id, None,
                 {"use": use, "until": until.isoformat() if until else None, "by": by},
                 reason, at=at, rows=[(_C, cid)])
    audit.flush()
    return Clearance(dataset_id, use, by, reason, until, at)


def revoke_clearance(conn: Connection, dataset_id: str, *, use: str, reason: str,
                     by: str) -> int:
    """Revoke every standing clearance of one id for one use (audited); returns how many.
    None standing is a :class:`ValidationError`."""
    ids = [r[0] for r in conn.execute(
        select(_C.c.id).where(_C.c.dataset_id == dataset_id).where(_C.c.use == use)
        .where(_C.c.revoked_at.is_(None)).order_by(_C.c.id))]
    if not ids:
        raise ValidationError(f"{dataset_id!r} has no standing clearance for use {use!r}")
    at = now_iso()
    conn.execute(update(_C).where(_C.c.id.in_(ids)).values(
        revoked_at=at, revoked_by=by, revoked_reason=reason))
    audit = AuditWriter(conn, by)
    audit.append("clearance.revoke", dataset_id, {"use": use, "clearances": len(ids)},
                 {"use": use, "revoked": True, "by": by}, reason, at=at,
                 rows=[(_C, i) for i in ids])
    audit.flush()
    return len(ids)


def record_check(conn: Connection, result: CheckResult, *, actor: str) -> str:
    """Store a check result with the hash of the register state it ran on; returns it."""
    state = hashlib.sha256((head_hash(conn) + dumps(
        [d.id for d in result.datasets])).encode()).hexdigest()
    at = now_iso()
    kid = next_id(conn, _K)
    conn.execute(insert(_K).values(
        id=kid, at=at, by=actor, corpus_name=result.corpus, use=result.use,
        verdict=result.verdict, policy=result.policy,
        state_hash=state, result_json=dumps(result.to_dict())))
    audit = AuditWriter(conn, actor)
    audit.append("check.record", None, None, {
        "corpus": result.corpus, "use": result.use,
        "verdict": result.verdict, "policy": result.policy,
        "state_hash": state,
        "datasets": sorted(d.id for d in result.datasets),
    }, None, at=at, rows=[(_K, kid)])
    audit.flush()
    return state


# --------------------------------------------------------------------------- ingest


@dataclass
class BatchResult:
    """What one ingest batch wrote."""

    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    revised: int = 0  # of the unchanged: the same card at a new revision (recorded)
    license_changes: list[tuple[str, str | None, str | None]] = field(default_factory=list)


_NEW_COLUMNS = (
    "id", "ingested_at", "concluded_license", "license_changed_at", "previous_license",
    "personal_data", "source", "revision", "card_sha256", "version", "pretty_name",
    "metadata_json", "raw_license_json", "declared_license", "declared_needs_review",
    "declared_reason", "declared_confidence", "declared_method", "suggestions_json",
    "updated_at",
)
_VERSION_COLUMNS = (
    "id", "dataset_id", "version", "card_sha256", "source", "revision", "raw_license_json",
    "declared_license", "declared_needs_review", "metadata_json", "ingested_at",
)
_EVENT_COLUMNS = (
    "seq", "at", "actor", "action", "dataset_id", "before_json", "after_json", "reason",
    "prev_hash", "hash", "format", "rows_json",
)


def write_ingest_batch(conn: Connection, docs: Sequence[Any], actor: str,
                       normalize: Callable[[Any, str], Any]) -> BatchResult:
    """Write one batch of parsed cards in the caller's transaction: new datasets, updated
    datasets, one version row and one audit event each (the hash chain continued as
    :class:`register.store.audit.AuditWriter` does).  Cards whose checksum the register
    already holds are counted unchanged.  ``normalize(raw_license, raw_json)`` gives the
    declared license of a card (see :func:`register.cards.ingest.ingest_documents`).

    Rows are built as tuples and inserted with one ``executemany`` per table (SQLAlchemy
    Core with dicts on other databases)."""
    part = BatchResult()
    existing = queries.ingest_state(conn, [d.dataset_id for d in docs])
    audit = AuditWriter(conn, actor)
    seq, prev = audit.seq, audit.prev
    vid = next_id(conn, _V)
    now = now_iso()
    pending: list[tuple[str, str, str | None, str, str | None, int | None]] = []
    new_rows: list[tuple[Any, ...]] = []
    upd_rows: list[dict[str, Any]] = []
    rev_rows: list[dict[str, Any]] = []
    version_rows: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for doc in docs:
        ds_id = doc.dataset_id
        old = existing.get(ds_id)
        if old is not None and old.card_sha256 == doc.card_sha256:
            part.unchanged += 1
            if doc.revision is not None and doc.revision != old.revision:
                # the repository moved on, its card did not: no new version, but the
                # register records the revision it last saw the card at (a Hub sync
                # compares it with the listed sha and so does not fetch the card again)
                part.revised += 1
                rev_rows.append({"b_id": ds_id, "source": doc.source,
                                 "revision": doc.revision, "updated_at": now})
                pending.append(("dataset.revision", ds_id,
                                canonical({"revision": old.revision, "source": old.source}),
                                canonical({"revision": doc.revision, "source": doc.source,
                                           "card_sha256": doc.card_sha256}),
                                "card unchanged at a new revision", None))
            continue
        raw_json = dumps(doc.raw_license)
        norm = normalize(doc.raw_license, raw_json)
        meta_json = dumps(doc.metadata)
        version = 1 if old is None else old.version + 1
        source, revision, sha = doc.source, doc.revision, doc.card_sha256
        expression, needs_review = norm.expression, norm.needs_review
        vid += 1
        version_rows.append((vid - 1, ds_id, version, sha, source, revision, raw_json, expression,
                             needs_review, meta_json, now))
        after_json = canonical({
            "version": version, "card_sha256": sha, "source": source, "revision": revision,
            "declared_license": expression, "needs_review": needs_review,
        })
        if old is None:
            part.ingested += 1
            new_rows.append((ds_id, now, None, None, None, "unknown", source, revision, sha,
                             version, pretty_name(doc.metadata), meta_json, raw_json,
                             expression, needs_review, norm.reason, norm.confidence,
                             norm.method, dumps(doc.rights_suggestions), now))
            action, before_json, reason = "dataset.ingest", None, None
        else:
            part.updated += 1
            changed = old.declared_license != expression
            row = {
                "b_id": ds_id, "source": source, "revision": revision, "card_sha256": sha,
                "version": version, "pretty_name": pretty_name(doc.metadata),
                "metadata_json": meta_json, "raw_license_json": raw_json,
                "declared_license": expression, "declared_needs_review": needs_review,
                "declared_reason": norm.reason, "declared_confidence": norm.confidence,
                "declared_method": norm.method,
                "suggestions_json": dumps(doc.rights_suggestions), "updated_at": now,
            }
            if changed:
                row["license_changed_at"] = now
                row["previous_license"] = old.declared_license
                part.license_changes.append((ds_id, old.declared_license, expression))
            upd_rows.append(row)
            action = "dataset.update"
            before_json = canonical({"version": old.version, "card_sha256": old.card_sha256,
                                     "declared_license": old.declared_license})
            reason = "declared license changed" if changed else None
        pending.append((action, ds_id, before_json, after_json, reason, vid - 1))
    insert_many(conn, _D, _NEW_COLUMNS, new_rows)
    for changed_rows in split_by_keys(upd_rows + rev_rows):
        keys = [k for k in changed_rows[0] if k != "b_id"]
        stmt = update(_D).where(_D.c.id == bindparam("b_id")).values(
            {k: bindparam(k) for k in keys}
        )
        conn.execute(stmt, changed_rows)
    insert_many(conn, _V, _VERSION_COLUMNS, version_rows)
    # each event binds the dataset row and the version row it wrote (read back)
    ds_digests = {k: row_digest(_D.name, k, c)
                  for k, c in read_rows(conn, _D, [p[1] for p in pending])}
    v_digests = {k: row_digest(_V.name, k, c)
                 for k, c in read_rows(conn, _V, [p[5] for p in pending if p[5] is not None])}
    d_cols, v_cols = sorted(c.name for c in _D.columns), sorted(c.name for c in _V.columns)
    for action, ds_id, before_json, after_json, reason, version_id in pending:
        bound: dict[str, Any] = {
            _D.name: {"columns": d_cols, "rows": {ds_id: ds_digests[ds_id]}}}
        if version_id is not None:
            bound[_V.name] = {"columns": v_cols,
                              "rows": {str(version_id): v_digests[str(version_id)]}}
        rows_json = canonical(bound)
        seq += 1
        digest = event_hash(seq, now, actor, action, ds_id, before_json, after_json, reason,
                            prev, rows_json, CHAIN_FORMAT)
        events.append((seq, now, actor, action, ds_id, before_json, after_json, reason, prev,
                       digest, CHAIN_FORMAT, rows_json))
        prev = digest
    insert_many(conn, _E, _EVENT_COLUMNS, events)
    return part


def insert_many(conn: Connection, table: Any, columns: tuple[str, ...],
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


def split_by_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Update rows grouped by the set of columns they change (one executemany each)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def pretty_name(metadata: dict[str, Any]) -> str | None:
    """The card's ``pretty_name`` as text (NUL replaced: PostgreSQL text cannot hold it)."""
    name = metadata.get("pretty_name")
    if isinstance(name, str | int | float) and name != "":
        return str(name).replace("\0", "\ufffd")
    return None
