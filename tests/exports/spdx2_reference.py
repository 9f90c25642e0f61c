"""The SPDX 2.3 document as spdx-tools builds it: its model (``CreationInfo``, ``Package``,
``Relationship``, ``ExtractedLicensingInfo``, ``Document``) made of the same facts
(``register.exports.spdx2.document_head`` / ``package_facts``) and written by its own JSON
and tag-value writers.  This was the exporter's tag-value path before it wrote the lines
directly (register/exports/spdx2.py); the tests hold the direct writer's documents equal to
this one, as parsed documents, and on ordinary values byte for byte."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model import (
    Actor,
    ActorType,
    CreationInfo,
    Document,
    ExtractedLicensingInfo,
    Package,
    Relationship,
    RelationshipType,
    SpdxNoAssertion,
    SpdxNone,
)
from spdx_tools.spdx.writer.write_anything import write_file

from register.exports import ExportScope
from register.exports import spdx as spdx_export
from register.exports.spdx2 import (
    CREATOR_COMMENT,
    DATA_LICENSE,
    SPDX_VERSION,
    DocumentHead,
    PackageFacts,
    extracted_text,
    package_facts,
)
from register.register import Register


def _license(text: str) -> Any:
    if text == "NOASSERTION":
        return SpdxNoAssertion()
    if text == "NONE":
        return SpdxNone()
    return spdx_licensing.parse(text)


def _location(text: str) -> Any:
    return SpdxNoAssertion() if text == "NOASSERTION" else text


def package(facts: PackageFacts, spdx_id: str) -> Package:
    """The former ``_package``: the spdx-tools ``Package`` of ``facts``."""
    return Package(
        spdx_id=spdx_id, name=facts.name, download_location=_location(facts.download_location),
        version=facts.version, supplier=Actor(ActorType.ORGANIZATION, facts.supplier),
        originator=Actor(ActorType.PERSON, facts.originator) if facts.originator else None,
        files_analyzed=False, homepage=facts.homepage,
        license_declared=_license(facts.declared), license_concluded=_license(facts.concluded),
        copyright_text=SpdxNoAssertion(), summary=facts.summary, comment=facts.comment)


def creation_info(head: DocumentHead) -> CreationInfo:
    kinds = {"Tool": ActorType.TOOL, "Person": ActorType.PERSON}
    return CreationInfo(
        spdx_version=SPDX_VERSION, spdx_id="SPDXRef-DOCUMENT", name=head.name,
        document_namespace=head.namespace,
        creators=[Actor(kinds[kind], name) for kind, name in head.creators],
        created=datetime.strptime(head.created, "%Y-%m-%dT%H:%M:%SZ"),
        data_license=DATA_LICENSE, creator_comment=CREATOR_COMMENT)


def reference_document(reg: Register, scope: ExportScope, head: DocumentHead) -> Document:
    """The whole document of ``scope`` in spdx-tools' model (in memory)."""
    packages: list[Package] = []
    refs: dict[str, None] = {}
    for n, (row, more) in enumerate(spdx_export.iter_rows_with_metadata(reg, scope), start=1):
        facts = package_facts(row, more.get("metadata") or {})
        packages.append(package(facts, f"SPDXRef-Dataset-{n}"))
        refs.update(dict.fromkeys(facts.license_refs))
    extracted = []
    for key in sorted(refs):
        text, name = extracted_text(key)
        extracted.append(ExtractedLicensingInfo(license_id=key, extracted_text=text,
                                                license_name=name))
    return Document(
        creation_info=creation_info(head), packages=packages,
        relationships=[Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, p.spdx_id)
                       for p in packages],
        extracted_licensing_info=extracted)


def write_reference(document: Document, path: Path) -> None:
    """spdx-tools' own writer (JSON or tag-value by the suffix), validating first."""
    write_file(document, str(path), validate=True)
