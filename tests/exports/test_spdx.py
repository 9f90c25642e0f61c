"""The SPDX 3.0.1 export, validated with the SPDX project's generated model bindings.

Validation: the written JSON-LD is read back by ``spdx-python-model``'s strict 3.0.1
deserializer (every type, property, enumeration value, IRI and date-time is checked against
the model generated from the 3.0.1 SHACL), every reference must resolve inside the document,
re-serializing must give the same JSON (cardinalities are checked when encoding, and nothing
was dropped as unknown), and the Dataset-profile rules are checked here: one declared and one
concluded license relationship per dataset, to a valid SPDX license expression or
NoAssertionLicense.
"""

from __future__ import annotations

import io
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import spdx_python_model
from license_expression import Licensing, get_spdx_licensing
from spdx_python_model import v3_0_1 as m

from register.exports import ExportScope, export_register
from register.exports.spdx import (
    NO_ASSERTION_LICENSE,
    SPDX_CONTEXT,
    dataset_type,
    iter_rows_with_metadata,
    license_list_version,
    spdx_datetime,
)
from register.licenses.manifest import read_manifest
from register.register import Register
from register.rights.record import parse_rights_options
from tests.exports.spdx3_validation import validate_spdx3
from tests.hub_helpers import FakeHub

CARDS = Path(__file__).parents[1] / "fixtures" / "cards"


@pytest.fixture
def loaded(sqlite_reg: Register, cards_dir: Path) -> Register:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    return sqlite_reg


_IDSTRING = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]+$")


@lru_cache(maxsize=1)
def _licensing() -> Licensing:
    return get_spdx_licensing()


def assert_spdx_expression(text: str) -> None:
    """A syntactically valid SPDX expression of SPDX-list ids or well-formed LicenseRefs."""
    lic = _licensing()
    parsed = lic.parse(text, validate=False)
    for key in lic.license_keys(parsed):
        assert key in lic.known_symbols or _IDSTRING.match(key), (text, key)


def validate_spdx(path: Path) -> tuple[dict[str, Any], Any]:
    """Validate an SPDX 3.0.1 JSON-LD file; returns (json, object set)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["@context"] == SPDX_CONTEXT
    model, objs = spdx_python_model.load_data(data)
    assert model is m
    assert objs.link() == set(), "references to elements the document does not define"
    buf = io.BytesIO()
    m.JSONLDSerializer().write(objs, buf)
    again = json.loads(buf.getvalue())
    key = lambda o: (o.get("spdxId") or o.get("@id"), o["type"])  # noqa: E731
    assert sorted(again["@graph"], key=key) == sorted(data["@graph"], key=key)

    docs = list(objs.foreach_type(m.SpdxDocument))
    assert len(docs) == 1
    doc = docs[0]
    in_doc = {e._id for e in doc.element}
    packages = list(objs.foreach_type(m.dataset_DatasetPackage))
    assert {p._id for p in doc.rootElement} == {p._id for p in packages}
    ids = [o._id for o in objs.foreach() if getattr(o, "_id", None)]
    assert len(ids) == len(set(ids)), "duplicate spdxId"
    rels: dict[str, dict[str, list[Any]]] = {}
    for rel in objs.foreach_type(m.Relationship):
        assert rel._id in in_doc
        kind = rel.relationshipType.rsplit("/", 1)[-1]
        rels.setdefault(rel.from_._id, {}).setdefault(kind, []).extend(rel.to)
    for pkg in packages:
        assert pkg._id in in_doc
        assert pkg.creationInfo.specVersion == "3.0.1"
        assert pkg.dataset_datasetType
        for kind in ("hasDeclaredLicense", "hasConcludedLicense"):
            targets = rels.get(pkg._id, {}).get(kind, [])
            assert len(targets) == 1, (pkg.name, kind, targets)
            target = targets[0]
            if isinstance(target, str):
                assert target == NO_ASSERTION_LICENSE
            else:
                assert isinstance(target, m.simplelicensing_LicenseExpression)
                assert_spdx_expression(str(target.simplelicensing_licenseExpression))
    return data, objs


def _statement(objs: Any, name: str) -> dict[str, Any]:
    for ann in objs.foreach_type(m.Annotation):
        if ann.subject.name == name and ann.contentType == "application/json":
            return dict(json.loads(ann.statement))
    raise AssertionError(name)


def record_decisions(reg: Register) -> None:
    """The rights of ``beans`` and a human license conclusion on ``aeslc``."""
    reg.set_rights("beans", parse_rights_options(
        personal_data="yes", lawful_basis="consent", consent_purpose=["research"],
        allowed_region=["EU"], retain_until="2028-01-31", collected_in=["UG"]),
        reason="vendor DPA", by="tester")
    reg.set_license("aeslc", "CC-BY-4.0", reason="confirmed with the publisher", by="legal")


def test_spdx_export_validates(loaded: Register, tmp_path: Path) -> None:
    record_decisions(loaded)
    out = tmp_path / "register.spdx.json"
    report = export_register(loaded, "spdx", out)
    assert report.rows == 15
    _, objs = validate_spdx(out)
    packages = {p.name: p for p in objs.foreach_type(m.dataset_DatasetPackage)}
    assert set(packages) == set(loaded.dataset_ids())
    beans = packages["beans"]
    assert beans.dataset_hasSensitivePersonalInformation == m.PresenceType.yes
    assert beans.software_primaryPurpose == m.software_SoftwarePurpose.data
    statement = _statement(objs, "beans")
    assert statement["rights"]["consent_purposes"] == ["research"]
    assert statement["rights"]["allowed_regions"] == ["EU"]
    assert statement["rights"]["retain_until"] == "2028-01-31"
    # the human conclusion is hasConcludedLicense; an unknown declared one is NoAssertion
    concluded = {}
    declared = {}
    for rel in objs.foreach_type(m.Relationship):
        target = rel.to[0]
        text = target if isinstance(target, str) else target.simplelicensing_licenseExpression
        if rel.relationshipType.endswith("hasConcludedLicense"):
            concluded[rel.from_.name] = text
        else:
            declared[rel.from_.name] = text
    assert concluded["aeslc"] == "CC-BY-4.0"
    assert declared["aeslc"] == NO_ASSERTION_LICENSE
    assert _statement(objs, "aeslc")["concluded_by"] == "legal"
    reviews = [a for a in objs.foreach_type(m.Annotation)
               if a.annotationType == m.AnnotationType.review]
    assert reviews and all(a.statement.startswith("needs review") for a in reviews)


def test_spdx_export_of_a_corpus_carries_its_check(loaded: Register, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: demo\ndatasets: [beans, arabic_speech_corpus]\n")
    out = tmp_path / "corpus.spdx.json"
    report = export_register(loaded, "spdx", out, corpus=corpus, use="research")
    assert report.rows == 2
    _, objs = validate_spdx(out)
    assert {p.name for p in objs.foreach_type(m.dataset_DatasetPackage)} == {
        "beans", "arabic_speech_corpus"}
    doc = next(iter(objs.foreach_type(m.SpdxDocument)))
    checks = [a for a in objs.foreach_type(m.Annotation) if a.subject is doc]
    assert len(checks) == 1
    assert json.loads(checks[0].statement)["use"] == "research"


def test_validator_rejects_an_invalid_document(loaded: Register, tmp_path: Path) -> None:
    """The validation used above is real: a wrong enum value or type is refused."""
    out = tmp_path / "register.spdx.json"
    export_register(loaded, "spdx", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    for item in data["@graph"]:
        if item["type"] == "Relationship":
            item["relationshipType"] = "hasFavouriteLicense"
            break
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        spdx_python_model.load_data(data)
    data = json.loads(out.read_text(encoding="utf-8"))
    for item in data["@graph"]:
        if item["type"] == "CreationInfo":
            item["created"] = "yesterday"
    with pytest.raises(Exception):  # noqa: B017
        spdx_python_model.load_data(data)


def test_dataset_type_mapping() -> None:
    assert dataset_type({"task_categories": ["automatic-speech-recognition"]}) == ["audio"]
    assert dataset_type({"task_categories": ["image-classification", "text-generation"]}) == [
        "image", "text"]
    assert dataset_type({}) == ["noAssertion"]


def _packages(objs: Any) -> dict[str, Any]:
    return {p.name: p for p in objs.foreach_type(m.dataset_DatasetPackage)}


def test_dataset_profile_fields_of_local_cards(loaded: Register, tmp_path: Path) -> None:
    """Who made it, where it is, which license list: never a local path, never invented."""
    loaded.set_license("beans", "MIT AND LicenseRef-hf-llama3", reason="test", by="legal")
    out = tmp_path / "register.spdx.json"
    export_register(loaded, "spdx", out)
    text = out.read_text(encoding="utf-8")
    assert "file:" not in text and str(CARDS) not in text
    _, objs = validate_spdx(out)
    packages = _packages(objs)
    aeslc = packages["aeslc"]
    # a canonical dataset: supplied through the Hub, originated by the card's authors
    assert aeslc.software_downloadLocation == "https://huggingface.co/datasets/aeslc"
    assert aeslc.software_packageVersion == "1"  # no Hub revision: the register's version
    assert aeslc.software_homePage == "https://github.com/ryanzhumich/AESLC"
    assert aeslc.suppliedBy.name == "Hugging Face"
    assert [a.name for a in aeslc.originatedBy] == ["Zhang, Rui", "Tetreault, Joel"]
    assert all(isinstance(a, m.Person) for a in aeslc.originatedBy)
    # a local card: no release time, no availability (the register does not know them)
    assert aeslc.releaseTime is None and aeslc.dataset_datasetAvailability is None
    assert aeslc.dataset_intendedUse is None  # no corpus check: no use stated
    # every license expression names the license list it was written against
    expressions = list(objs.foreach_type(m.simplelicensing_LicenseExpression))
    assert expressions
    version = str(read_manifest()["spdx_license_list_version"])
    assert all(e.simplelicensing_licenseListVersion == license_list_version() for e in expressions)
    assert license_list_version() == (version if version.count(".") == 2 else version + ".0")
    # a LicenseRef is mapped to the URL the knowledge base records for it
    [ref] = [e for e in expressions if "LicenseRef" in e.simplelicensing_licenseExpression]
    assert [(d.key, d.value) for d in ref.simplelicensing_customIdToUri] == [
        ("LicenseRef-hf-llama3", "https://llama.meta.com/llama3/license/")]
    assert all(not e.simplelicensing_customIdToUri for e in expressions if e is not ref)


def test_dataset_profile_fields_of_hub_cards(fake_hub: FakeHub, sqlite_reg: Register,
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    repo = fake_hub.add_dir("nyu/squad_v2", CARDS / "squad_v2")
    gated = fake_hub.add_dir("org/gated", CARDS / "cedr", gated=True)
    monkeypatch.setenv("HF_TOKEN", "hf_testtoken")  # conditions accepted: the card is readable
    summary = sqlite_reg.ingest_hub(["nyu/squad_v2", "org/gated"])
    assert summary.ingested == 2 and not summary.failed, summary
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: hub\ndatasets: [nyu/squad_v2, org/gated]\n")
    out = tmp_path / "hub.spdx.json"
    export_register(sqlite_reg, "spdx", out, corpus=corpus, use="research")
    data, objs = validate_spdx(out)
    assert validate_spdx3(data) == []  # the 3.0.1 JSON Schema and SHACL shapes
    packages = _packages(objs)
    squad, cedr = packages["nyu/squad_v2"], packages["org/gated"]
    assert squad.software_packageVersion == repo.sha
    assert squad.software_downloadLocation == (
        f"{fake_hub.url}/datasets/nyu/squad_v2/tree/{repo.sha}")
    assert cedr.software_packageVersion == gated.sha
    assert squad.suppliedBy.name == "nyu" and cedr.suppliedBy.name == "org"
    assert squad.suppliedBy is not cedr.suppliedBy
    # the Hub's last-modified time of the revision is its release time
    assert squad.releaseTime is not None and squad.releaseTime.year == 2024
    assert squad.dataset_datasetAvailability == m.dataset_DatasetAvailabilityType.directDownload
    assert cedr.dataset_datasetAvailability == m.dataset_DatasetAvailabilityType.clickthrough
    assert squad.dataset_intendedUse.startswith("research")
    # an originator is always an Agent: the card's authors, else the Hub namespace
    for pkg in (squad, cedr):
        assert pkg.originatedBy and all(isinstance(a, m.Agent) for a in pkg.originatedBy)


def test_spdx_datetime() -> None:
    assert spdx_datetime("2024-05-01T10:11:12.123456+02:00") == "2024-05-01T08:11:12Z"
    assert spdx_datetime("2024-05-01T10:11:12Z") == "2024-05-01T10:11:12Z"
    assert spdx_datetime("not a date") is None and spdx_datetime(None) is None


def test_rows_stream_with_their_metadata_in_batches(loaded: Register) -> None:
    streamed = [(row["id"], more) for row, more in
                iter_rows_with_metadata(loaded, ExportScope(), batch=4)]
    assert [i for i, _ in streamed] == sorted(loaded.dataset_ids())
    for ident, more in streamed:
        assert more["metadata"] == loaded.show(ident).metadata
