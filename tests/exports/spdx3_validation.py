"""Offline SPDX 3.0.1 validation: the project's JSON Schema and its SHACL shapes.

The three spec files are vendored in ``tests/fixtures/spdx3`` (see the README there):
``schema.json`` (JSON Schema, draft 2020-12, checked with ``jsonschema_rs``),
``spdx-context.jsonld`` (the JSON-LD context the documents name by URL) and ``spdx-model.ttl``
(the OWL ontology carrying the SHACL shapes), all generated from the SPDX model.  Nothing is
fetched: the document's ``@context`` URL is swapped for the vendored context before rdflib
parses it, the shapes are read from the local file, and the schema validator refuses to
retrieve any resource.

The SHACL run follows ``spdx3-validate`` (``check_graph``): the model graph is both the shapes
graph and the ontology graph (so ``rdfs:subClassOf`` places a ``dataset_DatasetPackage`` under
the ``Package``/``Artifact``/``Element`` shapes), no inference, and a ``sh:class`` violation on
an Element-valued property is not reported when the value is an ``externalSpdxId`` the document
imports through an ``ExternalMap``.
"""

from __future__ import annotations

import copy
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pyshacl
import rdflib
from rdflib import RDF, RDFS, SH, URIRef
from rdflib.term import Node

SPDX3_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "spdx3"
CONTEXT_URL = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
CORE = "https://spdx.org/rdf/3.0.1/terms/Core/"
ELEMENT = URIRef(CORE + "Element")


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return dict(json.loads((SPDX3_DIR / "schema.json").read_text(encoding="utf-8")))


def _no_retrieval(uri: str) -> Any:
    raise RuntimeError(f"the SPDX schema validation may not fetch {uri}")


@cache
def json_schema_validator(definition: str | None = None) -> Any:
    """A ``jsonschema_rs`` validator for the vendored schema, of the draft its ``$schema`` names,
    that refuses to retrieve anything; with a ``definition`` (a class name such as
    ``software_Package``), for that ``$defs`` entry alone (no other properties allowed), which
    names the failing property where the whole-document ``oneOf`` can only say nothing matched.

    ``jsonschema_rs`` rather than ``jsonschema``: the schema's ``unevaluatedProperties`` over a
    78-way ``anyOf`` takes the pure-Python validator ~50 s for an 82-object export, the Rust one
    ~15 ms (``test_spdx3_validation`` checks both agree on the reference samples)."""
    schema = _schema()
    if definition is not None:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"],
                  "$ref": f"#/$defs/{definition}", "unevaluatedProperties": False}
    return jsonschema_rs.validator_for(schema, retriever=_no_retrieval)


@lru_cache(maxsize=1)
def context() -> dict[str, Any]:
    """The vendored JSON-LD context (the value of its ``@context`` key)."""
    data = json.loads((SPDX3_DIR / "spdx-context.jsonld").read_text(encoding="utf-8"))
    return dict(data["@context"])


@lru_cache(maxsize=1)
def model_graph() -> rdflib.Graph:
    """The SPDX 3.0.1 ontology with its SHACL shapes, parsed once per session."""
    return rdflib.Graph().parse(SPDX3_DIR / "spdx-model.ttl", format="turtle")


def _short(message: str) -> str:
    return message if len(message) <= 300 else message[:300] + "..."


def _path(err: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.instance_path)


def schema_violations(doc: dict[str, Any]) -> list[str]:
    """JSON Schema errors, one line each: ``schema: <where>: <message>``.

    The whole document is checked against the schema; when it fails, each ``@graph`` object
    is checked against the definition its ``type`` names, to say which object and property."""
    top = list(json_schema_validator().iter_errors(doc))
    if not top:
        return []
    out = []
    graph = doc.get("@graph")
    for i, item in enumerate(graph if isinstance(graph, list) else []):
        kind = item.get("type") if isinstance(item, dict) else None
        where = f"@graph[{i}] {kind} {item.get('spdxId') or item.get('@id')}" if kind else \
            f"@graph[{i}]"
        if not isinstance(kind, str) or kind not in _schema()["$defs"]:
            out.append(f"schema: {where}: unknown type {kind!r}")
            continue
        for err in json_schema_validator(kind).iter_errors(item):
            out.append(f"schema: {where} {_path(err)}: {_short(err.message)}")
    if not out:
        out = [f"schema: {_path(e)}: {_short(e.message)}" for e in top]
    return sorted(out)


def data_graph(doc: dict[str, Any]) -> rdflib.Graph:
    """The document as RDF, its ``@context`` URL replaced by the vendored context."""
    local = copy.deepcopy(doc)
    if local.get("@context") != CONTEXT_URL:
        raise ValueError(f"@context is {local.get('@context')!r}, expected {CONTEXT_URL!r}")
    local["@context"] = context()
    return rdflib.Graph().parse(data=json.dumps(local), format="json-ld")


def _derives_from(cls: Node, target: Node, graph: rdflib.Graph) -> bool:
    if cls == target:
        return True
    return any(_derives_from(sup, target, graph) for sup in graph.objects(cls, RDFS.subClassOf))


def _imported_ids(graph: rdflib.Graph) -> set[str]:
    """``externalSpdxId`` values of the document's ExternalMaps not defined in the graph."""
    ids = set()
    for value in graph.objects(None, URIRef(CORE + "externalSpdxId")):
        if (URIRef(str(value)), None, None) not in graph:
            ids.add(str(value))
    return ids


def _is_external_reference(results: rdflib.Graph, r: Node, external: set[str]) -> bool:
    if (r, SH.sourceConstraintComponent, SH.ClassConstraintComponent) not in results:
        return False
    if not any(str(v) in external for v in results.objects(r, SH.value)):
        return False
    shapes = model_graph()
    return any(
        _derives_from(cls, ELEMENT, shapes)
        for shape in results.objects(r, SH.sourceShape)
        for cls in results.objects(shape, SH["class"])
    )


def shacl_violations(doc: dict[str, Any]) -> list[str]:
    """SHACL results, one line each: ``shacl: <focus> <path>: <message> (<component>)``."""
    graph = data_graph(doc)
    shapes = model_graph()
    conforms, results, _ = pyshacl.validate(
        graph, shacl_graph=shapes, ont_graph=shapes, inference="none",
        abort_on_first=False, allow_warnings=False,
    )
    if conforms:
        return []
    external = _imported_ids(graph)
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if _is_external_reference(results, r, external):
            continue
        component = str(results.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        message = results.value(r, SH.resultMessage)
        line = f"shacl: {focus} {path}: {message} ({component}"
        line += f", value {value})" if value is not None else ")"
        out.append(line)
    return sorted(out)


def validate_spdx3(doc: dict[str, Any]) -> list[str]:
    """Every JSON Schema and SHACL violation of an SPDX 3.0.1 JSON-LD document (empty = valid)."""
    return schema_violations(doc) + shacl_violations(doc)
