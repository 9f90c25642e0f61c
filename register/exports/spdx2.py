"""SPDX 2.3 (``register export spdx2-json|spdx2-tv OUT``): for the tools that read 2.3, not
3.0 (ORT, FOSSology, Black Duck).

One package per dataset (``SPDXRef-Dataset-<n>``), described by the document:

* ``name`` = the dataset id, ``versionInfo`` = the Hub revision (else the register's version
  number), ``downloadLocation`` = the Hub page at that revision (never a local path;
  NOASSERTION when a recorded source URL is not a valid 2.3 URL), ``homepage`` = the card's
  homepage when it has one that is a valid URL;
* ``supplier`` = the Hub namespace that hosts it (``Organization``; Hugging Face for a
  canonical dataset without a namespace);
  ``originator`` = the card's authors when it names them;
* ``licenseDeclared`` = what the card states (normalized), ``licenseConcluded`` = the human
  conclusion recorded in the register, else NOASSERTION (SPDX: what the preparer concluded);
  a ``LicenseRef-`` gets an ``ExtractedLicensingInfo`` (the register has no text: it says so);
* ``copyrightText`` NOASSERTION (a card states none), ``filesAnalyzed`` false, the card's
  SHA-256 and review state in ``comment``; the NTIA minimum elements (supplier, name,
  version, unique id, relationships, author and timestamp) are present.

Written directly, streamed, memory flat in the number of datasets: one :class:`PackageFacts`
per dataset (the values as both formats hold them), written at once, JSON as one object per
package encoded with the C JSON encoder, tag-value as its lines.  The ``DESCRIBES``
relationships and the extracted licensing infos (one per distinct ``LicenseRef-``) follow the
packages.  Text is made the same in both formats: line ends ``\\n``, no leading or trailing
blanks, an empty text left out, ``</text>`` (which ends a tag-value text and has no escape)
written ``&lt;/text&gt;``; a one-line value that tag-value would read as something else (a
keyword such as NONE, ``Person: ...``, a date) is written in ``<text>...</text>``, and a
multi-line one too.  An expression that names an id neither on the SPDX list nor a valid
``LicenseRef-`` is refused (the document would not validate).  spdx-tools is the tests'
judge (``tests/exports/test_spdx2.py``): it parses both files back, its
``validate_full_spdx_document`` gives no message, the JSON and tag-value documents are equal
as parsed documents, and equal to the document its model and writers make of the same facts
(``tests/exports/spdx2_reference.py``, the former writer).
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
from register.render.links import hub_url, is_url

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["DocumentHead", "PackageFacts", "document_head", "extracted_text", "package_facts",
           "write_spdx2_json", "write_spdx2_tv"]

NAMESPACE_BASE = "https://spdx.org/spdxdocs/dataset-rights-register"
SPDX_VERSION = "SPDX-2.3"
DATA_LICENSE = "CC0-1.0"
CREATOR_COMMENT = "Datasets of the register with their declared and concluded licenses."
_REF_CHARS = re.compile(r"[^A-Za-z0-9.\-]")
#: a 2.3 ``LicenseRef-`` id (what spdx-tools' validator accepts)
_LICENSE_REF = re.compile(r"LicenseRef-[\da-zA-Z.-]+")
#: the URL rule of spdx-tools' ``validate_url`` (its pattern, matched at the start, ignoring
#: case); a URL is also printable and has no blank (tests/exports/test_spdx2.py compares)
_URL = re.compile(
    "(http:\\/\\/www\\.|https:\\/\\/www\\.|http:\\/\\/|https:\\/\\/|ssh:\\/\\/|git:\\/\\/|svn:\\/\\/|sftp:"
    "\\/\\/|ftp:\\/\\/)?([\\w\\-.!~*'()%;:&=+$,]+@)?[a-z0-9]+([\\-\\.]{1}[a-z0-9]+){0,100}\\.[a-z]{2,5}"
    "(:[0-9]{1,5})?(\\/.*)?", re.IGNORECASE)
_NO_BLANK = re.compile(r"\S+")
#: the words tag-value reads as keywords, not as a value (spdx-tools' lexer; a test pins it)
TV_KEYWORDS = frozenset({
    "AnnotationComment", "AnnotationDate", "AnnotationType", "Annotator", "BuiltDate", "Created",
    "Creator", "CreatorComment", "DataLicense", "DocumentComment", "DocumentName",
    "DocumentNamespace", "ExternalDocumentRef", "ExternalRef", "ExternalRefComment",
    "ExtractedText", "FileAttributionText", "FileChecksum", "FileComment", "FileContributor",
    "FileCopyrightText", "FileName", "FileNotice", "FileType", "FilesAnalyzed", "LicenseComment",
    "LicenseComments", "LicenseConcluded", "LicenseCrossReference", "LicenseID",
    "LicenseInfoInFile", "LicenseInfoInSnippet", "LicenseListVersion", "LicenseName",
    "NOASSERTION", "NONE", "PackageAttributionText", "PackageChecksum", "PackageComment",
    "PackageCopyrightText", "PackageDescription", "PackageDownloadLocation", "PackageFileName",
    "PackageHomePage", "PackageLicenseComments", "PackageLicenseConcluded",
    "PackageLicenseDeclared", "PackageLicenseInfoFromFiles", "PackageName", "PackageOriginator",
    "PackageSourceInfo", "PackageSummary", "PackageSupplier", "PackageVerificationCode",
    "PackageVersion", "PrimaryPackagePurpose", "Relationship", "RelationshipComment",
    "ReleaseDate", "SPDXID", "SPDXREF", "SPDXVersion", "SnippetAttributionText",
    "SnippetByteRange", "SnippetComment", "SnippetCopyrightText", "SnippetFromFileSPDXID",
    "SnippetLicenseComments", "SnippetLicenseConcluded", "SnippetLineRange", "SnippetName",
    "SnippetSPDXID", "ValidUntilDate",
})
#: the starts of a value tag-value reads as another token: a text, an actor, a checksum, a date
_OTHER_TOKEN = re.compile(
    r"<text>|(?:Tool|Organization|Person):.|(?:ADLER32|BLAKE2b-256|BLAKE2b-384|BLAKE2b-512|"
    r"BLAKE3|MD2|MD4|MD5|MD6|SHA1|SHA224|SHA256|SHA384|SHA512|SHA3-256|SHA3-384|SHA3-512):"
    r"|\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@dataclass(frozen=True)
class DocumentHead:
    """The document's creation info, as both formats hold it."""

    name: str
    namespace: str
    creators: tuple[tuple[str, str], ...]  # (Tool | Person, name)
    created: str  # YYYY-MM-DDTHH:MM:SSZ


def document_head(scope: ExportScope) -> DocumentHead:
    from register import __version__
    from register.store.audit import default_actor

    now = datetime.now(timezone.utc).replace(microsecond=0)
    name = _line(scope.corpus_name or "") or "dataset-rights-register"
    person = _actor_name(default_actor()) or "unknown"
    return DocumentHead(
        name=name, namespace=f"{NAMESPACE_BASE}/{_ref(name)}-{now:%Y%m%dT%H%M%SZ}",
        creators=(("Tool", f"dataset-rights-register-{__version__}"), ("Person", person)),
        created=f"{now:%Y-%m-%dT%H:%M:%SZ}")


@dataclass(frozen=True)
class PackageFacts:
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
    license_refs: tuple[str, ...]  # the LicenseRef- ids the two expressions name


def package_facts(row: RegisterRow, metadata: dict[str, Any]) -> PackageFacts:
    ident = row["id"]
    revision = row["revision"]
    credit = metadata.get("attribution") if isinstance(metadata.get("attribution"), dict) else {}
    homepage = (credit or {}).get("homepage")
    authors = [a for a in (credit or {}).get("authors") or [] if isinstance(a, str) and a.strip()]
    # who distributes it: the Hub namespace; a canonical (namespace-less) Hub dataset was
    # distributed by Hugging Face itself
    supplier = ident.split("/", 1)[0] if "/" in ident else "Hugging Face"
    comment = [f"card sha256 {row['card_sha256']}" if row["card_sha256"] else "",
               f"needs review: {row['review_reason']}" if row["needs_review"] else ""]
    location = hub_url(ident, source=row["source"], revision=revision)
    if is_url(row["source"]) and not _valid_url(location):
        location = "NOASSERTION"
    declared, declared_refs = _license(row["declared_license"], ident)
    concluded, concluded_refs = _license(row["concluded_license"], ident)
    return PackageFacts(
        name=ident, version=_line(revision or str(row["version"])),
        supplier=_actor_name(supplier) or "Hugging Face",
        originator=_actor_name("; ".join(authors)[:500]) or None,
        download_location=location,
        homepage=homepage if isinstance(homepage, str) and _valid_url(homepage) else None,
        declared=declared, concluded=concluded,
        summary=_text(row["pretty_name"]), comment=_text("; ".join(c for c in comment if c)),
        license_refs=tuple(dict.fromkeys(declared_refs + concluded_refs)))


def _line(text: str) -> str:
    """A one-line value: blanks (line ends too) as one space, none at either end."""
    return " ".join(text.split())


def _text(text: str | None) -> str | None:
    """A free text as both formats hold it (None when empty)."""
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("</text>", "&lt;/text&gt;")
    return text.strip() or None


def _actor_name(text: str) -> str:
    # an actor is "Type: name (email)": parentheses would be read as an email
    return _line(text.replace("(", "[").replace(")", "]"))


@lru_cache(maxsize=4096)
def _valid_url(url: str) -> bool:
    return (is_url(url) and url.isprintable() and _NO_BLANK.fullmatch(url) is not None
            and _URL.match(url) is not None)


def _license(expression: str | None, ident: str) -> tuple[str, tuple[str, ...]]:
    text, refs, problem = _license_facts(expression)
    if problem:
        raise ExportError(f"SPDX 2.3 document does not validate: dataset {ident!r}: license "
                          f"{expression!r}: {problem}", hint="conclude a license on the SPDX "
                          "list or a LicenseRef- of letters, digits, '.' and '-'")
    return text, refs


@lru_cache(maxsize=4096)
def _license_facts(expression: str | None) -> tuple[str, tuple[str, ...], str | None]:
    """(the expression as written, its ``LicenseRef-`` ids, why 2.3 cannot hold it or None),
    read with the register's licensing once per distinct expression."""
    from register.licenses.expressions import spdx_licensing

    if not expression or expression.strip().upper() == "NOASSERTION":
        return "NOASSERTION", (), None
    if expression.strip().upper() == "NONE":
        return "NONE", (), None
    from license_expression import ExpressionError, ExpressionParseError

    licensing = spdx_licensing()
    try:
        parsed = licensing.parse(expression)
    except Exception as exc:  # license-expression raises several unrelated types
        return "NOASSERTION", (), str(exc) or "not a license expression"
    if parsed is None:
        return "NOASSERTION", (), None
    text = str(parsed)
    keys = licensing.license_keys(parsed)
    unknown = licensing.validate(text).invalid_symbols
    try:  # as spdx-tools' validator: an exception used as a license and the like
        licensing.parse(text, validate=True, strict=True)
    except ExpressionParseError as exc:
        return text, (), str(exc)
    except ExpressionError:  # unknown ids: told apart below
        pass
    refs = tuple(k for k in keys if k.startswith("LicenseRef-"))
    bad = [s for s in unknown if not str(s).startswith("LicenseRef-")] + [
        r for r in refs if not _LICENSE_REF.fullmatch(r)]
    if bad:
        return text, refs, f"{', '.join(map(str, bad))}: not on the SPDX list nor a LicenseRef-"
    return text, refs, None


def _ref(text: str) -> str:
    return _REF_CHARS.sub("-", text)[:80] or "register"


def extracted_text(key: str) -> tuple[str, str]:
    """(extracted text, license name) of the ``ExtractedLicensingInfo`` of ``key``."""
    name = key[len("LicenseRef-"):]
    return (f"The license named {key} (its text is not held by the register: see the dataset "
            "card).", name if _tv_line(name) else key)


def _tv_line(value: str) -> bool:
    """True when tag-value reads ``Tag: value`` back as this value (one line)."""
    return (bool(value) and "\n" not in value and value == value.strip()
            and value not in TV_KEYWORDS and _OTHER_TOKEN.match(value) is None)


def _tv_text(tag: str, value: str) -> str:
    return f"{tag}: {value}\n" if _tv_line(value) else f"{tag}: <text>{value}</text>\n"


def _tv_only_line(tag: str, value: str, what: str) -> str:
    if not _tv_line(value):
        raise ExportError(f"{what} {value!r} cannot be written as a tag-value {tag}",
                          hint="export spdx2-json instead")
    return f"{tag}: {value}\n"


class _JsonSink:
    def __init__(self, out: TextIO, head: DocumentHead) -> None:
        self.out = out
        self.head = head
        self.dumps = json.JSONEncoder(ensure_ascii=False, indent=None,
                                      check_circular=False).encode

    def start(self) -> None:
        h = self.head
        head = self.dumps({
            "SPDXID": "SPDXRef-DOCUMENT",
            "creationInfo": {"created": h.created,
                             "creators": [f"{kind}: {name}" for kind, name in h.creators],
                             "comment": CREATOR_COMMENT},
            "dataLicense": DATA_LICENSE, "name": h.name, "spdxVersion": SPDX_VERSION,
            "documentNamespace": h.namespace})
        self.out.write(head[:-1] + ', "packages": [')

    def package(self, n: int, f: PackageFacts) -> None:
        out: dict[str, Any] = {
            "SPDXID": f"SPDXRef-Dataset-{n}", "name": f.name, "versionInfo": f.version,
            "supplier": f"Organization: {f.supplier}", "downloadLocation": f.download_location,
            "filesAnalyzed": False, "licenseConcluded": f.concluded,
            "licenseDeclared": f.declared, "copyrightText": "NOASSERTION",
        }
        if f.originator is not None:
            out["originator"] = f"Person: {f.originator}"
        for key, value in (("homepage", f.homepage), ("summary", f.summary),
                           ("comment", f.comment)):
            if value is not None:
                out[key] = value
        self.out.write(("," if n > 1 else "") + "\n" + self.dumps(out))

    def finish(self, count: int, refs: list[str]) -> None:
        write = self.out.write
        write('\n], "relationships": [')
        for n in range(1, count + 1):
            write(f'{"," if n > 1 else ""}\n{{"spdxElementId": "SPDXRef-DOCUMENT", '
                  f'"relatedSpdxElement": "SPDXRef-Dataset-{n}", "relationshipType": '
                  '"DESCRIBES"}')
        write("\n]")
        if refs:
            infos = []
            for key in refs:
                text, name = extracted_text(key)
                infos.append(self.dumps({"extractedText": text, "licenseId": key,
                                         "name": name}))
            write(', "hasExtractedLicensingInfos": [' + ",\n".join(infos) + "]")
        write("}\n")


class _TagValueSink:
    """The sections and order of spdx-tools' ``tagvalue_writer.write_document``."""

    def __init__(self, out: TextIO, head: DocumentHead) -> None:
        self.out = out
        self.head = head

    def start(self) -> None:
        h = self.head
        self.out.write(
            f"## Document Information\nSPDXVersion: {SPDX_VERSION}\nDataLicense: {DATA_LICENSE}\n"
            "SPDXID: SPDXRef-DOCUMENT\n"
            + _tv_only_line("DocumentName", h.name, "the corpus name")
            + f"DocumentNamespace: {h.namespace}\n\n## Creation Information\n"
            + "".join(f"Creator: {kind}: {name}\n" for kind, name in h.creators)
            + f"Created: {h.created}\n" + _tv_text("CreatorComment", CREATOR_COMMENT) + "\n")

    def package(self, n: int, f: PackageFacts) -> None:
        parts = ["## Package Information\n",
                 _tv_only_line("PackageName", f.name, "dataset id"),
                 f"SPDXID: SPDXRef-Dataset-{n}\n",
                 _tv_only_line("PackageVersion", f.version, f"the version of {f.name!r}"),
                 f"PackageSupplier: Organization: {f.supplier}\n"]
        if f.originator is not None:
            parts.append(f"PackageOriginator: Person: {f.originator}\n")
        parts.append(f"PackageDownloadLocation: {f.download_location}\nFilesAnalyzed: false\n")
        if f.homepage is not None:
            parts.append(f"PackageHomePage: {f.homepage}\n")
        parts.append(f"PackageLicenseConcluded: {f.concluded}\nPackageLicenseDeclared: "
                     f"{f.declared}\nPackageCopyrightText: NOASSERTION\n")
        if f.summary is not None:
            parts.append(_tv_text("PackageSummary", f.summary))
        if f.comment is not None:
            parts.append(_tv_text("PackageComment", f.comment))
        parts.append("\n")
        self.out.write("".join(parts))

    def finish(self, count: int, refs: list[str]) -> None:
        write = self.out.write
        if refs:
            write("## License Information\n")
            for key in refs:
                text, name = extracted_text(key)
                write(f"LicenseID: {key}\n" + _tv_text("ExtractedText", text)
                      + f"LicenseName: {name}\n\n")
        if count:
            write("## Relationships\n")
        for n in range(1, count + 1):
            write(f"Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-Dataset-{n}\n")
        write("\n")


def _write(reg: Register, path: Path, scope: ExportScope, report: ExportReport,
           kind: str) -> None:
    from register.exports.spdx import iter_rows_with_metadata

    head = document_head(scope)
    refs: dict[str, None] = {}
    try:
        with path.open("w", encoding="utf-8") as out:
            sink = _JsonSink(out, head) if kind == "json" else _TagValueSink(out, head)
            sink.start()
            n = 0
            for n, (row, more) in enumerate(iter_rows_with_metadata(reg, scope), start=1):
                facts = package_facts(row, more.get("metadata") or {})
                sink.package(n, facts)
                refs.update(dict.fromkeys(facts.license_refs))
            sink.finish(n, sorted(refs))
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
