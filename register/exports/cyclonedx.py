"""CycloneDX 1.6 JSON: ``register export cyclonedx OUT`` and ``register model export ID
--format cyclonedx``.

Written directly: each component is a dict in the 1.6 JSON shape, encoded with the C JSON
encoder and written as it is made, so memory stays flat in the number of datasets (building
cyclonedx-python-lib's model cost ~13x ``export json``).  The document is what that library
writes for the same objects: lists it keeps as sorted sets (external references, properties,
hashes, components, ancestors) are sorted and de-duplicated the way it orders them, URLs go
through its ``xs:anyURI`` replacements, empty members are left out.  The library is the tests'
judge (``tests/exports/test_cyclonedx.py``): its ``JsonStrictValidator(SchemaVersion.V1_6)``
validates every document, its deserializer reads the export back and its serializer writes it
again to the same document, and a reference built with its model (the former writer) equals
the export.  The 1.6 component ``data`` and ``modelCard`` members, which the library does not
model, are the JSON of the schema.

Mapping of a dataset (a ``data`` component, ``bom-ref`` ``dataset:<id>``):

* ``name`` = id, ``version`` = the Hub revision (else the register's version number),
  ``description`` = the pretty name;
* ``licenses``: the effective license (concluded, else declared) as one SPDX ``expression``
  (acknowledgement ``concluded`` / ``declared``); a lone ``LicenseRef-`` is a named license;
  no license or NOASSERTION: no ``licenses``;
* ``externalReferences``: the Hub page at the revision (``website``), the card
  (``documentation``, with its sha256), the files of an imported Croissant ``distribution``
  (``distribution``, with their sha256 when known; a URL that is not an ``xs:anyURI`` is left
  out);
* ``data``: one entry of type ``dataset``: ``contents.url`` = the Hub page, ``classification``
  = personal data yes / no / unknown, ``sensitiveData`` = the recorded sensitive categories,
  ``governance``: ``custodians`` = the Hub namespace that hosts it, ``stewards`` = who recorded
  the license conclusion and the rights;
* ``properties`` ``register:*``: needs_review, review_reason, declared_license, and the
  rights record's facts (lawful basis, consent purposes, regions, retention, DPIA).

Components follow the register's order (by id, as the library sorts data components).

A model (``machine-learning-model``, ``bom-ref`` ``model:<id>``): each weight file a
``distribution`` external reference with its sha256; ``modelCard.modelParameters`` with
``task`` (the pipeline tag) and ``datasets`` referencing the training-data components by
bom-ref; the base models as ``pedigree.ancestors`` and, as full components, in
``dependencies`` (the model depends on its bases and its training data).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.errors import ExportError
from register.exports import ExportReport, ExportScope, RegisterRow
from register.render.links import hub_file_url, hub_url, is_url

if TYPE_CHECKING:
    from register.models.trace import ModelTrace
    from register.register import Register

__all__ = ["batches", "model_cyclonedx", "write_cyclonedx"]

TOOL_NAME = "dataset-rights-register"
SPEC_VERSION = "1.6"
SCHEMA_URL = "http://cyclonedx.org/schema/bom-1.6.schema.json"
#: cyclonedx-python-lib's ``XsUri``: what it refuses and what it replaces
_INVALID_URI = re.compile(r"%(?![0-9A-F]{2})|#.*#", re.IGNORECASE | re.MULTILINE)
_URI_REPLACEMENTS = ((" ", "%20"), ('"', "%22"), ("'", "%27"), ("[", "%5B"), ("]", "%5D"),
                     ("<", "%3C"), (">", "%3E"), ("{", "%7B"), ("}", "%7D"))
_RIGHTS_PROPERTIES = ("review_reason", "declared_license", "lawful_basis", "consent_purpose",
                      "collected_in", "allowed_region", "collected_on", "retain_until", "dpia")


def _licenses(expression: str | None, concluded: bool) -> list[dict[str, Any]]:
    if not expression or expression.upper() == "NOASSERTION":
        return []
    ack = "concluded" if concluded else "declared"
    if expression.startswith("LicenseRef-") and " " not in expression:
        return [{"license": {"name": expression, "acknowledgement": ack}}]
    return [{"expression": expression, "acknowledgement": ack}]


def _uri(url: str) -> str | None:
    """``url`` as an ``xs:anyURI`` (the library's replacements), None if it cannot be one."""
    if _INVALID_URI.search(url):
        return None
    for old, new in _URI_REPLACEMENTS:
        url = url.replace(old, new)
    return url


def _ref(kind: str, url: str, comment: str | None = None,
         sha256: str | None = None) -> dict[str, Any] | None:
    uri = _uri(url)
    if uri is None:
        return None
    out: dict[str, Any] = {"type": kind, "url": uri}
    if comment is not None:
        out["comment"] = comment
    if sha256:
        out["hashes"] = [{"alg": "SHA-256", "content": sha256.lower()}]
    return out


def _last(value: Any) -> tuple[bool, Any]:
    """A sort key part that puts None last (the library's ``ComparableTuple``)."""
    return (value is None, "" if value is None else value)


def _ref_key(ref: dict[str, Any]) -> tuple[Any, ...]:
    hashes = ref.get("hashes") or [None]
    return (ref["type"], ref["url"], _last(ref.get("comment")),
            _last(hashes[0]["content"] if hashes[0] else None))


def _unique_sorted(items: Iterable[dict[str, Any] | None], key: Any) -> list[dict[str, Any]]:
    """The library's sorted sets: sorted by ``key``, equal items once."""
    out: list[dict[str, Any]] = []
    for item in sorted((i for i in items if i is not None), key=key):
        if not out or out[-1] != item:
            out.append(item)
    return out


def _component(kind: str, name: str, bom_ref: str | None, *, version: str | None,
               description: str | None = None, licenses: list[dict[str, Any]] | None = None,
               refs: Iterable[dict[str, Any] | None] = (),
               properties: Iterable[tuple[str, str]] = ()) -> dict[str, Any]:
    """A component in the library's JSON: its sorted sets sorted, empty members left out."""
    out: dict[str, Any] = {"type": kind, "name": name}
    if bom_ref is not None:
        out["bom-ref"] = bom_ref
    if version is not None:
        out["version"] = version
    if description is not None:
        out["description"] = description
    if licenses:
        out["licenses"] = licenses
    references = _unique_sorted(refs, _ref_key)
    if references:
        out["externalReferences"] = references
    props = [{"name": n, "value": v} for n, v in sorted(set(properties))]
    if props:
        out["properties"] = props
    return out


def _component_key(item: dict[str, Any]) -> tuple[Any, ...]:
    return (item["type"], item["name"], _last(item.get("version")), _last(item.get("bom-ref")))


def _sha(value: Any) -> str | None:
    text = str(value or "")
    return text if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text) else None


def _dataset_component(row: RegisterRow, more: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` component of a register row, with its ``data`` entry."""
    ident = row["id"]
    revision = row["revision"]
    page = hub_url(ident, source=row["source"], revision=revision)
    refs = [_ref("website", page, "Hugging Face Hub page at the recorded revision"),
            _ref("documentation", hub_file_url(ident, "README.md", revision=revision),
                 "dataset card", _sha(row["card_sha256"]))]
    metadata = more.get("metadata") or {}
    for item in metadata.get("distribution") or []:
        url = item.get("content_url") if isinstance(item, dict) else None
        if isinstance(url, str) and is_url(url):
            name = item.get("name")
            refs.append(_ref("distribution", url, None if name is None else str(name),
                             _sha(item.get("sha256"))))
    props = [("register:needs_review", str(bool(row["needs_review"])).lower())]
    for prop in _RIGHTS_PROPERTIES:
        value = row.get(prop)
        if value not in (None, "", []):
            props.append((f"register:{prop}", str(value)))
    component = _component(
        "data", ident, f"dataset:{ident}", version=revision or str(row["version"]),
        description=row["pretty_name"] or None,
        licenses=_licenses(row["effective_license"], bool(row["concluded_license"])),
        refs=refs, properties=props)
    data: dict[str, Any] = {"type": "dataset", "name": ident,
                            "contents": {"url": _uri(page) or page},
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
    component["data"] = [data]
    return component


def _header(name: str, kind: str) -> dict[str, Any]:
    """The document's members before ``components``: what the library writes for a ``Bom``
    with this tool, the exporting user as author and the exported thing as its component."""
    from register import __version__
    from register.store.audit import default_actor

    return {
        "$schema": SCHEMA_URL, "bomFormat": "CycloneDX", "specVersion": SPEC_VERSION,
        "serialNumber": uuid.uuid4().urn, "version": 1,
        "metadata": {
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "tools": {"components": [{"type": "application", "name": TOOL_NAME,
                                      "version": __version__}]},
            "authors": [{"name": default_actor()}],
            "component": {"type": kind, "name": name, "bom-ref": "export"},
        },
    }


def batches(rows: Iterable[RegisterRow], size: int) -> Iterator[list[RegisterRow]]:
    batch: list[RegisterRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_cyclonedx(reg: Register, path: Path, scope: ExportScope,
                    report: ExportReport) -> None:
    from register.exports.spdx import iter_rows_with_metadata

    head = _header(f"{scope.corpus_name or 'register'} (dataset license and rights register "
                   "export)", "data")
    if scope.check is not None:
        head["metadata"]["properties"] = [{"name": "register:check", "value": json.dumps(
            scope.check.to_dict(), sort_keys=True, ensure_ascii=False, default=str)}]
    dumps = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
    text = json.dumps(head, indent=2, ensure_ascii=False)
    n = 0
    try:
        with path.open("w", encoding="utf-8") as fh:
            fh.write(text[:text.rstrip().rfind("}")].rstrip() + ',\n  "components": [')
            for row, more in iter_rows_with_metadata(reg, scope):
                fh.write(("," if n else "") + "\n    " + dumps(_dataset_component(row, more)))
                n += 1
            fh.write("\n  ]\n}\n")
    except OSError as exc:
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    report.rows = n
    if not n:
        report.warn("no datasets to export: the CycloneDX document has no components")


# --------------------------------------------------------------------------- models


def _model_component(node: dict[str, Any], bom_ref: str | None) -> dict[str, Any]:
    ident = node["id"]
    revision = node.get("revision")
    refs = [_ref("website", hub_url(ident, kind="model", source=node.get("source"),
                                    revision=revision), "Hugging Face Hub page")]
    for w in node.get("weights") or []:
        if w.get("path"):
            url = hub_file_url(ident, str(w["path"]), kind="model", revision=revision,
                               view="resolve")
            refs.append(_ref("distribution", url, "weights", _sha(w.get("sha256"))))
    version = revision or (str(node["version"]) if node.get("version") else None)
    return _component("machine-learning-model", ident, bom_ref, version=version,
                      licenses=_licenses(node.get("license"), False), refs=refs,
                      description=None if node.get("in_register")
                      else "not in the register: its terms are unknown")


def _training_component(d: dict[str, Any]) -> dict[str, Any]:
    revision = d.get("revision")
    page = hub_url(d["id"], revision=revision)
    refs = [_ref("website", page, "Hugging Face Hub page")]
    if _sha(d.get("card_sha256")):
        refs.append(_ref("documentation", hub_file_url(d["id"], "README.md", revision=revision),
                         "dataset card", d["card_sha256"]))
    sure = bool(d.get("license")) and not d.get("license_needs_review")
    out = _component(
        "data", d["id"], f"dataset:{d['id']}",
        version=revision or (str(d["version"]) if d.get("version") else None),
        licenses=_licenses(d.get("license") if sure else None, False), refs=refs,
        properties=[("register:in_register", str(bool(d.get("in_register"))).lower()),
                    ("register:evidence", str(d.get("evidence")))])
    out["data"] = [{"type": "dataset", "name": d["id"], "contents": {"url": _uri(page) or page}}]
    return out


def model_cyclonedx(trace: ModelTrace) -> dict[str, Any]:
    """The CycloneDX 1.6 document of a traced model, its base models and training data."""
    root_id = trace.model["id"]
    bases: dict[str, list[str]] = {}
    for edge in trace.edges:
        bases.setdefault(edge["model"], []).append(edge["base"])
    nodes = {n["id"]: n for n in trace.chain}
    trained: dict[str, list[str]] = {}
    datasets: dict[str, dict[str, Any]] = {}
    for d in trace.data:
        trained.setdefault(d["model"], [])
        if f"dataset:{d['id']}" not in trained[d["model"]]:
            trained[d["model"]].append(f"dataset:{d['id']}")
        datasets.setdefault(d["id"], d)
    components = [_training_component(d) for d in datasets.values()]
    for node in trace.chain:
        model_id = node["id"]
        comp = _model_component(node, f"model:{model_id}")
        ancestors = _unique_sorted((_model_component(nodes[b], None)
                                    for b in bases.get(model_id, []) if b in nodes),
                                   _component_key)
        if ancestors:
            comp["pedigree"] = {"ancestors": ancestors}
        if model_id == root_id:
            effective = trace.effective
            comp["properties"] = [{"name": "register:effective_terms", "value": str(
                effective.get("expression") or "unknown")
                + ("; needs review" if effective.get("needs_review") else "")}]
        params: dict[str, Any] = {}
        if model_id == root_id and trace.model.get("pipeline_tag"):
            params["task"] = str(trace.model["pipeline_tag"])
        if trained.get(model_id):
            params["datasets"] = [{"ref": r} for r in trained[model_id]]
        comp["modelCard"] = {"bom-ref": f"modelcard:{model_id}"}
        if params:
            comp["modelCard"]["modelParameters"] = params
        components.append(comp)
    doc = _header(root_id, "machine-learning-model")
    doc["components"] = _unique_sorted(components, _component_key)
    doc["dependencies"] = [{"ref": "export", "dependsOn": [f"model:{root_id}"]}] + [
        {"ref": f"model:{n['id']}",
         "dependsOn": [f"model:{b}" for b in bases.get(n["id"], []) if b in nodes]
         + trained.get(n["id"], [])}
        for n in trace.chain
    ] + [{"ref": f"dataset:{i}"} for i in datasets]
    return doc
