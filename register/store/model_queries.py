"""Every SELECT of the model register (models, their versions, fine-tune records)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from register.store.queries import in_id_order, revisions_of
from register.store.tables import DATASETS, MODEL_RECORDS, MODEL_VERSIONS, MODELS, VERSIONS

__all__ = [
    "dataset_licenses",
    "dataset_versions",
    "model_ids",
    "model_records",
    "model_revisions",
    "model_row",
    "model_rows",
    "model_versions",
]

_M, _MV, _MR, _D, _V = MODELS, MODEL_VERSIONS, MODEL_RECORDS, DATASETS, VERSIONS


def model_ids(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(select(_M.c.id).order_by(in_id_order(conn, _M.c.id)))]


def model_row(conn: Connection, model_id: str) -> Any | None:
    """The model's current row (None when the register does not hold it)."""
    return conn.execute(select(_M).where(_M.c.id == model_id)).first()


def model_rows(conn: Connection) -> list[Any]:
    return list(conn.execute(select(_M).order_by(in_id_order(conn, _M.c.id))))


def model_checksums(conn: Connection, ids: Sequence[str]) -> dict[str, Any]:
    """``id -> (card_sha256, version, declared_license, revision, source)`` of the models
    among ``ids``."""
    out: dict[str, Any] = {}
    for row in conn.execute(select(_M.c.id, _M.c.card_sha256, _M.c.version,
                                   _M.c.declared_license, _M.c.revision, _M.c.source)
                            .where(_M.c.id.in_(list(ids)))):
        out[row.id] = row
    return out


def model_revisions(conn: Connection, ids: Sequence[str]) -> dict[str, str | None]:
    """Id -> the revision the register holds, for those of ``ids`` it holds (a Hub sync
    compares a page of the model listing with it in one query)."""
    return revisions_of(conn, _M, ids)


def model_versions(conn: Connection, model_id: str) -> list[Any]:
    return list(conn.execute(select(_MV).where(_MV.c.model_id == model_id)
                             .order_by(_MV.c.version)))


def model_records(conn: Connection, model_id: str) -> list[Any]:
    """The fine-tune records of a model, oldest first."""
    return list(conn.execute(select(_MR).where(_MR.c.model_id == model_id)
                             .order_by(_MR.c.id)))


def dataset_licenses(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str | None, bool]]:
    """``id -> (effective license, needs review)`` of the datasets the register holds."""
    from register.check.review import effective_license

    out: dict[str, tuple[str | None, bool]] = {}
    if not ids:
        return out
    for row in conn.execute(select(_D.c.id, _D.c.concluded_license, _D.c.declared_license,
                                   _D.c.declared_needs_review).where(_D.c.id.in_(list(ids)))):
        out[row.id] = effective_license(row.concluded_license, row.declared_license,
                                        row.declared_needs_review)
    return out


def dataset_versions(conn: Connection, wanted: Sequence[tuple[str, str | None]],
                     ) -> list[dict[str, Any]]:
    """The exact version of each ``(id, pinned revision)``: the pinned one when the register
    holds it, else the current one (``version``, ``card_sha256``, ``revision``, ``license``)."""
    out: list[dict[str, Any]] = []
    licenses = dataset_licenses(conn, [i for i, _ in wanted])
    for ds_id, rev in wanted:
        row = None
        if rev:
            row = conn.execute(select(_V.c.version, _V.c.card_sha256, _V.c.revision)
                               .where(_V.c.dataset_id == ds_id, _V.c.revision == rev)
                               .order_by(_V.c.version.desc()).limit(1)).first()
        if row is None:
            row = conn.execute(select(_D.c.version, _D.c.card_sha256, _D.c.revision)
                               .where(_D.c.id == ds_id)).first()
        if row is None:
            continue
        lic, review = licenses.get(ds_id, (None, True))
        out.append({"id": ds_id, "version": row.version, "card_sha256": row.card_sha256,
                    "revision": row.revision, "license": lic, "license_needs_review": review})
    return out


def loads(text: str | None, default: Any) -> Any:
    """A stored JSON column (``default`` when empty)."""
    return json.loads(text) if text else default
