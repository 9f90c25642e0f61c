"""``register export croissant``: Croissant 1.0 JSON-LD loaded by ``mlcroissant`` (offline,
no errors), one object for one dataset, an array for several, and ``import croissant`` of
the export keeps the license."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlcroissant as mlc
import pytest

from register.cards.croissant import read_croissant
from register.exports import export_register
from register.exports.croissant_export import CROISSANT_CONTEXT
from register.register import Register


@pytest.fixture
def loaded(sqlite_reg: Register, cards_dir: Path) -> Register:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    return sqlite_reg


def _load(doc: dict[str, Any]) -> Any:
    return mlc.Dataset(jsonld=doc)  # raises mlcroissant's ValidationError on any error


def test_every_dataset_is_a_croissant_document_mlcroissant_accepts(
        loaded: Register, tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    report = export_register(loaded, "croissant", out)
    docs = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(docs, list) and len(docs) == report.rows == loaded.count()
    for doc in docs:
        assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
        assert doc["@context"] == CROISSANT_CONTEXT
        dataset = _load(doc)
        assert dataset.metadata.name == doc["name"]
        assert doc["url"].startswith("https://huggingface.co/datasets/")
    by_name = {d["name"]: d for d in docs}
    assert by_name["squad_v2"]["license"] == "https://spdx.org/licenses/CC-BY-SA-4.0.html"
    assert "license" not in by_name["aeslc"]  # unknown: no license is invented
    meta = _load(by_name["squad_v2"]).metadata
    assert meta.license == ["https://spdx.org/licenses/CC-BY-SA-4.0.html"]


def test_one_dataset_is_one_object_and_imports_back(loaded: Register, tmp_path: Path) -> None:
    corpus = tmp_path / "one.yaml"
    corpus.write_text("name: one\ndatasets: [aslg_pc12]\n", encoding="utf-8")
    out = tmp_path / "aslg.json"
    export_register(loaded, "croissant", out, corpus=corpus)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(doc, dict) and doc["name"] == "aslg_pc12"
    _load(doc)
    card = read_croissant(out)
    assert card.dataset_id == "aslg_pc12"
    other = Register.open(tmp_path / "other.db", create=True)
    try:
        other.ingest_documents([card])
        assert other.show("aslg_pc12").license.effective == "CC-BY-NC-4.0"
    finally:
        other.close()


def test_an_imported_croissant_dataset_keeps_its_files(sqlite_reg: Register,
                                                       tmp_path: Path) -> None:
    fixture = Path(__file__).parents[1] / "fixtures" / "croissant" / "common-voice-subset.json"
    card = read_croissant(fixture)
    sqlite_reg.ingest_documents([card])
    out = tmp_path / "voice.json"
    corpus = tmp_path / "one.yaml"
    corpus.write_text(f"name: one\ndatasets: [{card.dataset_id}]\n", encoding="utf-8")
    export_register(sqlite_reg, "croissant", out, corpus=corpus)
    doc = json.loads(out.read_text(encoding="utf-8"))
    _load(doc)
    files = {f["name"]: f for f in doc["distribution"]}
    parquet = files["train-00000-of-00001.parquet"]
    stored = {d["name"]: d for d in card.metadata["distribution"]}
    assert parquet["contentUrl"] == stored["train-00000-of-00001.parquet"]["content_url"]
    assert parquet["sha256"].startswith("9f2c4a1e")
    assert parquet["encodingFormat"] == stored["train-00000-of-00001.parquet"].get(
        "encoding_format", "application/octet-stream")
    assert "repo" not in files  # its "sha256" is not a digest: not a file to verify
