"""Pre-fine-tune checks for users of the Hugging Face ``datasets`` library.

    from datasets import load_dataset
    from register.hf_datasets import check_datasets

    squad = load_dataset("squad", split="train")
    check_datasets(["glue", squad], use="release-weights", require=True)

Items may be dataset ids (looked up in the register), or ``datasets`` objects
(``Dataset``, ``DatasetDict``, ``IterableDataset``, ``DatasetInfo``): their builder or dataset
name is looked up in the register first; a dataset the register does not hold is checked on
the ``license`` its ``DatasetInfo`` declares, normalized like a card's (so an unclear license
needs review).  ``datasets`` itself is only needed to produce those objects.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.check.facts import USES, DatasetFacts
from register.errors import CheckFailed, UsageError
from register.register import Register

if TYPE_CHECKING:
    from register.check.result import CheckResult


def _info_of(item: Any) -> Any:
    """The ``DatasetInfo`` of a datasets object (or the object itself if it is one)."""
    if hasattr(item, "builder_name") and hasattr(item, "license"):
        return item
    info = getattr(item, "info", None)
    if info is not None:
        return info
    values = getattr(item, "values", None)  # DatasetDict: every split shares the info
    if callable(values):
        for split in values():
            return _info_of(split)
    raise UsageError(f"cannot check {type(item).__name__}: give a dataset id or a "
                     "datasets Dataset / DatasetDict / DatasetInfo")


def _identify(item: Any) -> tuple[str, Any]:
    if isinstance(item, str):
        return item, None
    info = _info_of(item)
    name = getattr(info, "dataset_name", None) or getattr(info, "builder_name", None)
    if not name:
        raise UsageError("a DatasetInfo without dataset_name or builder_name cannot be named")
    return str(name), info


def collect_facts(reg: Register, items: Iterable[Any]) -> list[DatasetFacts]:
    from register.licenses.normalize import normalize

    named = [_identify(item) for item in items]
    known = set(reg._existing_ids([n for n, _ in named]))
    facts = {f.id: f for f in reg.facts([n for n, _ in named if n in known])}
    out: list[DatasetFacts] = []
    for name, info in dict(named).items():
        if name in facts:
            out.append(facts[name])
            continue
        if info is None:
            from register.errors import CorpusError

            raise CorpusError(f"dataset {name!r} is not in the register",
                              hint="ingest its card first: register ingest --hub " + name)
        raw = getattr(info, "license", None) or ""
        result = normalize(str(raw)) if raw else None
        out.append(DatasetFacts(
            id=name,
            license=result.expression if result else None,
            license_needs_review=result.needs_review if result else True,
            license_reason=(result.reason if result else
                            "the DatasetInfo declares no license and the register does not "
                            "hold this dataset"),
            source=getattr(info, "homepage", None) or None,
            extra={"from": "DatasetInfo"},
        ))
    return out


def check_datasets(
    items: Iterable[Any], *, use: str, register: Register | str | os.PathLike[str] | None = None,
    region: str | None = None, on: date | None = None, non_commercial: bool = False,
    policy: str | os.PathLike[str] | None = None, require: bool = False,
) -> CheckResult:
    """Check datasets about to be loaded for training; ``require=True`` raises on a
    ``blocked`` or ``needs-review`` verdict (:class:`register.errors.CheckFailed`)."""
    from register.check.engine import check
    from register.check.policy import load_policy

    if use not in USES:
        raise UsageError(f"use must be one of {', '.join(USES)}, not {use!r}")
    reg = register if isinstance(register, Register) else Register.open(register)
    facts = collect_facts(reg, items)
    result = check(facts, use=use, commercial=not (non_commercial or use == "research"),
                   region=region, on=on or date.today(),
                   policy=load_policy(Path(policy) if policy else None), kb=reg.kb)
    if require and not result.allowed:
        raise CheckFailed(result)
    return result
