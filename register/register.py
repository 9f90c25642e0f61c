"""The Python API: :class:`Register`.  The CLI is a thin layer over it.

    >>> reg = Register.open("register.db")
    >>> reg.ingest_paths(["data/cards"], recursive=True)
    >>> result = reg.check(["squad", "glue"], use="release-weights")
    >>> result["verdict"]
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from register.cards.ingest import IngestSummary, ingest_documents
from register.check.facts import Clearance, DatasetFacts, RightsRecord
from register.check.uses import validate_use
from register.errors import (
    CorpusError,
    NotFoundError,
    RegisterError,
    UsageError,
    ValidationError,
    ValidationProblem,
)
from register.store.audit import AuditWriter, VerifyReport, default_actor, head_hash, now_iso
from register.store.audit import verify as verify_chain
from register.store.engine import migrate, open_engine, read_connection, run_write
from register.store.tables import (
    AuditEvent,
    CheckRecord,
    ClearanceRow,
    Dataset,
    DatasetVersion,
    LicenseDecision,
    RightsEntry,
)
from register.versions import SCHEMA_VERSION

if TYPE_CHECKING:
    from register.check.policy import Policy
    from register.licenses.catalog import KnowledgeBase
    from register.rights.record import RightsChange

_D = Dataset.__table__  # type: ignore[attr-defined]
_V = DatasetVersion.__table__  # type: ignore[attr-defined]
_L = LicenseDecision.__table__  # type: ignore[attr-defined]
_R = RightsEntry.__table__  # type: ignore[attr-defined]
_C = ClearanceRow.__table__  # type: ignore[attr-defined]
_A = AuditEvent.__table__  # type: ignore[attr-defined]
_K = CheckRecord.__table__  # type: ignore[attr-defined]
_CHUNK = 500


def _loads(text: str | None, default: Any = None) -> Any:
    return json.loads(text) if text else default


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _effective(row: Any) -> tuple[str | None, bool]:
    """The effective license and whether it needs review (a human conclusion wins)."""
    if row.concluded_license:
        return row.concluded_license, row.concluded_license.upper() == "NOASSERTION"
    return row.declared_license, bool(row.declared_needs_review)


class Register:
    """A register of datasets, their licenses, rights, clearances and audit trail."""

    def __init__(self, engine: Engine, *, kb: KnowledgeBase | None = None) -> None:
        self.engine = engine
        self._kb = kb

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls, target: str | os.PathLike[str] | None = None, *, create: bool = True,
        kb: KnowledgeBase | None = None,
    ) -> Register:
        """Open (and create or migrate) the register at a path or SQLAlchemy URL."""
        engine = open_engine(target, create=create)
        migrate(engine)
        return cls(engine, kb=kb)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            from register.licenses.catalog import default_kb

            self._kb = default_kb()
        return self._kb

    # -- ingest ------------------------------------------------------------------------------
    def ingest_documents(
        self, items: Iterable[Any], *, actor: str | None = None,
        progress: Callable[[int], None] | None = None, batch_size: int = 1000,
    ) -> IngestSummary:
        return ingest_documents(self.engine, items, actor=actor or default_actor(),
                                batch_size=batch_size, progress=progress, kb=self._kb)

    def ingest_paths(
        self, paths: Sequence[str | os.PathLike[str]], *, recursive: bool = False,
        dataset_id: str | None = None, actor: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IngestSummary:
        """Ingest card files, dataset directories, or (recursive) trees of them."""
        from register.cards.ingest import iter_documents

        with read_connection(self.engine) as conn:
            known = {r.id: r.card_sha256 for r in conn.execute(select(_D.c.id, _D.c.card_sha256))}
        docs = iter_documents([Path(p) for p in paths], recursive=recursive,
                              dataset_id=dataset_id, known=known)
        return self.ingest_documents(docs, actor=actor, progress=progress)

    def ingest_hub(
        self, ids: Sequence[str], *, revision: str | None = None, actor: str | None = None,
    ) -> IngestSummary:
        from register.cards.hub import fetch_cards

        return self.ingest_documents(fetch_cards(list(ids), revision), actor=actor)

    def hub_search(self, query: str, limit: int = 20) -> list[str]:
        from register.cards.hub import search

        return search(query, limit)

    # -- queries -----------------------------------------------------------------------------
    def dataset_ids(self) -> list[str]:
        with read_connection(self.engine) as conn:
            return [r[0] for r in conn.execute(select(_D.c.id).order_by(_D.c.id))]

    def count(self) -> int:
        with read_connection(self.engine) as conn:
            return int(conn.execute(select(func.count()).select_from(_D)).scalar_one())

    def _row(self, conn: Connection, dataset_id: str) -> Any:
        row = conn.execute(select(_D).where(_D.c.id == dataset_id)).first()
        if row is None:
            raise NotFoundError(f"dataset {dataset_id!r} is not in the register",
                                hint="see 'register list' for the ids it holds")
        return row

    def list_datasets(
        self, *, license: str | None = None, needs_review: bool = False,
        personal_data: str | None = None, region: str | None = None,
        expiring_within: int | None = None, today: date | None = None,
    ) -> list[dict[str, Any]]:
        """Datasets with their effective license and review state, filtered."""
        from register.rights import record as rights_mod

        today = today or date.today()
        want_keys = _license_keys(license) if license else None
        region_code = rights_mod.normalize_region_filter(region) if region else None
        out: list[dict[str, Any]] = []
        terms_cache: dict[str | None, list[str]] = {}
        stmt = select(
            _D.c.id, _D.c.source, _D.c.revision, _D.c.version, _D.c.pretty_name,
            _D.c.declared_license, _D.c.declared_needs_review, _D.c.concluded_license,
            _D.c.license_changed_at, _D.c.previous_license, _D.c.rights_json,
            _D.c.personal_data, _D.c.retain_until, _D.c.declared_reason, _D.c.suggestions_json,
        ).order_by(_D.c.id)
        if personal_data:
            stmt = stmt.where(_D.c.personal_data == personal_data)
        if expiring_within is not None:
            stmt = stmt.where(_D.c.retain_until.is_not(None)).where(
                _D.c.retain_until <= today + timedelta(days=expiring_within))
        with read_connection(self.engine) as conn:
            for row in conn.execute(stmt):
                effective, review = _effective(row)
                record = RightsRecord.from_dict(_loads(row.rights_json, {}))
                problems = rights_mod.rights_problems(record) if row.rights_json or \
                    row.personal_data == "yes" else []
                if not row.rights_json and _suggests_personal_data(row.suggestions_json):
                    problems.append("the card suggests personal data (unconfirmed) and no "
                                    "rights are recorded")
                if want_keys is not None and not want_keys <= _license_keys(effective):
                    continue
                unknown_terms = [] if review else self._missing_terms(effective, terms_cache)
                terms_problems = [f"no terms in the knowledge base for "
                                  f"{', '.join(unknown_terms)}: a check will need review"
                                  ] if unknown_terms else []
                if needs_review and not (review or problems or terms_problems):
                    continue
                if region_code and not rights_mod.usable_in_region(record, region_code):
                    continue
                out.append({
                    "id": row.id,
                    "license": effective,
                    "needs_review": review,
                    "rights_needs_review": bool(problems),
                    "review_reasons": ([row.declared_reason] if review and row.declared_reason
                                       else []) + terms_problems + problems,
                    "source": row.source,
                    "revision": row.revision,
                    "version": row.version,
                    "pretty_name": row.pretty_name,
                    "personal_data": row.personal_data,
                    "retain_until": row.retain_until.isoformat() if row.retain_until else None,
                    "license_changed": row.license_changed_at is not None,
                    "previous_license": row.previous_license,
                })
        return out

    def _missing_terms(self, expression: str | None,
                       cache: dict[str | None, list[str]]) -> list[str]:
        """License ids of ``expression`` the knowledge base holds no terms for."""
        if expression not in cache:
            from register.licenses.expressions import spdx_licensing

            try:
                keys = set(spdx_licensing().license_keys(expression)) if expression else set()
            except Exception:  # not an expression: rule 1 and the license reason say so
                keys = set()
            cache[expression] = sorted(
                k for k in keys if k.upper() != "NOASSERTION" and self.kb.get(k) is None)
        return cache[expression]

    def show(self, dataset_id: str) -> dict[str, Any]:
        with read_connection(self.engine) as conn:
            row = self._row(conn, dataset_id)
            effective, review = _effective(row)
            versions = conn.execute(
                select(_V).where(_V.c.dataset_id == dataset_id).order_by(_V.c.version)
            ).all()
            decisions = conn.execute(
                select(_L).where(_L.c.dataset_id == dataset_id).order_by(_L.c.id)
            ).all()
            rights_hist = conn.execute(
                select(_R).where(_R.c.dataset_id == dataset_id).order_by(_R.c.id)
            ).all()
            clearances = conn.execute(
                select(_C).where(_C.c.dataset_id == dataset_id).order_by(_C.c.id)
            ).all()
        history = []
        prev_license: str | None = None
        for i, v in enumerate(versions):
            history.append({
                "version": v.version, "card_sha256": v.card_sha256, "source": v.source,
                "revision": v.revision, "declared_license": v.declared_license,
                "needs_review": v.declared_needs_review, "ingested_at": v.ingested_at,
                "license_changed": i > 0 and v.declared_license != prev_license,
            })
            prev_license = v.declared_license
        rights = _loads(row.rights_json)
        return {
            "schema_version": SCHEMA_VERSION,
            "id": row.id,
            "pretty_name": row.pretty_name,
            "source": row.source,
            "revision": row.revision,
            "version": row.version,
            "card_sha256": row.card_sha256,
            "ingested_at": row.ingested_at,
            "updated_at": row.updated_at,
            "license": {
                "raw": _loads(row.raw_license_json, {}),
                "declared": row.declared_license,
                "declared_needs_review": row.declared_needs_review,
                "concluded": row.concluded_license,
                "concluded_by": row.concluded_by,
                "concluded_reason": row.concluded_reason,
                "concluded_at": row.concluded_at,
                "effective": effective,
                "needs_review": review,
                "reason": row.declared_reason,
                "method": row.declared_method,
                "confidence": row.declared_confidence,
                "decisions": [
                    {"expression": d.expression, "previous": d.previous, "by": d.by,
                     "reason": d.reason, "at": d.at} for d in decisions
                ],
            },
            "rights": {
                # the fields in force (defaults when nothing is recorded), then the record
                **(rights or RightsRecord().to_dict()),
                "recorded": rights,
                "by": row.rights_by, "reason": row.rights_reason, "at": row.rights_at,
                "suggestions": _loads(row.suggestions_json, {}),
                "history": [
                    {"rights": _loads(h.rights_json), "previous": _loads(h.previous_json),
                     "by": h.by, "reason": h.reason, "at": h.at} for h in rights_hist
                ],
            },
            "clearances": [
                {"use": c.use, "by": c.by, "reason": c.reason,
                 "until": c.until.isoformat() if c.until else None, "at": c.created_at}
                for c in clearances
            ],
            "metadata": _loads(row.metadata_json, {}),
            "history": history,
        }

    # -- decisions ---------------------------------------------------------------------------
    def set_license(
        self, dataset_id: str, expression: str, *, reason: str, by: str | None = None,
    ) -> str:
        """Record a concluded license (a human decision that overrides the declared one)."""
        canonical = validate_expression(expression)
        if not reason or not reason.strip():
            raise UsageError("a concluded license needs a reason (--reason)")
        actor = by or default_actor()

        def work(conn: Connection) -> str:
            row = self._row(conn, dataset_id)
            audit = AuditWriter(conn, actor)
            self._conclude(conn, audit, dataset_id, canonical, reason, actor,
                           row.concluded_license)
            audit.flush()
            return canonical

        return run_write(self.engine, work)

    def set_rights(
        self, dataset_id: str, change: RightsChange, *, reason: str | None = None,
        by: str | None = None,
    ) -> RightsRecord:
        """Apply a rights change (validated) and keep the previous value in history."""
        actor = by or default_actor()

        def work(conn: Connection) -> RightsRecord:
            audit = AuditWriter(conn, actor)
            record = self._apply_rights(conn, audit, dataset_id, change, reason, actor)
            audit.flush()
            return record

        return run_write(self.engine, work)

    def _apply_rights(
        self, conn: Connection, audit: AuditWriter, dataset_id: str, change: RightsChange,
        reason: str | None, actor: str,
    ) -> RightsRecord:
        from register.rights.record import apply_change, validate_record

        row = self._row(conn, dataset_id)
        current = RightsRecord.from_dict(_loads(row.rights_json, {})) if row.rights_json \
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
            rights_json=_dumps(new), personal_data=record.personal_data,
            retain_until=record.retain_until, rights_by=actor, rights_reason=why,
            rights_at=at, updated_at=at))
        conn.execute(insert(_R).values(
            dataset_id=dataset_id, rights_json=_dumps(new),
            previous_json=_dumps(old) if old else None, by=actor, reason=why, at=at))
        audit.append("rights.set", dataset_id, old, new, why, at=at, actor=actor)
        return record

    def import_rights(self, path: str | os.PathLike[str], *, by: str | None = None,
                      ) -> dict[str, Any]:
        """Bulk rights (and concluded licenses) from .csv/.xlsx: all rows valid, or nothing."""
        from register.rights.table_import import read_rights_table

        actor = by or default_actor()
        with read_connection(self.engine) as conn:
            stored = {r.id: r.rights_json for r in conn.execute(select(_D.c.id, _D.c.rights_json))}

        def current(dataset_id: str) -> RightsRecord | None:
            text = stored.get(dataset_id)
            return RightsRecord.from_dict(_loads(text, {})) if text else None

        def license_check(expression: str) -> str | None:
            try:
                validate_expression(expression)
            except RegisterError as exc:
                return exc.message
            return None

        rows, problems = read_rights_table(Path(path), known_ids=stored.keys(), current=current,
                                           license_check=license_check)
        if problems:
            raise ValidationError(
                f"{path}: {len(problems)} problem(s); nothing was imported", problems,
                hint="fix the rows listed and import the file again")

        def work(conn: Connection) -> dict[str, Any]:
            audit = AuditWriter(conn, actor)
            changed_rights = changed_licenses = unchanged = 0
            for r in rows:
                row_actor = r.by or actor
                before = conn.execute(select(_D.c.rights_json, _D.c.concluded_license)
                                      .where(_D.c.id == r.dataset_id)).one()
                try:
                    self._apply_rights(conn, audit, r.dataset_id, r.change, r.reason,
                                       row_actor)
                except ValidationError as exc:
                    raise ValidationError(
                        f"{path}: row {r.row}: {exc.message}; nothing was imported",
                        [ValidationProblem(exc.message, row=r.row)]) from exc
                after = conn.execute(select(_D.c.rights_json).where(
                    _D.c.id == r.dataset_id)).scalar_one()
                did = after != before.rights_json
                changed_rights += did
                if r.concluded_license:
                    expr = validate_expression(r.concluded_license)
                    if expr != before.concluded_license:
                        self._conclude(conn, audit, r.dataset_id, expr,
                                       r.concluded_reason or r.reason or "", row_actor,
                                       before.concluded_license)
                        changed_licenses += 1
                        did = True
                unchanged += not did
            audit.append("import", None, None,
                         {"file": Path(path).name, "rows": len(rows),
                          "rights_changed": changed_rights,
                          "licenses_changed": changed_licenses}, None)
            audit.flush()
            return {"rows": len(rows), "rights_changed": changed_rights,
                    "licenses_changed": changed_licenses, "unchanged": unchanged}

        return run_write(self.engine, work)

    def _conclude(self, conn: Connection, audit: AuditWriter, dataset_id: str, expr: str,
                  reason: str, actor: str, previous: str | None) -> None:
        """Record a concluded license, its decision row and its audit event."""
        at = now_iso()
        conn.execute(update(_D).where(_D.c.id == dataset_id).values(
            concluded_license=expr, concluded_by=actor, concluded_reason=reason,
            concluded_at=at, updated_at=at))
        conn.execute(insert(_L).values(dataset_id=dataset_id, expression=expr,
                                       previous=previous, by=actor, reason=reason, at=at))
        audit.append("license.conclude", dataset_id, {"concluded_license": previous},
                     {"concluded_license": expr}, reason, at=at, actor=actor)

    def _existing_ids(self, ids: Sequence[str]) -> list[str]:
        out: list[str] = []
        with read_connection(self.engine) as conn:
            for chunk in _chunks(list(dict.fromkeys(ids))):
                out.extend(r[0] for r in conn.execute(select(_D.c.id).where(
                    _D.c.id.in_(chunk))))
        return out

    def clear(
        self, dataset_id: str, *, use: str, reason: str, by: str, until: date | None = None,
    ) -> Clearance:
        """Record a legal clearance for one dataset (or base model id) and one use."""
        validate_use(use)
        if not reason.strip() or not by.strip():
            raise UsageError("a clearance needs --reason and --by")

        def work(conn: Connection) -> Clearance:
            at = now_iso()
            conn.execute(insert(_C).values(dataset_id=dataset_id, use=use, by=by,
                                           reason=reason, until=until, created_at=at))
            audit = AuditWriter(conn, by)
            audit.append("clearance.add", dataset_id, None,
                         {"use": use, "until": until.isoformat() if until else None, "by": by},
                         reason, at=at)
            audit.flush()
            return Clearance(dataset_id, use, by, reason, until, at)

        return run_write(self.engine, work)

    # -- checks ------------------------------------------------------------------------------
    def facts(
        self, datasets: Sequence[str | dict[str, Any]], *, strict: bool = True,
    ) -> list[DatasetFacts]:
        """Facts the check engine needs, for ids or ``{id, revision}`` entries."""
        wanted: list[tuple[str, str | None]] = []
        for item in datasets:
            if isinstance(item, str):
                wanted.append((item, None))
            else:
                wanted.append((str(item["id"]), item.get("revision")))
        ids = list(dict.fromkeys(i for i, _ in wanted))
        rows: dict[str, Any] = {}
        clearances: dict[str, list[Clearance]] = {}
        with read_connection(self.engine) as conn:
            for chunk in _chunks(ids):
                for row in conn.execute(select(
                    _D.c.id, _D.c.source, _D.c.pretty_name, _D.c.revision, _D.c.card_sha256,
                    _D.c.declared_license, _D.c.declared_needs_review, _D.c.declared_reason,
                    _D.c.concluded_license, _D.c.concluded_by, _D.c.rights_json,
                ).where(_D.c.id.in_(chunk))):
                    rows[row.id] = row
                for c in conn.execute(select(_C).where(_C.c.dataset_id.in_(chunk))):
                    clearances.setdefault(c.dataset_id, []).append(
                        Clearance(c.dataset_id, c.use, c.by, c.reason, c.until, c.created_at))
            missing = [i for i in ids if i not in rows]
            if missing and strict:
                raise CorpusError(
                    f"dataset {missing[0]!r} is not in the register"
                    + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                    hint="ingest it first ('register ingest') or fix the corpus")
            pinned = {i: rev for i, rev in wanted if rev}
            pinned_license = self._pinned_licenses(conn, pinned, rows)
        out = []
        for ds_id in ids:
            row = rows[ds_id]
            license, review = _effective(row)
            reason = row.declared_reason if review and not row.concluded_license else ""
            if ds_id in pinned_license and not row.concluded_license:
                license, review = pinned_license[ds_id]
            out.append(DatasetFacts(
                id=ds_id, license=license, license_needs_review=review, license_reason=reason,
                rights=RightsRecord.from_dict(_loads(row.rights_json, {}))
                if row.rights_json else None,
                clearances=tuple(clearances.get(ds_id, ())), source=row.source,
                pretty_name=row.pretty_name,
                extra={"concluded_by": row.concluded_by} if row.concluded_license else {},
            ))
        return out

    def _pinned_licenses(self, conn: Connection, pinned: dict[str, str], rows: dict[str, Any],
                         ) -> dict[str, tuple[str | None, bool]]:
        out: dict[str, tuple[str | None, bool]] = {}
        for ds_id, rev in pinned.items():
            if ds_id not in rows:
                continue
            if rev in (rows[ds_id].revision, rows[ds_id].card_sha256):
                continue
            v = conn.execute(select(_V).where(_V.c.dataset_id == ds_id).where(
                (_V.c.revision == rev) | (_V.c.card_sha256 == rev))
                .order_by(_V.c.version.desc())).first()
            if v is None:
                raise CorpusError(f"dataset {ds_id!r} has no version with revision {rev!r}")
            out[ds_id] = (v.declared_license, bool(v.declared_needs_review))
        return out

    def check(
        self, datasets: Sequence[str | dict[str, Any]], *, use: str,
        region: str | None = None, on: date | None = None, non_commercial: bool = False,
        policy: Policy | str | os.PathLike[str] | None = None,
        base_model: dict[str, Any] | None = None, strict: bool = True,
    ) -> dict[str, Any]:
        """The compatibility verdict for a combined corpus (SPEC section 4 JSON shape)."""
        from register.check.engine import check as run_check
        from register.check.policy import Policy as PolicyCls
        from register.check.policy import load_policy

        validate_use(use)
        pol = policy if isinstance(policy, PolicyCls) else load_policy(
            Path(policy) if policy is not None else None)
        facts = self.facts(datasets, strict=strict)
        base = self._base_model_facts(base_model) if base_model else None
        commercial = not (non_commercial or use == "research")
        return run_check(facts, use=use, commercial=commercial, region=region,
                         on=on or date.today(), policy=pol, kb=self.kb, base_model=base)

    def check_corpus(
        self, corpus_file: str | os.PathLike[str], *, extra_datasets: Sequence[str] = (),
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Check a corpus file (its datasets, pinned revisions and base model), with
        ``extra_datasets`` ids joining its datasets."""
        from register.check.corpus import load_corpus

        corpus = load_corpus(Path(corpus_file))
        listed = {e.id for e in corpus.datasets}
        entries: list[str | dict[str, Any]] = [e.to_dict() for e in corpus.datasets]
        entries += [i for i in dict.fromkeys(extra_datasets) if i not in listed]
        result = self.check(
            entries,
            base_model=corpus.base_model.to_dict() if corpus.base_model else None, **kwargs)
        result["corpus"] = corpus.name
        return result

    def _base_model_facts(self, base_model: dict[str, Any]) -> DatasetFacts:
        from register.licenses.normalize import normalize

        model_id = str(base_model.get("id") or "base-model")
        raw = base_model.get("license")
        norm = normalize(str(raw), kb=self._kb) if raw else None
        with read_connection(self.engine) as conn:
            clear = [Clearance(c.dataset_id, c.use, c.by, c.reason, c.until, c.created_at)
                     for c in conn.execute(select(_C).where(_C.c.dataset_id == model_id))]
        return DatasetFacts(
            id=model_id, license=norm.expression if norm else None,
            license_needs_review=norm.needs_review if norm else True,
            license_reason=norm.reason if norm else "the corpus gives no base model license",
            clearances=tuple(clear), is_base_model=True,
        )

    def record_check(self, result: dict[str, Any], *, by: str | None = None) -> str:
        """Store a check result with the register state it was computed on; returns its hash."""
        actor = by or default_actor()

        def work(conn: Connection) -> str:
            state = hashlib.sha256((head_hash(conn) + _dumps(
                [d.get("id") for d in result.get("datasets", [])])).encode()).hexdigest()
            at = now_iso()
            conn.execute(insert(_K).values(
                at=at, by=actor, corpus_name=result.get("corpus"), use=result["use"],
                verdict=result["verdict"], policy=str(result.get("policy")),
                state_hash=state, result_json=_dumps(result)))
            audit = AuditWriter(conn, actor)
            audit.append("check.record", None, None, {
                "corpus": result.get("corpus"), "use": result["use"],
                "verdict": result["verdict"], "policy": result.get("policy"),
                "state_hash": state,
                "datasets": sorted(d["id"] for d in result.get("datasets", [])),
            }, None, at=at)
            audit.flush()
            return state

        return run_write(self.engine, work)

    # -- audit -------------------------------------------------------------------------------
    def audit_log(
        self, *, dataset_id: str | None = None, since: date | None = None,
    ) -> list[dict[str, Any]]:
        stmt = select(_A).order_by(_A.c.seq)
        if dataset_id:
            stmt = stmt.where(_A.c.dataset_id == dataset_id)
        if since:
            stmt = stmt.where(_A.c.at >= since.isoformat())
        with read_connection(self.engine) as conn:
            return [
                {"seq": r.seq, "at": r.at, "actor": r.actor, "action": r.action,
                 "dataset_id": r.dataset_id, "before": _loads(r.before_json),
                 "after": _loads(r.after_json), "reason": r.reason, "hash": r.hash}
                for r in conn.execute(stmt)
            ]

    def audit_verify(self, *, anchors: Sequence[str] = ()) -> VerifyReport:
        """Verify the chain and the state it implies.  ``anchors`` are head hashes noted
        earlier outside the register (e.g. printed by a previous verify, or stored by CI):
        each must still be in the chain, which catches a rewrite of the whole tail."""
        with read_connection(self.engine) as conn:
            report = verify_chain(conn)
            if not report.ok:
                return report
            for anchor in anchors:
                found = conn.execute(select(_A.c.seq).where(_A.c.hash == anchor.strip().lower())
                                     ).first()
                if found is None and anchor.strip().lower() != "0" * 64:
                    report.ok = False
                    report.problem = (f"anchor {anchor[:16]}... is not in the audit trail: the "
                                      "history after it was rewritten")
                    break
            return report


def _suggests_personal_data(suggestions_json: str | None) -> bool:
    """Whether the card-derived (unconfirmed) suggestions say the data is personal."""
    if not suggestions_json or "personal_data" not in suggestions_json:
        return False
    suggestion = _loads(suggestions_json, {}).get("personal_data")
    value = suggestion.get("value") if isinstance(suggestion, dict) else suggestion
    return value == "yes"


def _license_keys(expression: str | None) -> set[str]:
    if not expression:
        return set()
    from register.licenses.expressions import license_keys

    return {k.lower() for k in license_keys(expression)}


def validate_expression(expression: str) -> str:
    """A user-given SPDX expression, validated and in canonical form, or an error."""
    from register.licenses.expressions import canonical_expression

    try:
        return canonical_expression(expression)
    except ValueError as exc:
        raise UsageError(f"{expression!r} is not a valid SPDX license expression: {exc}",
                         hint="use SPDX ids (e.g. 'CC-BY-4.0 AND MIT') or LicenseRef-...") \
            from None
