"""The CycloneDX 1.6 documents as cyclonedx-python-lib builds them: its model objects
(``Component``, ``ExternalReference``, licenses, ``Pedigree``, ``Bom`` metadata) and its 1.6
JSON serializer, with the ``data`` / ``modelCard`` members it does not model added by
bom-ref.  This was the exporter before it wrote the JSON directly (but for the key of a
distribution file's URL: the Croissant import stores ``content_url``, the old exporter read
``contentUrl`` and so never wrote one); the tests hold the direct writer's documents equal to
these (register/exports/cyclonedx.py)."""

from __future__ import annotations

import json
import warnings
from typing import Any

from cyclonedx.model import (
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.contact import OrganizationalContact
from cyclonedx.model.license import DisjunctiveLicense, LicenseAcknowledgement, LicenseExpression
from cyclonedx.output.json import JsonV1Dot6

from register import __version__
from register.exports import ExportScope
from register.exports.cyclonedx import TOOL_NAME
from register.exports.spdx import iter_rows_with_metadata
from register.models.trace import ModelTrace
from register.register import Register
from register.render.links import hub_file_url, hub_url, is_url
from register.store.audit import default_actor


def _licenses(expression: str | None, concluded: bool) -> list[Any]:
    if not expression or expression.upper() == "NOASSERTION":
        return []
    ack = LicenseAcknowledgement.CONCLUDED if concluded else LicenseAcknowledgement.DECLARED
    if expression.startswith("LicenseRef-") and " " not in expression:
        return [DisjunctiveLicense(name=expression, acknowledgement=ack)]
    return [LicenseExpression(expression, acknowledgement=ack)]


def _ref(kind: str, url: str, comment: str | None = None, sha256: str | None = None) -> Any:
    return ExternalReference(
        type=getattr(ExternalReferenceType, kind), url=XsUri(url), comment=comment,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha256.lower())] if sha256 else [])


def _sha(value: Any) -> str | None:
    text = str(value or "")
    return text if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text) else None


def _to_json(bom: Any) -> dict[str, Any]:
    with warnings.catch_warnings():  # "no dependency graph" warnings: the graph is partial
        warnings.simplefilter("ignore")
        out: dict[str, Any] = json.loads(JsonV1Dot6(bom).output_as_string())
    return out


def _header(kind: str, name: str) -> dict[str, Any]:
    bom = Bom()
    bom.metadata.tools.components.add(Component(
        type=ComponentType.APPLICATION, name=TOOL_NAME, version=__version__))
    bom.metadata.authors.add(OrganizationalContact(name=default_actor()))
    head = _to_json(bom)
    head["metadata"]["component"] = {"type": kind, "name": name, "bom-ref": "export"}
    head.pop("components", None)
    head.pop("dependencies", None)
    return head


def _dataset(row: Any, more: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    ident = row["id"]
    revision = row["revision"]
    page = hub_url(ident, source=row["source"], revision=revision)
    refs = [_ref("WEBSITE", page, "Hugging Face Hub page at the recorded revision"),
            _ref("DOCUMENTATION", hub_file_url(ident, "README.md", revision=revision),
                 "dataset card", _sha(row["card_sha256"]))]
    for item in (more.get("metadata") or {}).get("distribution") or []:
        url = item.get("content_url") if isinstance(item, dict) else None
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
        version=revision or str(row["version"]), description=row["pretty_name"] or None,
        licenses=_licenses(row["effective_license"], bool(row["concluded_license"])),
        external_references=refs, properties=props)
    data: dict[str, Any] = {"type": "dataset", "name": ident, "contents": {"url": page},
                            "classification": f"personal data: {row['personal_data'] or 'unknown'}"}
    if row["pretty_name"]:
        data["description"] = str(row["pretty_name"])
    if row["sensitive"]:
        data["sensitiveData"] = [s.strip() for s in str(row["sensitive"]).split(";") if s.strip()]
    governance: dict[str, Any] = {}
    if "/" in ident:
        governance["custodians"] = [{"organization": {"name": ident.split("/", 1)[0]}}]
    stewards = list(dict.fromkeys(p for p in (row["concluded_by"], row["rights_by"]) if p))
    if stewards:
        governance["stewards"] = [{"contact": {"name": p}} for p in stewards]
    if governance:
        data["governance"] = governance
    return component, data


def register_document(reg: Register, scope: ExportScope) -> dict[str, Any]:
    """``export cyclonedx`` of ``scope``, built with the library (one ``Bom``)."""
    head = _header("data", f"{scope.corpus_name or 'register'} (dataset license and rights "
                   "register export)")
    if scope.check is not None:
        head["metadata"]["properties"] = [{"name": "register:check", "value": json.dumps(
            scope.check.to_dict(), sort_keys=True, ensure_ascii=False, default=str)}]
    built = [_dataset(row, more) for row, more in iter_rows_with_metadata(reg, scope)]
    data = {c.bom_ref.value: d for c, d in built}
    components = _to_json(Bom(components=[c for c, _ in built])).get("components", [])
    for item in components:
        item["data"] = [data[item["bom-ref"]]]
    head["components"] = components
    return head


def _model(node: dict[str, Any], bom_ref: str | None) -> Any:
    ident = node["id"]
    revision = node.get("revision")
    refs = [_ref("WEBSITE", hub_url(ident, kind="model", source=node.get("source"),
                                    revision=revision), "Hugging Face Hub page")]
    for w in node.get("weights") or []:
        if w.get("path"):
            url = hub_file_url(ident, str(w["path"]), kind="model", revision=revision,
                               view="resolve")
            refs.append(_ref("DISTRIBUTION", url, "weights", _sha(w.get("sha256"))))
    return Component(name=ident, type=ComponentType.MACHINE_LEARNING_MODEL, bom_ref=bom_ref,
                     version=revision or (str(node["version"]) if node.get("version") else None),
                     licenses=_licenses(node.get("license"), False), external_references=refs,
                     description=None if node.get("in_register")
                     else "not in the register: its terms are unknown")


def model_document(trace: ModelTrace) -> dict[str, Any]:
    """``model export --format cyclonedx``, built with the library."""
    root_id = trace.model["id"]
    bases: dict[str, list[str]] = {}
    for edge in trace.edges:
        bases.setdefault(edge["model"], []).append(edge["base"])
    nodes = {n["id"]: n for n in trace.chain}
    components: list[Any] = []
    for node in trace.chain:
        comp = _model(node, f"model:{node['id']}")
        ancestors = [_model(nodes[b], None) for b in bases.get(node["id"], []) if b in nodes]
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
        refs = [_ref("WEBSITE", hub_url(d["id"], revision=revision), "Hugging Face Hub page")]
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
    out = _to_json(Bom(components=components))
    for item in out.get("components", []):
        ref = item["bom-ref"]
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
        item["modelCard"] = {"bom-ref": f"modelcard:{model_id}"}
        if params:
            item["modelCard"]["modelParameters"] = params
    head = _header("machine-learning-model", root_id)
    head["components"] = out.get("components", [])
    head["dependencies"] = [{"ref": "export", "dependsOn": [f"model:{root_id}"]}] + [
        {"ref": f"model:{n['id']}",
         "dependsOn": [f"model:{b}" for b in bases.get(n["id"], []) if b in nodes]
         + trained.get(n["id"], [])}
        for n in trace.chain
    ] + [{"ref": f"dataset:{i}"} for i in datasets]
    return head
