"""CycloneDX 1.6: ``export cyclonedx`` (datasets as data components) and ``model export
--format cyclonedx`` (a machine-learning-model with its training data and bases), validated
with cyclonedx-python-lib's strict JSON validator (the CycloneDX 1.6 schema, offline), read
back and written again by the library, and equal to the documents the library builds
(tests/exports/cyclonedx_reference.py)."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.model.bom import Bom
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from register.exports import ExportReport, ExportScope, _scope, export_register
from register.exports.cyclonedx import write_cyclonedx
from register.register import Register
from register.rights.record import parse_rights_options
from tests.cli_helpers import run_cli
from tests.exports import cyclonedx_reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _valid(text: str) -> dict[str, Any]:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)[:2000]
    doc: dict[str, Any] = json.loads(text)
    return doc


@pytest.fixture
def loaded(sqlite_reg: Register, cards_dir: Path) -> Register:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    return sqlite_reg


def _normalized(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without what differs between two runs (serial number, timestamp)."""
    out = json.loads(json.dumps(doc))
    assert out.pop("serialNumber").startswith("urn:uuid:")
    assert out["metadata"].pop("timestamp")
    return dict(out)


def _rewritten(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` read back by the library and written again (without the ``data`` and
    ``modelCard`` members it does not model); the dependency graph as ref -> set."""
    with warnings.catch_warnings():  # the library warns about a partial dependency graph
        warnings.simplefilter("ignore")
        out = json.loads(JsonV1Dot6(Bom.from_json(doc)).output_as_string())  # type: ignore[attr-defined]
    return dict(out)


def _without_unmodelled(doc: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(doc))
    for component in out.get("components", []):
        component.pop("data", None)
        component.pop("modelCard", None)
    return dict(out)


def _graph(doc: dict[str, Any]) -> dict[str, set[str]]:
    return {d["ref"]: set(d.get("dependsOn", [])) for d in doc.pop("dependencies", [])}


def _croissant(path: Path, name: str, files: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({
        "@context": {"@vocab": "https://schema.org/", "sc": "https://schema.org/",
                     "cr": "http://mlcommons.org/croissant/"},
        "@type": "sc:Dataset", "name": name, "url": f"https://huggingface.co/datasets/{name}",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "distribution": [{"@type": "cr:FileObject", **f} for f in files]}), encoding="utf-8")
    return path


def _record_decisions(reg: Register, cards: Path) -> None:
    """Rights with sensitive categories, human conclusions (one a LicenseRef), and a
    namespaced Croissant dataset with distribution files (a URL with a space, an upper-case
    sha256, a file named by a number, one given twice, one not a URL)."""
    from register.cards.croissant import read_croissant

    sha = "AB" * 32
    reg.ingest_documents([read_croissant(_croissant(cards.parent / "files.json", "acme/files", [
        {"name": "train", "contentUrl": "https://example.org/a b.parquet", "sha256": sha},
        {"name": "train", "contentUrl": "https://example.org/a b.parquet", "sha256": sha},
        {"name": 7, "contentUrl": "https://example.org/[x].csv"},
        {"name": "local", "contentUrl": "/data/x.csv"}]))])
    reg.ingest_paths([cards], recursive=True)
    reg.set_rights("beans", parse_rights_options(
        personal_data="yes", sensitive=["health", "biometric"], dpia="DPIA-7",
        lawful_basis="consent", consent_purpose=["research"], allowed_region=["EU"],
        retain_until="2028-01-31", collected_in=["UG"]), reason="vendor DPA", by="tester")
    reg.set_license("aeslc", "CC-BY-4.0", reason="read the paper", by="counsel")
    reg.set_license("acme/files", "LicenseRef-acme-terms", reason="the contract", by="counsel")


def test_register_export_is_valid_cyclonedx_with_a_data_component_per_dataset(
        loaded: Register, tmp_path: Path) -> None:
    out = tmp_path / "register.cdx.json"
    report = export_register(loaded, "cyclonedx", out)
    doc = _valid(out.read_text(encoding="utf-8"))
    assert doc["specVersion"] == "1.6" and report.rows == loaded.count()
    components = {c["name"]: c for c in doc["components"]}
    assert set(components) == set(loaded.dataset_ids())
    assert {c["type"] for c in components.values()} == {"data"}
    squad = components["squad_v2"]
    assert squad["licenses"] == [{"expression": "CC-BY-SA-4.0", "acknowledgement": "declared"}]
    assert squad["data"][0]["type"] == "dataset"
    urls = [r["url"] for r in squad["externalReferences"]]
    assert any(u.startswith("https://huggingface.co/datasets/squad_v2") for u in urls)
    assert not any(u.startswith("file:") or "/tmp/" in u for u in urls)
    review = {p["name"]: p["value"] for p in components["aeslc"]["properties"]}
    assert review["register:needs_review"] == "true"  # an unknown license is not hidden
    assert "licenses" not in components["aeslc"]


def test_a_concluded_license_is_acknowledged_as_concluded(loaded: Register,
                                                         tmp_path: Path) -> None:
    loaded.set_license("aeslc", "CC-BY-4.0", reason="read the paper", by="counsel")
    out = tmp_path / "c.cdx.json"
    export_register(loaded, "cyclonedx", out)
    doc = _valid(out.read_text(encoding="utf-8"))
    aeslc = next(c for c in doc["components"] if c["name"] == "aeslc")
    assert aeslc["licenses"] == [{"expression": "CC-BY-4.0", "acknowledgement": "concluded"}]


def test_model_export_links_the_model_to_its_training_data_and_base(
        sqlite_reg: Register, cards_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    base_dir = tmp_path / "base"
    shutil.copytree(FIXTURES / "model-cards" / "NousResearch__Meta-Llama-3-8B", base_dir)
    sqlite_reg.ingest_models([base_dir], model_id="NousResearch/Meta-Llama-3-8B")
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: bot\nbase_model: NousResearch/Meta-Llama-3-8B\n"
                      "datasets: [beans, cedr]\n", encoding="utf-8")
    weights = tmp_path / "out"
    weights.mkdir()
    (weights / "adapter_model.safetensors").write_bytes(b"weights")
    sqlite_reg.record_model("acme/bot", base="NousResearch/Meta-Llama-3-8B", corpus=corpus,
                            weights=[weights], owner="erin", scope="pilot", use="research",
                            by="erin")
    reference = cyclonedx_reference.model_document(sqlite_reg.trace_model("acme/bot"))
    db = str(sqlite_reg.engine.url.database)
    sqlite_reg.close()
    out = tmp_path / "bot.cdx.json"
    run = run_cli(capsys, "--db", db, "model", "export", "acme/bot", "--format", "cyclonedx",
                  "-o", out)
    assert run.code == 0, run.err
    doc = _valid(out.read_text(encoding="utf-8"))
    assert _normalized(doc) == _normalized(reference)  # what the library builds
    again, same = _rewritten(doc), _without_unmodelled(doc)
    assert _graph(again) == _graph(same) and again == same
    refs = {c["bom-ref"]: c for c in doc["components"]}
    model = refs["model:acme/bot"]
    assert model["type"] == "machine-learning-model"
    trained_on = {d["ref"] for d in model["modelCard"]["modelParameters"]["datasets"]}
    assert trained_on == {"dataset:beans", "dataset:cedr"}
    assert all(refs[r]["type"] == "data" for r in trained_on)
    ancestors = [a["name"] for a in model["pedigree"]["ancestors"]]
    assert ancestors == ["NousResearch/Meta-Llama-3-8B"]
    hashes = [h["content"] for r in model["externalReferences"] for h in r.get("hashes", [])]
    import hashlib

    assert hashlib.sha256(b"weights").hexdigest() in hashes
    deps = {d["ref"]: set(d.get("dependsOn", [])) for d in doc["dependencies"]}
    assert trained_on <= deps["model:acme/bot"]
    bad = run_cli(capsys, "--db", db, "model", "export", "acme/bot", "--format", "xml")
    assert bad.code == 2 and "--format must be spdx or cyclonedx" in bad.err


def test_the_export_is_the_document_the_library_builds(sqlite_reg: Register, cards_dir: Path,
                                                      tmp_path: Path) -> None:
    """Old (cyclonedx-python-lib's model and serializer) and new (written directly) agree on
    a real register with rights, conclusions, a LicenseRef, distribution files and a corpus
    check; the library reads the export back and writes the same document again."""
    _record_decisions(sqlite_reg, cards_dir)
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: pilot\ndatasets: [beans, aeslc, acme/files, squad_v2]\n",
                      encoding="utf-8")
    for scope in (ExportScope(), _scope(sqlite_reg, corpus, "research", None, {})):
        out = tmp_path / "r.cdx.json"
        report = ExportReport(path=out)
        write_cyclonedx(sqlite_reg, out, scope, report)
        doc = _valid(out.read_text(encoding="utf-8"))
        assert report.rows == len(doc["components"]) == (
            sqlite_reg.count() if scope.ids is None else 4)
        reference = cyclonedx_reference.register_document(sqlite_reg, scope)
        _valid(json.dumps(reference))
        assert _normalized(doc) == _normalized(reference)
        again = _rewritten(doc)
        assert all(not deps for deps in _graph(again).values())  # one empty node each
        assert again == _without_unmodelled(doc)
    components = {c["name"]: c for c in doc["components"]}
    assert "register:check" in {p["name"] for p in doc["metadata"]["properties"]}
    files = components["acme/files"]
    assert files["licenses"] == [{"license": {"name": "LicenseRef-acme-terms",
                                              "acknowledgement": "concluded"}}]
    assert files["data"][0]["governance"]["custodians"] == [{"organization": {"name": "acme"}}]
    dist = [r for r in files["externalReferences"] if r["type"] == "distribution"]
    assert dist == [  # sorted, once, the URLs as xs:anyURI; the invalid one and the path left out
        {"type": "distribution", "url": "https://example.org/%5Bx%5D.csv", "comment": "7"},
        {"type": "distribution", "url": "https://example.org/a%20b.parquet", "comment": "train",
         "hashes": [{"alg": "SHA-256", "content": "ab" * 32}]}]
    beans = components["beans"]
    assert beans["data"][0]["sensitiveData"] == ["biometric", "health"]
    assert {"name": "register:dpia", "value": "DPIA-7"} in beans["properties"]


def test_a_broken_document_fails_the_validator(loaded: Register, tmp_path: Path) -> None:
    out = tmp_path / "r.cdx.json"
    export_register(loaded, "cyclonedx", out)
    doc = _valid(out.read_text(encoding="utf-8"))
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    broken = json.loads(json.dumps(doc))
    broken["components"][0]["type"] = "dataset"  # not a component type
    assert validator.validate_str(json.dumps(broken)) is not None
    broken = json.loads(json.dumps(doc))
    broken["components"][0]["data"][0]["governance"] = {"owners": "acme"}
    assert validator.validate_str(json.dumps(broken)) is not None
    broken = json.loads(json.dumps(doc))
    broken["components"][0]["extra"] = 1  # strict: no members beyond the schema's
    assert validator.validate_str(json.dumps(broken)) is not None


def test_a_file_url_that_is_no_uri_is_left_out(sqlite_reg: Register, tmp_path: Path) -> None:
    """cyclonedx-python-lib refuses such a URL (its ``XsUri``); the export leaves it out."""
    from register.cards.croissant import read_croissant

    sqlite_reg.ingest_documents([read_croissant(_croissant(tmp_path / "odd.json", "acme/odd", [
        {"name": "a", "contentUrl": "https://example.org/%zz"},
        {"name": "b", "contentUrl": "https://example.org/#a#b"},
        {"name": "c", "contentUrl": "https://example.org/c.csv"}]))])
    out = tmp_path / "odd.cdx.json"
    export_register(sqlite_reg, "cyclonedx", out)
    doc = _valid(out.read_text(encoding="utf-8"))
    refs = doc["components"][0]["externalReferences"]
    assert [r.get("comment") for r in refs if r["type"] == "distribution"] == ["c"]
