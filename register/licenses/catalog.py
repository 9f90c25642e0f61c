"""The license knowledge base: terms of data, AI and software licenses, as data files.

Each license is one YAML file in a licenses directory (the project's ``licenses/``, shipped
inside the wheel as ``register/_licenses``).  Users add their own licenses (contracts, data
use agreements) as files of the same shape in a directory they point to with
``$REGISTER_LICENSES_DIR`` or ``KnowledgeBase.load(extra_dirs=[...])``.

File shape (see ``licenses/README.md`` for the full description)::

    id: CC-BY-SA-4.0                # SPDX id, LicenseRef-scancode-*, or LicenseRef-*
    name: Creative Commons Attribution-ShareAlike 4.0 International
    family: creative-commons
    terms:
      commercial_use: true
      attribution: true
      notice: false                 # Apache-style NOTICE file must be passed on
      license_text: false           # a copy of the license must accompany the material
      share_alike: service          # none | distribution | service
      share_alike_compatible: [GPL-3.0-only]   # one-way: SA material may go out under these
      no_derivatives: false
      research_only: false
      use_restrictions: false       # use-based restrictions that flow down (OpenRAIL, AUPs)
      training_restriction: false   # may not be used to train/improve other models
      redistribution_prohibited: false
      results_carveout: false       # trained models / outputs are free "Results"
      extra_obligations: []         # naming, user-threshold
    sources:
      - {url: https://..., version: "4.0", reviewed: 2026-11-27}
    aliases: {hub_ids: [...], names: [...], urls: [...]}
    notes: free text
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from typing_extensions import TypedDict

from register.errors import LicenseDataError
from register.safe_yaml import load_yaml_file

SHARE_ALIKE_SCOPES = ("none", "distribution", "service")
# Data files in a licenses directory that are not license entries (the normalizer's tables,
# the provenance manifest).
NON_LICENSE_FILES = frozenset({"aliases.yaml", "MANIFEST.yaml"})
EXTRA_OBLIGATION_KINDS = ("naming", "user-threshold")
#: A knowledge-base file (one license, or the alias table) larger than this is refused.
MAX_LICENSE_BYTES = 1024 * 1024


ShareAlikeScope = Literal["none", "distribution", "service"]
ExtraObligation = Literal["naming", "user-threshold"]


class LicenseSourceJSON(TypedDict):
    url: str
    version: str | None
    reviewed: str | None


class TermsJSON(TypedDict):
    commercial_use: bool
    attribution: bool
    notice: bool
    license_text: bool
    share_alike: ShareAlikeScope
    share_alike_compatible: list[str]
    no_derivatives: bool
    research_only: bool
    use_restrictions: bool
    training_restriction: bool
    redistribution_prohibited: bool
    results_carveout: bool
    extra_obligations: list[ExtraObligation]


class AliasesJSON(TypedDict):
    hub_ids: list[str]
    names: list[str]
    urls: list[str]


class LicenseTermsJSON(TypedDict):
    """One knowledge-base entry (``register license show --format json``)."""

    id: str
    name: str
    family: str
    terms: TermsJSON
    sources: list[LicenseSourceJSON]
    aliases: AliasesJSON
    notes: str
    needs_review: bool
    origin: str


@dataclass(frozen=True)
class LicenseSource:
    url: str
    version: str | None = None
    reviewed: str | None = None


@dataclass(frozen=True)
class LicenseTerms:
    """What a license permits and requires, in the vocabulary of SPEC section 4."""

    id: str
    name: str
    family: str = ""
    commercial_use: bool = True
    attribution: bool = False
    notice: bool = False
    license_text: bool = False
    share_alike: str = "none"
    share_alike_compatible: tuple[str, ...] = ()
    no_derivatives: bool = False
    research_only: bool = False
    use_restrictions: bool = False
    training_restriction: bool = False
    redistribution_prohibited: bool = False
    results_carveout: bool = False
    extra_obligations: tuple[str, ...] = ()
    sources: tuple[LicenseSource, ...] = ()
    hub_ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    notes: str = ""
    origin: str = ""  # the file the terms were read from
    # True for entries that only name a family (Hub ids ``bsd``, ``gpl``, ``cc``...): the
    # normalizer maps them here but always asks a human to conclude the actual license.
    needs_review: bool = False

    @property
    def is_share_alike(self) -> bool:
        return self.share_alike != "none"

    def to_dict(self) -> LicenseTermsJSON:
        return {
            "id": self.id,
            "name": self.name,
            "family": self.family,
            "terms": {
                "commercial_use": self.commercial_use,
                "attribution": self.attribution,
                "notice": self.notice,
                "license_text": self.license_text,
                "share_alike": cast(ShareAlikeScope, self.share_alike),
                "share_alike_compatible": list(self.share_alike_compatible),
                "no_derivatives": self.no_derivatives,
                "research_only": self.research_only,
                "use_restrictions": self.use_restrictions,
                "training_restriction": self.training_restriction,
                "redistribution_prohibited": self.redistribution_prohibited,
                "results_carveout": self.results_carveout,
                "extra_obligations": cast("list[ExtraObligation]",
                                          list(self.extra_obligations)),
            },
            "sources": [
                {"url": s.url, "version": s.version, "reviewed": s.reviewed} for s in self.sources
            ],
            "aliases": {
                "hub_ids": list(self.hub_ids),
                "names": list(self.names),
                "urls": list(self.urls),
            },
            "notes": self.notes,
            "needs_review": self.needs_review,
            "origin": self.origin,
        }


_BOOL_TERMS = (
    "commercial_use", "attribution", "notice", "license_text", "no_derivatives",
    "research_only", "use_restrictions", "training_restriction",
    "redistribution_prohibited", "results_carveout",
)


def _terms_from_mapping(data: Any, origin: str) -> LicenseTerms:
    if not isinstance(data, dict):
        raise LicenseDataError(f"{origin}: a license file must be a YAML mapping")
    lic_id = data.get("id")
    if not isinstance(lic_id, str) or not lic_id.strip():
        raise LicenseDataError(f"{origin}: field 'id' is required")
    terms = data.get("terms") or {}
    if not isinstance(terms, dict):
        raise LicenseDataError(f"{origin}: field 'terms' must be a mapping")
    kwargs: dict[str, Any] = {}
    for key in _BOOL_TERMS:
        if key in terms:
            value = terms[key]
            if not isinstance(value, bool):
                raise LicenseDataError(f"{origin}: terms.{key} must be true or false")
            kwargs[key] = value
    scope = terms.get("share_alike", "none")
    if scope not in SHARE_ALIKE_SCOPES:
        raise LicenseDataError(
            f"{origin}: terms.share_alike must be one of {', '.join(SHARE_ALIKE_SCOPES)}"
        )
    extra = tuple(terms.get("extra_obligations") or ())
    for kind in extra:
        if kind not in EXTRA_OBLIGATION_KINDS:
            raise LicenseDataError(f"{origin}: unknown extra obligation {kind!r}")
    sources = []
    for src in data.get("sources") or ():
        if not isinstance(src, dict) or "url" not in src:
            raise LicenseDataError(f"{origin}: each source needs a 'url'")
        sources.append(
            LicenseSource(
                url=str(src["url"]),
                version=None if src.get("version") is None else str(src["version"]),
                reviewed=None if src.get("reviewed") is None else str(src["reviewed"]),
            )
        )
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict):
        raise LicenseDataError(f"{origin}: field 'aliases' must be a mapping")
    review = data.get("needs_review", False)
    if not isinstance(review, bool):
        raise LicenseDataError(f"{origin}: needs_review must be true or false")
    return LicenseTerms(
        id=lic_id.strip(),
        name=str(data.get("name") or lic_id),
        family=str(data.get("family") or ""),
        share_alike=scope,
        share_alike_compatible=tuple(terms.get("share_alike_compatible") or ()),
        extra_obligations=extra,
        sources=tuple(sources),
        hub_ids=tuple(str(x) for x in aliases.get("hub_ids") or ()),
        names=tuple(str(x) for x in aliases.get("names") or ()),
        urls=tuple(str(x) for x in aliases.get("urls") or ()),
        notes=str(data.get("notes") or ""),
        origin=origin,
        needs_review=review,
        **kwargs,
    )


def builtin_dir() -> Path:
    """The licenses directory shipped with the package (or the source checkout's)."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_licenses"
    if packaged.is_dir():
        return packaged
    return package.parent / "licenses"


def license_file_names(directory: Path) -> list[str]:
    """The license files of a licenses directory, by name, sorted: its ``*.yaml`` files
    (not hidden) but :data:`NON_LICENSE_FILES`.  What :meth:`KnowledgeBase.load` reads, and
    (the built-in directory's, each named after its id) the ids
    :func:`register.licenses.expressions.single_key` knows without loading the knowledge
    base.  A directory that cannot be listed lists nothing."""
    try:
        with os.scandir(directory) as entries:
            return sorted(e.name for e in entries if e.name.endswith(".yaml")
                          and not e.name.startswith(".") and e.name not in NON_LICENSE_FILES)
    except OSError:
        return []


def _read_terms(path: Path) -> LicenseTerms:
    data = load_yaml_file(path, error=LicenseDataError, max_bytes=MAX_LICENSE_BYTES,
                          aliases=True)
    return _terms_from_mapping(data, str(path))


class KnowledgeBase:
    """Terms per license id; lookups are case-insensitive on the id.

    The built-in directory is read lazily: each of its files is named after the id it holds
    (a test pins that), so a lookup reads only that file; iterating, ``len`` or a file that
    holds another id read them all.  Other directories are read when the knowledge base is
    loaded, and override built-in entries of the same id."""

    def __init__(self, licenses: Iterable[LicenseTerms],
                 lazy: Iterable[Path] = ()) -> None:
        self._by_key: dict[str, LicenseTerms] = {}
        for terms in licenses:
            self._by_key[terms.id.lower()] = terms
        # files not yet read, by the lower-case id they are named after (loaded entries win)
        self._pending: dict[str, Path] = {}
        for path in lazy:
            key = path.name[:-5].lower()
            if key not in self._by_key:
                self._pending[key] = path

    @classmethod
    def load(
        cls, directory: Path | None = None, extra_dirs: Iterable[Path] = ()
    ) -> KnowledgeBase:
        dirs = [directory or builtin_dir(), *extra_dirs]
        env = os.environ.get("REGISTER_LICENSES_DIR")
        if env:
            dirs.extend(Path(p) for p in env.split(os.pathsep) if p)
        builtin = builtin_dir() if directory is None else None
        lazy: list[Path] = []
        items: list[LicenseTerms] = []
        for d in dirs:
            if not d.is_dir():
                raise LicenseDataError(f"{d}: licenses directory not found")
            for name in license_file_names(d):
                path = d / name
                if d == builtin:
                    lazy.append(path)
                else:
                    items.append(_read_terms(path))
        return cls(items, lazy)

    def _read_pending(self, key: str) -> LicenseTerms | None:
        path = self._pending.pop(key)
        terms = _read_terms(path)
        if terms.id.lower() != key:  # not named after its id: read as the eager load would
            self._pending[key] = path
            self._read_all()
            return self._by_key.get(key)
        self._by_key[key] = terms
        return terms

    def _read_all(self) -> None:
        pending, self._pending = self._pending, {}
        for path in pending.values():
            terms = _read_terms(path)
            self._by_key.setdefault(terms.id.lower(), terms)

    def get(self, license_id: str) -> LicenseTerms | None:
        key = license_id.lower()
        hit = self._by_key.get(key)
        if hit is None and key in self._pending:
            return self._read_pending(key)
        return hit

    def __contains__(self, license_id: object) -> bool:
        return isinstance(license_id, str) and self.get(license_id) is not None

    def __iter__(self):  # type: ignore[no-untyped-def]
        self._read_all()
        return iter(sorted(self._by_key.values(), key=lambda t: t.id.lower()))

    def __len__(self) -> int:
        self._read_all()
        return len(self._by_key)


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """The built-in knowledge base plus ``$REGISTER_LICENSES_DIR``, loaded once."""
    return KnowledgeBase.load()
