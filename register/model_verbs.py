"""The model verbs of :class:`register.register.Register` (a mixin): ingest model cards,
list them, their lineage, check, record a fine-tune, trace, export SPDX.

Each facade area that grows its own verbs lives in a mixin like this one, so
``register/register.py`` stays one readable page."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from register.check.uses import validate_use
from register.store import model_queries
from register.store.audit import actor_or_default
from register.store.engine import read_connection

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from register.check.result import CheckResult
    from register.licenses.catalog import KnowledgeBase
    from register.models.lineage import Lineage
    from register.models.service import ModelIngestSummary
    from register.models.trace import ModelTrace
    from register.register import Register


class ModelVerbs:
    """Model cards, lineage and fine-tune records (mixed into ``Register``)."""

    engine: Engine
    _kb: KnowledgeBase | None

    def _facade(self) -> Register:
        return cast("Register", self)

    def ingest_models(
        self, paths: Sequence[str | os.PathLike[str]], *, recursive: bool = False,
        model_id: str | None = None, actor: str | None = None,
    ) -> ModelIngestSummary:
        """Ingest model cards (README.md files or model directories, whose weights are hashed)."""
        from register.models.service import ingest_model_cards, iter_model_cards

        cards = iter_model_cards(paths, recursive=recursive, model_id=model_id)
        return ingest_model_cards(self.engine, cards, actor=actor_or_default(actor),
                                  kb=self._kb)

    def ingest_models_hub(
        self, ids: Sequence[str], *, revision: str | None = None,
        with_ancestors: bool = False, actor: str | None = None,
    ) -> ModelIngestSummary:
        """Fetch model cards from the Hub (and, ``with_ancestors``, their base_model chains)."""
        from register.models.hub import fetch_model_cards
        from register.models.service import ingest_model_cards

        with read_connection(self.engine) as conn:
            held = set(model_queries.model_ids(conn))
        cards = fetch_model_cards(list(ids), revision, with_ancestors=with_ancestors,
                                  skip=held)
        return ingest_model_cards(self.engine, cards, actor=actor_or_default(actor),
                                  kb=self._kb, batch_size=1)

    def model_ids(self) -> list[str]:
        with read_connection(self.engine) as conn:
            return model_queries.model_ids(conn)

    def list_models(self) -> list[dict[str, Any]]:
        """The models held: id, kind, declared license and review, bases, source."""
        with read_connection(self.engine) as conn:
            return [{"id": r.id, "kind": r.kind, "declared_license": r.declared_license,
                     "declared_needs_review": bool(r.declared_needs_review),
                     "declared_reason": r.declared_reason,
                     "base_models": json.loads(r.base_models_json or "[]"),
                     "base_model_relation": r.base_model_relation, "version": r.version,
                     "source": r.source, "revision": r.revision}
                    for r in model_queries.model_rows(conn)]

    def model_lineage(self, model_id: str) -> Lineage:
        """The model and its base_model chain (LineageError on a cycle)."""
        from register.models.service import lineage_of

        return lineage_of(self.engine, model_id)

    def check_model(self, model_id: str, *, use: str, **kwargs: Any) -> CheckResult:
        """Check a model for a use: its whole chain, and for a recorded fine-tune the exact
        dataset versions it was trained on."""
        datasets = [{"id": d["id"], "revision": d.get("revision")}
                    for d in self.model_training_data(model_id)]
        return self._facade().check(datasets, use=use, base_model={"id": model_id}, **kwargs)

    def model_training_data(self, model_id: str) -> list[dict[str, Any]]:
        """The dataset versions of a recorded model's latest fine-tune record ([] if none)."""
        with read_connection(self.engine) as conn:
            records = model_queries.model_records(conn, model_id)
        if not records:
            return []
        return list(json.loads(records[-1].dataset_versions_json))

    def record_model(
        self, name: str, *, base: str, corpus: str | os.PathLike[str],
        weights: Sequence[str | os.PathLike[str]], owner: str, scope: str,
        code_revision: str | None = None, use: str = "release-weights", by: str | None = None,
    ) -> dict[str, Any]:
        """Record a tuned model: base, exact dataset versions, check hash, weights (audited)."""
        from register.models.service import record_model

        validate_use(use)
        return record_model(self._facade(), name, base=base, corpus_file=corpus, weights=weights,
                            owner=owner, scope=scope, code_revision=code_revision, use=use,
                            actor=actor_or_default(by))

    def trace_model(self, model_id: str) -> ModelTrace:
        """The whole story of a model: chain, data, check, weights, who, where."""
        from register.models.trace import trace_model

        return trace_model(self._facade(), model_id)

    def export_model_spdx(self, model_id: str) -> dict[str, Any]:
        """The SPDX 3.0.1 AI profile document (JSON-LD) of a model and its lineage."""
        from register.models.spdx import model_spdx

        return model_spdx(self.trace_model(model_id))

    def export_model_cyclonedx(self, model_id: str) -> dict[str, Any]:
        """The CycloneDX 1.6 document (JSON) of a model, its base models and training data."""
        from register.exports.cyclonedx import model_cyclonedx

        return model_cyclonedx(self.trace_model(model_id))
