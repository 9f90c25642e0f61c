"""``register export spdx``: SPDX 3.0.1 JSON-LD of the register (or of a corpus).

Streamed: each element is one ``json.dumps`` (the C encoder) written as it is made, so memory
stays flat in the number of datasets (the ``SpdxDocument``'s element list is spooled to a
temporary file and written last).  The judges are independent of this writer: the tests
read the output back with ``spdx-python-model`` (the SPDX project's bindings generated from
the 3.0.1 model: its strict deserializer and re-serializer), validate it against the SPDX
3.0.1 JSON Schema and the SHACL shapes of the 3.0.1 model (pyshacl, offline), and check the
Dataset-profile rules below.

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
                               pretty name, ``software_packageVersion`` = the Hub revision
                               (else the register's version number),
                               ``software_downloadLocation`` = the Hub page at that revision
                               (never a local path), ``software_homePage`` = the card's
                               homepage, ``software_primaryPurpose`` = data,
                               ``dataset_datasetType`` from the card's task categories
                               (``noAssertion`` when unknown)
who                            ``suppliedBy`` = the Hub namespace that hosts it
                               (``Organization``; Hugging Face for a canonical dataset);
                               ``originatedBy`` = the card's authors (``Person``), else the
                               namespace's ``Organization``
when                           ``releaseTime`` = the Hub's last-modified time of the revision
                               (the commit that released it), when the card came from the Hub
gated on the Hub               ``dataset_datasetAvailability`` ``clickthrough`` (automatic
                               approval) or ``registration`` (manual approval); an ungated Hub
                               dataset ``directDownload``; a local card: not stated
corpus check (--use)           ``dataset_intendedUse`` of each dataset = the checked use; an
                               ``Annotation`` (other, application/json) on the
                               ``SpdxDocument`` holds the check result
declared license               ``Relationship hasDeclaredLicense`` -> a
                               ``simplelicensing_LicenseExpression`` (one element per distinct
                               expression, with ``simplelicensing_licenseListVersion`` = the
                               SPDX license list of ``licenses/MANIFEST.yaml`` and
                               ``simplelicensing_customIdToUri`` for each ``LicenseRef-`` whose
                               source the knowledge base names); no license ->
                               ``NoAssertionLicense``
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
                               :meth:`register.check.facts.RightsRecord.to_dict`'s
needs review                   also an ``Annotation`` of type ``review`` whose statement is
                               the reason, so SPDX tools show it
=============================  ===============================================================

Element ids are IRIs below a fresh document namespace
(``https://spdx.org/spdxdocs/dataset-rights-register/<uuid>/``), as SPDX recommends; a
dataset id is percent-encoded into its element IRI.  What the register does not know (the
build time, the release time of a local card, the originator of a canonical dataset whose
card names no authors) is left out rather than invented.
"""

from __future__ import annotations

import json
import re
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from register.check.facts import RightsRecord
from register.errors import ExportError
from register.exports import ExportReport, ExportScope, RegisterRow, iter_register_rows
from register.render.links import hub_url, is_url

if TYPE_CHECKING:
    from register.licenses.catalog import KnowledgeBase
    from register.register import Register

__all__ = ["NO_ASSERTION_LICENSE", "SPDX_CONTEXT", "card_metadata", "dataset_type",
           "iter_rows_with_metadata", "write_spdx"]

SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
NO_ASSERTION_LICENSE = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense"
_NO_ASSERTION_COMPACT = "expandedlicensing_NoAssertionLicense"  # as the 3.0.1 context writes it
TOOL_NAME = "dataset-rights-register"
_BATCH = 1000
_LICENSE_REF = re.compile(r"LicenseRef-[A-Za-z0-9.\-]+")
_SEMVER = re.compile(r"^\d+\.\d+(\.\d+)?$")

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
    """Id -> ``{"metadata": card metadata, "rights": rights dict or None}`` (one query a
    batch)."""
    from register.store.engine import read_connection
    from register.store.queries import metadata_and_rights

    with read_connection(reg.engine) as conn:
        return metadata_and_rights(conn, ids)


def iter_rows_with_metadata(reg: Register, scope: ExportScope, *, batch: int = _BATCH,
                            ) -> Iterator[tuple[RegisterRow, dict[str, Any]]]:
    """The export rows of ``scope`` with each one's card metadata and rights, streamed in
    batches of ``batch`` (one metadata query a batch; memory bounded by the batch)."""
    chunk: list[RegisterRow] = []

    def flush() -> Iterator[tuple[RegisterRow, dict[str, Any]]]:
        extra = card_metadata(reg, [r["id"] for r in chunk])
        for row in chunk:
            yield row, extra.get(row["id"], {})
        chunk.clear()

    for row in iter_register_rows(reg, scope.ids, today=scope.on):
        chunk.append(row)
        if len(chunk) >= batch:
            yield from flush()
    yield from flush()


def spdx_datetime(value: Any) -> str | None:
    """An SPDX 3 ``DateTime`` (UTC, whole seconds, ``Z``) from an ISO string or datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def license_list_version() -> str | None:
    """The SPDX license list version the knowledge base follows, as SemVer (``3.27.0``)."""
    from register.errors import LicenseDataError
    from register.licenses.manifest import read_manifest

    try:
        version = str(read_manifest().get("spdx_license_list_version") or "")
    except LicenseDataError:
        return None
    if not _SEMVER.match(version):
        return None
    return version if version.count(".") == 2 else version + ".0"


def license_ref_uris(expression: str, kb: KnowledgeBase) -> list[tuple[str, str]]:
    """``(LicenseRef-..., URL)`` for each LicenseRef of ``expression`` whose source (or
    known URL) the knowledge base records."""
    out: list[tuple[str, str]] = []
    for key in dict.fromkeys(_LICENSE_REF.findall(expression)):
        terms = kb.get(key)
        if terms is None:
            continue
        urls = [s.url for s in terms.sources] + list(terms.urls)
        url = next((u for u in urls if is_url(u)), None)
        if url:
            out.append((key, url))
    return out


def availability(metadata: dict[str, Any]) -> str | None:
    """``dataset_datasetAvailability`` from what the Hub said of the repository."""
    hub = metadata.get("hub")
    if not isinstance(hub, dict):
        return None
    gated = hub.get("gated")
    if gated in (None, False, "false", "False"):
        return "directDownload"
    return "registration" if str(gated).lower() == "manual" else "clickthrough"


class _Graph:
    """Writes ``@graph`` members one by one; spools element ids for the ``SpdxDocument``."""

    def __init__(self, out: IO[str], spool: IO[str], roots: IO[str]) -> None:
        self.out, self.spool, self.roots = out, spool, roots
        self.first = True
        self.dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                                      check_circular=False).encode

    def write(self, obj: dict[str, Any]) -> None:
        self.out.write(("\n" if self.first else ",\n") + self.dumps(obj))
        self.first = False

    def element(self, obj: dict[str, Any], *, root: bool = False) -> str:
        self.write(obj)
        self.spool.write(obj["spdxId"] + "\n")
        if root:
            self.roots.write(obj["spdxId"] + "\n")
        return str(obj["spdxId"])


def _id_list(out: IO[str], spool: IO[str], dumps: Any) -> None:
    spool.seek(0)
    out.write("[")
    for n, line in enumerate(spool):
        out.write(("," if n else "") + dumps(line.rstrip("\n")))
    out.write("]")


def write_spdx(reg: Register, path: Path, scope: ExportScope, report: ExportReport) -> None:
    try:
        with path.open("w", encoding="utf-8") as out, \
                tempfile.TemporaryFile("w+", encoding="utf-8") as spool, \
                tempfile.TemporaryFile("w+", encoding="utf-8") as roots:
            _write_document(reg, scope, report, out, spool, roots)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def _write_document(reg: Register, scope: ExportScope, report: ExportReport, out: IO[str],
                    spool: IO[str], roots: IO[str]) -> None:
    from register import __version__
    from register.store.audit import default_actor

    ns = f"https://spdx.org/spdxdocs/{TOOL_NAME}/{uuid.uuid4()}/"
    info = "_:CreationInfo0"
    graph = _Graph(out, spool, roots)
    out.write('{"@context":' + json.dumps(SPDX_CONTEXT) + ',"@graph":[')
    person, tool = ns + "agent/exporter", ns + "tool"
    graph.write({"type": "CreationInfo", "@id": info,
                 "created": spdx_datetime(datetime.now(timezone.utc)),
                 "createdBy": [person], "createdUsing": [tool], "specVersion": "3.0.1"})
    graph.element({"type": "Person", "spdxId": person, "creationInfo": info,
                   "name": default_actor()})
    graph.element({"type": "Tool", "spdxId": tool, "creationInfo": info,
                   "name": f"{TOOL_NAME} {__version__}"})

    kb = reg.kb
    list_version = license_list_version()
    expressions: dict[str, str] = {}
    organizations: dict[str, str] = {}

    def license_ref(expression: str | None) -> str:
        if not expression or expression.strip().upper() == "NOASSERTION":
            return _NO_ASSERTION_COMPACT
        if expression not in expressions:
            le: dict[str, Any] = {
                "type": "simplelicensing_LicenseExpression",
                "spdxId": f"{ns}license/{len(expressions) + 1}", "creationInfo": info,
                "simplelicensing_licenseExpression": expression}
            if list_version:
                le["simplelicensing_licenseListVersion"] = list_version
            uris = license_ref_uris(expression, kb)
            if uris:
                le["simplelicensing_customIdToUri"] = [
                    {"type": "DictionaryEntry", "key": k, "value": v} for k, v in uris]
            expressions[expression] = graph.element(le)
        return expressions[expression]

    def organization(name: str) -> str:
        if name not in organizations:
            organizations[name] = graph.element({
                "type": "Organization", "spdxId": f"{ns}agent/org/{quote(name, safe='')}",
                "creationInfo": info, "name": name})
        return organizations[name]

    intended = None
    if scope.check is not None:
        intended = (f"{scope.check.use}: the use this corpus was checked for "
                    f"(verdict {scope.check.verdict})")
    for n, (row, more) in enumerate(iter_rows_with_metadata(reg, scope), start=1):
        ident = row["id"]
        metadata = more.get("metadata") or {}
        credit = metadata.get("attribution")
        credit = credit if isinstance(credit, dict) else {}
        namespace = ident.split("/", 1)[0] if "/" in ident else None
        authors = [a for a in credit.get("authors") or [] if isinstance(a, str) and a.strip()]
        originators = [graph.element({"type": "Person", "spdxId": f"{ns}agent/{n}/{k}",
                                      "creationInfo": info, "name": a.strip()[:500]})
                       for k, a in enumerate(authors, start=1)]
        if not originators and namespace:
            originators = [organization(namespace)]
        pkg: dict[str, Any] = {
            "type": "dataset_DatasetPackage", "spdxId": f"{ns}dataset/{quote(ident, safe='')}",
            "creationInfo": info, "name": ident,
            "dataset_datasetType": dataset_type(metadata),
            "dataset_hasSensitivePersonalInformation": {"yes": "yes", "no": "no"}.get(
                row["personal_data"] or "", "noAssertion"),
            "software_downloadLocation": hub_url(ident, source=row["source"],
                                                 revision=row["revision"]),
            "software_packageVersion": row["revision"] or str(row["version"]),
            "software_primaryPurpose": "data",
            "suppliedBy": organization(namespace or "Hugging Face"),
        }
        if row["pretty_name"]:
            pkg["summary"] = row["pretty_name"]
        homepage = credit.get("homepage")
        if isinstance(homepage, str) and is_url(homepage):
            pkg["software_homePage"] = homepage
        if originators:
            pkg["originatedBy"] = originators
        hub = metadata.get("hub")
        released = spdx_datetime(hub.get("last_modified")) if isinstance(hub, dict) else None
        if released:
            pkg["releaseTime"] = released
        available = availability(metadata)
        if available:
            pkg["dataset_datasetAvailability"] = available
        if intended:
            pkg["dataset_intendedUse"] = intended
        pkg_id = graph.element(pkg, root=True)

        concluded = row["concluded_license"] or (
            row["declared_license"] if not row.license_needs_review else None)
        for kind, expr in (("hasDeclaredLicense", row["declared_license"]),
                           ("hasConcludedLicense", concluded)):
            graph.element({"type": "Relationship", "spdxId": f"{ns}relationship/{n}/{kind}",
                           "creationInfo": info, "from": pkg_id, "relationshipType": kind,
                           "to": [license_ref(expr)]})

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
        graph.element({"type": "Annotation", "spdxId": f"{ns}annotation/{n}/register",
                       "creationInfo": info, "annotationType": "other",
                       "contentType": "application/json", "subject": pkg_id,
                       "statement": json.dumps(statement, sort_keys=True, ensure_ascii=False,
                                               default=str)})
        if row["needs_review"]:
            graph.element({"type": "Annotation", "spdxId": f"{ns}annotation/{n}/review",
                           "creationInfo": info, "annotationType": "review",
                           "subject": pkg_id, "statement": "needs review: "
                           + (row["review_reason"] or "no reason recorded")})
        report.rows += 1

    document = ns + "document"
    if scope.check is not None:
        graph.element({"type": "Annotation", "spdxId": f"{ns}annotation/check",
                       "creationInfo": info, "annotationType": "other",
                       "contentType": "application/json", "subject": document,
                       "statement": json.dumps(scope.check.to_dict(), sort_keys=True,
                                               ensure_ascii=False, default=str)})
    if not report.rows:
        report.warn("no datasets to export: the SPDX document has no packages")
    name = f"{scope.corpus_name or 'register'} (dataset license and rights register export)"
    out.write(",\n" + graph.dumps({
        "type": "SpdxDocument", "spdxId": document, "creationInfo": info, "name": name,
        "profileConformance": ["core", "software", "dataset", "simpleLicensing"]})[:-1])
    out.write(',"element":')
    _id_list(out, spool, graph.dumps)
    if report.rows:
        out.write(',"rootElement":')
        _id_list(out, roots, graph.dumps)
    out.write("}\n]}\n")
