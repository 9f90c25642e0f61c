"""Fine-tune records: what a tuned model was trained from, on what, under which check."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from register.models.cards import WeightFile

__all__ = ["FineTune", "result_hash"]


def result_hash(result_json: dict[str, Any]) -> str:
    """The sha256 of a check result's canonical JSON (what a record names the check by)."""
    text = json.dumps(result_json, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FineTune:
    """One recorded training run: the tuned model, its base, data versions, check, weights."""

    model_id: str
    base_id: str
    corpus_name: str
    corpus_file: str
    use: str
    dataset_versions: tuple[dict[str, Any], ...]
    check_verdict: str
    check_hash: str
    check_state_hash: str
    weights: tuple[WeightFile, ...]
    owner: str
    scope: str
    code_revision: str | None = None
    relation: str = "finetune"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id, "base_id": self.base_id, "relation": self.relation,
            "corpus_name": self.corpus_name, "corpus_file": self.corpus_file, "use": self.use,
            "dataset_versions": list(self.dataset_versions),
            "check_verdict": self.check_verdict, "check_hash": self.check_hash,
            "check_state_hash": self.check_state_hash,
            "weights": [w.to_dict() for w in self.weights], "owner": self.owner,
            "scope": self.scope, "code_revision": self.code_revision,
        }

    @property
    def record_sha256(self) -> str:
        """The record's own checksum (its ``card_sha256`` in the model tables)."""
        return result_hash(self.to_dict())
