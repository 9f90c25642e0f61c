"""CycloneDX 1.6 JSON: ``register export cyclonedx OUT`` and ``register model export ID
--format cyclonedx``.

Built with ``cyclonedx-python-lib`` (components, licenses, hashes, external references,
pedigree, dependencies and the metadata are the library's objects and its 1.6 JSON
serializer).  The library has no model of the 1.6 component ``data`` and ``modelCard``
members, so these two are added to the serialized JSON of their component (by bom-ref);
``tests/exports/test_cyclonedx.py`` validates the whole document with the library's
``JsonStrictValidator(SchemaVersion.V1_6)``.

Mapping of a dataset (a ``data`` component, ``bom-ref`` ``dataset:<id>``):

* ``name`` = id, ``version`` = the Hub revision (else the register's version number),
  ``description`` = the pretty name;
* ``licenses``: the effective license (concluded, else declared) as one SPDX ``expression``
  (acknowledgement ``concluded`` / ``declared``); a lone ``LicenseRef-`` is a named license;
  no license or NOASSERTION: no ``licenses``;
* ``externalReferences``: the Hub page at the revision (``website``), the card
  (``documentation``, with its sha256), the card's ``distribution`` files with their sha256
  (``distribution``) when known;
* ``data``: one entry of type ``dataset``: ``contents.url`` = the Hub page, ``classification``
  = personal data yes / no / unknown, ``sensitiveData`` = the recorded sensitive categories,
  ``governance``: ``custodians`` = the Hub namespace that hosts it, ``stewards`` = who recorded
  the license conclusion and the rights;
* ``properties`` ``register:*``: needs_review, review_reason, declared_license, and the
  rights record's facts (lawful basis, consent purposes, regions, retention, DPIA).

The dataset export streams: components are built and serialized 500 at a time (the memory
is bounded by a batch, not by the register's size).

A model (``machine-learning-model``, ``bom-ref`` ``model:<id>``): each weight file a
``distribution`` external reference with its sha256; ``modelCard.modelParameters`` with
``task`` (the pipeline tag) and ``datasets`` referencing the training-data components by
bom-ref; the base models as ``pedigree.ancestors`` and, as full components, in
``dependencies`` (the model depends on its bases and its training data).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from register.errors import ExportError
from register.exports import ExportReport, ExportScope, RegisterRow, iter_register_rows
from register.render.links import hub_file_url, hub_url, is_url

if TYPE_CHECKING:
    from register.models.trace import ModelTrace
    from register.register import Register

__all__ = ["batches", "model_cyclonedx", "write_cyclonedx"]

TOOL_NAME = "dataset-rights-register"
BATCH = 500


def _lib() -> None:
    """A clear error when the (declared) library is missing from an installation."""
    try:
        import cyclonedx.model  # noqa: F401
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ExportError("the CycloneDX export needs the 'cyclonedx-python-lib' package",
                          hint="pip install 'cyclonedx-python-lib>=8'") from exc


def _licenses(expression: str | None, concluded: bool) -> list[Any]:
    from cyclonedx.model.license import (
        DisjunctiveLicense,
        LicenseAcknowledgement,
        LicenseExpression,
    )

    if not expression or expression.upper() == "NOASSERTION":
        return []
    ack = LicenseAcknowledgement.CONCLUDED if concluded else LicenseAcknowledgement.DECLARED
    if expression.startswith("LicenseRef-") and " " not in expression:
        return [DisjunctiveLicense(name=expression, acknowledgement=ack)]
    return [LicenseExpression(expression, acknowledgement=ack)]


def _ref(kind: str, url: str, comment: str | None = None, sha256: str | None = None) -> Any:
    from cyclonedx.model import (
        ExternalReference,
        ExternalReferenceType,
        HashAlgorithm,
        HashType,
        XsUri,
    )

    return ExternalReference(
        type=getattr(ExternalReferenceType, kind), url=XsUri(url), comment=comment,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha256.lower())] if sha256 else [])


def _sha(value: Any) -> str | None:
    text = str(value or "")
    return text if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text) else None


def _dataset_component(row: RegisterRow, more: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The library component of a register row, and its ``data`` entry (JSON)."""
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component, ComponentType

    ident = row["id"]
    revision = row["revision"]
    page = hub_url(ident, source=row["source"], revision=revision)
    refs = [_ref("WEBSITE", page, "Hugging Face Hub page at the recorded revision")]
    refs.append(_ref("DOCUMENTATION", hub_file_url(ident, "README.md", revision=revision),
                     "dataset card", _sha(row["card_sha256"])))
    metadata = more.get("metadata") or {}
    for item in metadata.get("distribution") or []:
        url = item.get("contentUrl") if isinstance(item, dict) else None
        if isinstance(url, str) and is_url(url):
            refs.append(_ref("DISTRIBUTION", url, item.get("name"), _sha(item.get("sha256"))))
    props = [Property(name="register:needs_review", value=str(bool(row["needs_review"])).lower())]
    for name in ("review_reason", "declared_license", "lawful_basis", "consent_purpose",
                 "collected_in", "allowed_region", "collected_on", "retain_until", "dpia"):
        value = row.get(name)
        if value not in (None, "", []):
            props.append(Property(name=f"register:{name}", value=str(value)))
    component = Component(
        name=ident, type=ComponentType.DATA, bom_ref=f"dataset:{ident}",
        version=revision or str(row["version"]),
        description=row["pretty_name"] or None,
        licenses=_licenses(row["effective_license"], bool(row["concluded_license"])),
        external_references=refs, properties=props)
    data: dict[str, Any] = {"type": "dataset", "name": ident, "contents": {"url": page},
                            "classification": f"personal data: {row['personal_data'] or 'unknown'}"}
    if row["pretty_name"]:
        data["description"] = str(row["pretty_name"])
    sensitive = row["sensitive"]
    if sensitive:
        data["sensitiveData"] = [s.strip() for s in str(sensitive).split(";") if s.strip()]
    governance: dict[str, Any] = {}
    if "/" in ident:
        governance["custodians"] = [{"organization": {"name": ident.split("/", 1)[0]}}]
    stewards = list(dict.fromkeys(p for p in (row["concluded_by"], row["rights_by"]) if p))
    if stewards:
        governance["stewards"] = [{"contact": {"name": p}} for p in stewards]
    if governance:
        data["governance"] = governance
    return component, data


def _serialize(components: Iterable[Any], dependencies: Iterable[Any] = ()) -> dict[str, Any]:
    """The 1.6 JSON of a BOM of ``components`` (the library's serializer)."""
    from cyclonedx.model.bom import Bom

    bom = Bom(components=components, dependencies=dependencies)
    return _to_json(bom)


def _to_json(bom: Any) -> dict[str, Any]:
    from cyclonedx.output.json import JsonV1Dot6

    with warnings.catch_warnings():  # "no dependency graph" warnings: the graph is partial
        warnings.simplefilter("ignore")
        out: dict[str, Any] = json.loads(JsonV1Dot6(bom).output_as_string())
    return out


def _header(name: str) -> dict[str, Any]:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType

    from register import __version__
    from register.store.audit import default_actor

    bom = Bom()
    bom.metadata.tools.components.add(Component(
        type=ComponentType.APPLICATION, name=TOOL_NAME, version=__version__))
    from cyclonedx.model.contact import OrganizationalContact

    bom.metadata.authors.add(OrganizationalContact(name=default_actor()))
    head = _to_json(bom)
    head["metadata"]["component"] = {"type": "data", "name": name, "bom-ref": "export"}
    head.pop("components", None)
    head.pop("dependencies", None)
    return head


def batches(rows: Iterable[RegisterRow], size: int) -> Iterator[list[RegisterRow]]:
    batch: list[RegisterRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write_members(fh: TextIO, head: dict[str, Any], components: Iterable[dict[str, Any]],
                   dependencies: Iterable[dict[str, Any]] = ()) -> int:
    text = json.dumps(head, indent=2, ensure_ascii=False)
    fh.write(text[:text.rstrip().rfind("}")].rstrip() + ',\n  "components": [')
    n = 0
    for component in components:
        fh.write(("," if n else "") + "\n    " + json.dumps(component, ensure_ascii=False))
        n += 1
    fh.write("\n  ]")
    deps = list(dependencies)
    if deps:
        fh.write(',\n  "dependencies": ' + json.dumps(deps, ensure_ascii=False))
    fh.write("\n}\n")
    return n


def write_cyclonedx(reg: Register, path: Path, scope: ExportScope,
                    report: ExportReport) -> None:
    from register.exports.spdx import card_metadata

    _lib()
    head = _header(f"{scope.corpus_name or 'register'} (dataset license and rights register "
                   "export)")
    if scope.check is not None:
        head["metadata"]["properties"] = [{"name": "register:check", "value": json.dumps(
            scope.check.to_dict(), sort_keys=True, ensure_ascii=False, default=str)}]

    def components() -> Iterator[dict[str, Any]]:
        for batch in batches(iter_register_rows(reg, scope.ids), BATCH):
            extra = card_metadata(reg, [r["id"] for r in batch])
            built = [_dataset_component(r, extra.get(r["id"], {})) for r in batch]
            data = {c.bom_ref.value: d for c, d in built}
            for item in _serialize(c for c, _ in built).get("components", []):
                item["data"] = [data[item["bom-ref"]]]
                yield item

    with path.open("w", encoding="utf-8") as fh:
        report.rows = _write_members(fh, head, components())
    if not report.rows:
        report.warn("no datasets to export: the CycloneDX document has no components")


# --------------------------------------------------------------------------- models


def _model_component(node: dict[str, Any], bom_ref: str | None) -> Any:
    from cyclonedx.model.component import Component, ComponentType

    ident = node["id"]
    revision = node.get("revision")
    refs = [_ref("WEBSITE", hub_url(ident, kind="model", source=node.get("source"),
                                    revision=revision), "Hugging Face Hub page")]
    for w in node.get("weights") or []:
        if w.get("path"):
            url = hub_file_url(ident, str(w["path"]), kind="model", revision=revision,
                               view="resolve")
            refs.append(_ref("DISTRIBUTION", url, "weights", _sha(w.get("sha256"))))
    version = revision or (str(node["version"]) if node.get("version") else None)
    return Component(name=ident, type=ComponentType.MACHINE_LEARNING_MODEL, bom_ref=bom_ref,
                     version=version, licenses=_licenses(node.get("license"), False),
                     external_references=refs,
                     description=None if node.get("in_register")
                     else "not in the register: its terms are unknown")


def model_cyclonedx(trace: ModelTrace) -> dict[str, Any]:
    """The CycloneDX 1.6 document of a traced model, its base models and training data."""
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component, ComponentType, Pedigree

    _lib()
    root_id = trace.model["id"]
    bases: dict[str, list[str]] = {}
    for edge in trace.edges:
        bases.setdefault(edge["model"], []).append(edge["base"])
    nodes = {n["id"]: n for n in trace.chain}
    components: list[Any] = []
    for node in trace.chain:
        comp = _model_component(node, f"model:{node['id']}")
        ancestors = [_model_component(nodes[b], None) for b in bases.get(node["id"], [])
                     if b in nodes]
        if ancestors:
            comp.pedigree = Pedigree(ancestors=ancestors)
        if node["id"] == root_id:
            effective = trace.effective
            comp.properties.add(Property(
                name="register:effective_terms",
                value=str(effective.get("expression") or "unknown")
                + ("; needs review" if effective.get("needs_review") else "")))
        components.append(comp)
    datasets: dict[str, dict[str, Any]] = {}
    trained: dict[str, list[str]] = {}
    for d in trace.data:
        trained.setdefault(d["model"], [])
        if f"dataset:{d['id']}" not in trained[d["model"]]:
            trained[d["model"]].append(f"dataset:{d['id']}")
        if d["id"] in datasets:
            continue
        datasets[d["id"]] = d
        revision = d.get("revision")
        page = hub_url(d["id"], revision=revision)
        refs = [_ref("WEBSITE", page, "Hugging Face Hub page")]
        if _sha(d.get("card_sha256")):
            refs.append(_ref("DOCUMENTATION", hub_file_url(d["id"], "README.md",
                                                           revision=revision),
                             "dataset card", d["card_sha256"]))
        sure = bool(d.get("license")) and not d.get("license_needs_review")
        components.append(Component(
            name=d["id"], type=ComponentType.DATA, bom_ref=f"dataset:{d['id']}",
            version=revision or (str(d["version"]) if d.get("version") else None),
            licenses=_licenses(d.get("license") if sure else None, False),
            external_references=refs,
            properties=[Property(name="register:in_register",
                                 value=str(bool(d.get("in_register"))).lower()),
                        Property(name="register:evidence", value=str(d.get("evidence")))]))
    out = _serialize(components)
    for item in out.get("components", []):
        ref = item.get("bom-ref", "")
        if ref.startswith("dataset:"):
            d = datasets[ref.split(":", 1)[1]]
            item["data"] = [{"type": "dataset", "name": d["id"],
                             "contents": {"url": hub_url(d["id"], revision=d.get("revision"))}}]
            continue
        model_id = ref.split(":", 1)[1]
        params: dict[str, Any] = {}
        if model_id == root_id and trace.model.get("pipeline_tag"):
            params["task"] = str(trace.model["pipeline_tag"])
        if trained.get(model_id):
            params["datasets"] = [{"ref": r} for r in trained[model_id]]
        model_card: dict[str, Any] = {"bom-ref": f"modelcard:{model_id}"}
        if params:
            model_card["modelParameters"] = params
        item["modelCard"] = model_card
    out.pop("dependencies", None)
    out["dependencies"] = [
        {"ref": f"model:{n['id']}",
         "dependsOn": [f"model:{b}" for b in bases.get(n["id"], []) if b in nodes]
         + trained.get(n["id"], [])}
        for n in trace.chain
    ] + [{"ref": f"dataset:{i}"} for i in datasets]
    head = _header(f"{root_id} (model lineage and training data)")
    head["metadata"]["component"] = {"type": "machine-learning-model", "name": root_id,
                                     "bom-ref": "export"}
    head["components"] = out.get("components", [])
    head["dependencies"] = [{"ref": "export", "dependsOn": [f"model:{root_id}"]},
                            *out["dependencies"]]
    return head
