"""The evidence a sign-off is bound to, as one canonical JSON document, and its SHA-256.

The document holds what the approver was shown: the check result for the tier's use (without
its date and its date-only warnings, so the digest does not change overnight), every dataset's
current version, card checksum, revision, declared and concluded license, retention and
clearances (with the revision the subject pins), the model's version and weights checksums
(for a model) or the corpus file's checksum (for a corpus), and the digest of the policy.
An approval counts only while the evidence computed now has the digest it was given.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.errors import UsageError
from register.store import governance_queries, model_queries
from register.store.audit import canonical
from register.store.engine import read_connection

if TYPE_CHECKING:
    from register.check.policy import Policy
    from register.check.result import CheckResult
    from register.register import Register

__all__ = ["Evidence", "Subject", "digest_of", "evidence_for", "policy_digest",
           "resolve_subject", "subject_from_evidence"]

EVIDENCE_FORMAT = 1


@dataclass(frozen=True)
class Subject:
    """What is approved: a model of the register, or a corpus (named by its ``name``; its
    datasets, pins and base model are kept so it can be reassessed without the file)."""

    kind: str  # model | corpus
    id: str
    corpus: dict[str, Any] | None = None  # name, sha256, datasets, base_model
    path: str | None = None  # the corpus file it was read from (not evidence)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Evidence:
    """The evidence document, its digest and the check result it holds."""

    subject: Subject
    use: str
    document: dict[str, Any]
    digest: str
    result: CheckResult
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def json(self) -> str:
        return canonical(self.document)


def digest_of(document: dict[str, Any]) -> str:
    """The SHA-256 (hex) of the canonical JSON of an evidence document."""
    return hashlib.sha256(canonical(document).encode("utf-8")).hexdigest()


def policy_digest(policy: Policy) -> str:
    return hashlib.sha256(canonical(policy.to_dict()).encode("utf-8")).hexdigest()


def resolve_subject(reg: Register, name: str) -> Subject:
    """A corpus YAML file (an existing ``.yaml``/``.yml`` path), a model of the register,
    or a corpus approved earlier (by its name); else a :class:`UsageError`."""
    path = Path(name)
    if path.suffix.lower() in (".yaml", ".yml") and path.is_file():
        from register.check.corpus import load_corpus

        corpus = load_corpus(path)
        data = path.read_bytes()
        return Subject("corpus", corpus.name, {
            "name": corpus.name, "sha256": hashlib.sha256(data).hexdigest(),
            "datasets": [e.to_dict() for e in corpus.datasets],
            "base_model": corpus.base_model.to_dict() if corpus.base_model else None,
        }, str(path))
    with read_connection(reg.engine) as conn:
        if model_queries.model_row(conn, name) is not None:
            return Subject("model", name)
        for row in reversed(governance_queries.approval_rows(conn, [name])):
            if row.subject_kind == "corpus":
                return subject_from_evidence(json.loads(row.evidence_json))
    raise UsageError(f"{name!r} is neither a model of the register nor a corpus file",
                     hint="name a model id ('register model list') or a corpus YAML file")


def subject_from_evidence(document: dict[str, Any]) -> Subject:
    """The subject an evidence document was computed for."""
    subj = document["subject"]
    return Subject(subj["kind"], subj["id"], document.get("corpus"))


def _check(reg: Register, subject: Subject, use: str, on: date, policy: Policy,
           ) -> tuple[CheckResult, list[dict[str, Any]]]:
    """The check result and the ``{id, revision}`` entries it covered."""
    if subject.kind == "model":
        entries = [{"id": d["id"], "revision": d.get("revision")}
                   for d in reg.model_training_data(subject.id)]
        result = reg.check(entries, use=use, base_model={"id": subject.id}, on=on,
                           policy=policy, strict=False)
        return result, entries
    corpus = subject.corpus or {}
    entries = [dict(e) for e in corpus.get("datasets", [])]
    result = reg.check(entries, use=use, base_model=corpus.get("base_model"), on=on,
                       policy=policy, strict=False)
    return result.with_corpus(str(corpus.get("name"))), entries


def _model_part(reg: Register, model_id: str) -> dict[str, Any] | None:
    with read_connection(reg.engine) as conn:
        row = model_queries.model_row(conn, model_id)
        if row is None:
            return None
        bases = json.loads(row.base_models_json or "[]")
        held = set(model_queries.model_ids(conn))
    return {"id": model_id, "kind": row.kind, "version": row.version,
            "card_sha256": row.card_sha256, "declared_license": row.declared_license,
            "weights": sorted(({"path": w.get("path"), "sha256": w.get("sha256")}
                               for w in json.loads(row.weights_json or "[]")),
                              key=lambda w: str(w["path"])),
            "base_models": [{"id": b, "in_register": b in held} for b in bases]}


def evidence_for(reg: Register, subject: Subject, *, use: str, on: date, policy: Policy,
                 ) -> Evidence:
    """Compute the evidence of ``subject`` for ``use`` now (as of ``on``)."""
    result, entries = _check(reg, subject, use, on, policy)
    check = dict(result.to_dict())
    check.pop("on", None)
    check.pop("warnings", None)
    ids = [str(e["id"]) for e in entries]
    with read_connection(reg.engine) as conn:
        held = governance_queries.dataset_evidence(conn, ids)
    datasets = []
    for entry in entries:
        ds_id = str(entry["id"])
        part = held.get(ds_id)
        datasets.append({"id": ds_id, "pinned_revision": entry.get("revision"),
                         "in_register": part is not None, **(part or {})})
    document: dict[str, Any] = {
        "format": EVIDENCE_FORMAT,
        "subject": {"kind": subject.kind, "id": subject.id},
        "use": use,
        "policy": {"name": policy.name, "sha256": policy_digest(policy)},
        "check": check,
        "datasets": datasets,
        "model": _model_part(reg, subject.id) if subject.kind == "model" else None,
        "corpus": subject.corpus,
    }
    return Evidence(subject, use, document, digest_of(document), result,
                    {"warnings": [w.to_dict() for w in result.warnings]})
