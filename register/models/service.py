"""The model verbs behind :class:`register.register.Register`: ingest model cards, resolve a
lineage from the store, the base-model facts of a check, record a fine-tune, trace a model.

Reads go through :mod:`register.store.model_queries`, writes through
:mod:`register.store.model_decisions` (each with its audit event).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.cards.ingest import IngestSummary
from register.check.facts import DatasetFacts
from register.errors import CardError, HubError, LineageError, RegisterError, UsageError
from register.models.cards import ModelCard, discover_models, parse_model_path
from register.models.license import normalize_model_card
from register.models.lineage import (
    LINEAGE_RULE,
    EffectiveTerms,
    Lineage,
    ModelNode,
    effective_terms,
    resolve_lineage,
)
from register.store import model_decisions, model_queries, queries
from register.store.engine import read_connection, run_write
from register.store.model_queries import loads

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from register.licenses.catalog import KnowledgeBase

__all__ = [
    "ModelIngestSummary",
    "base_model_facts",
    "ingest_model_cards",
    "iter_model_cards",
    "lineage_of",
]


@dataclass
class ModelIngestSummary(IngestSummary):
    """What a model ingest did (failed: one line per bad card, the batch went on; the counts
    of a dataset ingest) and the ids of the cards it took."""

    ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"ingested": self.ingested, "updated": self.updated,
                "unchanged": self.unchanged, "failed": list(self.failed), "ids": self.ids}


def iter_model_cards(paths: Sequence[str | os.PathLike[str]], *, recursive: bool = False,
                     model_id: str | None = None) -> Iterator[ModelCard | CardError]:
    """Parsed model cards below ``paths`` (or the error of each bad one)."""
    found = list(discover_models(paths, recursive))
    if model_id and len(found) != 1:
        raise UsageError("--id names a single model card")
    for path, mid in found:
        try:
            yield parse_model_path(path, model_id or mid)
        except CardError as exc:
            yield exc


def ingest_model_cards(engine: Engine, items: Iterable[ModelCard | RegisterError], *,
                       actor: str, kb: KnowledgeBase | None, batch_size: int = 200,
                       progress: Callable[[int], None] | None = None,
                       ) -> ModelIngestSummary:
    """Write parsed model cards in batches (one transaction each); errors are counted.
    ``progress(n)`` is called after each batch is committed (n: the cards and errors it
    took)."""
    summary = ModelIngestSummary()
    batch: list[ModelCard] = []
    seen = 0  # items since the last commit

    def norm(card: ModelCard) -> Any:
        return normalize_model_card(card, kb=kb)

    def flush() -> None:
        nonlocal seen
        if batch:
            part = run_write(engine, lambda conn: model_decisions.write_model_cards(
                conn, batch, actor, norm))
            summary.ingested += part.ingested
            summary.updated += part.updated
            summary.unchanged += part.unchanged
            summary.revised += part.revised
            summary.license_changes.extend(part.license_changes)
            batch.clear()
        if progress and seen:
            progress(seen)
        seen = 0

    for item in items:
        seen += 1
        if isinstance(item, RegisterError):
            summary.failed.append(item.message if isinstance(item, HubError) else str(item))
            if item.hint and item.hint not in summary.hints:
                summary.hints.append(item.hint)
        else:
            batch.append(item)
            summary.ids.append(item.model_id)
        if seen >= batch_size:
            flush()
    flush()
    return summary


def node_from_row(row: Any) -> ModelNode:
    return ModelNode(
        id=row.id, found=True, kind=row.kind, license=row.declared_license,
        license_needs_review=bool(row.declared_needs_review),
        license_reason=row.declared_reason or "",
        bases=tuple(loads(row.base_models_json, [])), relation=row.base_model_relation,
        datasets=tuple(loads(row.datasets_json, [])), source=row.source,
        revision=row.revision, version=row.version,
        weights=tuple(loads(row.weights_json, [])))


def lineage_in(conn: Connection, model_id: str) -> Lineage:
    def load(mid: str) -> ModelNode | None:
        row = model_queries.model_row(conn, mid)
        return node_from_row(row) if row is not None else None

    return resolve_lineage(model_id, load, publisher_node)


def publisher_node(model_id: str) -> ModelNode:
    """A base the register does not hold; its license is known when the licensor publishes it
    (``meta-llama/...``, ``google/gemma-...``: see :func:`register.models.license.
    publisher_license`)."""
    from register.licenses.normalize import normalize
    from register.models.license import publisher_license

    hub_id = publisher_license(model_id)
    norm = normalize(hub_id) if hub_id else None
    if norm is None or norm.needs_review or not norm.expression:
        return ModelNode(model_id, False)
    return ModelNode(model_id, False, kind="publisher", license=norm.expression,
                     license_needs_review=False,
                     license_reason=f"published by its licensor under {norm.expression} "
                     f"(Hub id {hub_id}); ingest its card to verify")


def lineage_of(engine: Engine, model_id: str) -> Lineage:
    with read_connection(engine) as conn:
        return lineage_in(conn, model_id)


def terms_in(conn: Connection, lineage: Lineage, kb: KnowledgeBase, *, commercial: bool,
             skip_root_datasets: bool = False) -> EffectiveTerms:
    named = sorted({d for n in lineage.nodes for d in n.datasets})
    return effective_terms(lineage, kb, commercial=commercial,
                           dataset_licenses=model_queries.dataset_licenses(conn, named),
                           skip_root_datasets=skip_root_datasets)


def base_model_facts(engine: Engine, kb: KnowledgeBase, base_model: dict[str, Any], *,
                     commercial: bool, skip_root_datasets: bool = False) -> DatasetFacts:
    """The check facts of a base model: from the model register when it holds the id (its
    whole chain), else the corpus's inline license, "stated, not verified"."""
    from register.licenses.normalize import normalize

    model_id = str(base_model.get("id") or "base-model")
    stated = base_model.get("license")
    with read_connection(engine) as conn:
        clear = tuple(queries.clearances_of(conn, model_id))
        held = model_queries.model_row(conn, model_id) is not None
        if held:
            lineage = lineage_in(conn, model_id)
            terms = terms_in(conn, lineage, kb, commercial=commercial,
                             skip_root_datasets=skip_root_datasets)
    if held:
        steps = [f"{m} is a {r} of {b}" for m, b, r in lineage.edges]
        origin = "; ".join(f"{lic} from {m}" for lic, m in terms.parts) or "none known"
        reasons = [(LINEAGE_RULE, "allowed",
                    f"lineage: {'; '.join(steps) or 'no base model'}; terms: {origin}")]
        reasons += [(LINEAGE_RULE, "needs-review", r) for r in terms.reasons]
        if stated:
            reasons.append((LINEAGE_RULE, "allowed",
                            f"the corpus states {stated}; the register's terms are used"))
        return DatasetFacts(
            id=model_id, license=terms.expression, license_needs_review=False,
            license_reason="", clearances=clear, is_base_model=True,
            extra={"lineage": reasons, "chain": [n.id for n in lineage.nodes]})
    norm = normalize(str(stated), kb=kb) if stated else None
    if norm is None:
        return DatasetFacts(
            id=model_id, license=None, license_needs_review=True,
            license_reason=f"base model {model_id} is not in the register and the corpus "
            "states no license (register model ingest --hub ID --with-ancestors)",
            clearances=clear, is_base_model=True)
    return DatasetFacts(
        id=model_id, license=norm.expression, license_needs_review=norm.needs_review,
        license_reason=norm.reason if norm.needs_review else "",
        clearances=clear, is_base_model=True,
        extra={"lineage": [(LINEAGE_RULE, "allowed",
                            f"license {stated} stated in the corpus, not verified (the base "
                            "model is not in the register)")]})


def weight_files(paths: Sequence[str | os.PathLike[str]]) -> list[Any]:
    """The sha256 of each weight file or of the weight files of a directory."""
    from register.models.cards import WEIGHT_SUFFIXES, hash_weight_file

    out: list[Any] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.is_file()
                           and f.name.lower().endswith(WEIGHT_SUFFIXES))
            if not files:
                raise UsageError(f"{p}: no weight files in this directory")
            out.extend(hash_weight_file(f, f.name) for f in files)
        elif p.is_file():
            out.append(hash_weight_file(p, p.name))
        else:
            raise UsageError(f"--weights {p}: no such file or directory")
    return out


def check_cycle(engine: Engine, name: str, base: str) -> None:
    """Refuse a record whose base is missing, or whose chain would contain ``name``."""
    with read_connection(engine) as conn:
        if model_queries.model_row(conn, base) is None:
            raise LineageError(f"base model {base!r} is not in the register",
                               hint=f"ingest its card first: register model ingest --hub "
                               f"{base} --with-ancestors (or a local card)")
        lineage = lineage_in(conn, base)
    if name == base or name in {n.id for n in lineage.nodes}:
        chain = " -> ".join([name, *lineage_path(lineage, name)])
        raise LineageError(f"recording {name!r} on {base!r} makes a cycle: {chain}")


def lineage_path(lineage: Lineage, target: str) -> list[str]:
    """The ids from the lineage root down its edges to ``target`` (root alone if absent)."""
    def walk(node: str, path: list[str]) -> list[str] | None:
        if node == target:
            return path
        for m, b, _r in lineage.edges:
            if m == node:
                found = walk(b, [*path, b])
                if found:
                    return found
        return None

    return walk(lineage.root.id, [lineage.root.id]) or [lineage.root.id]


def record_model(reg: Any, name: str, *, base: str, corpus_file: str | os.PathLike[str],
                 weights: Sequence[str | os.PathLike[str]], owner: str, scope: str,
                 code_revision: str | None, use: str, actor: str) -> dict[str, Any]:
    """Check the corpus on ``base``, then store the tuned model ``name`` with its base, the
    exact dataset versions, the check (stored, and named by its hash), the weights' sha256."""
    from register.cards.files import validate_dataset_id
    from register.check.corpus import load_corpus
    from register.models.records import FineTune, result_hash
    from register.store import decisions

    validate_dataset_id(name, path=name)
    if not owner.strip() or not scope.strip():
        raise UsageError("a fine-tune record needs --owner and --scope")
    if not weights:
        raise UsageError("give the trained weights: --weights PATH (repeatable)")
    check_cycle(reg.engine, name, base)
    corpus = load_corpus(Path(corpus_file))
    if corpus.base_model is not None and corpus.base_model.id != base:
        raise UsageError(f"{corpus_file}: the corpus names base model {corpus.base_model.id!r}, "
                         f"not --base {base!r}")
    hashed = weight_files(weights)
    entries: list[Any] = [e.to_dict() for e in corpus.datasets]
    result = reg.check(entries, use=use, base_model={"id": base}).with_corpus(corpus.name)
    check_hash = result_hash(result.to_dict())
    wanted = [(e.id, e.revision) for e in corpus.datasets]

    def work(conn: Connection) -> dict[str, Any]:
        state = decisions.record_check(conn, result, actor=actor)
        tune = FineTune(
            model_id=name, base_id=base, corpus_name=corpus.name,
            corpus_file=str(corpus_file), use=use,
            dataset_versions=tuple(model_queries.dataset_versions(conn, wanted)),
            check_verdict=result.verdict, check_hash=check_hash, check_state_hash=state,
            weights=tuple(hashed), owner=owner.strip(), scope=scope.strip(),
            code_revision=code_revision)
        record_id = model_decisions.record_fine_tune(conn, tune, actor=actor)
        return dict(tune.to_dict(), record=record_id, by=actor)

    out: dict[str, Any] = run_write(reg.engine, work)
    return out
