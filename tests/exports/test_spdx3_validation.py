"""The SPDX 3.0.1 export against the SPDX project's own JSON Schema and SHACL shapes, offline.

``spdx3_validation`` checks a document with the vendored ``schema.json`` (jsonschema) and the
SHACL shapes of ``spdx-model.ttl`` (pyshacl), the JSON-LD read with the vendored context; this
adds to the ``spdx-python-model`` checks of ``test_spdx.py``.  The known-valid and known-invalid
samples of ``spdx3-validate`` show the vendored files are the real ones, and the broken exports
show the check can fail.  A failing validation fails the test, never skips it.
"""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import rdflib
from rdflib import SH

from register.register import Register
from tests.cli_helpers import run_cli
from tests.exports import spdx3_validation as v
from tests.exports.test_spdx import record_decisions

SAMPLES = v.SPDX3_DIR / "samples"


def _sample(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES / name).read_text(encoding="utf-8")))


@pytest.fixture
def exported(sqlite_reg: Register, cards_dir: Path, db_path: Path, tmp_path: Path,
             capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """``register export spdx`` of a register built from the real fixture cards."""
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    record_decisions(sqlite_reg)
    out = tmp_path / "register.spdx.json"
    run = run_cli(capsys, "--db", str(db_path), "export", "spdx", str(out))
    assert run.code == 0, run.err
    return dict(json.loads(out.read_text(encoding="utf-8")))


def _first(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(item for item in doc["@graph"] if item["type"] == kind)


def test_vendored_spec_files_are_complete() -> None:
    """The transcribed files parse and hold the whole 3.0.1 model, not a truncated one."""
    shapes = v.model_graph()
    node_shapes = set(shapes.subjects(rdflib.RDF.type, SH.NodeShape))
    assert len(node_shapes) == 52
    assert rdflib.URIRef("https://spdx.org/rdf/3.0.1/terms/Dataset/DatasetPackage") in node_shapes
    schema = json.loads((v.SPDX3_DIR / "schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert len(schema["$defs"]) == 446
    assert type(v.json_schema_validator()).__name__ == "Draft202012Validator"
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft202012Validator
    assert v.context()["dataset_DatasetPackage"] == (
        "https://spdx.org/rdf/3.0.1/terms/Dataset/DatasetPackage")


def test_known_valid_sample_validates() -> None:
    assert v.validate_spdx3(_sample("package_sbom.json")) == []


def test_known_invalid_sample_fails_schema_and_shacl() -> None:
    violations = v.validate_spdx3(_sample("package_sbom_missing_creationinfo.json"))
    assert any(x.startswith("schema: @graph[1] Person") and '"creationInfo" is a required'
               in x for x in violations), violations
    assert any(x.startswith("shacl: http://spdx.example.com/Agent/JoshuaWatt")
               and "creationInfo" in x and "MinCountConstraintComponent" in x
               for x in violations), violations


def test_python_jsonschema_agrees_on_the_samples() -> None:
    """The pure-Python ``jsonschema`` (too slow for whole exports) gives the same verdicts as
    the ``jsonschema_rs`` validator used here, on the reference samples."""
    schema = json.loads((v.SPDX3_DIR / "schema.json").read_text(encoding="utf-8"))
    python = jsonschema.Draft202012Validator(schema)
    for name, valid in (("package_sbom.json", True),
                        ("package_sbom_missing_creationinfo.json", False)):
        doc = _sample(name)
        assert python.is_valid(doc) is valid, name
        assert (v.schema_violations(doc) == []) is valid, name


def test_register_export_validates_under_schema_and_shacl(exported: dict[str, Any]) -> None:
    assert sum(1 for i in exported["@graph"] if i["type"] == "dataset_DatasetPackage") == 15
    assert v.schema_violations(exported) == []
    assert v.shacl_violations(exported) == []


def test_export_without_creation_info_fails(exported: dict[str, Any]) -> None:
    broken = copy.deepcopy(exported)
    package = _first(broken, "dataset_DatasetPackage")
    del package["creationInfo"]
    violations = v.validate_spdx3(broken)
    assert any(x.startswith("schema:") and package["spdxId"] in x
               and '"creationInfo" is a required property' in x for x in violations), violations
    assert any(x.startswith(f"shacl: {package['spdxId']} ") and "creationInfo" in x
               and "MinCountConstraintComponent" in x for x in violations), violations


def test_export_with_a_string_for_an_integer_fails(exported: dict[str, Any]) -> None:
    broken = copy.deepcopy(exported)
    package = _first(broken, "dataset_DatasetPackage")
    package["dataset_datasetSize"] = "many"
    violations = v.validate_spdx3(broken)
    assert any(x.startswith("schema:") and "dataset_datasetSize" in x
               and '"many" is not of type "integer"' in x for x in violations), violations
    assert any(x.startswith(f"shacl: {package['spdxId']} ") and "datasetSize" in x
               and "DatatypeConstraintComponent" in x for x in violations), violations


def test_shacl_alone_catches_a_wrong_enumeration(exported: dict[str, Any]) -> None:
    """An IRI outside ``sh:in`` (here a relationship type) is a SHACL violation too."""
    broken = copy.deepcopy(exported)
    _first(broken, "Relationship")["relationshipType"] = "hasFavouriteLicense"
    assert any("InConstraintComponent" in x for x in v.shacl_violations(broken))
    assert any("relationshipType" in x for x in v.schema_violations(broken))


def test_validation_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every socket connection refused and the caches cold, validation still works, and a
    document naming another context is refused rather than fetched."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for cached in (v.model_graph, v.context, v.json_schema_validator):
        cached.cache_clear()
    assert v.validate_spdx3(_sample("package_sbom.json")) == []
    other = _sample("package_sbom.json")
    other["@context"] = "https://spdx.org/rdf/3.0.0/spdx-context.jsonld"
    with pytest.raises(ValueError, match="@context"):
        v.shacl_violations(other)
