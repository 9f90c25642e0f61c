"""Every read of the register's tables (SELECTs), for SQLite and PostgreSQL alike.

Functions take an open :class:`~sqlalchemy.engine.Connection` (so a write transaction can
read what it is about to change) and return rows, or the domain values built from them:
:class:`register.check.facts.DatasetFacts` for a check, and the typed views of
:mod:`register.views` for ``show``, ``list`` and ``audit log``.  :func:`iter_export_rows`
opens its own connection and streams.  Writes are in :mod:`register.store.decisions`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Engine

from register.check.facts import Clearance, DatasetFacts, RightsRecord
from register.errors import NotFoundError
from register.store import facts_sql
from register.store.engine import read_connection
from register.store.tables import (
    AUDIT_EVENTS,
    CHECKS,
    CLEARANCES,
    DATASETS,
    DECISIONS,
    RIGHTS_HISTORY,
    VERSIONS,
)
from register.views import AuditEntry, DatasetView

__all__ = [
    "CHUNK",
    "audit_entries",
    "audit_hash_known",
    "changes_since",
    "check_record",
    "check_records",
    "row_versions",
    "checksums",
    "chunks",
    "clearances_of",
    "count",
    "dataset_ids",
    "dataset_row",
    "dataset_view",
    "dbapi",
    "existing_ids",
    "facts",
    "in_id_order",
    "ingest_state",
    "iter_export_rows",
    "list_rows",
    "metadata_and_rights",
    "rights_records",
    "rights_state",
]

CHUNK = 500  # ids per ``IN (...)``: well below SQLite's and PostgreSQL's parameter limits
_D, _V, _L, _R, _C, _A = DATASETS, VERSIONS, DECISIONS, RIGHTS_HISTORY, CLEARANCES, AUDIT_EVENTS


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _loads(text: str | None, default: Any = None) -> Any:
    import json

    return json.loads(text) if text else default


# --------------------------------------------------------------------------- ids


def in_id_order(conn: Connection, column: Any) -> Any:
    """``column`` to ``ORDER BY`` in code-point order (Python's ``sorted``) on every
    database: SQLite compares text as bytes (BINARY), PostgreSQL by the database's collation
    (``en_US.UTF-8`` puts ``a_b`` before ``A/b`` before ``abc``), so there ``COLLATE "C"``.
    Every list or export of the register in id order orders by it, so a register exported
    from SQLite and from PostgreSQL comes out in the same order."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def dataset_ids(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(select(_D.c.id).order_by(in_id_order(conn, _D.c.id)))]


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(_D)).scalar_one())


def existing_ids(conn: Connection, ids: Sequence[str]) -> list[str]:
    """The ids of ``ids`` the register holds (de-duplicated, in no particular order)."""
    return facts_sql.existing_ids(dbapi(conn), ids)


def checksums(conn: Connection) -> dict[str, str]:
    """Dataset id -> the card checksum the register holds (re-ingest skips unchanged cards)."""
    return {r.id: r.card_sha256 for r in conn.execute(select(_D.c.id, _D.c.card_sha256))}


def ingest_state(conn: Connection, ids: Sequence[str]) -> dict[str, Any]:
    """Id -> (id, card_sha256, version, declared_license, revision, source) of the datasets
    already held.  The ids are one bound parameter joined as a table (:func:`_wanted_ids`),
    so the statement's text is the same whatever the ids and however many: one entry in
    SQLAlchemy's compiled cache and in the database's statement cache, no parameter limit."""
    w = _wanted_ids(conn, list(dict.fromkeys(ids)))
    return {
        row.id: row for row in conn.execute(
            select(_D.c.id, _D.c.card_sha256, _D.c.version, _D.c.declared_license,
                   _D.c.revision, _D.c.source)
            .select_from(_D.join(w, w.c.value == _D.c.id)))
    }


def _wanted_ids(conn: Connection, ids: list[str]) -> Any:
    """``ids`` as a table ``(key, value)`` (position, id) for one join in SQLAlchemy Core
    (the facts of a check join them in plain SQL: :meth:`register.store.facts_sql.Db.wanted`):
    SQLite's ``json_each`` of a JSON array, PostgreSQL's ``unnest ... WITH ORDINALITY``; one
    bound parameter whatever the number of ids."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import Text, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return func.unnest(bindparam("wanted_ids", ids, type_=ARRAY(Text))).table_valued(
            "value", with_ordinality="key").render_derived()
    import json

    return func.json_each(json.dumps(ids)).table_valued("key", "value")


def revisions(conn: Connection, ids: Sequence[str]) -> dict[str, str | None]:
    """Id -> the revision the register holds, for those of ``ids`` it holds (a Hub sync
    compares a page of the listing with it in one query)."""
    return revisions_of(conn, _D, ids)


def revisions_of(conn: Connection, table: Any, ids: Sequence[str]) -> dict[str, str | None]:
    """Id -> revision of the rows of ``table`` (datasets or models) among ``ids``."""
    # one statement with an expanding parameter: ids inlined in each statement would be held
    # by SQLAlchemy's statement cache (up to 500 statements of ids, tens of MB over a sync)
    stmt = select(table.c.id, table.c.revision).where(
        table.c.id.in_(bindparam("ids", expanding=True)))
    out: dict[str, str | None] = {}
    for part in chunks(list(ids)):
        out.update((r.id, r.revision) for r in conn.execute(stmt, {"ids": list(part)}))
    return out


# --------------------------------------------------------------------------- one dataset


def dataset_row(conn: Connection, dataset_id: str) -> Any:
    """The ``dataset`` row, or :class:`NotFoundError`."""
    row = conn.execute(select(_D).where(_D.c.id == dataset_id)).first()
    if row is None:
        raise NotFoundError(f"dataset {dataset_id!r} is not in the register",
                            hint="see 'register list' for the ids it holds")
    return row


def dataset_view(conn: Connection, dataset_id: str) -> DatasetView:
    """Everything ``register show`` prints: the dataset, its versions, decisions, rights
    history and clearances."""
    row = dataset_row(conn, dataset_id)

    def related(table: Any, order: Any) -> list[Any]:
        return list(conn.execute(
            select(table).where(table.c.dataset_id == dataset_id).order_by(order)).all())

    return DatasetView.from_rows(row, related(_V, _V.c.version), related(_L, _L.c.id),
                                 related(_R, _R.c.id), related(_C, _C.c.id))


def rights_state(conn: Connection, ids: Sequence[str]) -> dict[str, Any]:
    """Id -> ``(rights_json, concluded_license)`` of the given datasets the register holds
    (one query per :data:`CHUNK` ids)."""
    out: dict[str, Any] = {}
    for chunk in chunks(list(dict.fromkeys(ids))):
        out.update({r.id: r for r in conn.execute(
            select(_D.c.id, _D.c.rights_json, _D.c.concluded_license)
            .where(_D.c.id.in_(chunk)))})
    return out


def rights_records(conn: Connection, ids: Sequence[str]) -> dict[str, RightsRecord | None]:
    """Id -> stored rights record (None: no record) of the given datasets it holds."""
    import json

    return {k: RightsRecord.from_dict(json.loads(r.rights_json)) if r.rights_json else None
            for k, r in rights_state(conn, ids).items()}


# --------------------------------------------------------------------------- list


def list_rows(conn: Connection, *, personal_data: str | None = None,
              retain_before: date | None = None) -> Iterator[Any]:
    """The rows ``register list`` reads, ordered by id, pre-filtered in SQL."""
    stmt = select(
        _D.c.id, _D.c.source, _D.c.revision, _D.c.version, _D.c.pretty_name,
        _D.c.declared_license, _D.c.declared_needs_review, _D.c.concluded_license,
        _D.c.concluded_reason, _D.c.license_changed_at, _D.c.previous_license,
        _D.c.rights_json, _D.c.personal_data, _D.c.retain_until, _D.c.declared_reason,
        _D.c.suggestions_json,
    ).order_by(in_id_order(conn, _D.c.id))
    if personal_data:
        stmt = stmt.where(_D.c.personal_data == personal_data)
    if retain_before is not None:
        stmt = stmt.where(_D.c.retain_until.is_not(None)).where(
            _D.c.retain_until <= retain_before)
    yield from conn.execute(stmt, execution_options={"stream_results": True, "yield_per": 2000})


# --------------------------------------------------------------------------- checks


def dbapi(conn: Connection) -> facts_sql.Db:
    """The DB-API connection under ``conn`` for :mod:`register.store.facts_sql`, in the
    transaction ``conn`` is in (begun now if none is, as the first query would)."""
    if not conn.in_transaction():
        conn.begin()  # what autobegin does: on SQLite the engine hook's BEGIN
    dbapi_module: Any = conn.dialect.dbapi
    dialect = conn.dialect.name
    return facts_sql.Db(conn.connection.driver_connection, dialect=dialect,
                        paramstyle="named" if dialect == "sqlite" else dbapi_module.paramstyle,
                        error=dbapi_module.Error)


def clearances_of(conn: Connection, dataset_id: str) -> list[Clearance]:
    """The clearances that apply to one id (a dataset or a base model)."""
    return facts_sql.clearances_of(dbapi(conn), dataset_id)


def facts(conn: Connection, wanted: Sequence[tuple[str, str | None]], *,
          strict: bool = True) -> list[DatasetFacts]:
    """What the check engine needs of ``(id, pinned revision or None)`` entries, in order
    (:func:`register.store.facts_sql.facts`)."""
    return facts_sql.facts(dbapi(conn), wanted, strict=strict)


# --------------------------------------------------------------------------- audit


def audit_entries(conn: Connection, *, dataset_id: str | None = None,
                  since: date | None = None) -> list[AuditEntry]:
    stmt = select(_A).order_by(_A.c.seq)
    if dataset_id:
        stmt = stmt.where(_A.c.dataset_id == dataset_id)
    if since:
        stmt = stmt.where(_A.c.at >= since.isoformat())
    return [AuditEntry.from_row(r) for r in conn.execute(stmt)]


def check_records(conn: Connection, *, limit: int | None = None,
                  since: date | None = None) -> list[Any]:
    """The recorded checks (``check --record``), newest first (the ``limit`` newest)."""
    stmt = select(CHECKS).order_by(CHECKS.c.id.desc())
    if since:
        stmt = stmt.where(CHECKS.c.at >= since.isoformat())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(conn.execute(stmt))


def check_record(conn: Connection, record_id: int) -> Any:
    """One recorded check, or :class:`NotFoundError`."""
    row = conn.execute(select(CHECKS).where(CHECKS.c.id == record_id)).first()
    if row is None:
        raise NotFoundError(f"no recorded check {record_id}",
                            hint="list them with 'register checks list'")
    return row


def row_versions(conn: Connection, ids: Sequence[str] | None = None) -> dict[str, int]:
    """Dataset id -> its version token: the seq of the last audit event about it."""
    stmt = select(_A.c.dataset_id, func.max(_A.c.seq)).where(_A.c.dataset_id.is_not(None))
    out: dict[str, int] = {}
    if ids is None:
        return {r[0]: int(r[1]) for r in conn.execute(stmt.group_by(_A.c.dataset_id))}
    for chunk in chunks(list(dict.fromkeys(ids))):
        out.update({r[0]: int(r[1]) for r in conn.execute(
            stmt.where(_A.c.dataset_id.in_(chunk)).group_by(_A.c.dataset_id))})
    return out


def changes_since(conn: Connection, dataset_id: str, seq: int) -> list[str]:
    """What happened to a dataset after event ``seq``: ``"event N: ACTION by WHO at WHEN"``."""
    return [f"event {r.seq}: {r.action} by {r.actor} at {r.at}"
            + (f" ({r.reason})" if r.reason else "")
            for r in conn.execute(select(_A.c.seq, _A.c.action, _A.c.actor, _A.c.at, _A.c.reason)
                                  .where(_A.c.dataset_id == dataset_id)
                                  .where(_A.c.seq > seq).order_by(_A.c.seq))]


def audit_hash_known(conn: Connection, digest: str) -> bool:
    """Whether an event with this hash is in the chain."""
    return conn.execute(select(_A.c.seq).where(_A.c.hash == digest)).first() is not None


# --------------------------------------------------------------------------- exports

_EXPORT_COLUMNS = (
    "id", "pretty_name", "source", "revision", "version", "declared_license",
    "declared_needs_review", "declared_reason", "concluded_license", "concluded_reason",
    "concluded_by", "rights_json", "personal_data", "rights_by", "rights_reason",
    "suggestions_json", "previous_license", "updated_at", "card_sha256", "raw_license_json",
)


def iter_export_rows(engine: Engine, ids: Sequence[str] | None = None, *,
                     batch: int = 2000) -> Iterator[Any]:
    """The ``dataset`` rows the exports read, in id order (:func:`in_id_order`), streamed
    (bounded memory); ``ids`` None: every dataset.  Given ids are read :func:`sorted` (the
    same order) a batch at a time."""
    def query(conn: Connection, chunk: Sequence[str] | None) -> Any:
        events = select(_A.c.dataset_id, func.max(_A.c.seq).label("row_version"))
        events = events.where(_A.c.dataset_id.is_not(None)) if chunk is None \
            else events.where(_A.c.dataset_id.in_(chunk))  # only the chunk's events
        last = events.group_by(_A.c.dataset_id).subquery()
        cols = [*(_D.c[name] for name in _EXPORT_COLUMNS), last.c.row_version]
        stmt = select(*cols).select_from(_D.outerjoin(last, last.c.dataset_id == _D.c.id))
        if chunk is not None:
            stmt = stmt.where(_D.c.id.in_(chunk))
        return stmt.order_by(in_id_order(conn, _D.c.id))

    with read_connection(engine) as conn:
        if ids is None:
            yield from conn.execute(query(conn, None),
                                    execution_options={"stream_results": True})
            return
        wanted = sorted(set(ids))
        for i in range(0, len(wanted), batch):
            yield from conn.execute(query(conn, wanted[i:i + batch]))


def metadata_and_rights(conn: Connection, ids: Sequence[str], *, batch: int = 2000,
                        ) -> dict[str, dict[str, Any]]:
    """Id -> ``{"metadata": card metadata, "rights": rights record dict or None}``."""
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(ids), batch):
        chunk = list(ids[i:i + batch])
        for row in conn.execute(select(_D.c.id, _D.c.metadata_json, _D.c.rights_json)
                                .where(_D.c.id.in_(chunk))):
            out[row.id] = {"metadata": _loads(row.metadata_json, {}),
                           "rights": _loads(row.rights_json)}
    return out
