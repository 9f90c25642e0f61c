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
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.errors import ExportError
from register.exports import ExportReport, ExportScope, RegisterRow, iter_register_rows
from register.licenses.expressions import license_keys
from register.render.links import hub_url, is_url

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["spdx2_document", "write_spdx2_json", "write_spdx2_tv"]

NAMESPACE_BASE = "https://spdx.org/spdxdocs/dataset-rights-register"
_REF_CHARS = re.compile(r"[^A-Za-z0-9.\-]")


def spdx2_document(reg: Register, scope: ExportScope, report: ExportReport) -> Any:
    """The spdx-tools ``Document`` of the register (or the corpus in ``scope``)."""
    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        CreationInfo,
        Document,
        ExtractedLicensingInfo,
        Relationship,
        RelationshipType,
    )

    from register import __version__
    from register.exports.spdx import card_metadata
    from register.store.audit import default_actor

    now = datetime.now(timezone.utc).replace(microsecond=0)
    name = scope.corpus_name or "dataset-rights-register"
    info = CreationInfo(
        spdx_version="SPDX-2.3", spdx_id="SPDXRef-DOCUMENT", name=name,
        document_namespace=f"{NAMESPACE_BASE}/{_ref(name)}-{now:%Y%m%dT%H%M%SZ}",
        creators=[Actor(ActorType.TOOL, f"dataset-rights-register-{__version__}"),
                  Actor(ActorType.PERSON, default_actor())],
        created=now.replace(tzinfo=None), data_license="CC0-1.0",
        creator_comment="Datasets of the register with their declared and concluded licenses.")
    rows = list(iter_register_rows(reg, scope.ids, today=scope.on))
    meta = card_metadata(reg, [r["id"] for r in rows])
    packages: list[Any] = []
    relationships: list[Any] = []
    refs: dict[str, None] = {}
    for n, row in enumerate(rows, start=1):
        metadata = (meta.get(row["id"]) or {}).get("metadata") or {}
        spdx_id = f"SPDXRef-Dataset-{n}"
        packages.append(_package(row, metadata, spdx_id))
        relationships.append(Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES,
                                          spdx_id))
        for expr in (row["declared_license"], row["concluded_license"]):
            refs.update({k: None for k in license_keys(expr) if k.startswith("LicenseRef-")})
    report.rows = len(rows)
    extracted = [ExtractedLicensingInfo(
        license_id=k, extracted_text=f"The license named {k} (its text is not held by the "
        "register: see the dataset card).", license_name=k[len("LicenseRef-"):])
        for k in sorted(refs)]
    return Document(creation_info=info, packages=packages, relationships=relationships,
                    extracted_licensing_info=extracted)


def _package(row: RegisterRow, metadata: dict[str, Any], spdx_id: str) -> Any:
    from spdx_tools.spdx.model import Actor, ActorType, Package, SpdxNoAssertion

    ident = row["id"]
    revision = row["revision"]
    credit = metadata.get("attribution") if isinstance(metadata.get("attribution"), dict) else {}
    homepage = (credit or {}).get("homepage")
    authors = [a for a in (credit or {}).get("authors") or [] if isinstance(a, str) and a]
    # who distributes it: the Hub namespace; a canonical (namespace-less) Hub dataset was
    # distributed by Hugging Face itself
    supplier = Actor(ActorType.ORGANIZATION,
                     ident.split("/", 1)[0] if "/" in ident else "Hugging Face")
    comment = [f"card sha256 {row['card_sha256']}" if row["card_sha256"] else "",
               f"needs review: {row['review_reason']}" if row["needs_review"] else ""]
    return Package(
        spdx_id=spdx_id, name=ident,
        download_location=hub_url(ident, source=row["source"], revision=revision),
        version=revision or str(row["version"]), supplier=supplier,
        originator=Actor(ActorType.PERSON, "; ".join(authors)[:500]) if authors else None,
        files_analyzed=False,
        homepage=homepage if isinstance(homepage, str) and is_url(homepage) else None,
        license_declared=_license(row["declared_license"]),
        license_concluded=_license(row["concluded_license"]),
        copyright_text=SpdxNoAssertion(), summary=row["pretty_name"] or None,
        comment="; ".join(c for c in comment if c) or None)


def _license(expression: str | None) -> Any:
    from spdx_tools.common.spdx_licensing import spdx_licensing
    from spdx_tools.spdx.model import SpdxNoAssertion

    if not expression or expression.strip().upper() == "NOASSERTION":
        return SpdxNoAssertion()
    return spdx_licensing.parse(expression)


def _ref(text: str) -> str:
    return _REF_CHARS.sub("-", text)[:80] or "register"


def _write(reg: Register, path: Path, scope: ExportScope, report: ExportReport,
           kind: str) -> None:
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    doc = spdx2_document(reg, scope, report)
    problems = validate_full_spdx_document(doc)
    if problems:
        raise ExportError(f"SPDX 2.3 document does not validate: {problems[0].validation_message}"
                          f" ({len(problems)} problem(s))", hint="report it")
    if kind == "json":
        from spdx_tools.spdx.writer.json import json_writer

        json_writer.write_document_to_file(doc, str(path), validate=False)
    else:
        from spdx_tools.spdx.writer.tagvalue import tagvalue_writer

        tagvalue_writer.write_document_to_file(doc, str(path), validate=False)


def write_spdx2_json(reg: Register, path: Path, scope: ExportScope,
                     report: ExportReport) -> None:
    _write(reg, path, scope, report, "json")


def write_spdx2_tv(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    _write(reg, path, scope, report, "tv")
