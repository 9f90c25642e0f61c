"""The typed result of a corpus check, and the SPEC section 4 JSON it turns into.

:func:`register.check.engine.check` returns a :class:`CheckResult`; every consumer (the CLI
formats, the notice, the exports, ``require_allowed``) reads its attributes.  ``to_dict()``
gives exactly the SPEC section 4 JSON object (``register check --format json``); the
``*JSON`` TypedDicts beside each class describe that object, so mypy checks ``to_dict()``
against them and :mod:`register.schemas` generates the published JSON Schema from them.

Optional keys are omitted rather than ``null`` where the JSON has always omitted them:
``chosen_option`` (only for an OR with several options), ``cleared_by``/``clearance`` (only
when a clearance applied), ``base_model`` (only ``true``, for the base model) and ``corpus``
(only when a corpus file was checked).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, cast, overload

from typing_extensions import NotRequired, TypedDict

from register.check.facts import OBLIGATION_KINDS, USES, VERDICTS
from register.versions import SCHEMA_VERSION

Verdict = Literal["allowed", "allowed-with-obligations", "needs-review", "blocked"]
Use = Literal["research", "internal", "service", "release-weights", "release-data"]
ObligationKind = Literal[
    "attribution", "notice", "license-text", "share-alike", "use-restrictions", "unmodified",
    "naming", "user-threshold",
]

# The Literal types spell the vocabularies of register.check.facts for the type checker (a
# test pins that they agree).

ALLOWED_VERDICTS: frozenset[str] = frozenset({"allowed", "allowed-with-obligations"})
EXIT_CODES: dict[str, int] = {
    "allowed": 0, "allowed-with-obligations": 0, "needs-review": 3, "blocked": 4,
}


def as_verdict(value: str) -> Verdict:
    """``value`` as a :data:`Verdict`; ``ValueError`` when it is none."""
    if value not in VERDICTS:
        raise ValueError(f"unknown verdict {value!r}")
    return cast(Verdict, value)


def as_use(value: str) -> Use:
    """``value`` as a :data:`Use`; ``ValueError`` when it is none."""
    if value not in USES:
        raise ValueError(f"unknown use {value!r}")
    return cast(Use, value)


def as_kind(value: str) -> ObligationKind:
    """``value`` as an :data:`ObligationKind`; ``ValueError`` when it is none."""
    if value not in OBLIGATION_KINDS:
        raise ValueError(f"unknown obligation kind {value!r}")
    return cast(ObligationKind, value)


# --------------------------------------------------------------------------- JSON shapes


class ReasonJSON(TypedDict):
    """Why a dataset got its verdict: the SPEC rule number and a message naming the dataset."""

    rule: str
    message: str


class DatasetObligationJSON(TypedDict):
    """What one license of a dataset asks for this use."""

    kind: ObligationKind
    rule: str
    license: str
    message: str


class ClearanceJSON(TypedDict):
    """The clearance (rule 13) a dataset's verdict rests on."""

    use: Use
    by: str
    reason: str
    until: str | None


class DatasetVerdictJSON(TypedDict):
    """One dataset (or the base model) of the corpus and its verdict."""

    id: str
    license: str | None
    verdict: Verdict
    reasons: list[ReasonJSON]
    obligations: list[DatasetObligationJSON]
    chosen_option: NotRequired[str]
    cleared_by: NotRequired[str]
    clearance: NotRequired[ClearanceJSON]
    base_model: NotRequired[Literal[True]]


class ConflictJSON(TypedDict):
    """Share-alike licenses that no single license satisfies (rule 5)."""

    datasets: list[str]
    rule: str
    licenses: list[str]
    message: str


class ObligationJSON(TypedDict):
    """What the corpus owes, one entry per obligation kind."""

    kind: ObligationKind
    datasets: list[str]
    licenses: list[str]
    message: str


class WarningJSON(TypedDict):
    """A finding that does not change the verdict."""

    rule: str
    datasets: list[str]
    message: str


class CheckResultJSON(TypedDict):
    """The result of ``register check`` (SPEC section 4)."""

    schema_version: int
    verdict: Verdict
    use: Use
    commercial: bool
    region: str | None
    on: str
    policy: str
    datasets: list[DatasetVerdictJSON]
    conflicts: list[ConflictJSON]
    obligations: list[ObligationJSON]
    warnings: list[WarningJSON]
    corpus: NotRequired[str]


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Reason:
    rule: str
    message: str

    def to_dict(self) -> ReasonJSON:
        return {"rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class DatasetObligation:
    """An obligation of one dataset's license (``message`` names the dataset)."""

    kind: ObligationKind
    rule: str
    license: str
    message: str

    def to_dict(self) -> DatasetObligationJSON:
        return {"kind": self.kind, "rule": self.rule, "license": self.license,
                "message": self.message}


@dataclass(frozen=True)
class AppliedClearance:
    """The clearance that applied to a dataset for the checked use."""

    use: Use
    by: str
    reason: str
    until: date | None = None

    def to_dict(self) -> ClearanceJSON:
        return {"use": self.use, "by": self.by, "reason": self.reason,
                "until": self.until.isoformat() if self.until else None}


@dataclass(frozen=True)
class DatasetVerdict:
    """One dataset (or the base model) and its verdict, reasons and obligations."""

    id: str
    license: str | None
    verdict: Verdict
    reasons: tuple[Reason, ...] = ()
    obligations: tuple[DatasetObligation, ...] = ()
    chosen_option: str | None = None  # the OR option used (rule 12), when there was a choice
    clearance: AppliedClearance | None = None  # rule 13
    base_model: bool = False

    @property
    def cleared_by(self) -> str | None:
        return self.clearance.by if self.clearance else None

    @property
    def allowed(self) -> bool:
        return self.verdict in ALLOWED_VERDICTS

    @property
    def label(self) -> str:
        """The id, marked when it is the base model."""
        return self.id + (" (base model)" if self.base_model else "")

    def to_dict(self) -> DatasetVerdictJSON:
        out: DatasetVerdictJSON = {
            "id": self.id,
            "license": self.license,
            "verdict": self.verdict,
            "reasons": [r.to_dict() for r in self.reasons],
            "obligations": [o.to_dict() for o in self.obligations],
        }
        if self.chosen_option is not None:
            out["chosen_option"] = self.chosen_option
        if self.clearance is not None:
            out["cleared_by"] = self.clearance.by
            out["clearance"] = self.clearance.to_dict()
        if self.base_model:
            out["base_model"] = True
        return out


@dataclass(frozen=True)
class DatasetTemplate:
    """What every dataset of one shape gets: a :class:`DatasetVerdict` without the id.

    ``reasons`` and ``obligations`` hold the messages without the ``"<id>: "`` prefix, already
    in output order; :meth:`verdict_for` adds the dataset."""

    verdict: Verdict
    reasons: tuple[tuple[str, str], ...]  # (rule, message)
    obligations: tuple[tuple[ObligationKind, str, str, str], ...]  # (kind, rule, license, msg)
    chosen_option: str | None = None
    clearance: AppliedClearance | None = None
    base_model: bool = False

    def verdict_for(self, dataset_id: str, license: str | None) -> DatasetVerdict:
        pre = dataset_id + ": "
        return DatasetVerdict(
            id=dataset_id,
            license=license,
            verdict=self.verdict,
            reasons=tuple(Reason(r, pre + m) for r, m in self.reasons),
            obligations=tuple(
                DatasetObligation(k, r, lic, pre + m) for k, r, lic, m in self.obligations
            ),
            chosen_option=self.chosen_option,
            clearance=self.clearance,
            base_model=self.base_model,
        )


    def json_parts(self) -> tuple[str, ...]:
        """This template's JSON object (keys sorted, C-encoder spacing) cut where each dataset
        puts its escaped id: ``"id"`` and every message prefix; the license goes after the
        first part (see :meth:`DatasetVerdicts.json_lines`)."""
        enc = _ENCODER.encode
        head: list[str] = []
        if self.base_model:
            head.append('"base_model": true')
        if self.chosen_option is not None:
            head.append(f'"chosen_option": {enc(self.chosen_option)}')
        if self.clearance is not None:
            head.append(f'"clearance": {enc(self.clearance.to_dict())}')
            head.append(f'"cleared_by": {enc(self.clearance.by)}')
        parts = ["{" + "".join(h + ", " for h in head) + '"id": "', '", "license": ']
        # part 1 starts after the license; each later cut is a message's "<id>: " prefix
        tail = ', "obligations": ['
        for n, (kind, rule, lic, msg) in enumerate(self.obligations):
            tail += (", " if n else "") + (
                f'{{"kind": {enc(kind)}, "license": {enc(lic)}, "message": "')
            parts.append(tail)
            tail = enc(": " + msg)[1:] + f', "rule": {enc(rule)}}}'
        tail += '], "reasons": ['
        for n, (rule, msg) in enumerate(self.reasons):
            tail += (", " if n else "") + '{"message": "'
            parts.append(tail)
            tail = enc(": " + msg)[1:] + f', "rule": {enc(rule)}}}'
        tail += f'], "verdict": {enc(self.verdict)}}}'
        parts.append(tail)
        return tuple(parts)


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


class DatasetVerdicts(Sequence[DatasetVerdict]):
    """The datasets of a check result, built on demand from ``(id, license, template)`` rows.

    A 50,000-dataset check holds one small row per dataset and one template per shape, not
    50,000 verdicts with their reasons; iterating yields equal :class:`DatasetVerdict`s, and
    the sequence compares equal to a tuple of them."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Sequence[tuple[str, str | None, DatasetTemplate]]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> DatasetVerdict: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[DatasetVerdict, ...]: ...

    def __getitem__(self, index: int | slice) -> DatasetVerdict | tuple[DatasetVerdict, ...]:
        if isinstance(index, slice):
            return tuple(t.verdict_for(i, lic) for i, lic, t in self._rows[index])
        i, lic, t = self._rows[index]
        return t.verdict_for(i, lic)

    def __iter__(self) -> Iterator[DatasetVerdict]:
        for i, lic, t in self._rows:
            yield t.verdict_for(i, lic)

    def rows(self) -> Sequence[tuple[str, str | None, DatasetTemplate]]:
        """The ``(id, license, template)`` rows, in order (``template.verdict_for(id,
        license)`` is the dataset's verdict): for writers that render each template once."""
        return self._rows

    def json_lines(self) -> Iterator[str]:
        """Each dataset's JSON object as text (what :meth:`dicts` encodes to, keys sorted),
        from its template's pre-encoded parts: only the id and license are encoded here."""
        enc = _ENCODER.encode
        cache: dict[int, tuple[str, str, tuple[str, ...]]] = {}
        licenses: dict[str | None, str] = {}  # a corpus has few distinct licenses
        for i, lic, t in self._rows:
            hit = cache.get(id(t))
            if hit is None:
                parts = t.json_parts()
                hit = cache[id(t)] = (parts[0], parts[1], parts[2:])
            head, mid, rest = hit
            lic_json = licenses.get(lic)
            if lic_json is None:
                lic_json = licenses[lic] = enc(lic)
            eid = enc(i)[1:-1]
            yield head + eid + mid + lic_json + eid.join(rest)

    def dicts(self) -> Iterator[DatasetVerdictJSON]:
        """Each dataset's JSON object, one at a time (the streamed JSON output)."""
        for i, lic, t in self._rows:
            yield t.verdict_for(i, lic).to_dict()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, list, DatasetVerdicts)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"DatasetVerdicts({len(self)} datasets)"


@dataclass(frozen=True)
class Conflict:
    """A share-alike conflict (rule 5) between ``licenses``, held by ``datasets``."""

    datasets: tuple[str, ...]
    licenses: tuple[str, ...]
    message: str
    rule: str = "5"

    def to_dict(self) -> ConflictJSON:
        return {"datasets": list(self.datasets), "rule": self.rule,
                "licenses": list(self.licenses), "message": self.message}


@dataclass(frozen=True)
class Obligation:
    """What the corpus owes of one kind, and which datasets and licenses ask it."""

    kind: ObligationKind
    datasets: tuple[str, ...]
    licenses: tuple[str, ...]
    message: str

    def to_dict(self) -> ObligationJSON:
        return {"kind": self.kind, "datasets": list(self.datasets),
                "licenses": list(self.licenses), "message": self.message}


@dataclass(frozen=True)
class CheckWarning:
    """A finding that never changes a verdict (personal data unknown, retention soon...)."""

    rule: str
    datasets: tuple[str, ...]
    message: str

    def to_dict(self) -> WarningJSON:
        return {"rule": self.rule, "datasets": list(self.datasets), "message": self.message}


@dataclass(frozen=True)
class CheckResult:
    """The verdict for a corpus and one intended use (SPEC section 4)."""

    verdict: Verdict
    use: Use
    commercial: bool
    region: str | None
    on: date
    policy: str
    datasets: Sequence[DatasetVerdict] = ()
    conflicts: tuple[Conflict, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    warnings: tuple[CheckWarning, ...] = ()
    corpus: str | None = None  # the corpus file's name, when a corpus file was checked
    schema_version: int = SCHEMA_VERSION

    @property
    def allowed(self) -> bool:
        """``allowed`` or ``allowed-with-obligations`` (exit code 0)."""
        return self.verdict in ALLOWED_VERDICTS

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per dataset: id, license, verdict, base_model,
        chosen_option, cleared_by, rules, reasons, obligations (:mod:`register.frames`)."""
        from register.frames import check_frame

        return check_frame(self)

    @property
    def exit_code(self) -> int:
        """The exit code SPEC gives the verdict: 0, 0, 3 (needs-review) or 4 (blocked)."""
        return EXIT_CODES[self.verdict]

    def dataset(self, dataset_id: str) -> DatasetVerdict:
        """The entry for ``dataset_id`` (``KeyError`` when the corpus has none)."""
        for d in self.datasets:
            if d.id == dataset_id:
                return d
        raise KeyError(dataset_id)

    def with_corpus(self, name: str) -> CheckResult:
        """The same result, naming the corpus file it was computed for."""
        return replace(self, corpus=name)

    def dataset_json_lines(self) -> Iterator[str]:
        """Each dataset's JSON object as text (keys sorted), one at a time: what
        ``register check --format json`` streams."""
        ds = self.datasets
        if isinstance(ds, DatasetVerdicts):
            return ds.json_lines()
        return (_ENCODER.encode(d.to_dict()) for d in ds)

    def to_dict_without_datasets(self) -> dict[str, Any]:
        """Every key of :meth:`to_dict` but ``datasets``."""
        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "verdict": self.verdict,
            "use": self.use,
            "commercial": self.commercial,
            "region": self.region,
            "on": self.on.isoformat(),
            "policy": self.policy,
            "conflicts": [c.to_dict() for c in self.conflicts],
            "obligations": [o.to_dict() for o in self.obligations],
            "warnings": [w.to_dict() for w in self.warnings],
        }
        if self.corpus is not None:
            out["corpus"] = self.corpus
        return out

    def to_dict(self) -> CheckResultJSON:
        """The SPEC section 4 JSON object (``register check --format json``)."""
        out = self.to_dict_without_datasets()
        out["datasets"] = [d.to_dict() for d in self.datasets]
        return cast("CheckResultJSON", out)
