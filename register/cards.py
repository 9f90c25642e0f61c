"""Hugging Face dataset cards: parse a card (README.md + dataset_infos.json) into a document.

Pure parsing: no database, no network.  :func:`parse_card_file`, :func:`parse_card_dir` and
:func:`parse_card_bytes` return a :class:`CardDocument` or raise :class:`CardError` (never any
other exception); :func:`discover` finds the cards below the paths a user named.

Decisions (documented here because the store and the CLI rely on them):

* ``card_sha256`` is the sha256 of the README bytes; when an infos file is present the hash
  continues over ``b"\\0dataset_infos\\0"`` and the infos bytes, so a changed
  ``dataset_infos.json`` makes a new version.  For a card alone it equals ``sha256sum README.md``.
* Front matter is the YAML between a first line ``---`` and the next line ``---`` (trailing blanks
  allowed, CRLF accepted), as huggingface_hub reads it.  ``---`` directly followed by ``---`` is
  an empty front matter (the Hub regex misses it).  A card without front matter is a record with
  an empty raw license (the normalizer then asks for review) and a warning; empty front matter
  likewise.  A front matter with no closing line is an error, unless the only closing line is
  indented (``  ---``), which is accepted with a warning.
* A UTF-8 byte-order mark is stripped with a warning.  Invalid UTF-8 inside the front matter is
  an error naming the byte offset; invalid bytes in the Markdown body are replaced (U+FFFD) with
  a warning naming the offset, since the license fields are still read exactly.
* Duplicate keys: the last value wins (as PyYAML and the Hub do) with a warning, except when a
  license key (``license``, ``licenses``, ``license_name``, ``license_link``,
  ``license_details``) is repeated with different values: that is an error, because guessing a
  license is the worst thing the register can do.
* Tabs in the front-matter indentation (a YAML error) are read as two spaces with a warning,
  but only when reading them as eight spaces gives the same license fields; otherwise error.
* YAML syntax errors, front matter that is not a mapping, alias-expansion bombs, recursive
  aliases and files over :data:`MAX_CARD_BYTES` are errors.
* ``license_section`` is None when the card has no licensing section or it holds only a
  template placeholder such as ``[More Information Needed]``.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from register.errors import CardError
from register.facts import SENSITIVE_CATEGORIES

__all__ = [
    "CardDocument",
    "FrontMatter",
    "LICENSE_KEYS",
    "MAX_CARD_BYTES",
    "MAX_INFOS_BYTES",
    "discover",
    "parse_card_bytes",
    "parse_card_dir",
    "parse_card_file",
    "read_front_matter",
    "read_limited",
    "to_jsonable",
    "validate_dataset_id",
]

MAX_CARD_BYTES = 5 * 1024 * 1024
MAX_INFOS_BYTES = 64 * 1024 * 1024
MAX_YAML_NODES = 200_000  # expanded nodes allowed when the YAML uses aliases
MAX_ID_LENGTH = 256

LICENSE_KEYS: tuple[str, ...] = (
    "license", "licenses", "license_name", "license_link", "license_details",
)
INFOS_NAMES: tuple[str, ...] = ("dataset_infos.json", "dataset_info.json")
CARD_NAME = "README.md"

METADATA_KEYS: tuple[str, ...] = (
    "pretty_name", "language", "languages", "task_categories", "task_ids", "size_categories",
    "source_datasets", "annotations_creators", "language_creators", "multilinguality",
    "extra_gated_fields", "extra_gated_prompt", "extra_gated_heading", "gated",
    "paperswithcode_id", "tags", "language_details", "viewer",
)

try:  # the C loader is ~10x faster; fall back to the pure-Python one where libyaml is missing
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TAG_CACHE: dict[str, str] = {}  # plain scalar -> resolved tag (a pure function of the text)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that records duplicate mapping keys instead of silently dropping them,
    with a memo on implicit tag resolution (the Python resolver dominates composing)."""

    duplicates: list[tuple[Any, int, Any, Any]]

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            tag = _TAG_CACHE.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_TAG_CACHE) < 50_000 and len(value) < 64:
                    _TAG_CACHE[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):
            self._note_duplicates(node)
        return mapping  # type: ignore[no-any-return]

    def _note_duplicates(self, node: Any) -> None:
        seen: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            if key in seen and key != "<<":
                first = seen[key]
                self.duplicates.append(
                    (key, key_node.start_mark.line + 2, first, value_node)
                )
            seen[key] = value_node


@dataclass(frozen=True)
class CardDocument:
    """One parsed dataset card.  Everything here is JSON-serialisable except the tuple."""

    dataset_id: str
    source: str
    revision: str | None
    card_sha256: str
    raw_license: dict[str, Any]
    metadata: dict[str, Any]
    rights_suggestions: dict[str, Any]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset_id": self.dataset_id,
            "source": self.source,
            "revision": self.revision,
            "card_sha256": self.card_sha256,
            "raw_license": self.raw_license,
            "metadata": self.metadata,
            "rights_suggestions": self.rights_suggestions,
            "warnings": list(self.warnings),
        }


@dataclass
class FrontMatter:
    """The YAML front matter (``data``, as huggingface_hub's ``DatasetCard.data`` holds it)
    and the Markdown body of a card."""

    data: dict[str, Any]
    body: str
    warnings: list[str] = field(default_factory=list)
    found: bool = True


# --------------------------------------------------------------------------- dataset ids

_BAD_ID_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


def validate_dataset_id(dataset_id: str, *, path: str | None = None) -> str:
    """Return ``dataset_id`` when it is safe (relative, no ``..``, no control chars)."""
    where = path or repr(dataset_id)
    if not isinstance(dataset_id, str) or not dataset_id.strip():
        raise CardError(where, "dataset id is empty")
    if len(dataset_id) > MAX_ID_LENGTH:
        raise CardError(where, f"dataset id is longer than {MAX_ID_LENGTH} characters")
    if _BAD_ID_CHARS.search(dataset_id):
        raise CardError(where, f"dataset id {dataset_id!r} contains control characters or '\\'")
    if dataset_id.startswith("/") or re.match(r"^[A-Za-z]:", dataset_id):
        raise CardError(where, f"dataset id {dataset_id!r} is an absolute path")
    parts = dataset_id.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise CardError(where, f"dataset id {dataset_id!r} has an empty, '.' or '..' segment")
    if dataset_id != dataset_id.strip():
        raise CardError(where, f"dataset id {dataset_id!r} has leading or trailing blanks")
    return dataset_id


# --------------------------------------------------------------------------- discovery

def _card_id(path: Path) -> str:
    if path.is_dir() or path.name.lower() == CARD_NAME.lower():
        base = path if path.is_dir() else path.parent
        return base.resolve().name or str(base)
    return path.stem


def discover(paths: Iterable[str | os.PathLike[str]], recursive: bool = False,
             ) -> Iterator[tuple[Path, str]]:
    """Yield ``(card file or dataset directory, dataset id)`` for each card to ingest.

    Without ``recursive`` each path is one dataset: a directory's id is its own name, a
    ``README.md``'s id is its directory's name, any other card file's id is its stem.  With
    ``recursive`` a directory yields every directory below it (itself included) that holds a
    ``README.md``, with the id its path relative to the given directory (``org/name``); the
    given directory itself keeps its own name.  Hidden directories are skipped.  Paths that do
    not exist are yielded as they are so that parsing reports them (the batch goes on).
    Order is deterministic (sorted).  Ids are not validated here; parsing validates them.
    """
    for raw in paths:
        path = Path(raw)
        if not recursive or not path.is_dir():
            yield path, _card_id(path)
            continue
        root_name = _card_id(path)
        for dirpath, rel in _walk(path, ""):
            yield dirpath, rel or root_name


def _walk(directory: Path, rel: str) -> Iterator[tuple[Path, str]]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    subdirs = []
    has_card = False
    for entry in entries:
        if entry.name == CARD_NAME and entry.is_file():
            has_card = True
        elif not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
            subdirs.append(entry.name)
    if has_card:
        yield directory, rel
    for name in subdirs:
        yield from _walk(directory / name, f"{rel}/{name}" if rel else name)


# --------------------------------------------------------------------------- reading files

def read_limited(path: Path, limit: int, what: str) -> bytes:
    """Read ``path`` refusing files over ``limit`` bytes before reading them."""
    try:
        with open(path, "rb", buffering=0) as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise CardError(str(path), f"{what} is {size:,} bytes, over the "
                                           f"{limit // (1024 * 1024)} MB limit")
            # read what fstat announced plus one byte to notice growth (bounded memory)
            data = fh.read((size or limit) + 1)
            if len(data) > size and len(data) <= limit:
                data += fh.read(limit + 1 - len(data))
    except CardError:
        raise
    except IsADirectoryError:
        raise CardError(str(path), f"{what} is a directory") from None
    except FileNotFoundError:
        raise CardError(str(path), "no such file") from None
    except OSError as exc:
        raise CardError(str(path), f"cannot read {what}: {exc.strerror or exc}") from None
    if len(data) > limit:  # grew while we read it
        raise CardError(str(path), f"{what} is over the {limit // (1024 * 1024)} MB limit")
    return data


def parse_card_file(path: str | os.PathLike[str], dataset_id: str, *,
                    infos_path: str | os.PathLike[str] | None = None,
                    source: str | None = None, revision: str | None = None) -> CardDocument:
    """Parse one card file (and optionally its infos file)."""
    path = Path(path)
    validate_dataset_id(dataset_id, path=str(path))
    readme = read_limited(path, MAX_CARD_BYTES, "card")
    infos = None
    infos_name = None
    if infos_path is not None:
        infos = read_limited(Path(infos_path), MAX_INFOS_BYTES, "infos file")
        infos_name = Path(infos_path).name
    return _parse(readme, infos, dataset_id, source or str(path), revision,
                  str(path), infos_name)


def parse_card_dir(directory: str | os.PathLike[str], dataset_id: str, *,
                   source: str | None = None, revision: str | None = None) -> CardDocument:
    """Parse a dataset directory: its README.md plus dataset_infos.json / dataset_info.json."""
    dirname = os.fspath(directory)
    validate_dataset_id(dataset_id, path=dirname)
    card = os.path.join(dirname, CARD_NAME)
    try:
        readme = read_limited(Path(card), MAX_CARD_BYTES, "card")
    except CardError as exc:
        if os.path.isfile(card):
            raise
        if not os.path.exists(dirname):
            raise CardError(dirname, "no such file or directory") from None
        if not os.path.isdir(dirname):
            raise exc from None
        raise CardError(dirname, f"no {CARD_NAME} in this directory",
                        hint="use --recursive to ingest the dataset directories below it"
                        ) from None
    infos = infos_name = None
    for name in INFOS_NAMES:
        infos_file = os.path.join(dirname, name)
        try:
            infos = read_limited(Path(infos_file), MAX_INFOS_BYTES, "infos file")
        except CardError:
            if os.path.exists(infos_file):
                raise
            continue
        infos_name = name
        break
    return _parse(readme, infos, dataset_id, source or dirname, revision, card, infos_name)


def parse_path(path: str | os.PathLike[str], dataset_id: str, *,
               source: str | None = None, revision: str | None = None) -> CardDocument:
    """Parse what :func:`discover` yields: a dataset directory or a card file."""
    p = Path(path)
    if p.is_dir():
        return parse_card_dir(p, dataset_id, source=source, revision=revision)
    return parse_card_file(p, dataset_id, source=source, revision=revision)


def parse_card_bytes(readme: bytes, infos: bytes | None, dataset_id: str, source: str,
                     revision: str | None = None, *, infos_name: str = "dataset_infos.json",
                     ) -> CardDocument:
    """Parse a card given as bytes (used by Hub ingest); ``source`` names it in errors."""
    validate_dataset_id(dataset_id, path=source)
    if len(readme) > MAX_CARD_BYTES:
        raise CardError(source, f"card is {len(readme):,} bytes, over the 5 MB limit")
    if infos is not None and len(infos) > MAX_INFOS_BYTES:
        raise CardError(source, f"infos file is {len(infos):,} bytes, over the limit")
    return _parse(readme, infos, dataset_id, source, revision, source,
                  infos_name if infos is not None else None)


# --------------------------------------------------------------------------- parsing

def card_sha256(readme: bytes, infos: bytes | None) -> str:
    """The card checksum (see the module docstring)."""
    h = hashlib.sha256(readme)
    if infos is not None:
        h.update(b"\0dataset_infos\0")
        h.update(infos)
    return h.hexdigest()


def _parse(readme: bytes, infos: bytes | None, dataset_id: str, source: str,
           revision: str | None, where: str, infos_name: str | None) -> CardDocument:
    fm = read_front_matter(readme, where)
    warnings = list(fm.warnings)
    data = fm.data

    raw: dict[str, Any] = {}
    for key in LICENSE_KEYS:
        if key in data:
            raw[key] = to_jsonable(data[key])
            if isinstance(data[key], dict):
                names = ", ".join(map(str, data[key]))
                warnings.append(f"'{key}' is a per-config mapping ({names})")
    raw["infos_license"] = _infos_licenses(infos, infos_name, warnings) if infos else []
    sections = _sections(fm.body)
    raw["license_section"] = _license_section(sections)

    metadata: dict[str, Any] = {}
    for key in METADATA_KEYS:
        if key in data and data[key] is not None:
            metadata[key] = to_jsonable(data[key])
    configs = _config_names(data)
    if configs:
        metadata["config_names"] = configs

    suggestions = _suggest_rights(data, sections)
    return CardDocument(
        dataset_id=dataset_id,
        source=source,
        revision=revision,
        card_sha256=card_sha256(readme, infos),
        raw_license=raw,
        metadata=metadata,
        rights_suggestions=suggestions,
        warnings=tuple(warnings),
    )


_OPEN = re.compile(r"\A\s*---[ \t]*\r?\n")
_CLOSE = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)
_CLOSE_INDENTED = re.compile(r"^[ \t]+---[ \t]*\r?$", re.MULTILINE)
_LEADING_TABS = re.compile(r"^([ ]*)(\t+)", re.MULTILINE)


def read_front_matter(content: bytes, where: str = "<card>") -> FrontMatter:
    """Split a card into its YAML front matter (parsed) and its Markdown body.

    Raises :class:`CardError` for unreadable front matter (see the module docstring).
    """
    warnings: list[str] = []
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
        warnings.append("UTF-8 byte-order mark stripped")
    try:
        text = content.decode("utf-8")
        bad_offset = None
    except UnicodeDecodeError as exc:
        text = content.decode("utf-8", "surrogateescape")
        bad_offset = exc.start + (3 if warnings else 0)

    m_open = _OPEN.match(text)
    if m_open is None:
        if bad_offset is not None:
            warnings.append(f"invalid UTF-8 at byte {bad_offset} replaced")
            text = _unescape(text)
        warnings.append("no YAML front matter; the card declares no metadata")
        return FrontMatter({}, text, warnings, found=False)
    start = m_open.end()
    m_close = _CLOSE.search(text, start)
    if m_close is None:
        m_close = _CLOSE_INDENTED.search(text, start)
        if m_close is None:
            raise CardError(where, "front matter is not terminated (no closing '---' line)")
        line = text.count("\n", 0, m_close.start()) + 1
        warnings.append(f"closing '---' of the front matter is indented (line {line})")
    block_end = m_close.start()
    yaml_text = text[start:block_end]
    if yaml_text.endswith("\n"):
        yaml_text = yaml_text[:-1]
        if yaml_text.endswith("\r"):
            yaml_text = yaml_text[:-1]
    body = text[m_close.end():]
    if body.startswith("\r\n"):
        body = body[2:]
    elif body.startswith("\n"):
        body = body[1:]

    if bad_offset is not None:
        if _has_surrogate(yaml_text):
            raise CardError(where, f"front matter is not valid UTF-8 (byte {bad_offset})")
        warnings.append(f"invalid UTF-8 in the card body at byte {bad_offset} replaced by U+FFFD")
        body = _unescape(body)

    data = _load_yaml(yaml_text, where, warnings)
    if data is None:
        warnings.append("front matter is empty; the card declares no metadata")
        data = {}
    elif not isinstance(data, dict):
        raise CardError(where, f"front matter is a YAML {_yaml_kind(data)}, not a mapping")
    return FrontMatter(data, body, warnings)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unescape(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _yaml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _load_yaml(yaml_text: str, where: str, warnings: list[str]) -> Any:
    try:
        return _load_yaml_checked(yaml_text, where, warnings)
    except yaml.YAMLError as exc:
        if "\t" in yaml_text and ("tab" in str(exc) or "'\\t'" in str(exc)):
            return _load_with_tabs(yaml_text, where, warnings, exc)
        raise CardError(where, f"front matter is not valid YAML: {_yaml_problem(exc)}") from None


def _load_with_tabs(yaml_text: str, where: str, warnings: list[str], exc: Exception) -> Any:
    def expand(width: int) -> Any:
        fixed = _LEADING_TABS.sub(lambda m: m.group(1) + " " * (width * len(m.group(2))),
                                  yaml_text)
        return _load_yaml_checked(fixed, where, [])

    parsed = []
    for width in (2, 4, 8):
        try:
            parsed.append(expand(width))
        except (yaml.YAMLError, CardError):
            continue
    dicts = [p for p in parsed if isinstance(p, dict)]
    if not dicts:
        raise CardError(where, f"front matter is not valid YAML: {_yaml_problem(exc)}")
    two = dicts[0]
    if any(d.get(k) != two.get(k) for d in dicts[1:] for k in LICENSE_KEYS):
        raise CardError(where, "front matter indents with tabs and the license fields depend "
                               f"on the tab width: {_yaml_problem(exc)}")
    mark = getattr(exc, "problem_mark", None)
    line = f" (first at line {mark.line + 2})" if mark is not None else ""
    warnings.append(f"tabs in the front-matter indentation read as two spaces{line}; the "
                    "license fields do not depend on the tab width")
    return two


def _yaml_problem(exc: Exception) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        # +2: line 1 of the YAML block is line 2 of the file
        return f"{problem} (line {mark.line + 2}, column {mark.column + 1})"
    return " ".join(str(problem).split())


def _load_yaml_checked(yaml_text: str, where: str, warnings: list[str]) -> Any:
    loader = _Loader(yaml_text)
    loader.duplicates = []
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in yaml_text and "*" in yaml_text:
            _check_alias_expansion(node, where)
        data = _build(loader, node, {})
    except RecursionError:
        raise CardError(where, "front matter nests too deeply") from None
    finally:
        loader.dispose()
    for key, line, first, second in loader.duplicates:
        if key in LICENSE_KEYS and not _same_node(first, second):
            raise CardError(where, f"license key '{key}' is given twice with different "
                                   f"values (line {line})")
        warnings.append(f"duplicate key '{key}' (line {line}); the last value is used")
    return data


def _build(loader: Any, node: Any, memo: dict[int, Any]) -> Any:
    """Construct a composed node like SafeConstructor does, with less per-node overhead for
    the plain str / list / dict nodes cards are made of (anything else goes to PyYAML)."""
    key = id(node)
    if key in memo:
        return memo[key]
    kind = type(node)
    tag = node.tag
    if kind is yaml.ScalarNode:
        value = node.value if tag == _STR_TAG else loader.construct_object(node, deep=True)
    elif kind is yaml.SequenceNode and tag == _SEQ_TAG:
        value = []
        memo[key] = value
        value.extend(_build(loader, child, memo) for child in node.value)
        return value
    elif kind is yaml.MappingNode and tag == _MAP_TAG and not any(
            k.tag == _MERGE_TAG for k, _v in node.value):
        value = {}
        memo[key] = value
        for key_node, value_node in node.value:
            k = _build(loader, key_node, memo)
            try:
                hash(k)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found unhashable key",
                    key_node.start_mark) from None
            value[k] = _build(loader, value_node, memo)
        if len(value) != len(node.value):
            loader._note_duplicates(node)
        return value
    else:
        value = loader.construct_object(node, deep=True)
    memo[key] = value
    return value


def _same_node(a: Any, b: Any) -> bool:
    if type(a) is not type(b) or a.tag != b.tag:
        return False
    if isinstance(a, yaml.ScalarNode):
        return bool(a.value == b.value)
    if isinstance(a, yaml.SequenceNode):
        return len(a.value) == len(b.value) and all(map(_same_node, a.value, b.value))
    if isinstance(a, yaml.MappingNode):
        return len(a.value) == len(b.value) and all(
            _same_node(k1, k2) and _same_node(v1, v2)
            for (k1, v1), (k2, v2) in zip(a.value, b.value, strict=True)
        )
    return False


def _check_alias_expansion(root: Any, where: str) -> None:
    """Refuse documents whose aliases expand to more than MAX_YAML_NODES nodes (or loop)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise CardError(where, "front matter has a recursive YAML alias")
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
                if total > MAX_YAML_NODES:
                    break
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > MAX_YAML_NODES:
                    break
        active.discard(key)
        if total > MAX_YAML_NODES:
            raise CardError(where, f"front matter expands to more than {MAX_YAML_NODES:,} YAML "
                                   "nodes (alias bomb?)")
        sizes[key] = total
        return total

    size(root)


def to_jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-serialisable copy: dates to ISO text, other odd scalars to str."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        finite = value == value and value not in (float("inf"), float("-inf"))
        return value if finite else str(value)
    if depth > 50:
        return str(value)
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: to_jsonable(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_jsonable(v, depth + 1) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


# --------------------------------------------------------------------------- infos file

_INFOS_LICENSE = re.compile(rb'"license"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"')


def _infos_licenses(infos: bytes, name: str | None, warnings: list[str]) -> list[str]:
    """The distinct non-empty ``license`` texts of the configs, in file order.

    The file is scanned for ``"license": "<text>"`` members rather than fully decoded: infos
    files reach megabytes and only their license texts matter here.  A ``license`` inside a
    JSON string is escaped and so not matched.
    """
    label = name or "infos file"
    head = infos[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        warnings.append(f"{label} is not a JSON object; ignored")
        return []
    out: list[str] = []
    seen: set[bytes] = set()
    pos = 0
    find = infos.find
    while True:
        pos = find(b'"license"', pos)
        if pos < 0:
            break
        m = _INFOS_LICENSE.match(infos, pos)
        pos += 9
        if m is None:
            continue
        raw = m.group(1)
        if raw in seen:
            pos = m.end()
            continue
        seen.add(raw)
        try:
            text = json.loads(b'"' + m.group(1) + b'"')
        except (ValueError, UnicodeDecodeError):
            warnings.append(f"{label}: unreadable license text at byte {m.start(1)}; ignored")
            continue
        if isinstance(text, str) and text.strip() and text not in out:
            out.append(text)
        pos = m.end()
    return out


def _config_names(data: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in ("configs", "dataset_info"):
        value = data.get(key)
        if isinstance(value, dict):
            value = [value]
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    name = item.get("config_name")
                    if isinstance(name, str) and name not in names:
                        names.append(name)
    if not names:  # legacy cards key their metadata by config
        for key in ("task_categories", "licenses", "license", "languages", "language"):
            value = data.get(key)
            if isinstance(value, dict):
                names.extend(str(k) for k in value if str(k) not in names)
    return names


# --------------------------------------------------------------------------- card sections

_PLACEHOLDER = re.compile(
    r"^\W*(\[?(more information needed|needs more information|more info needed|n/?a|tbd|"
    r"todo|none|unknown|to be added|coming soon)\]?(\(https?://[^)]*\))?)?\W*$",
    re.IGNORECASE,
)


_HEAD_AT = re.compile(r"(#{1,6})[ \t]+([^\r\n]*)")
_HEAD_UPTO = {n: re.compile(rf"^#{{1,{n}}}[ \t]", re.MULTILINE) for n in range(1, 7)}
_TITLE_WORDS = ("licen", "personal", "sensitive", "privacy")


def _fences(body: str) -> list[int]:
    """Start offsets of the lines that open or close a fenced code block."""
    out = []
    for mark in ("```", "~~~"):
        pos = body.find(mark)
        while pos >= 0:
            line_start = body.rfind("\n", 0, pos) + 1
            if pos - line_start <= 3 and not body[line_start:pos].strip():
                out.append(line_start)
            nl = body.find("\n", pos)
            if nl < 0:
                break
            pos = body.find(mark, nl)
    out.sort()
    return out


def _sections(body: str) -> list[tuple[int, str, str]]:
    """(level, title, text) of the licensing and personal-data sections: Markdown ATX
    headings outside fenced code blocks; a section runs to the next heading of its level or
    above.  Candidate headings are found from their title words with str.find, which is
    several times faster than a line-by-line regex over the whole card."""
    low = body.lower()
    starts: set[int] = set()
    for word in _TITLE_WORDS:
        pos = low.find(word)
        while pos >= 0:
            line_start = low.rfind("\n", 0, pos) + 1
            if low.startswith("#", line_start):
                starts.add(line_start)
            nl = low.find("\n", pos)
            if nl < 0:
                break
            pos = low.find(word, nl)
    if not starts:
        return []
    fences = _fences(body) if ("```" in body or "~~~" in body) else []
    out = []
    for start in sorted(starts):
        m = _HEAD_AT.match(body, start)
        if m is None or bisect.bisect_right(fences, start) % 2 == 1:
            continue
        title = m.group(2).strip().rstrip("#").strip()
        level = len(m.group(1))
        end = len(body)
        nxt = _HEAD_UPTO[level].search(body, m.end())
        while nxt is not None:
            if bisect.bisect_right(fences, nxt.start()) % 2 == 0:
                end = nxt.start()
                break
            nxt = _HEAD_UPTO[level].search(body, nxt.end())
        out.append((level, title, body[m.end():end]))
    return out


def _meaningful(text: str) -> str | None:
    text = text.strip()
    if not text or _PLACEHOLDER.match(text):
        return None
    return text


_LICENSE_TITLE = re.compile(r"\blicen[cs](e|es|ing)\b", re.IGNORECASE)


def _license_section(sections: list[tuple[int, str, str]]) -> str | None:
    for _level, title, text in sections:
        if _LICENSE_TITLE.search(title):
            found = _meaningful(text)
            if found is not None:
                return found
    return None


# --------------------------------------------------------------------------- rights prefill

_PERSONAL_TITLE = re.compile(r"personal|sensitive|privacy", re.IGNORECASE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_PERSONAL_MENTION = re.compile(
    r"\bpersonal(?:ly)?(?:\s+(?:and|or|&)\s+sensitive)?\s+(?:identifiable\s+)?"
    r"(?:information|data|details|info)\b|\bPII\b|\busernames?\b|\buser\s+names?\b|"
    r"\b(?:user|speaker|author)\s+ids?\b|\be-?mail\s+addresses\b|\bphone\s+numbers\b|"
    r"\breal\s+names\b|\bidentity\s+of\b|\btheir\s+voices?\b|\bimages\s+(?:of|containing)\s+"
    r"people\b|\bphotos?\s+of\s+people\b|\bfaces\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:no|not|none|never|without|nor|don't|doesn't|isn't|aren't|removed|anonymi[sz]ed)\b",
    re.IGNORECASE,
)
_NOT_ANONYMISED = re.compile(r"\bnot\s+(?:been\s+)?(?:anonymi[sz]ed|removed|obfuscated)\b",
                             re.IGNORECASE)
_HEDGE = re.compile(r"\b(?:might|may|could|can|probably|likely|possibl[ey])\b", re.IGNORECASE)

_SENSITIVE_PATTERNS: dict[str, re.Pattern[str]] = {
    "biometric": re.compile(r"\bbiometric|\bfingerprints?\b|\bfacial\b|\bfaces\b|\bvoices?\b|"
                            r"\biris\s+scans?\b", re.IGNORECASE),
    "health": re.compile(r"\bhealth\b|\bmedical\b|\bpatients?\b|\bclinical\b|\bdiagnos",
                         re.IGNORECASE),
    "genetic": re.compile(r"\bgenetic\b|\bgenom|\bDNA\b", re.IGNORECASE),
    "racial-ethnic": re.compile(r"\bracial\b|\bethnic|\brace\b", re.IGNORECASE),
    "political": re.compile(r"\bpolitical\s+(?:opinion|view|affiliation|belief|orientation)",
                            re.IGNORECASE),
    "religious": re.compile(r"\breligio(?:n|us)", re.IGNORECASE),
    "trade-union": re.compile(r"\btrade[- ]union|\bunion\s+membership", re.IGNORECASE),
    "sex-life": re.compile(r"\bsex(?:ual)?\s+(?:life|orientation)\b", re.IGNORECASE),
    "criminal": re.compile(r"\bcriminal\s+(?:record|conviction|offen[cs]e|histor)|"
                           r"\bconvictions\b", re.IGNORECASE),
    "children": re.compile(r"\bchildren\b|\bminors\b|\bkids\b|\bunder\s+(?:the\s+age\s+of\s+)?"
                           r"1[0-8]\b", re.IGNORECASE),
    "location": re.compile(r"\bgeo-?locat|\bgps\b|\blocation\s+data\b|\bhome\s+address|"
                           r"\bgeographic(?:al)?\s+coordinates\b", re.IGNORECASE),
    "confidential-business": re.compile(r"\bconfidential\b|\btrade\s+secrets?\b",
                                        re.IGNORECASE),
}
assert set(_SENSITIVE_PATTERNS) <= set(SENSITIVE_CATEGORIES)

_CONSENT_WORDS = re.compile(r"\b(?:agree|agreement|consent|accept|acknowledge)", re.IGNORECASE)
_REGION_SUBTAG = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{4})?[-_]([A-Za-z]{2})$")


def _snippet(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _suggest_rights(data: dict[str, Any], sections: list[tuple[int, str, str]],
                    ) -> dict[str, Any]:
    """Unconfirmed rights suggestions with their evidence.  Never a legal fact."""
    out: dict[str, Any] = {}
    positive: list[dict[str, str]] = []
    negative: list[dict[str, str]] = []
    sensitive: dict[str, list[dict[str, str]]] = {}
    for _level, title, text in sections:
        if not _PERSONAL_TITLE.search(title):
            continue
        content = _meaningful(text)
        if content is None:
            continue
        source = f"section '{title}'"
        for sentence in _SENTENCE_SPLIT.split(content):
            if not sentence.strip():
                continue
            negated = bool(_NEGATION.search(sentence)) and not _NOT_ANONYMISED.search(sentence)
            if _PERSONAL_MENTION.search(sentence):
                ev = {"source": source, "text": _snippet(sentence)}
                if not negated or (_HEDGE.search(sentence) and re.search(r"\bbut\b", sentence)):
                    positive.append(ev)
                elif re.search(r"\bpersonal\b", sentence, re.IGNORECASE):
                    negative.append(ev)
            if negated:
                continue
            for category, pattern in _SENSITIVE_PATTERNS.items():
                if pattern.search(sentence):
                    sensitive.setdefault(category, []).append(
                        {"source": source, "text": _snippet(sentence)})
    if positive:
        out["personal_data"] = _suggestion("yes", positive)
    elif negative:
        out["personal_data"] = _suggestion("no", negative)
    if sensitive:
        cats = [c for c in SENSITIVE_CATEGORIES if c in sensitive]
        evidence = [dict(ev, category=c) for c in cats for ev in sensitive[c][:3]]
        out["sensitive"] = _suggestion(cats, evidence)

    consent = _consent_evidence(data)
    if consent:
        out["consent_required"] = _suggestion(True, consent)

    languages, regions = _language_hints(data)
    if languages:
        out["languages"] = _suggestion(
            languages, [{"source": "YAML language", "text": ", ".join(languages)[:300]}])
    if regions:
        out["collected_in"] = _suggestion(
            sorted(regions), [{"source": "YAML language", "text": f"{tag} \u2192 {cc}"}
                              for cc, tag in sorted(regions.items())])
    return out


def _suggestion(value: Any, evidence: list[dict[str, str]]) -> dict[str, Any]:
    return {"value": value, "confirmed": False, "evidence": evidence}


def _consent_evidence(data: dict[str, Any]) -> list[dict[str, str]]:
    evidence: list[dict[str, str]] = []
    fields = data.get("extra_gated_fields")
    if isinstance(fields, dict):
        for label, kind in fields.items():
            text = f"{label}: {kind}" if not isinstance(kind, (dict, list)) else str(label)
            if _CONSENT_WORDS.search(str(label)):
                evidence.append({"source": "YAML extra_gated_fields", "text": _snippet(text)})
    elif isinstance(fields, list):
        for item in fields:
            if _CONSENT_WORDS.search(str(item)):
                evidence.append({"source": "YAML extra_gated_fields",
                                 "text": _snippet(str(item))})
    prompt = data.get("extra_gated_prompt")
    if evidence and isinstance(prompt, str) and _CONSENT_WORDS.search(prompt):
        evidence.append({"source": "YAML extra_gated_prompt", "text": _snippet(prompt)})
    return evidence


def _language_hints(data: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    raw = data.get("language", data.get("languages"))
    tags: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            if value.strip() and value not in tags:
                tags.append(value)
        elif isinstance(value, list):
            for v in value:
                collect(v)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)

    collect(raw)
    regions: dict[str, str] = {}
    for tag in tags:
        m = _REGION_SUBTAG.match(tag.strip())
        if m:
            cc = m.group(1).upper()
            if _is_country(cc):
                regions.setdefault(cc, tag)
    return tags, regions


def _is_country(code: str) -> bool:
    try:
        import pycountry
    except ImportError:  # pragma: no cover - pycountry is a dependency
        return True
    return pycountry.countries.get(alpha_2=code) is not None
