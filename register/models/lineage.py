"""Lineage: a model's ``base_model`` chain through the register, and the terms flowing down it.

:func:`resolve_lineage` walks the chain depth-first from a model (a merge has several bases)
and raises :class:`~register.errors.LineageError` on a cycle, naming it.  Bases the register
does not hold are nodes with ``found`` False (the check asks for review; ``model record``
refuses them).  Each edge keeps its relation (adapter / merge / quantized / finetune; a card
without ``base_model_relation`` counts as ``finetune``).

:func:`effective_terms` is what a model's user takes on: every license along the chain (a
fine-tune of a Llama 3.1 model stays under the Llama 3.1 license whatever its own card says),
plus review reasons: an ancestor missing from the register, a license that needs review, a
card whose own license drops a restrictive ancestor's license (``apache-2.0`` on top of a
Llama base), and ancestors trained on data the use may not allow (a base trained on
CC-BY-NC data, for a commercial use).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from register.errors import LineageError
from register.licenses.expressions import license_keys

if TYPE_CHECKING:
    from register.licenses.catalog import KnowledgeBase, LicenseTerms

__all__ = ["EffectiveTerms", "Lineage", "ModelNode", "effective_terms", "resolve_lineage"]

MAX_DEPTH = 64
LINEAGE_RULE = "14"


@dataclass(frozen=True)
class ModelNode:
    """One model of a chain, as the register holds it (``found`` False: not held)."""

    id: str
    found: bool
    kind: str | None = None
    license: str | None = None
    license_needs_review: bool = True
    license_reason: str = ""
    bases: tuple[str, ...] = ()
    relation: str | None = None
    datasets: tuple[str, ...] = ()
    source: str | None = None
    revision: str | None = None
    version: int | None = None
    weights: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "in_register": self.found, "kind": self.kind,
            "license": self.license, "license_needs_review": self.license_needs_review,
            "license_reason": self.license_reason, "bases": list(self.bases),
            "relation": self.relation, "datasets": list(self.datasets),
            "source": self.source, "revision": self.revision, "version": self.version,
            "weights": list(self.weights),
        }


@dataclass(frozen=True)
class Lineage:
    """A model and its ancestors (``nodes[0]`` is the model), with the edges between them."""

    nodes: tuple[ModelNode, ...]
    edges: tuple[tuple[str, str, str], ...]  # (model, base, relation)
    depth: Mapping[str, int] = field(default_factory=dict)

    @property
    def root(self) -> ModelNode:
        return self.nodes[0]

    @property
    def ancestors(self) -> tuple[ModelNode, ...]:
        return self.nodes[1:]

    def node(self, model_id: str) -> ModelNode:
        return next(n for n in self.nodes if n.id == model_id)

    def ancestors_of(self, model_id: str) -> list[str]:
        out: list[str] = []
        todo = [b for m, b, _r in self.edges if m == model_id]
        while todo:
            b = todo.pop(0)
            if b not in out:
                out.append(b)
                todo.extend(x for m, x, _r in self.edges if m == b)
        return out


def resolve_lineage(model_id: str, load: Callable[[str], ModelNode | None],
                    missing: Callable[[str], ModelNode] | None = None) -> Lineage:
    """The chain of ``model_id`` (which must be held); a cycle is a LineageError.
    ``missing(id)`` makes the node of a base the register does not hold."""
    first = load(model_id)
    if first is None:
        raise LineageError(f"model {model_id!r} is not in the register",
                           hint="ingest its card: register model ingest PATH or --hub ID")
    nodes: dict[str, ModelNode] = {model_id: first}
    depth = {model_id: 0}
    edges: list[tuple[str, str, str]] = []

    def walk(node: ModelNode, path: list[str]) -> None:
        if len(path) > MAX_DEPTH:
            raise LineageError(f"the base_model chain of {model_id!r} is deeper than "
                               f"{MAX_DEPTH} models")
        for base in node.bases:
            if base in path:
                cycle = " -> ".join([*path[path.index(base):], base])
                raise LineageError(f"the base_model chain of {model_id!r} has a cycle: {cycle}",
                                   hint="fix the base_model field of one of these cards")
            edges.append((node.id, base, node.relation or "finetune"))
            if base not in nodes:
                nodes[base] = load(base) or (missing(base) if missing else ModelNode(base,
                                                                                      False))
                depth[base] = len(path)
            depth[base] = max(depth[base], len(path))
            walk(nodes[base], [*path, base])

    walk(first, [model_id])
    ordered = sorted(nodes.values(), key=lambda n: (depth[n.id], list(nodes).index(n.id)))
    return Lineage(tuple(ordered), tuple(dict.fromkeys(edges)), depth)


@dataclass(frozen=True)
class EffectiveTerms:
    """The licenses a model's user takes on, and why a human must look (rule 14 reasons)."""

    expression: str | None
    parts: tuple[tuple[str, str], ...]  # (license, the model it comes from)
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {"expression": self.expression, "needs_review": self.needs_review,
                "parts": [{"license": lic, "from": m} for lic, m in self.parts],
                "reasons": list(self.reasons), "notes": list(self.notes)}


def _restrictive(terms: LicenseTerms | None) -> bool:
    if terms is None:
        return True
    return bool(terms.use_restrictions or not terms.commercial_use or terms.research_only
                or terms.share_alike != "none" or terms.no_derivatives
                or terms.training_restriction)


def _join(parts: list[str]) -> str | None:
    if not parts:
        return None
    return " AND ".join(f"({p})" if " OR " in p else p for p in parts)


def effective_terms(lineage: Lineage, kb: KnowledgeBase, *, commercial: bool,
                    dataset_licenses: Mapping[str, tuple[str | None, bool]],
                    skip_root_datasets: bool = False) -> EffectiveTerms:
    """What the model ``lineage.root`` imposes, its whole chain included."""
    parts: list[tuple[str, str]] = []
    reasons: list[str] = []
    notes: list[str] = []
    for node in lineage.nodes:
        if not node.found and node.license:
            parts.append((node.license, node.id))
            notes.append(f"{node.id} is not in the register: {node.license_reason}")
            continue
        if not node.found:
            reasons.append(f"ancestor {node.id} is not in the register, so its terms are "
                           "unknown (register model ingest --hub "
                           f"{node.id} --with-ancestors)")
            continue
        if node.license and all(node.license != p for p, _m in parts):
            parts.append((node.license, node.id))
        if node.license_needs_review and node.kind != "recorded":
            reasons.append(f"{node.id}: license needs review: {node.license_reason}"
                           if node.license_reason else f"{node.id}: license needs review")
        elif not node.license and node.bases:
            notes.append(f"{node.id} states no license of its own: its base's terms apply")
        own = set(license_keys(node.license))
        if node.license:
            for anc_id in lineage.ancestors_of(node.id):
                anc = lineage.node(anc_id)
                for key in license_keys(anc.license):
                    if key not in own and _restrictive(kb.get(key)):
                        reasons.append(
                            f"{node.id} declares {node.license} on top of {anc.id}, which is "
                            f"under {key}: a derivative stays under its base's license")
        if skip_root_datasets and node is lineage.root:
            continue
        for ds in node.datasets:
            held = dataset_licenses.get(ds)
            if held is None:
                notes.append(f"{node.id} names training data {ds}, not in the register")
                continue
            lic, review = held
            for key in license_keys(lic):
                terms = kb.get(key)
                if terms is None:
                    continue
                if commercial and (not terms.commercial_use or terms.research_only):
                    reasons.append(f"{node.id} was trained on {ds} ({lic}), which does not "
                                   "allow commercial use: ask whether the model carries the "
                                   "restriction")
                    break
            if review and not lic:
                notes.append(f"{node.id} names training data {ds}, whose license is unknown")
    return EffectiveTerms(_join([p for p, _m in parts]), tuple(parts),
                          tuple(dict.fromkeys(reasons)), tuple(dict.fromkeys(notes)))
