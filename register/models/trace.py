"""``model trace``: the whole story of one model, in one screen and in JSON.

What model, from what base (the chain, a relation per edge), trained on what data (dataset
versions and their licenses), under which check (verdict and hash), with which weights
(sha256), approved by whom (the record's owner and the clearances), deployed where (scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from register.store import model_queries, queries
from register.store.engine import read_connection
from register.store.model_queries import loads

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["ModelTrace", "trace_model"]


@dataclass(frozen=True)
class ModelTrace:
    model: dict[str, Any]
    chain: tuple[dict[str, Any], ...]
    edges: tuple[dict[str, str], ...]
    effective: dict[str, Any]
    data: tuple[dict[str, Any], ...]
    records: tuple[dict[str, Any], ...]
    weights: tuple[dict[str, Any], ...]
    clearances: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "chain": list(self.chain), "edges": list(self.edges),
            "effective_terms": self.effective, "data": list(self.data),
            "records": list(self.records), "weights": list(self.weights),
            "clearances": list(self.clearances),
        }


def _record_dict(r: Any) -> dict[str, Any]:
    return {
        "record": r.id, "base": r.base_id, "corpus": r.corpus_name,
        "corpus_file": r.corpus_file, "use": r.use, "check_verdict": r.check_verdict,
        "check_hash": r.check_hash, "check_state_hash": r.check_state_hash,
        "weights": loads(r.weights_json, []), "owner": r.owner, "scope": r.scope,
        "code_revision": r.code_revision, "by": r.by, "at": r.at,
        "dataset_versions": loads(r.dataset_versions_json, []),
    }


def trace_model(reg: Register, model_id: str) -> ModelTrace:
    from register.models.service import lineage_in, terms_in

    with read_connection(reg.engine) as conn:
        lineage = lineage_in(conn, model_id)
        terms = terms_in(conn, lineage, reg.kb, commercial=True)
        row = model_queries.model_row(conn, model_id)
        records = {n.id: [_record_dict(r) for r in model_queries.model_records(conn, n.id)]
                   for n in lineage.nodes if n.found}
        stated = sorted({d for n in lineage.nodes if n.kind != "recorded" for d in n.datasets})
        licenses = model_queries.dataset_licenses(conn, stated)
        clearances = queries.clearances_of(conn, model_id)
    data: list[dict[str, Any]] = []
    for node in lineage.nodes:
        recs = records.get(node.id) or []
        if recs:
            for d in recs[-1]["dataset_versions"]:
                data.append(dict(d, trained="by" if node.id == model_id else "ancestor",
                                 model=node.id, evidence="fine-tune record",
                                 in_register=True))
            continue
        for ds in node.datasets:
            lic, review = licenses.get(ds, (None, True))
            data.append({"id": ds, "model": node.id, "evidence": "model card datasets:",
                         "trained": "by" if node.id == model_id else "ancestor",
                         "in_register": ds in licenses, "license": lic,
                         "license_needs_review": review, "version": None,
                         "card_sha256": None, "revision": None})
    assert row is not None  # lineage_in found it
    model = {
        "id": row.id, "kind": row.kind, "source": row.source, "revision": row.revision,
        "version": row.version, "card_sha256": row.card_sha256,
        "declared_license": row.declared_license,
        "declared_needs_review": bool(row.declared_needs_review),
        "declared_reason": row.declared_reason, "pipeline_tag": row.pipeline_tag,
        "gated": loads(row.gated_json, None), "ingested_at": row.ingested_at,
    }
    return ModelTrace(
        model=model,
        chain=tuple(dict(n.to_dict(), depth=lineage.depth.get(n.id, 0))
                    for n in lineage.nodes),
        edges=tuple({"model": m, "base": b, "relation": r} for m, b, r in lineage.edges),
        effective=terms.to_dict(), data=tuple(data),
        records=tuple(records.get(model_id) or []),
        weights=tuple(loads(row.weights_json, [])),
        clearances=tuple({"use": c.use, "by": c.by, "reason": c.reason,
                          "until": c.until.isoformat() if c.until else None}
                         for c in clearances))
