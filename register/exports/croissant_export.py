"""Croissant 1.0 JSON-LD: ``register export croissant OUT``.

A Croissant file describes one dataset, so:

* with one dataset in scope (``--corpus`` of one dataset, or a register of one), ``OUT`` is one
  Croissant ``sc:Dataset`` object, the file ``mlcroissant`` and the Hub read;
* with several, ``OUT`` is a JSON array of such objects, each a complete Croissant document
  (its own ``@context``): split it with ``jq -c '.[]'`` or take one with ``jq '.[0]'``.

Mapping (``tests/exports/test_croissant.py`` loads each object with
``mlcroissant.Dataset(jsonld=...)``, offline, and imports it back with
``register import croissant``):

====================  ==========================================================================
Croissant             register
====================  ==========================================================================
``name``              the dataset id
``alternateName``     the pretty name
``description``       the card's description (its first paragraph), else the pretty name
``license``           the SPDX license page of each license in the effective expression
                      (``https://spdx.org/licenses/<id>.html``), or the ``LicenseRef-`` text
``url``               the Hub page (at the revision when known)
``version``           the Hub revision (else the register's version number)
``citeAs``            the card's citation (BibTeX, from its Citation section) when it has one
``creator``           the card's authors (``sc:Person``), else the Hub namespace
                      (``sc:Organization``, who publishes it on the Hub)
``sameAs``            the card's homepage
``datePublished``     the card's date when it has one (never invented: a Hub card has none)
``distribution``      the card (``cr:FileObject`` README.md, text/markdown, its sha256), and the
                      card's distribution files that have a sha256
``conformsTo``        ``http://mlcommons.org/croissant/1.0``
====================  ==========================================================================
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from register.exports import ExportReport, ExportScope, RegisterRow, iter_register_rows
from register.render.links import HUB, hub_file_url, hub_url, is_url

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["CROISSANT_CONTEXT", "croissant_dataset", "write_croissant"]

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
#: The context of the Croissant 1.0 specification's examples.
CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs", "column": "cr:column", "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract",
    "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "equivalentProperty": "cr:equivalentProperty", "fileSet": "cr:fileSet",
    "format": "cr:format", "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath", "key": "cr:key",
    "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "sc": "https://schema.org/",
    "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField",
    "transform": "cr:transform",
}
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def _license_values(expression: str | None) -> list[str]:
    if not expression or expression.upper() == "NOASSERTION":
        return []
    from register.licenses.expressions import license_keys

    out: list[str] = []
    for token in license_keys(expression):  # license-expression's parse, canonical ids
        if token.startswith("LicenseRef-"):
            value = token
        else:
            value = f"https://spdx.org/licenses/{token}.html"
        if value not in out:
            out.append(value)
    return out


def _description(metadata: dict[str, Any], fallback: str) -> str:
    for key in ("description", "summary"):
        value = metadata.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().split("\n\n", 1)[0][:2000]
    return fallback


def croissant_dataset(row: RegisterRow, metadata: dict[str, Any]) -> dict[str, Any]:
    """The Croissant 1.0 JSON-LD object of one register row (``metadata``: the card's)."""
    ident = row["id"]
    revision = row["revision"]
    pretty = row["pretty_name"] or metadata.get("pretty_name")
    doc: dict[str, Any] = {
        "@context": copy.deepcopy(CROISSANT_CONTEXT), "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": ident,
        "description": _description(metadata, str(pretty or f"The dataset {ident}.")),
        "url": hub_url(ident, source=row["source"], revision=revision),
        "version": revision or str(row["version"]),
    }
    if pretty:
        doc["alternateName"] = str(pretty)
    licenses = _license_values(row["effective_license"])
    if licenses:
        doc["license"] = licenses[0] if len(licenses) == 1 else licenses
    attribution = metadata.get("attribution")
    credit: dict[str, Any] = attribution if isinstance(attribution, dict) else {}
    citation = credit.get("citation") or metadata.get("citation")
    if isinstance(citation, str) and citation.strip():
        doc["citeAs"] = citation.strip()
    authors = [a for a in credit.get("authors") or [] if isinstance(a, str) and a.strip()]
    if authors:
        doc["creator"] = [{"@type": "sc:Person", "name": a.strip()} for a in authors]
    elif "/" in ident:
        namespace = ident.split("/", 1)[0]
        doc["creator"] = {"@type": "sc:Organization", "name": namespace,
                          "url": f"{HUB}/{quote(namespace)}"}
    homepage = credit.get("homepage")
    if isinstance(homepage, str) and is_url(homepage):
        doc["sameAs"] = homepage
    published = metadata.get("datePublished") or metadata.get("date")
    if isinstance(published, str) and published.strip():
        doc["datePublished"] = published.strip()
    files: list[dict[str, Any]] = []
    sha = row["card_sha256"]
    if isinstance(sha, str) and _SHA256.match(sha):
        files.append({"@type": "cr:FileObject", "@id": "README.md", "name": "README.md",
                      "description": "the dataset card", "contentUrl": hub_file_url(
                          ident, "README.md", revision=revision, view="resolve"),
                      "encodingFormat": "text/markdown", "sha256": sha.lower()})
    for n, item in enumerate(metadata.get("distribution") or [], start=1):
        if not isinstance(item, dict) or not _SHA256.match(str(item.get("sha256") or "")):
            continue
        url = item.get("content_url")  # as the Croissant import stores it
        if not isinstance(url, str) or not is_url(url):
            continue
        name = str(item.get("name") or f"file-{n}")
        if any(f["@id"] == name for f in files):
            name = f"{name}-{n}"
        files.append({"@type": "cr:FileObject", "@id": name, "name": name, "contentUrl": url,
                      "encodingFormat": str(item.get("encoding_format")
                                            or "application/octet-stream"),
                      "sha256": str(item["sha256"]).lower()})
    if files:
        doc["distribution"] = files
    return doc


def write_croissant(reg: Register, path: Path, scope: ExportScope,
                    report: ExportReport) -> None:
    from register.exports.cyclonedx import batches
    from register.exports.spdx import card_metadata

    with path.open("w", encoding="utf-8") as fh:
        first: str | None = None  # held back until a second dataset makes the file an array
        for batch in batches(iter_register_rows(reg, scope.ids), 500):
            extra = card_metadata(reg, [r["id"] for r in batch])
            for row in batch:
                doc = croissant_dataset(row, extra.get(row["id"], {}).get("metadata") or {})
                text = json.dumps(doc, indent=2, ensure_ascii=False)
                report.rows += 1
                if report.rows == 1:
                    first = text
                elif report.rows == 2:
                    fh.write(f"[\n{first},\n{text}")
                else:
                    fh.write(",\n" + text)
        if report.rows == 1:
            fh.write(f"{first}\n")
        elif report.rows > 1:
            fh.write("\n]\n")
        else:
            fh.write("[]\n")
            report.warn("no datasets to export: the Croissant file is an empty array")
