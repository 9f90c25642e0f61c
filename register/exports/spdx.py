"""``register export spdx``: SPDX 3.0.1 JSON-LD of the register (or of a corpus).

Built with ``spdx-python-model`` (the SPDX project's bindings generated from the 3.0.1 RDF /
SHACL model: types, enumerations, IRIs, date-times and cardinalities are checked as the
objects are built and serialized).  spdx-tools 0.8's SPDX 3 model is an earlier draft and
cannot write 3.0.1, so it is not used here.  ``tests/exports/test_spdx.py`` reads the output
back through the bindings' strict JSON-LD deserializer, re-serializes it (cardinality checks)
and checks the Dataset-profile rules below.

Mapping (one ``SpdxDocument``, one ``CreationInfo`` shared by every element):

=============================  ===============================================================
register                       SPDX 3.0.1
=============================  ===============================================================
the export                     ``SpdxDocument`` (``rootElement`` = the datasets;
                               ``profileConformance`` core, software, dataset,
                               simpleLicensing); ``CreationInfo`` (``specVersion`` 3.0.1,
                               ``created``, ``createdBy`` a ``Person`` = the exporting user,
                               ``createdUsing`` a ``Tool`` = this program)
dataset                        ``dataset_DatasetPackage``: ``name`` = id, ``summary`` =
                               pretty name, ``software_packageVersion`` = Hub revision (else
                               the register's version number), ``software_downloadLocation``
                               = source (a URL, or a ``file:`` URI for a local card),
                               ``software_primaryPurpose`` = data, ``dataset_datasetType``
                               from the card's task categories (``noAssertion`` when unknown)
declared license               ``Relationship hasDeclaredLicense`` -> a
                               ``simplelicensing_LicenseExpression`` (one element per distinct
                               expression); no license -> ``NoAssertionLicense``
concluded license              ``Relationship hasConcludedLicense`` -> the human conclusion;
                               without one, the declared expression when the normalizer was
                               sure (no review needed); otherwise ``NoAssertionLicense``
personal_data yes/no/unknown   ``dataset_hasSensitivePersonalInformation`` yes/no/noAssertion
rights, review, consent,       no SPDX home: one ``Annotation`` per dataset
retention, regions, clearances (``annotationType`` other, ``contentType`` application/json,
                               ``subject`` the dataset); its ``statement`` is a JSON object
                               ``{"register": 1, "rights": {...}, "needs_review", "review_reason",
                               "card_sha256", "raw_license", "concluded_by",
                               "concluded_reason"}``; the rights keys are
                               :meth:`register.check.facts.RightsRecord.to_dict`'s (personal_data,
                               sensitive, dpia, lawful_basis, consent_purposes, collected_in,
                               allowed_regions, collected_on, retain_until)
needs review                   also an ``Annotation`` of type ``review`` whose statement is
                               the reason, so SPDX tools show it
corpus check (--use)           an ``Annotation`` (other, application/json) on the
                               ``SpdxDocument`` holding the check result
=============================  ===============================================================

Element ids are IRIs below a fresh document namespace
(``https://spdx.org/spdxdocs/dataset-rights-register/<uuid>/``), as SPDX recommends; a
dataset id is percent-encoded into its element IRI.  Profile-required facts the register does
not know (``originatedBy``, ``builtTime``, ``releaseTime``) are left out rather than invented.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from register.check.facts import RightsRecord
from register.errors import ExportError
from register.exports import ExportReport, ExportScope, iter_register_rows

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["SPDX_CONTEXT", "card_metadata", "dataset_type", "serialize_document", "write_spdx"]

SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
NO_ASSERTION_LICENSE = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense"
TOOL_NAME = "dataset-rights-register"

_TYPE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("audio", ("audio", "speech", "voice", "sound")),
    ("video", ("video",)),
    ("image", ("image", "vision", "object-detection", "depth-estimation", "ocr")),
    ("timeseries", ("time-series", "timeseries", "forecasting")),
    ("graph", ("graph",)),
    ("structured", ("tabular", "table")),
    ("text", ("text", "translation", "summarization", "question-answering", "token-",
              "fill-mask", "sentence", "conversational", "language", "ner")),
)


def dataset_type(metadata: dict[str, Any]) -> list[str]:
    """SPDX ``DatasetType`` names for a card's task categories (``noAssertion`` if none)."""
    values: list[str] = []
    tasks = metadata.get("task_categories") or []
    if isinstance(tasks, str):
        tasks = [tasks]
    for task in tasks if isinstance(tasks, list) else []:
        text = str(task).lower()
        for name, words in _TYPE_WORDS:
            if any(w in text for w in words) and name not in values:
                values.append(name)
                break
    return values or ["noAssertion"]


def card_metadata(reg: Register, ids: list[str]) -> dict[str, dict[str, Any]]:
    from register.store.engine import read_connection
    from register.store.queries import metadata_and_rights

    with read_connection(reg.engine) as conn:
        return metadata_and_rights(conn, ids)


def _location(source: str | None) -> str | None:
    if not source:
        return None
    if source.startswith(("https://", "http://")):
        return source
    path = Path(source)
    return path.as_uri() if path.is_absolute() else None


def write_spdx(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    try:
        from spdx_python_model import v3_0_1 as m
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ExportError("the SPDX export needs the 'spdx-python-model' package",
                          hint="pip install spdx-python-model") from exc
    from register import __version__
    from register.store.audit import default_actor

    ns = f"https://spdx.org/spdxdocs/{TOOL_NAME}/{uuid.uuid4()}/"
    now = datetime.now(timezone.utc).replace(microsecond=0)
    info = m.CreationInfo()
    info.specVersion = "3.0.1"
    info.created = now
    person = m.Person(spdxId=ns + "agent/exporter", name=default_actor(), creationInfo=info)
    tool = m.Tool(spdxId=ns + "tool", name=f"{TOOL_NAME} {__version__}", creationInfo=info)
    info.createdBy.append(person)
    info.createdUsing.append(tool)
    doc = m.SpdxDocument(spdxId=ns + "document", creationInfo=info,
                         name=f"{scope.corpus_name or 'register'} (dataset license and rights "
                              "register export)")
    doc.profileConformance.extend([
        m.ProfileIdentifierType.core, m.ProfileIdentifierType.software,
        m.ProfileIdentifierType.dataset, m.ProfileIdentifierType.simpleLicensing,
    ])
    elements: list[Any] = [person, tool]
    expressions: dict[str, Any] = {}

    def license_ref(expression: str | None) -> Any:
        if not expression or expression.upper() == "NOASSERTION":
            return NO_ASSERTION_LICENSE
        if expression not in expressions:
            le = m.simplelicensing_LicenseExpression(
                spdxId=f"{ns}license/{len(expressions) + 1}", creationInfo=info,
                simplelicensing_licenseExpression=expression)
            expressions[expression] = le
            elements.append(le)
        return expressions[expression]

    rows = list(iter_register_rows(reg, scope.ids))
    extra = card_metadata(reg, [r["id"] for r in rows])
    for n, row in enumerate(rows, start=1):
        ident = row["id"]
        more = extra.get(ident, {})
        pkg = m.dataset_DatasetPackage(spdxId=f"{ns}dataset/{quote(ident, safe='')}",
                                       creationInfo=info, name=ident)
        if row["pretty_name"]:
            pkg.summary = row["pretty_name"]
        pkg.software_packageVersion = row["revision"] or str(row["version"])
        pkg.software_primaryPurpose = m.software_SoftwarePurpose.data
        location = _location(row["source"])
        if location:
            pkg.software_downloadLocation = location
        for t in dataset_type(more.get("metadata") or {}):
            pkg.dataset_datasetType.append(getattr(m.dataset_DatasetType, t))
        pd = row["personal_data"]
        pkg.dataset_hasSensitivePersonalInformation = {
            "yes": m.PresenceType.yes, "no": m.PresenceType.no,
        }.get(pd or "", m.PresenceType.noAssertion)
        doc.rootElement.append(pkg)
        elements.append(pkg)

        concluded = row["concluded_license"] or (
            row["declared_license"] if not row.license_needs_review else None)
        for kind, expr in ((m.RelationshipType.hasDeclaredLicense, row["declared_license"]),
                           (m.RelationshipType.hasConcludedLicense, concluded)):
            rel = m.Relationship(spdxId=f"{ns}relationship/{n}/{kind.rsplit('/', 1)[-1]}",
                                 creationInfo=info, from_=pkg, relationshipType=kind)
            rel.to.append(license_ref(expr))
            elements.append(rel)

        rights = more.get("rights")
        statement = {
            "register": 1,
            "rights": RightsRecord.from_dict(rights).to_dict() if rights else None,
            "needs_review": row["needs_review"],
            "review_reason": row["review_reason"],
            "card_sha256": row["card_sha256"],
            "raw_license": row["raw_license"],
            "concluded_by": row["concluded_by"],
            "concluded_reason": row["concluded_reason"],
        }
        elements.append(m.Annotation(
            spdxId=f"{ns}annotation/{n}/register", creationInfo=info,
            annotationType=m.AnnotationType.other, subject=pkg,
            contentType="application/json",
            statement=json.dumps(statement, sort_keys=True, ensure_ascii=False)))
        if row["needs_review"]:
            elements.append(m.Annotation(
                spdxId=f"{ns}annotation/{n}/review", creationInfo=info,
                annotationType=m.AnnotationType.review, subject=pkg,
                statement=f"needs review: {row['review_reason'] or 'no reason recorded'}"))
        report.rows += 1

    if scope.check is not None:
        elements.append(m.Annotation(
            spdxId=f"{ns}annotation/check", creationInfo=info,
            annotationType=m.AnnotationType.other, subject=doc,
            contentType="application/json",
            statement=json.dumps(scope.check.to_dict(), sort_keys=True, ensure_ascii=False,
                                 default=str)))
    if not rows:
        report.warn("no datasets to export: the SPDX document has no packages")
    path.write_bytes(serialize_document(doc, elements))


def serialize_document(doc: Any, elements: list[Any]) -> bytes:
    """The SPDX 3.0.1 JSON-LD of ``doc`` holding ``elements`` (spdx-python-model's serializer
    validates it: an invalid document is an :class:`ExportError`)."""
    from spdx_python_model import v3_0_1 as m

    objs = m.SHACLObjectSet()
    for element in elements:
        doc.element.append(element)
        objs.add(element)
    objs.add(doc)
    buf = io.BytesIO()
    try:
        m.JSONLDSerializer().write(objs, buf, indent=2)
    except (ValueError, TypeError) as exc:
        raise ExportError(f"cannot write a valid SPDX 3.0.1 document: {exc}") from exc
    return buf.getvalue()
