"""The Python API: :class:`Register`.  The CLI is a thin layer over it.

    >>> with Register.open("register.db", create=True) as reg:  # a read never creates
    ...     reg.ingest_paths(["data/cards"], recursive=True)
    ...     result = reg.check(["squad", "glue"], use="release-weights")
    >>> result.verdict                     # a CheckResult; result.to_dict() is the SPEC JSON

One method per user verb, delegating: reads to :mod:`register.store.queries`, writes to
:mod:`register.store.decisions`, card parsing to :mod:`register.cards`, checks to
:mod:`register.check`, review state to :mod:`register.check.review`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.actors import validate_actor
from register.cards.ingest import IngestSummary, ingest_documents
from register.check.facts import Clearance, RightsRecord
from register.check.uses import validate_use
from register.check_verbs import CheckVerbs
from register.errors import RegisterError, UsageError, ValidationError
from register.governance.verbs import GovernanceVerbs
from register.ids import dataset_id_problem
from register.model_verbs import ModelVerbs
from register.reports.verbs import ReportVerbs
from register.store import decisions, queries, rights_import
from register.store.audit import AuditWriter, VerifyReport, actor_or_default
from register.store.audit import verify as verify_chain
from register.store.engine import (
    HEAD_REVISION,
    migrate,
    open_engine,
    read_connection,
    run_write,
    snapshot,
)
from register.views import AuditEntry, DatasetSummary, DatasetView

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from register.cards.hub_sync import SyncSummary
    from register.check.result import CheckResult
    from register.licenses.catalog import KnowledgeBase
    from register.rights.record import RightsChange



class Register(ModelVerbs, GovernanceVerbs, ReportVerbs, CheckVerbs):
    """A register of datasets, their licenses, rights, clearances and audit trail.

    A context manager: leaving the ``with`` block disposes of the database engine."""

    def __init__(self, engine: Engine, *, kb: KnowledgeBase | None = None) -> None:
        self.engine = engine
        self._kb = kb
        self._bound = threading.local()  # the write transaction a recorded check reads in

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(
        cls, target: str | os.PathLike[str] | None = None, *, create: bool = False,
        kb: KnowledgeBase | None = None,
    ) -> Register:
        """Open (and migrate) the register at a path or SQLAlchemy URL.

        A read never creates: a register file that does not exist is a
        :class:`~register.errors.StoreError` ("no register at PATH"); pass ``create=True``
        to make a new one (as ``register ingest`` does)."""
        engine = open_engine(target, create=create)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, kb=kb)

    def close(self) -> None:
        """Release the database connections (the register can be opened again)."""
        self.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def kb(self) -> KnowledgeBase:
        """The license knowledge base (the packaged one unless another was given)."""
        if self._kb is None:
            from register.licenses.catalog import default_kb

            self._kb = default_kb()
        return self._kb

    # -- ingest ------------------------------------------------------------------------------
    def ingest_documents(
        self, items: Iterable[Any], *, actor: str | None = None,
        progress: Callable[[int], None] | None = None, batch_size: int = 1000,
    ) -> IngestSummary:
        """Write parsed cards (and count the errors passed in the stream)."""
        return ingest_documents(self.engine, items, actor=actor_or_default(actor),
                                batch_size=batch_size, progress=progress, kb=self._kb)

    def ingest_paths(
        self, paths: Sequence[str | os.PathLike[str]], *, recursive: bool = False,
        dataset_id: str | None = None, actor: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> IngestSummary:
        """Ingest card files, dataset directories, or (recursive) trees of them."""
        from register.cards.ingest import iter_documents

        with read_connection(self.engine) as conn:
            known = queries.checksums(conn)
        docs = iter_documents([Path(p) for p in paths], recursive=recursive,
                              dataset_id=dataset_id, known=known)
        return self.ingest_documents(docs, actor=actor, progress=progress)

    def ingest_hub(
        self, ids: Sequence[str], *, revision: str | None = None, actor: str | None = None,
    ) -> IngestSummary:
        """Fetch cards from the Hugging Face Hub and ingest them."""
        from register.cards.hub import fetch_cards

        return self.ingest_documents(fetch_cards(list(ids), revision), actor=actor)

    def sync_hub(
        self, *, search: str | None = None, limit: int | None = None, jobs: int = 8,
        actor: str | None = None, progress: Callable[[int], None] | None = None,
        kind: str = "dataset",
    ) -> SyncSummary:
        """Ingest the Hub's datasets (``kind="model"``: models) matching ``search`` (at most
        ``limit``) that are new or at a new sha, ``jobs`` downloads at a time (hub_sync)."""
        from register.cards.hub_sync import sync_hub

        return sync_hub(self.engine, kind, actor=actor_or_default(actor), search=search,
                        limit=limit, jobs=jobs, progress=progress, kb=self._kb)

    # -- reads -------------------------------------------------------------------------------
    def dataset_ids(self) -> list[str]:
        with read_connection(self.engine) as conn:
            return queries.dataset_ids(conn)

    def count(self) -> int:
        with read_connection(self.engine) as conn:
            return queries.count(conn)

    def existing_ids(self, ids: Sequence[str]) -> list[str]:
        """Those of ``ids`` the register holds."""
        with read_connection(self.engine) as conn:
            return queries.existing_ids(conn, ids)

    def list_datasets(
        self, *, license: str | None = None, needs_review: bool = False,
        personal_data: str | None = None, region: str | None = None,
        expiring_within: int | None = None, today: date | None = None,
        share_alike: bool = False, non_commercial: bool = False,
    ) -> list[DatasetSummary]:
        """Datasets with their effective license and review state, filtered.

        ``license``: every id it names is in the dataset's license, an id without a version
        naming its whole family (``CC-BY-SA`` matches every CC-BY-SA version).
        ``share_alike`` / ``non_commercial``: only licenses with such terms (knowledge base)."""
        return list(self.iter_datasets(
            license=license, needs_review=needs_review, personal_data=personal_data,
            region=region, expiring_within=expiring_within, today=today,
            share_alike=share_alike, non_commercial=non_commercial))

    def iter_datasets(
        self, *, license: str | None = None, needs_review: bool = False,
        personal_data: str | None = None, region: str | None = None,
        expiring_within: int | None = None, today: date | None = None,
        share_alike: bool = False, non_commercial: bool = False,
    ) -> Iterator[DatasetSummary]:
        """:meth:`list_datasets` one dataset at a time, streamed from the store."""
        from register.licenses.expressions import license_key_set as key_set
        from register.licenses.expressions import license_keys, names_license
        from register.rights import record as rights_mod

        today = today or date.today()
        want_keys = key_set(license) if license else None
        if personal_data is not None and personal_data not in ("yes", "no", "unknown"):
            raise UsageError(f"personal_data must be yes, no or unknown, not {personal_data!r}",
                             param="personal_data")
        if expiring_within is not None and expiring_within < 0:
            raise UsageError(f"expiring_within must be a number of days >= 0, not "
                             f"{expiring_within}", param="expiring_within")
        kb = self.kb

        def has_terms(expression: str | None) -> bool:
            terms_of = [kb.get(k) for k in license_keys(expression)]
            return all((
                not share_alike or any(t is not None and t.is_share_alike for t in terms_of),
                not non_commercial or any(t is not None and not t.commercial_use
                                          for t in terms_of),
            ))
        region_code = rights_mod.normalize_region_filter(region) if region else None
        from register.check.review import Reviewer

        reviewer = Reviewer(self.kb)

        retain_before = today + timedelta(days=expiring_within) \
            if expiring_within is not None else None
        with read_connection(self.engine) as conn:
            for row in queries.list_rows(conn, personal_data=personal_data,
                                         retain_before=retain_before):
                record = reviewer.record(row.rights_json)
                summary = DatasetSummary.from_row(row, reviewer.review(
                    concluded=row.concluded_license, declared=row.declared_license,
                    declared_needs_review=row.declared_needs_review,
                    declared_reason=row.declared_reason,
                    concluded_reason=row.concluded_reason, rights_json=row.rights_json,
                    suggestions_json=row.suggestions_json))
                if want_keys is not None and not all(
                        names_license(w, key_set(summary.license)) for w in want_keys):
                    continue
                if (share_alike or non_commercial) and not has_terms(summary.license):
                    continue
                if needs_review and not summary.review:
                    continue
                if region_code and not rights_mod.usable_in_region(record, region_code):
                    continue
                yield summary

    def frame(self, ids: Sequence[str] | None = None, *, today: date | None = None) -> Any:
        """The register (or the datasets ``ids``) as a pandas DataFrame: the csv export's
        columns, one row per dataset, ordered by id (:mod:`register.frames`)."""
        from register.frames import register_frame

        return register_frame(self, ids, today=today)

    def show(self, dataset_id: str) -> DatasetView:
        """One dataset: identity, license (raw, declared, concluded), rights, history."""
        _check_dataset_arg(dataset_id)
        with read_connection(self.engine) as conn:
            return queries.dataset_view(conn, dataset_id)

    # -- decisions ---------------------------------------------------------------------------
    def set_license(
        self, dataset_id: str, expression: str, *, reason: str, by: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        """Record a concluded license (a human decision that overrides the declared one).
        ``expected_version``: the dataset's version token (:meth:`row_version`) the decision
        is based on; a newer change is a :class:`~register.errors.ConflictError`."""
        _check_dataset_arg(dataset_id)
        canonical = validate_expression(expression)
        if not reason or not reason.strip():
            raise UsageError("a concluded license needs a reason")
        actor = actor_or_default(by)

        def work(conn: Any) -> str:
            decisions.check_version(conn, dataset_id, expected_version)
            row = queries.dataset_row(conn, dataset_id)
            audit = AuditWriter(conn, actor)
            decisions.conclude_license(conn, audit, dataset_id, canonical, reason, actor,
                                       row.concluded_license)
            audit.flush()
            return canonical

        return run_write(self.engine, work)

    def withdraw_license(
        self, dataset_id: str, *, reason: str, by: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        """Withdraw the concluded license (the declared one applies again); returns the
        withdrawn expression.  Audited, with its reason."""
        if not reason or not reason.strip():
            raise UsageError("withdrawing a concluded license needs a reason")
        actor = actor_or_default(by)

        def work(conn: Any) -> str:
            decisions.check_version(conn, dataset_id, expected_version)
            row = queries.dataset_row(conn, dataset_id)
            if row.concluded_license is None:
                raise ValidationError(f"{dataset_id!r} has no concluded license to withdraw")
            audit = AuditWriter(conn, actor)
            decisions.withdraw_license(conn, audit, dataset_id, reason, actor,
                                       row.concluded_license)
            audit.flush()
            return str(row.concluded_license)

        return run_write(self.engine, work)

    def row_version(self, dataset_id: str) -> int:
        """The dataset's version token (the seq of its last audit event), to pass back as
        ``expected_version`` (``--expect-version``); exports write it as ``row_version``."""
        with read_connection(self.engine) as conn:
            queries.dataset_row(conn, dataset_id)
            return queries.row_versions(conn, [dataset_id]).get(dataset_id, 0)

    def set_rights(
        self, dataset_id: str, change: RightsChange, *, reason: str | None = None,
        by: str | None = None, expected_version: int | None = None,
    ) -> RightsRecord:
        """Apply a rights change (validated) and keep the previous value in history."""
        _check_dataset_arg(dataset_id)
        actor = actor_or_default(by)

        def work(conn: Any) -> RightsRecord:
            decisions.check_version(conn, dataset_id, expected_version)
            audit = AuditWriter(conn, actor)
            record = decisions.apply_rights(conn, audit, dataset_id, change, reason, actor)
            audit.flush()
            return record

        return run_write(self.engine, work)

    def import_rights(self, path: str | os.PathLike[str], *, by: str | None = None, force: bool
                      = False, warn: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Bulk rights (and concluded licenses) from .csv/.xlsx: all rows valid, or nothing.
        ``warn`` receives the warnings (edited cells of computed columns, which are ignored).

        Changes are recorded under ``by`` (the importer).  A row whose dataset changed since
        the export (its ``row_version``) and that would change it is a conflict and nothing
        is written (:class:`~register.errors.ConflictError` lists who changed what);
        ``force`` applies such rows anyway, naming them in the import's audit event."""
        from register.rights.table_import import scan_rights_table
        from register.rights.values import CLEAR_MARKERS

        actor = actor_or_default(by)
        checked: dict[str, str | None] = {}

        def license_check(expression: str) -> str | None:
            if expression not in checked:
                try:
                    validate_expression(expression)
                    checked[expression] = None
                except RegisterError as exc:
                    checked[expression] = exc.message
            return checked[expression]

        def records(ids: Sequence[str]) -> dict[str, RightsRecord | None]:
            with read_connection(self.engine) as conn:
                return queries.rights_records(conn, ids)

        from register.check.review import Reviewer
        from register.exports.cells import RowCells, register_cells

        cells = RowCells(Reviewer(self.kb))  # one for every batch: each license reviewed once

        def lookup(ids: Sequence[str]) -> dict[str, dict[str, Any]]:
            return register_cells(self.engine, ids, cells)

        scan = scan_rights_table(Path(path), lookup=lookup, records=records,
                                 license_check=license_check)
        if scan.problems:
            raise ValidationError(
                f"{path}: {len(scan.problems)} problem(s); nothing was imported",
                scan.problems, hint="fix the rows listed and import the file again")
        if warn is not None and (edited := scan.computed_edits):
            more = f" and {len(edited) - 20} more" if len(edited) > 20 else ""
            warn(f"{path}: {len(edited)} edited cell(s) in computed (grey) columns are "
                 f"ignored: {', '.join(edited[:20])}{more}")

        def planned_license(text: str | None) -> str | None:
            if text is None:
                return None
            return decisions.WITHDRAWN if text.lower() in CLEAR_MARKERS else (
                validate_expression(text))

        planned = [(r, planned_license(r.concluded_license)) for r in scan.rows]
        summary = run_write(self.engine, partial(
            rights_import.apply_rights_import, rows=planned, actor=actor,
            file_name=Path(path).name, path=str(path), force=force,
            unchanged=scan.unchanged))
        return summary.to_dict()

    def clear(
        self, dataset_id: str, *, use: str, reason: str, by: str, until: date | None = None,
    ) -> Clearance:
        """Record a legal clearance for one dataset (or base model id) and one use."""
        _check_dataset_arg(dataset_id)
        validate_use(use)
        if not reason.strip() or not by.strip():
            raise UsageError("a clearance needs a reason and who gives it (by)")
        return run_write(self.engine, partial(decisions.add_clearance, dataset_id=dataset_id,
                                              use=use, reason=reason, by=validate_actor(by),
                                              until=until))

    def revoke_clearance(self, dataset_id: str, *, use: str, reason: str, by: str) -> int:
        """Revoke the clearance(s) of one id for one use: from now on they no longer apply
        (audited, with the reason); returns how many were revoked."""
        validate_use(use)
        if not reason.strip() or not by.strip():
            raise UsageError("revoking a clearance needs a reason and who revokes it (by)")
        return run_write(self.engine, partial(decisions.revoke_clearance,
                                              dataset_id=dataset_id, use=use, reason=reason,
                                              by=validate_actor(by)))

    # -- checks ------------------------------------------------------------------------------
    def record_check(self, result: CheckResult, *, by: str | None = None) -> str:
        """Store a check result computed earlier; returns the state hash.  Prefer
        :meth:`check_and_record`, which computes and records in one transaction."""
        return run_write(self.engine, partial(decisions.record_check, result=result,
                                              actor=actor_or_default(by)))

    def check_and_record(self, compute: Callable[[], CheckResult], *, by: str | None = None,
                         ) -> tuple[CheckResult, str]:
        """Run ``compute`` (e.g. ``lambda: reg.check(...)``) and record its result in ONE
        write transaction: the verdict is recorded against exactly the state it was
        computed on.  Returns the result and the recorded state hash."""
        actor = actor_or_default(by)

        def work(conn: Connection) -> tuple[CheckResult, str]:
            self._bound.conn = conn
            try:
                result = compute()
            finally:
                self._bound.conn = None
            return result, decisions.record_check(conn, result, actor=actor)

        return run_write(self.engine, work)

    # -- audit -------------------------------------------------------------------------------
    def audit_log(
        self, *, dataset_id: str | None = None, since: date | None = None,
    ) -> list[AuditEntry]:
        """The audit trail's events, oldest first (of one dataset, on or after a day)."""
        with read_connection(self.engine) as conn:
            return queries.audit_entries(conn, dataset_id=dataset_id, since=since)

    def audit_verify(self, *, anchors: Sequence[str] = (),
                     allowed_signers: str | os.PathLike[str] | None = None) -> VerifyReport:
        """Verify the chain and the state it implies.  ``anchors`` are head hashes noted
        earlier outside the register (e.g. printed by a previous verify, or stored by CI):
        each must still be in the chain, which catches a rewrite of the whole tail.
        ``allowed_signers`` (an ssh-keygen allowed-signers file): every approval must be
        signed and its signature verify, so a forged or unsigned sign-off fails even in a
        rewritten register.

        Reads the chain and every table in one snapshot, so a concurrent writer is never
        mistaken for tampering."""
        with snapshot(self.engine) as conn:
            report = verify_chain(conn, HEAD_REVISION)
            if not report.ok:
                return report
            for anchor in anchors:
                digest = anchor.strip().lower()
                if digest != "0" * 64 and not queries.audit_hash_known(conn, digest):
                    report.ok = False
                    report.problem = (f"anchor {anchor[:16]}... is not in the audit trail: the "
                                      "history after it was rewritten")
                    break
            if report.ok and allowed_signers is not None:
                from register.governance.signatures import check_signatures

                check_signatures(conn, report, allowed_signers)
            return report


def validate_expression(expression: str) -> str:
    """A user-given SPDX expression, validated and in canonical form, or an error."""
    from register.licenses.expressions import canonical_expression

    try:
        return canonical_expression(expression)
    except ValueError as exc:
        raise UsageError(f"{expression!r} is not a valid SPDX license expression: {exc}",
                         hint="use SPDX ids (e.g. 'CC-BY-4.0 AND MIT') or LicenseRef-...") \
            from None


def _check_dataset_arg(dataset_id: str) -> None:
    """A dataset id named by a caller follows the one id rule (:mod:`register.ids`)."""
    problem = dataset_id_problem(dataset_id)
    if problem is not None:
        raise UsageError(problem)
