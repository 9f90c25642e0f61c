"""SPDX 2.3 JSON and tag-value (``export spdx2-json|spdx2-tv``), parsed back and validated by
spdx-tools' own ``validate_full_spdx_document`` (0 messages), NTIA minimum elements present."""

from __future__ import annotations

from pathlib import Path

import pytest
from spdx_tools.spdx.model import SpdxNoAssertion
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from register.exports import export_register
from register.register import Register


@pytest.fixture
def loaded(sqlite_reg: Register, cards_dir: Path) -> Register:
    sqlite_reg.ingest_paths([cards_dir], recursive=True)
    return sqlite_reg


@pytest.mark.parametrize(("fmt", "suffix"), [("spdx2-json", ".spdx.json"),
                                              ("spdx2-tv", ".spdx")])
def test_spdx23_validates_with_spdx_tools_and_has_the_ntia_elements(
        loaded: Register, tmp_path: Path, fmt: str, suffix: str) -> None:
    loaded.set_license("aeslc", "CC-BY-4.0", reason="read the paper", by="counsel")
    out = tmp_path / f"register{suffix}"
    report = export_register(loaded, fmt, out)
    doc = parse_file(str(out))
    assert validate_full_spdx_document(doc) == []
    assert doc.creation_info.spdx_version == "SPDX-2.3"
    assert doc.creation_info.created and doc.creation_info.creators  # author, timestamp
    packages = {p.name: p for p in doc.packages}
    assert len(packages) == report.rows == loaded.count()
    described = {r.related_spdx_element_id for r in doc.relationships
                 if r.spdx_element_id == "SPDXRef-DOCUMENT"}
    assert described == {p.spdx_id for p in doc.packages}  # the dependency relationships
    for p in doc.packages:  # NTIA: supplier, name, version, unique identifier
        assert p.supplier is not None and not isinstance(p.supplier, SpdxNoAssertion)
        assert p.name and p.version and p.spdx_id.startswith("SPDXRef-Dataset-")
        assert str(p.download_location).startswith("https://huggingface.co/datasets/")
    squad = packages["squad_v2"]
    assert str(squad.license_declared) == "CC-BY-SA-4.0"
    assert isinstance(squad.license_concluded, SpdxNoAssertion)  # no human conclusion yet
    assert str(packages["aeslc"].license_concluded) == "CC-BY-4.0"  # counsel's conclusion
    assert isinstance(packages["aeslc"].license_declared, SpdxNoAssertion)  # 'unknown' card
    assert "card sha256 " in (squad.comment or "")


def test_a_licenseref_is_declared_as_extracted_licensing_info(
        sqlite_reg: Register, tmp_path: Path) -> None:
    card = tmp_path / "cards" / "acme" / "gated"
    card.mkdir(parents=True)
    (card / "README.md").write_text("---\nlicense: other\nlicense_name: acme-data-license\n"
                                    "---\n# Gated\n", encoding="utf-8")
    sqlite_reg.ingest_paths([tmp_path / "cards"], recursive=True)
    ident = sqlite_reg.dataset_ids()[0]
    sqlite_reg.set_license(ident, "LicenseRef-acme-data-license", reason="the contract",
                           by="counsel")
    out = tmp_path / "ref.spdx.json"
    export_register(sqlite_reg, "spdx2-json", out)
    doc = parse_file(str(out))
    assert validate_full_spdx_document(doc) == []
    assert [e.license_id for e in doc.extracted_licensing_info] == [
        "LicenseRef-acme-data-license"]


def test_json_and_tag_value_say_the_same(loaded: Register, tmp_path: Path) -> None:
    """The JSON (written directly) and the tag-value (spdx-tools' writer) documents parse back
    to the same packages, relationships and extracted licensing infos."""
    loaded.set_license("aeslc", "CC-BY-4.0 AND LicenseRef-acme", reason="contract", by="counsel")
    docs = []
    for fmt, name in (("spdx2-json", "r.spdx.json"), ("spdx2-tv", "r.spdx")):
        export_register(loaded, fmt, tmp_path / name)
        doc = parse_file(str(tmp_path / name))
        assert validate_full_spdx_document(doc) == []
        docs.append(doc)
    as_json, as_tv = docs
    assert as_json.packages == as_tv.packages
    assert sorted(map(str, as_json.relationships)) == sorted(map(str, as_tv.relationships))
    assert as_json.extracted_licensing_info == as_tv.extracted_licensing_info
    assert [e.license_id for e in as_json.extracted_licensing_info] == ["LicenseRef-acme"]
