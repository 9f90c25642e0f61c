"""A rights import written in batches (:meth:`register.register.Register.import_rights`):
one state query, one ``executemany`` per table and one read-back of the written rows per
batch, all in the caller's one transaction; conflicts (rows whose dataset changed since the
export) are listed for every batch before anything stays written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection

from register.check.facts import RightsRecord
from register.errors import ConflictError, ValidationError, ValidationProblem
from register.store import queries
from register.store.audit import (
    AuditWriter,
    now_iso,
    read_rows,
    row_digest,
)
from register.store.decisions import WITHDRAWN, canonical, dumps, next_id
from register.store.tables import (
    DATASETS,
    DECISIONS,
    RIGHTS_HISTORY,
)

if TYPE_CHECKING:
    from register.rights.table_import import RightsRow

__all__ = ["IMPORT_BATCH", "ImportSummary", "apply_rights_import"]

_D, _L, _R = DATASETS, DECISIONS, RIGHTS_HISTORY


@dataclass(frozen=True)
class ImportSummary:
    """What a rights import changed."""

    rows: int
    rights_changed: int
    licenses_changed: int
    unchanged: int

    def to_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "rights_changed": self.rights_changed,
                "licenses_changed": self.licenses_changed, "unchanged": self.unchanged}


IMPORT_BATCH = 1000
"""Rows of a rights import handled per batch: one state query, one ``executemany`` per
table and one read-back of the written rows per batch."""


@dataclass
class _Planned:
    """What one import row writes: its rights (new and old record dicts) and/or its
    concluded license (an expression or :data:`WITHDRAWN`)."""

    row: RightsRow
    rights: tuple[RightsRecord, dict[str, Any], dict[str, Any] | None] | None
    license: str | None
    previous_license: str | None
    rid: int = 0
    lid: int = 0


def _plan_row(r: RightsRow, expr: str | None, rights_json: str | None,
              concluded: str | None) -> tuple[_Planned | None, list[ValidationProblem]]:
    """The writes of one row against the stored state (None: it changes nothing), and the
    problems of the record it would produce."""
    from register.rights.record import apply_change, validate_record

    current = RightsRecord.from_dict(json.loads(rights_json)) if rights_json else None
    rights = None
    problems: list[ValidationProblem] = []
    if not (current is None and r.change.is_empty()):
        record = apply_change(current, r.change)
        problems = validate_record(record)
        new: dict[str, Any] = dict(record.to_dict())
        old: dict[str, Any] | None = dict(current.to_dict()) if current else None
        if new != old or problems:
            rights = (record, new, old)
    license_ = None
    if expr == WITHDRAWN:
        if concluded is not None:
            license_ = WITHDRAWN
    elif expr is not None and expr != concluded:
        license_ = expr
    if rights is None and license_ is None:
        return None, []
    return _Planned(r, rights, license_, concluded), problems


def apply_rights_import(conn: Connection, rows: Sequence[tuple[RightsRow, str | None]],
                        *, actor: str, file_name: str, path: str,
                        force: bool = False, unchanged: int = 0,
                        batch: int | None = None) -> ImportSummary:
    """Apply validated import rows (each with its canonical concluded license, if any, or
    :data:`WITHDRAWN`) and one ``import`` audit event, in the caller's transaction.

    ``unchanged`` counts rows the reader already found equal to the register (not passed).
    Rows are handled ``batch`` at a time: their stored state is read in one query, rows that
    change nothing are skipped, and the changed ones are written with one ``executemany``
    per table; every event binds the rows it wrote (read back once per batch).  Any invalid
    row raises and nothing is written (the transaction is the caller's, across batches).
    A row whose dataset changed since the export (``row_version``) and that would change it
    is a :class:`ConflictError` listing every such row (nothing written) unless ``force``,
    which applies it and names the overridden rows in the import event.  ``batch``
    defaults to :data:`IMPORT_BATCH`."""
    batch = max(1, batch or IMPORT_BATCH)
    audit = AuditWriter(conn, actor)
    conflicts: list[str] = []
    failure: ValidationError | None = None
    counts = {"rights": 0, "licenses": 0, "skipped": 0}
    ids = {"rid": next_id(conn, _R), "lid": next_id(conn, _L)}
    for start in range(0, len(rows), batch):
        part = rows[start:start + batch]
        state = queries.rights_state(conn, [r.dataset_id for r, _e in part])
        versions = queries.row_versions(
            conn, [r.dataset_id for r, _e in part if r.row_version is not None])
        plans: list[_Planned] = []
        for r, expr in part:
            stored = state.get(r.dataset_id)
            if stored is None:
                queries.dataset_row(conn, r.dataset_id)  # NotFoundError
                continue
            plan, problems = _plan_row(r, expr, stored.rights_json, stored.concluded_license)
            if plan is None:
                counts["skipped"] += 1
                continue
            now = versions.get(r.dataset_id, 0)
            if r.row_version is not None and now != r.row_version:
                changes = queries.changes_since(conn, r.dataset_id, r.row_version)
                conflicts.append(
                    f"row {r.row} ({r.dataset_id}): changed since the export (row_version "
                    f"{r.row_version}, now {now}): " + ("; ".join(changes) or "events removed"))
                if not force:
                    continue  # nothing is written: keep listing the conflicts
            if problems and failure is None:
                message = f"rights for {r.dataset_id!r} are inconsistent: {problems[0]}"
                failure = ValidationError(
                    f"{path}: row {r.row}: {message}; nothing was imported",
                    [ValidationProblem(message, row=r.row)])
            plans.append(plan)
        if failure is None and (force or not conflicts):
            _write_import_batch(conn, audit, plans, actor, file_name, ids, counts)
    if conflicts and not force:
        raise ConflictError(
            f"{path}: {len(conflicts)} row(s) changed in the register since the export; "
            "nothing was imported", conflicts,
            hint="export again and redo the edits, or import with --force to override")
    if failure is not None:
        raise failure
    after: dict[str, Any] = {"file": file_name, "rows": len(rows) + unchanged,
                             "rights_changed": counts["rights"],
                             "licenses_changed": counts["licenses"]}
    if conflicts:
        after["forced_over"] = conflicts
    audit.append("import", None, None, after, "forced over newer changes" if conflicts
                 else None)
    audit.flush()
    return ImportSummary(len(rows) + unchanged, counts["rights"], counts["licenses"],
                         unchanged + counts["skipped"])


def _write_import_batch(conn: Connection, audit: AuditWriter, plans: list[_Planned],
                        actor: str, file_name: str, ids: dict[str, int],
                        counts: dict[str, int]) -> None:
    """Write one batch of planned rows: rights first (dataset rows and history rows), read
    back; then concluded licenses (dataset rows and decision rows), read back; then the
    events in row order (``rights.set`` before the row's license event), each binding the
    rows as it left them."""
    at = now_iso()
    default_reason = f"import of {file_name}"
    rights = [p for p in plans if p.rights is not None]
    licenses = [p for p in plans if p.license is not None]
    d_rights: dict[str, str] = {}
    d_license: dict[str, str] = {}
    r_digests: dict[str, str] = {}
    l_digests: dict[str, str] = {}
    if rights:
        updates, history = [], []
        for p in rights:
            assert p.rights is not None
            record, new, old = p.rights
            p.rid = ids["rid"]
            ids["rid"] += 1
            why = _stated(p.row.reason or default_reason, p.row)
            updates.append({"b_id": p.row.dataset_id, "rights_json": dumps(new),
                            "personal_data": record.personal_data,
                            "retain_until": record.retain_until, "rights_by": actor,
                            "rights_reason": why, "rights_at": at, "updated_at": at})
            history.append({"id": p.rid, "dataset_id": p.row.dataset_id,
                            "rights_json": dumps(new),
                            "previous_json": dumps(old) if old else None, "by": actor,
                            "reason": why, "at": at})
        _update_datasets(conn, updates)
        conn.execute(insert(_R), history)
        d_rights = _digests(conn, _D, [p.row.dataset_id for p in rights])
        r_digests = _digests(conn, _R, [p.rid for p in rights])
    if licenses:
        updates, decided = [], []
        for p in licenses:
            p.lid = ids["lid"]
            ids["lid"] += 1
            why = _stated(p.row.concluded_reason or p.row.reason or "", p.row)
            value = None if p.license == WITHDRAWN else p.license
            updates.append({"b_id": p.row.dataset_id, "concluded_license": value,
                            "concluded_by": actor, "concluded_reason": why,
                            "concluded_at": at, "updated_at": at})
            decided.append({"id": p.lid, "dataset_id": p.row.dataset_id,
                            "expression": p.license, "previous": p.previous_license,
                            "by": actor, "reason": why, "at": at})
        _update_datasets(conn, updates)
        conn.execute(insert(_L), decided)
        d_license = _digests(conn, _D, [p.row.dataset_id for p in licenses])
        l_digests = _digests(conn, _L, [p.lid for p in licenses])
    d_cols = sorted(c.name for c in _D.columns)
    for p in plans:
        ds_id = p.row.dataset_id
        if p.rights is not None:
            _record, new, old = p.rights
            rows_json = canonical({
                _D.name: {"columns": d_cols, "rows": {ds_id: d_rights[ds_id]}},
                _R.name: {"columns": sorted(c.name for c in _R.columns),
                          "rows": {str(p.rid): r_digests[str(p.rid)]}}})
            audit.append("rights.set", ds_id, old, new,
                         _stated(p.row.reason or default_reason, p.row), at=at, actor=actor,
                         rows_json=rows_json)
            counts["rights"] += 1
        if p.license is not None:
            rows_json = canonical({
                _D.name: {"columns": d_cols, "rows": {ds_id: d_license[ds_id]}},
                _L.name: {"columns": sorted(c.name for c in _L.columns),
                          "rows": {str(p.lid): l_digests[str(p.lid)]}}})
            withdrawn = p.license == WITHDRAWN
            audit.append("license.withdraw" if withdrawn else "license.conclude", ds_id,
                         {"concluded_license": p.previous_license},
                         {"concluded_license": None if withdrawn else p.license},
                         _stated(p.row.concluded_reason or p.row.reason or "", p.row),
                         at=at, actor=actor, rows_json=rows_json)
            counts["licenses"] += 1


def _stated(reason: str, r: RightsRow) -> str:
    """The reason of an imported change, with the sheet's ``by`` as a claim (the actor is
    the importer)."""
    return reason + (f" (stated by {r.by})" if r.by else "")


def _update_datasets(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """UPDATE dataset rows (``b_id`` names the row) with one ``executemany``."""
    keys = [k for k in rows[0] if k != "b_id"]
    conn.execute(update(_D).where(_D.c.id == bindparam("b_id"))
                 .values({k: bindparam(k) for k in keys}), rows)


def _digests(conn: Connection, tbl: Any, keys: Sequence[Any]) -> dict[str, str]:
    """Row digests (:func:`register.store.audit.row_digest`) of rows just written."""
    return {k: row_digest(tbl.name, k, cells) for k, cells in read_rows(conn, tbl, keys)}

