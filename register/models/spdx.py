"""SPDX 3.0.1 AI profile of a model: ``register model export ID --format spdx``.

Built with ``spdx-python-model`` as the dataset export is (:mod:`register.exports.spdx`).
Mapping:

* the model and each ancestor: ``ai_AIPackage`` (``name`` = id, ``software_packageVersion`` =
  revision or register version, ``software_downloadLocation`` = source URL, ``ai_typeOfModel``
  = the pipeline tag; each weight file's sha256 as a ``Hash`` in ``verifiedUsing``);
* each base edge: ``Relationship ancestorOf`` from the base to the model (the edge's relation,
  adapter / merge / quantized / finetune, in the relationship's ``comment``);
* training data: ``dataset_DatasetPackage`` per dataset (the exact version recorded, else the
  card's ``datasets:``) and ``Relationship trainedOn`` from the model that used it;
* licenses as for datasets: ``hasDeclaredLicense`` (the card's) and ``hasConcludedLicense``
  (the effective terms of the model's chain when no review is needed, else
  ``NoAssertionLicense``) to ``simplelicensing_LicenseExpression`` elements.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from register.errors import ExportError

if TYPE_CHECKING:
    from register.models.trace import ModelTrace

__all__ = ["model_spdx"]

TOOL_NAME = "dataset-rights-register"
NO_ASSERTION_LICENSE = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense"


def model_spdx(trace: ModelTrace) -> dict[str, Any]:
    """The SPDX 3.0.1 JSON-LD document of a traced model (a JSON-ready dict)."""
    from spdx_python_model import v3_0_1 as m

    from register import __version__
    from register.store.audit import default_actor

    ns = f"https://spdx.org/spdxdocs/{TOOL_NAME}/{uuid.uuid4()}/"
    info = m.CreationInfo()
    info.specVersion = "3.0.1"
    info.created = datetime.now(timezone.utc).replace(microsecond=0)
    person = m.Person(spdxId=ns + "agent/exporter", name=default_actor(), creationInfo=info)
    tool = m.Tool(spdxId=ns + "tool", name=f"{TOOL_NAME} {__version__}", creationInfo=info)
    info.createdBy.append(person)
    info.createdUsing.append(tool)
    root_id = trace.model["id"]
    doc = m.SpdxDocument(spdxId=ns + "document", creationInfo=info,
                         name=f"{root_id} (model lineage and training data)")
    doc.profileConformance.extend([
        m.ProfileIdentifierType.core, m.ProfileIdentifierType.software,
        m.ProfileIdentifierType.ai, m.ProfileIdentifierType.dataset,
        m.ProfileIdentifierType.simpleLicensing,
    ])
    elements: list[Any] = [person, tool]
    expressions: dict[str, Any] = {}
    counter = iter(range(1, 1_000_000))

    def license_ref(expression: str | None) -> Any:
        if not expression:
            return NO_ASSERTION_LICENSE
        if expression not in expressions:
            le = m.simplelicensing_LicenseExpression(
                spdxId=f"{ns}license/{len(expressions) + 1}", creationInfo=info,
                simplelicensing_licenseExpression=expression)
            expressions[expression] = le
            elements.append(le)
        return expressions[expression]

    def relate(src: Any, kind: Any, dst: Any, comment: str | None = None) -> None:
        rel = m.Relationship(spdxId=f"{ns}relationship/{next(counter)}", creationInfo=info,
                             from_=src, relationshipType=kind)
        rel.to.append(dst)
        if comment:
            rel.comment = comment
        elements.append(rel)

    packages: dict[str, Any] = {}
    for node in trace.chain:
        pkg = m.ai_AIPackage(spdxId=f"{ns}model/{quote(node['id'], safe='')}",
                             creationInfo=info, name=node["id"])
        pkg.software_primaryPurpose = m.software_SoftwarePurpose.model
        if node.get("revision") or node.get("version"):
            pkg.software_packageVersion = str(node.get("revision") or node.get("version"))
        src = node.get("source") or ""
        if src.startswith(("https://", "http://")):
            pkg.software_downloadLocation = src
        if node["id"] == root_id and trace.model.get("pipeline_tag"):
            pkg.ai_typeOfModel.append(str(trace.model["pipeline_tag"]))
        for w in node.get("weights") or []:
            if w.get("sha256"):
                pkg.verifiedUsing.append(m.Hash(algorithm=m.HashAlgorithm.sha256,
                                                hashValue=w["sha256"],
                                                comment=str(w.get("path"))))
        if not node["in_register"]:
            pkg.comment = "not in the register: its terms are unknown"
        packages[node["id"]] = pkg
        elements.append(pkg)
        relate(pkg, m.RelationshipType.hasDeclaredLicense, license_ref(node.get("license")))
    doc.rootElement.append(packages[root_id])
    effective = trace.effective
    relate(packages[root_id], m.RelationshipType.hasConcludedLicense,
           license_ref(None if effective["needs_review"] else effective["expression"]))
    for edge in trace.edges:
        relate(packages[edge["base"]], m.RelationshipType.ancestorOf, packages[edge["model"]],
               f"base_model_relation: {edge['relation']}")
    datasets: dict[str, Any] = {}
    for d in trace.data:
        if d["id"] not in datasets:
            dpkg = m.dataset_DatasetPackage(spdxId=f"{ns}dataset/{quote(d['id'], safe='')}",
                                           creationInfo=info, name=d["id"])
            dpkg.software_primaryPurpose = m.software_SoftwarePurpose.data
            if d.get("revision") or d.get("version"):
                dpkg.software_packageVersion = str(d.get("revision") or d.get("version"))
            if d.get("card_sha256"):
                dpkg.verifiedUsing.append(m.Hash(algorithm=m.HashAlgorithm.sha256,
                                                hashValue=d["card_sha256"],
                                                comment="dataset card (README.md)"))
            for t in ["noAssertion"]:
                dpkg.dataset_datasetType.append(getattr(m.dataset_DatasetType, t))
            datasets[d["id"]] = dpkg
            elements.append(dpkg)
            relate(dpkg, m.RelationshipType.hasConcludedLicense, license_ref(
                d.get("license") if not d.get("license_needs_review") else None))
        relate(packages[d["model"]], m.RelationshipType.trainedOn, datasets[d["id"]],
               d.get("evidence"))
    out: dict[str, Any] = json.loads(serialize_document(doc, elements))
    return out


def serialize_document(doc: Any, elements: list[Any]) -> bytes:
    """The SPDX 3.0.1 JSON-LD of ``doc`` holding ``elements`` (spdx-python-model's serializer
    validates it: an invalid document is an :class:`ExportError`)."""
    from spdx_python_model import v3_0_1 as m

    objs = m.SHACLObjectSet()
    for element in elements:
        doc.element.append(element)
        objs.add(element)
    objs.add(doc)
    buf = io.BytesIO()
    try:
        m.JSONLDSerializer().write(objs, buf, indent=2)
    except (ValueError, TypeError) as exc:
        raise ExportError(f"cannot write a valid SPDX 3.0.1 document: {exc}") from exc
    return buf.getvalue()
