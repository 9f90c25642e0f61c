"""SPDX 2.3 JSON and tag-value (``export spdx2-json|spdx2-tv``), parsed back and validated by
spdx-tools' own ``validate_full_spdx_document`` (0 messages), NTIA minimum elements present;
equal, as parsed documents, to what spdx-tools' model and writers make of the same facts
(tests/exports/spdx2_reference.py), hostile values included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from spdx_tools.spdx.model import Document, SpdxNoAssertion, SpdxNone
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from register.errors import ExportError
from register.exports import ExportScope, RegisterRow, export_register, spdx2
from register.exports import spdx as spdx_export
from register.exports.spdx2 import DocumentHead
from register.register import Register
from tests.exports import spdx2_reference


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
    """The JSON and the tag-value documents parse back to the same packages, relationships and
    extracted licensing infos."""
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


# -- the direct writer beside spdx-tools' model and writers ---------------------------------

HEAD = DocumentHead(
    name="dataset-rights-register",
    namespace="https://spdx.org/spdxdocs/dataset-rights-register/test-20261203T120000Z",
    creators=(("Tool", "dataset-rights-register-0.1.0"), ("Person", "counsel")),
    created="2026-12-03T12:00:00Z")


@pytest.fixture
def fixed_head(monkeypatch: pytest.MonkeyPatch) -> DocumentHead:
    monkeypatch.setattr(spdx2, "document_head", lambda scope: HEAD)
    return HEAD


def _exported(reg: Register, tmp_path: Path, fmt: str) -> Document:
    out = tmp_path / ("r.spdx.json" if fmt == "spdx2-json" else "r.spdx")
    export_register(reg, fmt, out)
    doc = parse_file(str(out))
    assert validate_full_spdx_document(doc) == []
    return doc


def test_the_export_is_what_spdx_tools_writes_for_the_same_facts(
        loaded: Register, tmp_path: Path, fixed_head: DocumentHead) -> None:
    """On the real cards: the parsed documents equal spdx-tools' model of the same facts, the
    tag-value file is byte for byte its tag-value writer's, the JSON its JSON writer's."""
    loaded.set_license("aeslc", "CC-BY-4.0 AND LicenseRef-acme", reason="contract", by="counsel")
    reference = spdx2_reference.reference_document(loaded, ExportScope(), fixed_head)
    assert validate_full_spdx_document(reference) == []
    for fmt, suffix in (("spdx2-json", ".spdx.json"), ("spdx2-tv", ".spdx")):
        ours, theirs = tmp_path / f"ours{suffix}", tmp_path / f"theirs{suffix}"
        export_register(loaded, fmt, ours)
        spdx2_reference.write_reference(reference, theirs)
        assert parse_file(str(ours)) == reference
        if fmt == "spdx2-tv":
            assert ours.read_text(encoding="utf-8") == theirs.read_text(encoding="utf-8")
        else:
            assert json.loads(ours.read_text(encoding="utf-8")) == json.loads(
                theirs.read_text(encoding="utf-8"))


HOSTILE_TEXTS = [
    "line one\nline two", "ends with </text> inside", "</text>", "<text>starts like a text",
    "NONE", "NOASSERTION", "PackageName", "Person: Alice", "Organization: Acme",
    "Tool: x", "SHA1: abc", "2020-01-01T00:00:00Z and after", "  padded  ", "", "   ",
    "\r\nCRLF\r\nand CR\ronly\r\n", "ünïcödé ✓ 数据集 \U0001f600", "tab\there", "# not a comment",
    "a: b: c", "(parens) [brackets] {braces}", "multi\n\n\nblank lines\n  indented",
    "</text></text>\n<text>", "back\\slash \"quotes\"",
]
HOSTILE_URLS = [
    "https://ok.example.org/x?a=1#frag", "https://bad host.org/x", "https://a.example.com/\nfoo",
    "javascript:alert(1)", "ftp://files.example.org/x", "https://例え.jp/", "http://localhost/",
    "https://x.example.org/\u0000", "https://x.example.org/ü",
]


def _row(n: int, **cells: Any) -> tuple[RegisterRow, dict[str, Any]]:
    base = {"id": f"acme/hostile-{n}", "revision": None, "version": 1, "card_sha256": None,
            "needs_review": False, "review_reason": None, "source": None,
            "declared_license": None, "concluded_license": None, "pretty_name": None}
    base.update({k: v for k, v in cells.items() if k not in ("homepage", "authors")})
    credit = {k: cells[k] for k in ("homepage", "authors") if k in cells}
    return (RegisterRow(cells=base, review=(), attention=(), license_needs_review=False),
            {"metadata": {"attribution": credit}})


def _rows(monkeypatch: pytest.MonkeyPatch, rows: list[tuple[RegisterRow, dict[str, Any]]],
          ) -> None:
    monkeypatch.setattr(spdx_export, "iter_rows_with_metadata", lambda reg, scope: iter(rows))


def test_hostile_values_round_trip_through_both_formats(
        sqlite_reg: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fixed_head: DocumentHead) -> None:
    """Newlines, ``</text>``, keywords, actors, dates, unicode, blanks and empty values in every
    free-text field, bad URLs, license refs: both files validate, parse to the same document,
    equal to spdx-tools' model of the same facts; the text is the value, normalized."""
    rows = []
    for n, text in enumerate(HOSTILE_TEXTS):
        url = HOSTILE_URLS[n % len(HOSTILE_URLS)]
        rows.append(_row(
            n, pretty_name=text, needs_review=True, review_reason=text,
            card_sha256="ab" * 32 if n % 2 else None, revision=f"rev {n}\n" if n % 3 else None,
            source=url if n % 4 == 0 else None, homepage=url,
            authors=[text, "Ann (MIT)", "  ", "Bob\nSmith"],
            declared_license=("mit AND LicenseRef-acme.v2", "NONE", None, "Apache-2.0 OR "
                              "LicenseRef-scancode-other-permissive")[n % 4],
            concluded_license="LicenseRef-x-1" if n % 5 == 0 else None))
    _rows(monkeypatch, rows)
    as_json = _exported(sqlite_reg, tmp_path, "spdx2-json")
    as_tv = _exported(sqlite_reg, tmp_path, "spdx2-tv")
    reference = spdx2_reference.reference_document(sqlite_reg, ExportScope(), fixed_head)
    assert as_json == as_tv == reference
    by_name = {p.name: p for p in as_tv.packages}
    assert by_name["acme/hostile-0"].summary == "line one\nline two"
    assert by_name["acme/hostile-1"].summary == "ends with &lt;/text&gt; inside"
    assert by_name["acme/hostile-4"].summary == "NONE"  # a text, not SpdxNone
    assert by_name["acme/hostile-13"].summary is None  # empty: left out
    assert by_name["acme/hostile-15"].summary == "CRLF\nand CR\nonly"
    assert by_name["acme/hostile-16"].summary == "ünïcödé ✓ 数据集 \U0001f600"
    assert by_name["acme/hostile-1"].version == "rev 1"
    assert str(by_name["acme/hostile-0"].license_declared) == "MIT AND LicenseRef-acme.v2"
    assert isinstance(by_name["acme/hostile-1"].license_declared, SpdxNone)
    assert by_name["acme/hostile-0"].originator.name == "line one line two; Ann [MIT]; Bob Smith"
    homepages = {p.homepage for p in as_tv.packages}
    # kept: what spdx-tools takes as a URL (no host without a dot, no blank, no control)
    assert homepages == {None, "https://ok.example.org/x?a=1#frag", "https://x.example.org/ü"}
    locations = {p.name: str(p.download_location) for p in as_tv.packages}
    assert locations["acme/hostile-0"] == "https://ok.example.org/x?a=1#frag"  # a source URL
    assert locations["acme/hostile-16"] == locations["acme/hostile-20"] == "NOASSERTION"
    assert [e.license_id for e in as_tv.extracted_licensing_info] == [
        "LicenseRef-acme.v2", "LicenseRef-scancode-other-permissive", "LicenseRef-x-1"]


@pytest.mark.parametrize("url", HOSTILE_URLS + ["https://example.org", "http://a.b.cd:8080/x y",
                                                "https://exa_mple.org/", "https://x.org/a\tb"])
def test_a_homepage_is_kept_when_spdx_tools_takes_it_as_a_url(url: str) -> None:
    from spdx_tools.spdx.validation.uri_validators import validate_url

    from register.render.links import is_url

    row, more = _row(0, homepage=url)
    kept = spdx2.package_facts(row, more["metadata"]).homepage
    one_word = url.isprintable() and len(url.split()) == 1 and url == url.strip()
    assert (kept == url) == (is_url(url) and one_word and not validate_url(url))


def test_the_tag_value_keywords_are_spdx_tools_lexer_words() -> None:
    from spdx_tools.spdx.parser.tagvalue.lexer import SPDXLexer

    assert set(SPDXLexer.reserved) == spdx2.TV_KEYWORDS


@pytest.mark.parametrize(("cells", "message"), [
    ({"concluded_license": "MIT AND LicenseRef-bad_id"}, "LicenseRef-bad_id"),
    ({"declared_license": "FooBar-License-9"}, "not on the SPDX list"),
    ({"declared_license": "MIT WITH Apache-2.0"}, "MIT WITH Apache-2.0"),
])
def test_an_expression_2_3_cannot_hold_is_refused(
        sqlite_reg: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        cells: dict[str, Any], message: str) -> None:
    _rows(monkeypatch, [_row(0, **cells)])
    for fmt in ("spdx2-json", "spdx2-tv"):
        with pytest.raises(ExportError, match="does not validate") as err:
            export_register(sqlite_reg, fmt, tmp_path / "out")
        assert message in str(err.value)


@pytest.mark.parametrize("ident", ["NOASSERTION", "PackageName", "Person:x", "SHA1:00",
                                   "<text>a"])
def test_a_dataset_id_tag_value_cannot_hold_is_refused_there_only(
        sqlite_reg: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        ident: str) -> None:
    _rows(monkeypatch, [_row(0, id=ident)])
    as_json = _exported(sqlite_reg, tmp_path, "spdx2-json")
    assert [p.name for p in as_json.packages] == [ident]
    with pytest.raises(ExportError, match="cannot be written as a tag-value PackageName"):
        export_register(sqlite_reg, "spdx2-tv", tmp_path / "r.spdx")
