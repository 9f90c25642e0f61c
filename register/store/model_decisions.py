"""Every write of the model register, each with its audit event (``model.ingest``,
``model.update``, ``model.record``), in the caller's write transaction
(:func:`register.store.engine.run_write`), so the tables and the hash chain change together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection

from register.store import model_queries
from register.store.audit import AuditWriter, now_iso
from register.store.decisions import dumps
from register.store.tables import MODEL_RECORDS, MODEL_VERSIONS, MODELS

if TYPE_CHECKING:
    from register.licenses.normalize import NormalizationResult
    from register.models.cards import ModelCard
    from register.models.records import FineTune

__all__ = ["ModelBatch", "record_fine_tune", "write_model_cards"]

_M, _MV, _MR = MODELS, MODEL_VERSIONS, MODEL_RECORDS


@dataclass
class ModelBatch:
    """What one model ingest batch wrote."""

    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    revised: int = 0  # of the unchanged: the same card at a new revision (recorded)
    license_changes: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def _card_values(card: ModelCard, norm: NormalizationResult) -> dict[str, Any]:
    return {
        "card_sha256": card.card_sha256, "source": card.source, "revision": card.revision,
        "raw_license_json": dumps(card.raw_license), "declared_license": norm.expression,
        "declared_needs_review": norm.needs_review,
        "base_models_json": dumps(list(card.base_models)),
        "base_model_relation": card.base_model_relation,
        "datasets_json": dumps(list(card.datasets)),
        "weights_json": dumps([w.to_dict() for w in card.weights]),
        "metadata_json": dumps(card.metadata),
    }


def _event(card: ModelCard, version: int, norm: NormalizationResult) -> dict[str, Any]:
    return {"version": version, "card_sha256": card.card_sha256, "source": card.source,
            "revision": card.revision, "declared_license": norm.expression,
            "needs_review": norm.needs_review, "base_models": list(card.base_models),
            "base_model_relation": card.base_model_relation,
            "weights": {w.path: w.sha256 for w in card.weights}}


def write_model_cards(conn: Connection, cards: Sequence[ModelCard], actor: str,
                      normalize: Callable[[ModelCard], NormalizationResult]) -> ModelBatch:
    """Write parsed model cards: new models, new versions of changed ones (every version
    kept in ``model_version``), one audit event each; unchanged cards are counted, and one
    seen at a new revision has that revision recorded (``model.revision``: a Hub sync
    compares it with the listed sha and so does not fetch the card again)."""
    part = ModelBatch()
    existing = model_queries.model_checksums(conn, [c.model_id for c in cards])
    audit = AuditWriter(conn, actor)
    now = now_iso()
    for card in cards:
        old = existing.get(card.model_id)
        if old is not None and old.card_sha256 == card.card_sha256:
            part.unchanged += 1
            if card.revision is not None and card.revision != old.revision:
                part.revised += 1
                conn.execute(update(_M).where(_M.c.id == card.model_id).values(
                    revision=card.revision, source=card.source, updated_at=now))
                audit.append("model.revision", card.model_id,
                             {"revision": old.revision, "source": old.source},
                             {"revision": card.revision, "source": card.source,
                              "card_sha256": card.card_sha256},
                             "card unchanged at a new revision", at=now,
                             rows=[(_M, card.model_id)])
                existing[card.model_id] = _Seen(card.card_sha256, old.version,
                                                old.declared_license, card.revision,
                                                card.source)
            continue
        norm = normalize(card)
        version = 1 if old is None else old.version + 1
        values = _card_values(card, norm)
        mv_key: Any = conn.execute(insert(_MV).values(
            model_id=card.model_id, version=version, ingested_at=now,
            **values)).inserted_primary_key
        rows = [(_M, card.model_id), (_MV, mv_key[0])]
        row = dict(values, version=version, declared_reason=norm.reason,
                   pipeline_tag=card.pipeline_tag, gated_json=dumps(card.gated),
                   updated_at=now)
        if old is None:
            conn.execute(insert(_M).values(id=card.model_id, kind="card", ingested_at=now,
                                           **row))
            audit.append("model.ingest", card.model_id, None, _event(card, version, norm),
                         None, at=now, rows=rows)
            part.ingested += 1
        else:
            conn.execute(update(_M).where(_M.c.id == card.model_id).values(**row))
            changed = old.declared_license != norm.expression
            if changed:
                part.license_changes.append((card.model_id, old.declared_license,
                                             norm.expression))
            audit.append("model.update", card.model_id,
                         {"version": old.version, "card_sha256": old.card_sha256,
                          "declared_license": old.declared_license},
                         _event(card, version, norm),
                         "declared license changed" if changed else None, at=now, rows=rows)
            part.updated += 1
        existing[card.model_id] = _Seen(card.card_sha256, version, norm.expression,
                                        card.revision, card.source)
    audit.flush()
    return part


@dataclass(frozen=True)
class _Seen:
    card_sha256: str
    version: int
    declared_license: str | None
    revision: str | None
    source: str


def record_fine_tune(conn: Connection, tune: FineTune, *, actor: str) -> int:
    """Store a trained model (a ``recorded`` model row, a version, its fine-tune record) and
    its ``model.record`` audit event; returns the record id."""
    now = now_iso()
    old = model_queries.model_row(conn, tune.model_id)
    version = 1 if old is None else old.version + 1
    weights = [w.to_dict() for w in tune.weights]
    values = {
        "card_sha256": tune.record_sha256, "source": f"record:{tune.corpus_file}",
        "revision": tune.code_revision, "raw_license_json": "{}", "declared_license": None,
        "declared_needs_review": False,
        "base_models_json": dumps([tune.base_id]), "base_model_relation": tune.relation,
        "datasets_json": dumps([d["id"] for d in tune.dataset_versions]),
        "weights_json": dumps(weights),
        "metadata_json": dumps({"owner": tune.owner, "scope": tune.scope}),
    }
    mv_key: Any = conn.execute(insert(_MV).values(
        model_id=tune.model_id, version=version, ingested_at=now,
        **values)).inserted_primary_key
    row = dict(values, version=version, kind="recorded",
               declared_reason="recorded fine-tune: its terms are its base's and its data's",
               pipeline_tag=None, gated_json="null", updated_at=now)
    if old is None:
        conn.execute(insert(_M).values(id=tune.model_id, ingested_at=now, **row))
    else:
        conn.execute(update(_M).where(_M.c.id == tune.model_id).values(**row))
    result = conn.execute(insert(_MR).values(
        model_id=tune.model_id, base_id=tune.base_id, corpus_name=tune.corpus_name,
        corpus_file=tune.corpus_file, use=tune.use,
        dataset_versions_json=dumps(list(tune.dataset_versions)),
        check_verdict=tune.check_verdict, check_hash=tune.check_hash,
        check_state_hash=tune.check_state_hash, weights_json=dumps(weights),
        owner=tune.owner, scope=tune.scope, code_revision=tune.code_revision, by=actor,
        at=now))
    key: Any = result.inserted_primary_key
    record_id = int(key[0])
    audit = AuditWriter(conn, actor)
    audit.append("model.record", tune.model_id,
                 {"version": old.version, "card_sha256": old.card_sha256}
                 if old is not None else None,
                 {"version": version, "card_sha256": tune.record_sha256,
                  "declared_license": None, "record": record_id, "base": tune.base_id,
                  "corpus": tune.corpus_name, "use": tune.use,
                  "datasets": {d["id"]: d["card_sha256"] for d in tune.dataset_versions},
                  "check_hash": tune.check_hash, "check_verdict": tune.check_verdict,
                  "weights": {w["path"]: w["sha256"] for w in weights},
                  "owner": tune.owner, "scope": tune.scope,
                  "code_revision": tune.code_revision},
                 tune.scope, at=now,
                 rows=[(_M, tune.model_id), (_MV, mv_key[0]), (_MR, record_id)])
    audit.flush()
    return record_id
