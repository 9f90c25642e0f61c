"""Pre-fine-tune checks for users of the Hugging Face ``datasets`` library.

    from datasets import load_dataset
    from register.hf_datasets import check_datasets

    squad = load_dataset("rajpurkar/squad", split="train")
    check_datasets(["glue", squad], use="release-weights", require=True)
    check_datasets({"org/scrape": local_ds}, use="service", base_model={"id": ..., "license": ...})

Items may be dataset ids (looked up in the register), ``datasets`` objects (``Dataset``,
``DatasetDict``, ``IterableDataset``, ``DatasetInfo``), ``(id, object)`` pairs, or a mapping
``{id: object}``; ``ids=`` names the items in order instead (``None`` for an item to
recover).  A ``datasets`` object is identified only by what really names it:

- the id the caller gives, or else
- the Hub repository (and revision) its data files came from, read from its cache files and
  ``DatasetInfo.download_checksums``: ``hf://datasets/ORG/NAME@REV/...``,
  ``https://huggingface.co/datasets/ORG/NAME/resolve/REV/...``, the Hub cache
  ``datasets--ORG--NAME/snapshots/SHA/...`` and the ``datasets`` cache ``ORG___NAME/...``.

``DatasetInfo.builder_name`` and ``dataset_name`` are never used: for data loaded from files
they are ``parquet`` / ``json`` / ``csv`` (or a directory name), and for Hub data they drop the
namespace and the revision.  An object that cannot be named is refused
(:class:`register.errors.UsageError` naming the item), and two different objects are never
merged into one entry.  A dataset the register holds is checked on its register record (on
the recovered revision; a revision the register does not hold needs review); one it does not
hold is checked on the ``license`` its ``DatasetInfo`` declares, normalized like a card's.
``datasets`` itself is only needed to produce those objects.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from register.check.facts import USES, DatasetFacts
from register.errors import CheckFailed, CorpusError, UsageError
from register.register import Register

if TYPE_CHECKING:
    from register.check.result import CheckResult

__all__ = ["check_datasets", "collect_facts", "hub_reference"]

_REFS = (
    re.compile(r"hf://datasets/(?P<repo>[^/@\s]+/[^/@\s]+?)(?:@(?P<rev>[^/\s]+))?/"),
    re.compile(r"https?://huggingface\.co/datasets/(?P<repo>[^/\s]+/[^/\s]+)/resolve/"
               r"(?P<rev>[^/\s]+)/"),
    re.compile(r"(?:^|[/\\])datasets--(?P<org>[^/\\]+?)--(?P<name>[^/\\]+)[/\\]snapshots[/\\]"
               r"(?P<rev>[0-9a-f]{40})(?:[/\\]|$)"),
    re.compile(r"(?:^|[/\\])(?P<org>[^/\\]+)___(?P<name>[^/\\]+)[/\\][^/\\]+[/\\][^/\\]+[/\\]"
               r"[0-9a-f]{40}[/\\]"),
)


@dataclasses.dataclass(frozen=True)
class _Item:
    label: str  # how errors name the item
    id: str
    revision: str | None
    info: Any  # DatasetInfo, None for a plain id
    obj: Any = None  # the datasets object
    recovered: bool = False  # named by its data files (not by the caller)


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


def _paths(item: Any) -> Iterator[str]:
    """Where a datasets object's data came from: cache files and download checksum keys."""
    values = getattr(item, "values", None)
    if callable(values) and not hasattr(item, "cache_files"):
        for split in values():  # DatasetDict
            yield from _paths(split)
        return
    for entry in getattr(item, "cache_files", None) or ():
        name = entry.get("filename") if isinstance(entry, Mapping) else entry
        if name:
            yield str(name)
    info = item if hasattr(item, "download_checksums") else getattr(item, "info", None)
    yield from (str(k) for k in (getattr(info, "download_checksums", None) or {}))


def hub_reference(item: Any) -> tuple[str, str | None] | None:
    """``(repo id, revision or None)`` of the Hub dataset a datasets object's files came
    from, or ``None`` when its files name none.  Raises :class:`UsageError` when they name
    several repositories or revisions."""
    repos: set[str] = set()
    revisions: set[str] = set()
    for path in _paths(item):
        for pattern in _REFS:
            m = pattern.search(path)
            if not m:
                continue
            groups = m.groupdict()
            repos.add(groups["repo"] if groups.get("repo") else
                      f"{groups['org']}/{groups['name']}")
            if groups.get("rev"):
                revisions.add(unquote(groups["rev"]))
            break
    if not repos:
        return None
    if len(repos) > 1 or len(revisions) > 1:
        raise UsageError(f"its data files come from several Hub datasets or revisions "
                         f"({', '.join(sorted(repos | revisions))})")
    return next(iter(repos)), next(iter(revisions), None)


def _describe(obj: Any, index: int) -> str:
    info = getattr(obj, "info", obj)
    builder = getattr(info, "builder_name", None)
    return f"item {index + 1} ({type(obj).__name__}" + (
        f" built by the {builder!r} builder)" if builder else ")")


def _named(items: Any, ids: Sequence[str | None] | None) -> list[_Item]:
    if isinstance(items, Mapping):
        pairs: list[tuple[str | None, Any]] = [(str(k), v) for k, v in items.items()]
    else:
        pairs = []
        for item in items:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                pairs.append((item[0], item[1]))
            else:
                pairs.append((None, item))
    if ids is not None:
        given = list(ids)
        if len(given) != len(pairs):
            raise UsageError(f"ids= names {len(given)} items, but {len(pairs)} were given")
        pairs = [(given[i] or own, obj) for i, (own, obj) in enumerate(pairs)]
    out: list[_Item] = []
    for index, (given_id, obj) in enumerate(pairs):
        if isinstance(obj, str):
            out.append(_Item(obj, given_id or obj, None, None))
            continue
        label = _describe(obj, index)
        info = _info_of(obj)
        try:
            ref = hub_reference(obj)
        except UsageError as exc:
            raise UsageError(f"cannot tell which dataset {label} is: {exc}; pass its id "
                             "({id: dataset}, an (id, dataset) pair or ids=)") from None
        if given_id:
            revision = ref[1] if ref and ref[0] == given_id else None
            out.append(_Item(f"{label} {given_id!r}", given_id, revision, info, obj))
        elif ref is not None:
            out.append(_Item(f"{label} {ref[0]!r}", ref[0], ref[1], info, obj, True))
        else:
            raise UsageError(
                f"cannot tell which dataset {label} is: its data files name no Hub dataset, "
                "and the builder name is no dataset id",
                hint="pass its id: check_datasets({'org/name': ds}, ...), an (id, dataset) "
                     "pair, or ids=[...]")
    return _distinct(out)


def _distinct(items: list[_Item]) -> list[_Item]:
    """One entry per dataset.  The same id twice is one dataset only for two plain ids, the
    same object, or two objects whose data files come from the same Hub repository and
    revision (splits of one dataset); two other objects under one id are refused."""
    seen: dict[str, _Item] = {}
    out: list[_Item] = []
    for item in items:
        other = seen.get(item.id)
        if other is None:
            seen[item.id] = item
            out.append(item)
            continue
        same = (other.obj is None and item.obj is None) or other.obj is item.obj or (
            other.recovered and item.recovered and other.revision == item.revision)
        if not same:
            raise UsageError(f"{other.label} and {item.label} are both named {item.id!r}: "
                             "two different objects are never checked as one dataset; name "
                             "each dataset once (a DatasetDict holds its splits)")
    return out


def _register_facts(reg: Register, item: _Item) -> DatasetFacts | None:
    """The register's facts for an item (``None`` if it does not hold the dataset)."""
    try:
        facts = reg.facts([item.id])[0]
    except CorpusError:
        return None
    if not item.revision:
        return facts
    try:
        return reg.facts([{"id": item.id, "revision": item.revision}])[0]
    except CorpusError:
        return dataclasses.replace(
            facts, license_needs_review=True,
            license_reason=f"the data files are from revision {item.revision}, a version of "
                           f"{item.id} the register does not hold; its license there may differ")


def collect_facts(reg: Register, items: Any,
                  ids: Sequence[str | None] | None = None) -> list[DatasetFacts]:
    """The facts of each item (see the module docstring for how items are named)."""
    from register.licenses.normalize import normalize

    out: list[DatasetFacts] = []
    for item in _named(items, ids):
        facts = _register_facts(reg, item)
        if facts is not None:
            out.append(facts)
            continue
        if item.info is None:
            raise CorpusError(f"dataset {item.id!r} is not in the register",
                              hint="ingest its card first: register ingest --hub " + item.id)
        raw = getattr(item.info, "license", None) or ""
        result = normalize(str(raw)) if raw else None
        extra: dict[str, Any] = {"from": "DatasetInfo"}
        if item.revision:
            extra["revision"] = item.revision
        out.append(DatasetFacts(
            id=item.id,
            license=result.expression if result else None,
            license_needs_review=result.needs_review if result else True,
            license_reason=(result.reason if result else
                            "the DatasetInfo declares no license and the register does not "
                            "hold this dataset"),
            source=getattr(item.info, "homepage", None) or None,
            extra=extra,
        ))
    return out


def check_datasets(
    items: Iterable[Any] | Mapping[str, Any], *, use: str,
    ids: Sequence[str | None] | None = None,
    base_model: Mapping[str, Any] | str | None = None,
    register: Register | str | os.PathLike[str] | None = None,
    region: str | None = None, on: date | None = None, non_commercial: bool = False,
    policy: str | os.PathLike[str] | None = None, require: bool = False,
) -> CheckResult:
    """Check datasets about to be loaded for training; ``require=True`` raises on a
    ``blocked`` or ``needs-review`` verdict (:class:`register.errors.CheckFailed`).

    ``base_model`` is ``{"id", "license"}`` (as in a corpus file) or a model id.  A register
    opened here (from a path, URL or the default) is closed before returning."""
    from register.check.engine import check
    from register.check.policy import load_policy

    if use not in USES:
        raise UsageError(f"use must be one of {', '.join(USES)}, not {use!r}")
    own = not isinstance(register, Register)
    reg = register if isinstance(register, Register) else Register.open(register)
    try:
        facts = collect_facts(reg, items, ids)
        base = None
        if base_model is not None:
            model = {"id": base_model} if isinstance(base_model, str) else dict(base_model)
            base = reg.base_model_facts(model)
        result = check(facts, use=use, commercial=not (non_commercial or use == "research"),
                       region=region, on=on or date.today(),
                       policy=load_policy(Path(policy) if policy else None), kb=reg.kb,
                       base_model=base)
    finally:
        if own:
            reg.close()
    if require and not result.allowed:
        raise CheckFailed(result)
    return result
