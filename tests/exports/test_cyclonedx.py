"""CycloneDX 1.6: ``export cyclonedx`` (datasets as data components) and ``model export
--format cyclonedx`` (a machine-learning-model with its training data and bases), validated
with cyclonedx-python-lib's strict JSON validator (the CycloneDX 1.6 schema, offline)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from register.exports import export_register
from register.register import Register
from tests.cli_helpers import run_cli

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
    db = str(sqlite_reg.engine.url.database)
    sqlite_reg.close()
    out = tmp_path / "bot.cdx.json"
    run = run_cli(capsys, "--db", db, "model", "export", "acme/bot", "--format", "cyclonedx",
                  "-o", out)
    assert run.code == 0, run.err
    doc = _valid(out.read_text(encoding="utf-8"))
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
