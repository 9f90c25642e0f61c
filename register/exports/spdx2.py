"""SPDX 2.3 (``register export spdx2-json|spdx2-tv OUT``): for the tools that read 2.3, not
3.0 (ORT, FOSSology, Black Duck), written by ``spdx-tools`` (its model, JSON and tag-value
writers) and validated in the tests with its ``validate_full_spdx_document``.

One package per dataset (``SPDXRef-Dataset-<n>``), described by the document:

* ``name`` = the dataset id, ``versionInfo`` = the Hub revision (else the register's version
  number), ``downloadLocation`` = the Hub page at that revision (never a local path),
  ``homepage`` = the card's homepage when it has one;
* ``supplier`` = the Hub namespace that hosts it (``Organization``; Hugging Face for a
  canonical dataset without a namespace);
  ``originator`` = the card's authors when it names them;
* ``licenseDeclared`` = what the card states (normalized), ``licenseConcluded`` = the human
  conclusion recorded in the register, else NOASSERTION (SPDX: what the preparer concluded);
  a ``LicenseRef-`` gets an ``ExtractedLicensingInfo`` (the register has no text: it says so);
* ``copyrightText`` NOASSERTION (a card states none), ``filesAnalyzed`` false, the card's
  SHA-256 and review state in ``comment``; the NTIA minimum elements (supplier, name,
  version, unique id, relationships, author and timestamp) are present.

Streamed, in memory flat in the number of datasets: one ``_Facts`` per dataset, written at
once.  JSON: the 2.3 package object built directly and encoded with the C JSON encoder (the
spdx-tools model and converter cost ~5x ``export json``); tag-value: an spdx-tools ``Package``
checked with its ``validate_package`` and written by its tag-value package writer.  The
``DESCRIBES`` relationships and the extracted licensing infos (one per distinct
``LicenseRef-``) follow the packages.  The tests read both files back with spdx-tools' parser,
check them with ``validate_full_spdx_document`` (0 messages) and hold the two equal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from register.errors import ExportError
from register.exports import ExportReport, ExportScope, RegisterRow
from register.licenses.expressions import license_keys
from register.render.links import hub_url, is_url

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["write_spdx2_json", "write_spdx2_tv"]

NAMESPACE_BASE = "https://spdx.org/spdxdocs/dataset-rights-register"
SPDX_VERSION = "SPDX-2.3"
_REF_CHARS = re.compile(r"[^A-Za-z0-9.\-]")


def _creation_info(scope: ExportScope) -> Any:
    from spdx_tools.spdx.model import Actor, ActorType, CreationInfo

    from register import __version__
    from register.store.audit import default_actor

    now = datetime.now(timezone.utc).replace(microsecond=0)
    name = scope.corpus_name or "dataset-rights-register"
    return CreationInfo(
        spdx_version=SPDX_VERSION, spdx_id="SPDXRef-DOCUMENT", name=name,
        document_namespace=f"{NAMESPACE_BASE}/{_ref(name)}-{now:%Y%m%dT%H%M%SZ}",
        creators=[Actor(ActorType.TOOL, f"dataset-rights-register-{__version__}"),
                  Actor(ActorType.PERSON, default_actor())],
        created=now.replace(tzinfo=None), data_license="CC0-1.0",
        creator_comment="Datasets of the register with their declared and concluded licenses.")


@dataclass(frozen=True)
class _Facts:
    """What one package says, in SPDX 2.3 terms (strings as the JSON and tag-value hold them)."""

    name: str
    version: str
    supplier: str  # an Organization's name
    originator: str | None  # a Person's name
    download_location: str
    homepage: str | None
    declared: str  # an SPDX expression or NOASSERTION
    concluded: str
    summary: str | None
    comment: str | None


def _facts(row: RegisterRow, metadata: dict[str, Any]) -> _Facts:
    ident = row["id"]
    revision = row["revision"]
    credit = metadata.get("attribution") if isinstance(metadata.get("attribution"), dict) else {}
    homepage = (credit or {}).get("homepage")
    authors = [a for a in (credit or {}).get("authors") or [] if isinstance(a, str) and a]
    # who distributes it: the Hub namespace; a canonical (namespace-less) Hub dataset was
    # distributed by Hugging Face itself
    supplier = ident.split("/", 1)[0] if "/" in ident else "Hugging Face"
    comment = [f"card sha256 {row['card_sha256']}" if row["card_sha256"] else "",
               f"needs review: {row['review_reason']}" if row["needs_review"] else ""]
    return _Facts(
        name=ident, version=revision or str(row["version"]),
        supplier=_actor_name(supplier),
        originator=_actor_name("; ".join(authors)[:500]) if authors else None,
        download_location=hub_url(ident, source=row["source"], revision=revision),
        homepage=homepage if isinstance(homepage, str) and _valid_url(homepage) else None,
        declared=_license_text(row["declared_license"]),
        concluded=_license_text(row["concluded_license"]),
        summary=row["pretty_name"] or None, comment="; ".join(c for c in comment if c) or None)


def _actor_name(text: str) -> str:
    # an actor is "Type: name (email)": parentheses would be read as an email
    return " ".join(text.replace("(", "[").replace(")", "]").split())


@lru_cache(maxsize=4096)
def _valid_url(url: str) -> bool:
    from spdx_tools.spdx.validation.uri_validators import validate_url

    return is_url(url) and not validate_url(url)


@lru_cache(maxsize=4096)
def _license_text(expression: str | None) -> str:
    """The expression as spdx-tools writes it (``NOASSERTION`` when none); parsed with
    spdx-tools' licensing once per distinct expression."""
    from spdx_tools.common.spdx_licensing import spdx_licensing

    if not expression or expression.strip().upper() == "NOASSERTION":
        return "NOASSERTION"
    return str(spdx_licensing.parse(expression))


def _package_json(facts: _Facts, spdx_id: str) -> dict[str, Any]:
    """The SPDX 2.3 JSON package object (the keys of the 2.3 JSON schema)."""
    out: dict[str, Any] = {
        "SPDXID": spdx_id, "name": facts.name, "versionInfo": facts.version,
        "supplier": f"Organization: {facts.supplier}",
        "downloadLocation": facts.download_location,
        "filesAnalyzed": False, "licenseConcluded": facts.concluded,
        "licenseDeclared": facts.declared, "copyrightText": "NOASSERTION",
    }
    originator = f"Person: {facts.originator}" if facts.originator else None
    for key, value in (("originator", originator), ("homepage", facts.homepage),
                       ("summary", facts.summary), ("comment", facts.comment)):
        if value is not None:
            out[key] = value
    return out


def _package(facts: _Facts, spdx_id: str) -> Any:
    """The spdx-tools ``Package`` of ``facts`` (for its tag-value writer and validator)."""
    from spdx_tools.common.spdx_licensing import spdx_licensing
    from spdx_tools.spdx.model import Actor, ActorType, Package, SpdxNoAssertion

    def lic(text: str) -> Any:
        return SpdxNoAssertion() if text == "NOASSERTION" else spdx_licensing.parse(text)

    return Package(
        spdx_id=spdx_id, name=facts.name, download_location=facts.download_location,
        version=facts.version,
        supplier=Actor(ActorType.ORGANIZATION, facts.supplier),
        originator=Actor(ActorType.PERSON, facts.originator) if facts.originator else None,
        files_analyzed=False, homepage=facts.homepage,
        license_declared=lic(facts.declared), license_concluded=lic(facts.concluded),
        copyright_text=SpdxNoAssertion(), summary=facts.summary, comment=facts.comment)


def _ref(text: str) -> str:
    return _REF_CHARS.sub("-", text)[:80] or "register"


def _extracted(key: str) -> Any:
    from spdx_tools.spdx.model import ExtractedLicensingInfo

    return ExtractedLicensingInfo(
        license_id=key, extracted_text=f"The license named {key} (its text is not held by the "
        "register: see the dataset card).", license_name=key[len("LicenseRef-"):])


def _refuse(problems: list[Any], what: str) -> None:
    if problems:
        raise ExportError(f"SPDX 2.3 document does not validate: {what}: "
                          f"{problems[0].validation_message} ({len(problems)} problem(s))",
                          hint="report it")


class _Sink:
    """One output format: the document head, each package, the tail."""

    def __init__(self, out: TextIO, info: Any) -> None:
        from spdx_tools.spdx.model import Document

        self.out = out
        self.head = Document(creation_info=info)  # the converters' context: no elements

    def start(self) -> None:
        raise NotImplementedError

    def package(self, n: int, facts: _Facts) -> None:
        raise NotImplementedError

    def finish(self, count: int, extracted: list[Any]) -> None:
        raise NotImplementedError


class _JsonSink(_Sink):
    def __init__(self, out: TextIO, info: Any) -> None:
        from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter
        from spdx_tools.spdx.jsonschema.extracted_licensing_info_converter import (
            ExtractedLicensingInfoConverter,
        )
        from spdx_tools.spdx.jsonschema.relationship_converter import RelationshipConverter

        super().__init__(out, info)
        self.document = DocumentConverter()
        self.relationships = RelationshipConverter()
        self.licensing = ExtractedLicensingInfoConverter()
        self.dumps = json.JSONEncoder(ensure_ascii=False, indent=None,
                                      check_circular=False).encode

    def start(self) -> None:
        head = self.dumps(self.document.convert(self.head))
        self.out.write(head[:-1] + ', "packages": [')

    def package(self, n: int, facts: _Facts) -> None:
        self.out.write(("," if n > 1 else "") + "\n" + self.dumps(
            _package_json(facts, f"SPDXRef-Dataset-{n}")))

    def finish(self, count: int, extracted: list[Any]) -> None:
        from spdx_tools.spdx.model import Relationship, RelationshipType

        self.out.write('\n], "relationships": [')
        for n in range(1, count + 1):
            rel = Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES,
                               f"SPDXRef-Dataset-{n}")
            self.out.write(("," if n > 1 else "") + "\n"
                           + self.dumps(self.relationships.convert(rel)))
        self.out.write("\n]")
        if extracted:
            self.out.write(', "hasExtractedLicensingInfos": ['
                           + ",\n".join(self.dumps(self.licensing.convert(e))
                                        for e in extracted) + "]")
        self.out.write("}\n")


class _TagValueSink(_Sink):
    """The sections and order of spdx-tools' ``tagvalue_writer.write_document``."""

    def start(self) -> None:
        from spdx_tools.spdx.writer.tagvalue.creation_info_writer import write_creation_info

        self.out.write("## Document Information\n")
        write_creation_info(self.head.creation_info, self.out)
        self.out.write("\n")

    def package(self, n: int, facts: _Facts) -> None:
        from spdx_tools.spdx.validation.package_validator import validate_package
        from spdx_tools.spdx.writer.tagvalue.package_writer import write_package

        package = _package(facts, f"SPDXRef-Dataset-{n}")
        _refuse(validate_package(package, SPDX_VERSION), f"dataset {facts.name!r}")
        write_package(package, self.out)
        self.out.write("\n")

    def finish(self, count: int, extracted: list[Any]) -> None:
        from spdx_tools.spdx.model import Relationship, RelationshipType
        from spdx_tools.spdx.writer.tagvalue.extracted_licensing_info_writer import (
            write_extracted_licensing_info,
        )
        from spdx_tools.spdx.writer.tagvalue.relationship_writer import write_relationship

        if extracted:
            self.out.write("## License Information\n")
            for item in extracted:
                write_extracted_licensing_info(item, self.out)
                self.out.write("\n")
        if count:
            self.out.write("## Relationships\n")
        for n in range(1, count + 1):
            write_relationship(Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES,
                                            f"SPDXRef-Dataset-{n}"), self.out)
        self.out.write("\n")


def _write(reg: Register, path: Path, scope: ExportScope, report: ExportReport,
           kind: str) -> None:
    from spdx_tools.spdx.validation.creation_info_validator import validate_creation_info
    from spdx_tools.spdx.validation.extracted_licensing_info_validator import (
        validate_extracted_licensing_info,
    )

    from register.exports.spdx import iter_rows_with_metadata

    info = _creation_info(scope)
    _refuse(validate_creation_info(info, SPDX_VERSION), "the creation info")
    refs: dict[str, None] = {}
    try:
        with path.open("w", encoding="utf-8") as out:
            sink: _Sink = _JsonSink(out, info) if kind == "json" else _TagValueSink(out, info)
            sink.start()
            n = 0
            for n, (row, more) in enumerate(iter_rows_with_metadata(reg, scope), start=1):
                sink.package(n, _facts(row, more.get("metadata") or {}))
                for expr in (row["declared_license"], row["concluded_license"]):
                    refs.update({k: None for k in license_keys(expr)
                                 if k.startswith("LicenseRef-")})
            extracted = [_extracted(k) for k in sorted(refs)]
            for item in extracted:
                _refuse(validate_extracted_licensing_info(item), item.license_id)
            sink.finish(n, extracted)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    report.rows = n
    if not n:
        report.warn("no datasets to export: the SPDX document has no packages")


def write_spdx2_json(reg: Register, path: Path, scope: ExportScope,
                     report: ExportReport) -> None:
    _write(reg, path, scope, report, "json")


def write_spdx2_tv(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    _write(reg, path, scope, report, "tv")
