"""Reading Croissant (MLCommons) JSON-LD metadata into a :class:`register.cards.files.CardDocument`.

``register import croissant FILE`` ingests a ``croissant.json`` as a dataset of the register.
Plain JSON-LD handling (``mlcroissant`` is not needed): keys are expanded with the file's
``@context`` prefixes, so ``name``, ``sc:name``, ``schema:name`` and
``http(s)://schema.org/name`` are the same property, and ``rai:*`` keys are matched on the RAI
vocabulary IRI (``http://mlcommons.org/croissant/RAI/``).

What is read (Croissant 1.0/1.1, RAI 1.0):

=====================================  ===================================================
Croissant                              register
=====================================  ===================================================
``url`` (Hub ``/datasets/ORG/NAME``)   dataset id ``ORG/NAME``; otherwise a slug of ``name``
``name``                               ``pretty_name`` (metadata)
``url``                                source (else the file path)
``version``                            revision
``license`` (URL, text, CreativeWork,  ``raw_license["license"]`` (URL or name strings, a
a list of them)                        list when several) -- normalized like a card's Hub
                                       ids (several licenses become AND, needing no choice
                                       that Croissant cannot express); the value as written
                                       is kept in ``raw_license["croissant_license"]``
``distribution[].sha256`` / ``md5``    ``metadata["distribution"]`` (name, contentUrl,
                                       encodingFormat, sha256)
``description``, ``datePublished``,    metadata (description cut to 2,000 characters)
``creator``, ``keywords``,
``conformsTo``, ``citeAs``
``rai:*`` (every RAI property)         ``metadata["rai"]`` verbatim
``rai:personalSensitiveInformation``   rights suggestion ``personal_data`` (``yes``, or
                                       ``no`` when the text denies it) and ``sensitive``
                                       categories named in it (unconfirmed, with evidence)
``rai:dataCollection`` / consent words rights suggestion ``consent_required``
=====================================  ===================================================

``card_sha256`` is the sha256 of the file bytes: re-importing an unchanged file changes
nothing; a changed file makes a new version.  Errors are :class:`register.errors.CardError`
naming the file.  A license given twice with different values (a repeated ``license`` key,
or ``license`` beside ``sc:license``) is such an error, as in YAML cards; another repeated
key is a warning (the last value is used, as JSON readers do).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from register.cards.files import CardDocument, read_limited, validate_dataset_id
from register.check.facts import SENSITIVE_CATEGORIES
from register.errors import CardError

__all__ = ["MAX_CROISSANT_BYTES", "read_croissant", "parse_croissant"]

MAX_CROISSANT_BYTES = 16 * 1024 * 1024
SCHEMA = "https://schema.org/"
RAI = "http://mlcommons.org/croissant/RAI/"
_DEFAULT_PREFIXES = {
    "sc": SCHEMA, "schema": SCHEMA, "rai": RAI, "cr": "http://mlcommons.org/croissant/",
    "dct": "http://purl.org/dc/terms/",
}
_HUB_URL = re.compile(r"^https?://(?:www\.)?huggingface\.co/datasets/([^/?#]+(?:/[^/?#]+)?)/?$")
_DENIAL = re.compile(
    r"^\s*(none|no|n/?a)\b|\b(does not|doesn't|do not|did not|no)\s+(contain|include|hold|"
    r"personal|pii|sensitive)|\bfree of\b|\bnot contain", re.IGNORECASE)
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_CONSENT = re.compile(r"\bconsent\w*\b", re.IGNORECASE)
_SENSITIVE_WORDS: dict[str, tuple[str, ...]] = {
    "biometric": ("biometric", "face", "faces", "fingerprint", "voice", "voices"),
    "health": ("health", "medical", "patient", "clinical", "diagnos"),
    "genetic": ("genetic", "genome", "dna"),
    "racial-ethnic": ("racial", "ethnic", "race"),
    "political": ("political",),
    "religious": ("religio",),
    "trade-union": ("trade union", "trade-union"),
    "sex-life": ("sexual", "sex life", "sex-life"),
    "criminal": ("criminal", "conviction"),
    "children": ("children", "minors", "child"),
    "location": ("location", "gps", "geolocation"),
    "confidential-business": ("confidential", "trade secret"),
}
assert set(_SENSITIVE_WORDS) <= set(SENSITIVE_CATEGORIES)


def read_croissant(path: str | Path, dataset_id: str | None = None) -> CardDocument:
    """Read a Croissant ``.json`` / ``.jsonld`` file into a card document (``dataset_id``
    overrides the id derived from the metadata)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_CROISSANT_BYTES:
            raise CardError(str(p), f"Croissant file is {size:,} bytes, over the "
                                    f"{MAX_CROISSANT_BYTES // 2**20} MB limit")
    except FileNotFoundError:
        raise CardError(str(p), "no such file") from None
    except OSError as exc:
        raise CardError(str(p), f"cannot read ({exc.strerror or exc})") from None
    if p.is_dir():
        raise CardError(str(p), "is a directory, not a Croissant file")
    # a regular file only (a FIFO is never opened: it would block), read non-blocking
    data = read_limited(p, MAX_CROISSANT_BYTES, "Croissant file")
    return parse_croissant(data, where=str(p.resolve()), dataset_id=dataset_id)


def parse_croissant(data: bytes, *, where: str, dataset_id: str | None = None) -> CardDocument:
    """Parse Croissant JSON-LD bytes (``where`` names the file in errors and as source).
    JSON nested deeper than Python can follow is a one-line error, never a crash."""
    try:
        return _parse_croissant(data, where=where, dataset_id=dataset_id)
    except RecursionError:
        raise CardError(where, "JSON nested too deeply; refused") from None


def _parse_croissant(data: bytes, *, where: str, dataset_id: str | None) -> CardDocument:
    duplicates: list[tuple[str, Any, Any]] = []
    try:
        doc = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_recording(duplicates))
    except UnicodeDecodeError:
        raise CardError(where, "not UTF-8 text") from None
    except ValueError as exc:
        raise CardError(where, f"not valid JSON ({exc})") from None
    if isinstance(doc, dict) and isinstance(doc.get("@graph"), list):
        datasets = [n for n in doc["@graph"] if isinstance(n, dict) and _is_dataset(n)]
        if not datasets:
            raise CardError(where, "the JSON-LD graph holds no schema.org Dataset")
        node = {"@context": doc.get("@context"), **datasets[0]}
    elif isinstance(doc, dict):
        node = doc
    else:
        raise CardError(where, "a Croissant file must be a JSON object")
    warnings: list[str] = []
    for key, first, second in duplicates:
        if _local_name(key) == "license" and first != second:
            raise CardError(where, f"license key '{key}' is given twice with different values")
        warnings.append(f"duplicate key '{key}'; the last value is used")
    prefixes = _prefixes(node.get("@context"))
    clashes: list[tuple[str, str]] = []
    props = _expand(node, prefixes, clashes)
    for key, iri in clashes:
        if iri == SCHEMA + "license":
            raise CardError(where, f"the license is given twice with different values "
                                   f"('{key}' and another key for {iri})")
        warnings.append(f"'{key}' repeats {iri} with another value; the first value is used")
    if not _is_dataset(node) and "@type" in node:
        warnings.append(f"@type is {node.get('@type')!r}, not sc:Dataset; read anyway")

    name = _text(props.get(SCHEMA + "name"))
    url = _text(props.get(SCHEMA + "url"))
    version = _text(props.get(SCHEMA + "version"))
    if not name and not url:
        raise CardError(where, "the Croissant file has neither a name nor a url")

    ident = dataset_id or _dataset_id(url, name)
    validate_dataset_id(ident, path=where)

    licenses, verbatim = _licenses(props.get(SCHEMA + "license"))
    raw_license: dict[str, Any] = {
        "license": licenses[0] if len(licenses) == 1 else licenses,
        "croissant_license": verbatim,
        "infos_license": [],
        "license_section": None,
    }
    if not licenses:
        warnings.append("no license in the Croissant metadata")

    metadata: dict[str, Any] = {"format": "croissant"}
    if name:
        metadata["pretty_name"] = name
    description = _text(props.get(SCHEMA + "description"))
    if description:
        metadata["description"] = description[:2000]
    for key, iri in (("date_published", SCHEMA + "datePublished"),
                     ("cite_as", "http://mlcommons.org/croissant/citeAs"),
                     ("conforms_to", "http://purl.org/dc/terms/conformsTo"),
                     ("url", SCHEMA + "url"), ("version", SCHEMA + "version")):
        value = _text(props.get(iri))
        if value:
            metadata[key] = value
    creators = [_text(c) for c in _as_list(props.get(SCHEMA + "creator"))]
    if any(creators):
        metadata["creators"] = [c for c in creators if c]
    keywords = [_text(k) for k in _as_list(props.get(SCHEMA + "keywords"))]
    if any(keywords):
        metadata["tags"] = [k for k in keywords if k]
    distribution = []
    for item in _as_list(props.get(SCHEMA + "distribution")):
        if not isinstance(item, dict):
            continue
        d = _expand(item, prefixes)
        entry = {k: _text(d.get(SCHEMA + v)) for k, v in (
            ("name", "name"), ("content_url", "contentUrl"),
            ("encoding_format", "encodingFormat"), ("sha256", "sha256"), ("md5", "md5"))}
        if entry.get("sha256") and not _SHA256.match(entry["sha256"] or ""):
            entry["sha256_not_a_digest"] = entry.pop("sha256")
        entry = {k: v for k, v in entry.items() if v}
        if entry:
            distribution.append(entry)
    if distribution:
        metadata["distribution"] = distribution
    rai = {k[len(RAI):]: v for k, v in props.items() if k.startswith(RAI)}
    if rai:
        metadata["rai"] = rai

    return CardDocument(
        dataset_id=ident, source=url or where, revision=version,
        card_sha256=hashlib.sha256(data).hexdigest(), raw_license=raw_license,
        metadata=metadata, rights_suggestions=_suggestions(rai), warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------- JSON-LD bits


def _prefixes(context: Any) -> dict[str, str]:
    out = dict(_DEFAULT_PREFIXES)
    compact: dict[str, str] = {}
    for ctx in _as_list(context):
        if isinstance(ctx, dict):
            for key, value in ctx.items():
                target = value.get("@id") if isinstance(value, dict) else value
                if not isinstance(target, str) or key.startswith("@"):
                    continue
                if target.startswith(("http://", "https://")):
                    out[key] = target
                elif ":" in target:
                    compact[key] = target  # a term mapped to a compact IRI (cr:citeAs)
    for key, target in compact.items():
        prefix, _, rest = target.partition(":")
        if prefix in out:
            out[key] = out[prefix] + rest
    return out


def _canonical(iri: str) -> str:
    if iri.startswith("http://schema.org/"):
        return SCHEMA + iri[len("http://schema.org/"):]
    return iri


def _recording(duplicates: list[tuple[str, Any, Any]]) -> Any:
    """A ``json`` object hook that keeps the last value of a repeated key, like ``json``
    does, and records (key, earlier value, later value) for the caller to judge."""
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                duplicates.append((key, out[key], value))
            out[key] = value
        return out

    return hook


def _local_name(key: str) -> str:
    return key.rsplit("/", 1)[-1].rsplit(":", 1)[-1].rsplit("#", 1)[-1]


def _expand(node: dict[str, Any], prefixes: dict[str, str],
            clashes: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Keys as full IRIs (terms and ``prefix:name`` resolved; unknown terms -> schema.org).
    Two keys naming the same IRI keep the first value; with different values, the later key
    and the IRI are appended to ``clashes``."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("@"):
            continue
        if key.startswith(("http://", "https://")):
            iri = key
        elif ":" in key:
            prefix, _, rest = key.partition(":")
            iri = prefixes.get(prefix, prefix + ":") + rest
        elif key in prefixes and prefixes[key] != SCHEMA:
            iri = prefixes[key]  # a term mapped to a full IRI by the context
        else:
            iri = SCHEMA + key
        iri = _canonical(iri)
        if clashes is not None and iri in out and out[iri] != value:
            clashes.append((key, iri))
        out.setdefault(iri, value)
    return out


def _is_dataset(node: dict[str, Any]) -> bool:
    types = [str(t) for t in _as_list(node.get("@type"))]
    return any(t.rsplit("/", 1)[-1].rsplit(":", 1)[-1] == "Dataset" for t in types)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        parts = [t for t in (_text(v) for v in value) if t]
        return "; ".join(parts) if parts else None
    if isinstance(value, dict):
        for key in ("@value", "@id", "name", "sc:name", "url", "sc:url"):
            if key in value:
                return _text(value[key])
        return None
    text = str(value).strip()
    return text or None


def _licenses(value: Any) -> tuple[list[str], Any]:
    """License strings (URL or name) from a Croissant ``license`` value, and the value."""
    out: list[str] = []
    for item in _as_list(value):
        if isinstance(item, dict):  # a CreativeWork: its url, else its name
            text = None
            for key in ("url", "sc:url", "schema:url", "@id", "name", "sc:name", "schema:name"):
                if item.get(key):
                    text = _text(item[key])
                    break
        else:
            text = _text(item)
        if text and text not in out:
            out.append(text)
    return out, value


def _dataset_id(url: str | None, name: str | None) -> str:
    if url:
        m = _HUB_URL.match(url)
        if m:
            return m.group(1)
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", (name or url or "")).strip("-.").lower()
    return slug[:200] or "croissant-dataset"


def _evidence(key: str, texts: list[str]) -> list[dict[str, str]]:
    return [{"source": f"Croissant rai:{key}", "text": t[:300]} for t in texts]


def _suggestions(rai: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pii = [t for t in (_text(v) for v in _as_list(rai.get("personalSensitiveInformation")))
           if t]
    if pii:
        positive = [t for t in pii if not _DENIAL.search(t)]
        denied = [t for t in pii if t not in positive]
        if positive:
            out["personal_data"] = {"value": "yes", "confirmed": False,
                                    "evidence": _evidence("personalSensitiveInformation",
                                                          positive)}
        elif denied:
            out["personal_data"] = {"value": "no", "confirmed": False,
                                    "evidence": _evidence("personalSensitiveInformation",
                                                          denied)}
        cats = []
        for cat, words in _SENSITIVE_WORDS.items():
            if any(w in t.lower() for t in positive for w in words):
                cats.append(cat)
        if cats:
            out["sensitive"] = {"value": cats, "confirmed": False,
                                "evidence": _evidence("personalSensitiveInformation", positive)}
    collection = [t for t in (_text(v) for v in _as_list(rai.get("dataCollection"))) if t]
    consent = [t for t in collection if _CONSENT.search(t)]
    if consent:
        out["consent_required"] = {"value": True, "confirmed": False,
                                   "evidence": _evidence("dataCollection", consent)}
    return out
