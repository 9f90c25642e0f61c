"""The recorded-check verbs of :class:`register.register.Register` (a mixin): read back the
checks ``register check --record`` stored (``register checks list`` / ``checks show ID``).

A recorded check is the SPEC section 4 result as it was computed, with who recorded it,
when, and the hash of the register state it ran on (:func:`register.store.decisions.record_check`);
reading it back never recomputes it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict

from register.check.result import CheckResultJSON
from register.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


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


class CheckVerbs:
    """Recorded checks (mixed into ``Register``)."""

    engine: Engine

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
