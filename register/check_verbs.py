"""The check verbs of :class:`register.register.Register` (a mixin): ``check``, ``facts``,
``check_corpus``, and reading back the checks ``register check --record`` stored
(``register checks list`` / ``checks show ID``); and :func:`plain_check`, the same check
of an SQLite register file through stdlib :mod:`sqlite3`.

Both read the facts with :mod:`register.store.facts_sql`; nothing here imports SQLAlchemy
at module level, so a plain ``register check`` starts without it (issue 17).

A recorded check is the SPEC section 4 result as it was computed, with who recorded it,
when, and the hash of the register state it ran on (:func:`register.store.decisions.record_check`);
reading it back never recomputes it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from typing_extensions import TypedDict

from register.check.result import CheckResultJSON
from register.check.uses import validate_use
from register.errors import CorpusError, UsageError

if TYPE_CHECKING:
    import threading

    from sqlalchemy.engine import Connection, Engine

    from register.check.corpus import Corpus
    from register.check.facts import DatasetFacts
    from register.check.policy import Policy
    from register.check.result import CheckResult
    from register.licenses.catalog import KnowledgeBase
    from register.register import Register
    from register.store.facts_sql import Db


class RecordedCheckJSON(TypedDict):
    """One recorded check of ``register checks list``."""

    id: int
    at: str
    by: str
    corpus: str | None
    use: str
    verdict: str
    policy: str
    state_hash: str
    datasets: list[str]


class RecordedCheckListJSON(TypedDict):
    """``register checks list --format json``: newest first."""

    checks: list[RecordedCheckJSON]


class RecordedCheckDetailJSON(RecordedCheckJSON):
    """``register checks show ID --format json``: the record and its full result."""

    result: CheckResultJSON


@dataclass(frozen=True)
class RecordedCheck:
    """A check stored by ``check --record``; ``result`` is its SPEC JSON as recorded."""

    id: int
    at: str
    by: str
    corpus: str | None
    use: str
    verdict: str
    policy: str
    state_hash: str
    result: dict[str, Any]

    @property
    def datasets(self) -> list[str]:
        return [str(d.get("id")) for d in self.result.get("datasets", [])
                if isinstance(d, dict)]

    @classmethod
    def from_row(cls, row: Any) -> RecordedCheck:
        return cls(id=int(row.id), at=row.at, by=row.by, corpus=row.corpus_name, use=row.use,
                   verdict=row.verdict, policy=row.policy, state_hash=row.state_hash,
                   result=json.loads(row.result_json))

    def summary(self) -> RecordedCheckJSON:
        return {"id": self.id, "at": self.at, "by": self.by, "corpus": self.corpus,
                "use": self.use, "verdict": self.verdict, "policy": self.policy,
                "state_hash": self.state_hash, "datasets": self.datasets}

    def to_dict(self) -> RecordedCheckDetailJSON:
        data = self.summary()
        return {**data, "result": self.result}  # type: ignore[typeddict-item]


@dataclass(frozen=True)
class CheckPlan:
    """A check's arguments, validated and resolved, before any facts are read."""

    entries: list[str | dict[str, Any]]
    use: str
    commercial: bool
    region: str | None
    on: date
    policy: Policy

    @classmethod
    def of(cls, datasets: str | Sequence[str | dict[str, Any]], *, use: str,
           region: str | None = None, on: date | str | None = None,
           non_commercial: bool = False, policy: Policy | str | os.PathLike[str] | None = None,
           has_base_model: bool = False) -> CheckPlan:
        from register.check.policy import Policy as PolicyCls
        from register.check.policy import load_policy

        validate_use(use)
        entries = dataset_entries(datasets)
        if not entries and not has_base_model:
            raise UsageError("datasets is empty: a check needs at least one dataset id",
                             param="datasets")
        on_date = as_date(on, "on")
        pol = policy if isinstance(policy, PolicyCls) else load_policy(
            Path(policy) if policy is not None else None)
        return cls(entries, use, not (non_commercial or use == "research"), region,
                   on_date or date.today(), pol)

    @property
    def wanted(self) -> list[tuple[str, str | None]]:
        """``(id, pinned revision or None)`` of each entry."""
        return wanted_of(self.entries)

    def run(self, db: Db, *, kb: KnowledgeBase, base: DatasetFacts | None = None,
            strict: bool = True) -> CheckResult:
        """The verdict, the facts streamed from ``db`` into the engine."""
        import itertools

        from register.check.engine import check as run_check
        from register.store.facts_sql import iter_facts

        stream = iter_facts(db, self.wanted, strict=strict, ordered=False)
        try:  # closed before the connection is, even when the engine stops early
            first = list(itertools.islice(stream, 1))
            if self.entries and not first:
                raise CorpusError("none of the datasets is in the register",
                                  hint="ingest them first, or check ids the register holds")
            return run_check(itertools.chain(first, stream), use=self.use,
                             commercial=self.commercial, region=self.region, on=self.on,
                             policy=self.policy, kb=kb, base_model=base)
        finally:
            stream.close()


def corpus_entries(corpus: Corpus, extra_datasets: Sequence[str] = (),
                   ) -> list[str | dict[str, Any]]:
    """The check entries of a corpus (ids, or ``{id, revision}`` when pinned), then those of
    ``extra_datasets`` it does not list."""
    listed = {e.id for e in corpus.datasets}
    entries: list[str | dict[str, Any]] = [
        e.id if e.revision is None else e.to_dict() for e in corpus.datasets]
    return entries + [i for i in dict.fromkeys(extra_datasets) if i not in listed]


def _corpus(corpus_file: str | os.PathLike[str] | Corpus) -> Corpus:
    from register.check.corpus import Corpus, load_corpus

    return corpus_file if isinstance(corpus_file, Corpus) else load_corpus(Path(corpus_file))


class CheckVerbs:
    """Checks and recorded checks (mixed into ``Register``)."""

    engine: Engine
    _bound: threading.local  # the write transaction a recorded check reads in

    def _register(self) -> Register:
        return cast("Register", self)

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """The connection reads go through: the bound transaction of ``check --record``
        (so the verdict is computed on exactly the state it is recorded against), or a new
        read connection."""
        conn = getattr(self._bound, "conn", None)
        if conn is not None:
            yield conn
            return
        from register.store.engine import read_connection

        with read_connection(self.engine) as fresh:
            yield fresh

    def facts(
        self, datasets: str | Sequence[str | dict[str, Any]], *, strict: bool = True,
    ) -> list[DatasetFacts]:
        """Facts the check engine needs, for ids or ``{id, revision}`` entries (or one id)."""
        from register.store import queries

        with self._reading() as conn:
            return queries.facts(conn, wanted_of(dataset_entries(datasets)), strict=strict)

    def check(
        self, datasets: str | Sequence[str | dict[str, Any]], *, use: str,
        region: str | None = None, on: date | str | None = None, non_commercial: bool = False,
        policy: Policy | str | os.PathLike[str] | None = None,
        base_model: dict[str, Any] | None = None, strict: bool = True,
    ) -> CheckResult:
        """The compatibility verdict for a combined corpus (``.to_dict()``: SPEC section 4).

        ``datasets``: one id, or ids / ``{id, revision}`` entries (at least one).  ``on``: the
        check date, a :class:`datetime.date` or an ISO 8601 string (default today).
        ``strict=False`` leaves out ids the register lacks (at least one must be held)."""
        from register.store import queries

        plan = CheckPlan.of(datasets, use=use, region=region, on=on,
                            non_commercial=non_commercial, policy=policy,
                            has_base_model=bool(base_model))
        base = self.base_model_facts(base_model, plan.commercial) if base_model else None
        with self._reading() as conn:  # the facts streamed into the engine
            return plan.run(queries.dbapi(conn), kb=self._register().kb, base=base,
                            strict=strict)

    def check_corpus(
        self, corpus_file: str | os.PathLike[str] | Corpus, *,
        extra_datasets: Sequence[str] = (), base_model_id: str | None = None, **kwargs: Any,
    ) -> CheckResult:
        """Check a corpus file (or a loaded :class:`~register.check.corpus.Corpus`): its
        datasets, pinned revisions and base model, with ``extra_datasets`` ids joining its
        datasets and ``base_model_id`` replacing its base model; the result names the
        corpus."""
        corpus = _corpus(corpus_file)
        base = corpus.base_model.to_dict() if corpus.base_model else None
        if base_model_id:
            base = {"id": base_model_id}
        result = self.check(corpus_entries(corpus, extra_datasets), base_model=base, **kwargs)
        return result.with_corpus(corpus.name)

    def base_model_facts(self, base_model: dict[str, Any], commercial: bool = True,
                         ) -> DatasetFacts:
        """The facts of a corpus's base model (``{id, license?}``): from the register's
        model records and lineage when it holds the model, else the stated license."""
        from register.models.service import base_model_facts

        return base_model_facts(self.engine, self._register().kb, base_model, commercial=commercial)

    def recorded_checks(self, *, limit: int | None = None,
                        since: date | None = None) -> list[RecordedCheck]:
        """The checks recorded with ``check --record``, newest first (``limit`` newest,
        recorded on or after ``since``)."""
        from register.store import queries
        from register.store.engine import read_connection

        if limit is not None and limit < 1:
            raise UsageError(f"limit must be a positive number, not {limit}", param="limit")
        with read_connection(self.engine) as conn:
            return [RecordedCheck.from_row(r)
                    for r in queries.check_records(conn, limit=limit, since=since)]

    def recorded_check(self, record_id: int) -> RecordedCheck:
        """One recorded check by its id (``checks list`` shows them);
        :class:`~register.errors.NotFoundError` if there is none."""
        from register.store import queries
        from register.store.engine import read_connection

        with read_connection(self.engine) as conn:
            return RecordedCheck.from_row(queries.check_record(conn, record_id))


def plain_check(
    target: str | os.PathLike[str] | None, corpus_file: str | os.PathLike[str] | None,
    datasets: Sequence[str], *, fallback: Callable[[Corpus | None], CheckResult],
    **kwargs: Any,
) -> CheckResult:
    """``register check`` without ``--record`` or ``--base-model``: on an SQLite register
    file at the schema head, read through stdlib :mod:`sqlite3` in one read transaction
    (no SQLAlchemy, no migration machinery: start-up); the same facts, rules and result as
    :meth:`CheckVerbs.check_corpus` / :meth:`CheckVerbs.check`.

    Anything else (PostgreSQL, a register to migrate, a file SQLite cannot open, a corpus
    with a base model) is ``fallback(corpus)``, given the corpus if it was read already."""
    from register.store.facts_sql import open_sqlite_file

    db = open_sqlite_file(target)
    if db is None:
        return fallback(None)
    corpus: Corpus | None = None
    try:
        if corpus_file is not None:
            corpus = _corpus(corpus_file)
            if corpus.base_model is not None:  # the model register: the full path
                db.close()
                return fallback(corpus)
            entries = corpus_entries(corpus, datasets)
        else:
            entries = list(dict.fromkeys(datasets))
        from register.licenses.catalog import default_kb

        plan = CheckPlan.of(entries, **kwargs)
        result = plan.run(db, kb=default_kb())
    finally:
        db.close()
    return result.with_corpus(corpus.name) if corpus is not None else result


def as_date(value: date | str | None, name: str) -> date | None:
    """A date parameter given as a :class:`datetime.date` or an ISO 8601 string."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise UsageError(f"{name}: {value!r} is not an ISO 8601 date (e.g. 2027-01-31)",
                     param=name)


def dataset_entries(datasets: str | Sequence[str | dict[str, Any]],
                    ) -> list[str | dict[str, Any]]:
    """``datasets`` of check/facts: one id is a corpus of that one dataset."""
    if isinstance(datasets, str):
        return [datasets]
    return list(datasets)


def wanted_of(entries: Sequence[str | dict[str, Any]]) -> list[tuple[str, str | None]]:
    """``(id, pinned revision or None)`` of check entries (ids or ``{id, revision}``)."""
    return [(item, None) if isinstance(item, str)
            else (str(item["id"]), item.get("revision")) for item in entries]
