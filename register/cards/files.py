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
* Only regular files are read: each file is stat'ed before a non-blocking open, so a FIFO or
  a device named ``README.md`` / ``dataset_infos.json`` is an error "not a regular file;
  skipped" (never a hang).  In a recursive walk symlinks are not followed: a symlinked
  dataset directory and a ``README.md`` that is a symlink (to ``/etc/passwd`` or another
  dataset's card) are both reported as skipped with the reason.
* An infos file is scanned in linear time and at most :data:`MAX_INFOS_LICENSES` distinct
  license texts are kept (with a warning).
* Dataset ids follow the one rule of :mod:`register.ids` (no whitespace, control, format or
  bidi characters; at most 256 characters; relative, no ``..``).
* ``license_section`` is None when the card has no licensing section or it holds only a
  template placeholder such as ``[More Information Needed]``.
"""


from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from register.cards.attribution import read_attribution
from register.cards.frontmatter import (  # noqa: F401  (public names re-exported from here)
    LICENSE_KEYS,
    MAX_YAML_NODES,
    FrontMatter,
    read_front_matter,
)
from register.cards.sections import card_sections, license_section, suggest_rights
from register.errors import CardError
from register.ids import MAX_ID_LENGTH, dataset_id_problem  # noqa: F401  (MAX_ID_LENGTH re-exported)

__all__ = [
    "CARD_NAME",
    "INFOS_NAMES",
    "CardDocument",
    "FrontMatter",
    "LICENSE_KEYS",
    "MAX_CARD_BYTES",
    "MAX_INFOS_BYTES",
    "card_sha256",
    "discover",
    "parse_card_bytes",
    "parse_card_dir",
    "parse_card_file",
    "parse_path",
    "read_front_matter",
    "read_limited",
    "to_jsonable",
    "validate_dataset_id",
]

MAX_CARD_BYTES = 5 * 1024 * 1024
MAX_INFOS_BYTES = 64 * 1024 * 1024
#: Distinct ``license`` texts read from an infos file (a real one has a handful).
MAX_INFOS_LICENSES = 200

INFOS_NAMES: tuple[str, ...] = ("dataset_infos.json", "dataset_info.json")
CARD_NAME = "README.md"

METADATA_KEYS: tuple[str, ...] = (
    "pretty_name", "language", "languages", "task_categories", "task_ids", "size_categories",
    "source_datasets", "annotations_creators", "language_creators", "multilinguality",
    "extra_gated_fields", "extra_gated_prompt", "extra_gated_heading", "gated",
    "paperswithcode_id", "tags", "language_details", "viewer",
)


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


# --------------------------------------------------------------------------- dataset ids

def validate_dataset_id(dataset_id: str, *, path: str | None = None) -> str:
    """Return ``dataset_id`` when it follows the dataset-id rule (:mod:`register.ids`)."""
    problem = dataset_id_problem(dataset_id)
    if problem is not None:
        raise CardError(path or repr(dataset_id), problem)
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
    for found in discover_found(paths, recursive):
        yield Path(found.path), found.dataset_id


@dataclass(frozen=True, slots=True)
class Found:
    """One item of :func:`discover_found`: ``path`` as ``str(Path(...))`` would spell it,
    ``abspath`` equal to ``os.path.abspath(path)``, and ``is_dir`` True when the walk saw a
    directory there (None: not known, the caller checks)."""

    path: str
    dataset_id: str
    abspath: str
    is_dir: bool | None
    skip: str | None = None  # why the walk will not read it (reported as a failure)


def discover_found(paths: Iterable[str | os.PathLike[str]], recursive: bool = False,
                   ) -> Iterator[Found]:
    """:func:`discover` with plain strings (no pathlib per card, for bulk ingest)."""
    for raw in paths:
        path = Path(raw)
        if not recursive or not path.is_dir():
            spelled = str(path)
            yield Found(spelled, _card_id(path), os.path.abspath(spelled), None)
            continue
        root = str(path)
        root_name = _card_id(path)
        yield from _walk(root, os.path.abspath(root), "", root_name)


def _child(parent: str, name: str) -> str:
    """``str(Path(parent) / name)`` for a name read from the directory."""
    if parent == ".":
        return name
    return parent + name if parent.endswith("/") else parent + "/" + name


def _walk(directory: str, absdir: str, rel: str, root_name: str) -> Iterator[Found]:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=_entry_name)
    except OSError:
        return
    subdirs = []
    has_card = False
    skip: str | None = None
    linked: list[str] = []
    for entry in entries:
        name = entry.name
        try:
            if name == CARD_NAME:
                if entry.is_symlink():
                    skip = (f"{CARD_NAME} is a symlink; skipped (symlinks are not followed "
                            "in a tree, as for directories)")
                elif entry.is_file(follow_symlinks=False):
                    has_card = True
                elif not entry.is_dir(follow_symlinks=False):
                    skip = f"{CARD_NAME} is not a regular file (a FIFO, device or socket); skipped"
            elif not name.startswith("."):
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append(name)
                elif entry.is_symlink() and entry.is_dir() and os.path.lexists(
                        os.path.join(entry.path, CARD_NAME)):
                    linked.append(name)
        except OSError:
            continue
    if has_card:
        yield Found(directory, rel or root_name, absdir, True)
    elif skip is not None:
        yield Found(os.path.join(directory, CARD_NAME), rel or root_name, absdir, None, skip)
    for name in linked:
        yield Found(_child(directory, name), f"{rel}/{name}" if rel else name,
                    _child(absdir, name), None,
                    "a symlink to a dataset directory; skipped (symlinks are not followed "
                    "in a tree)")
    for name in subdirs:
        yield from _walk(_child(directory, name), _child(absdir, name),
                         f"{rel}/{name}" if rel else name, root_name)


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


# --------------------------------------------------------------------------- reading files

def read_limited(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """Read ``path`` refusing files over ``limit`` bytes before reading them."""
    return _read(os.fspath(path), limit, what)


def _read(path: str, limit: int, what: str) -> bytes:
    try:  # stat first: a FIFO or a device is never opened (a FIFO would block)
        before = os.stat(path)
    except FileNotFoundError:
        raise CardError(path, "no such file") from None
    except OSError as exc:
        raise CardError(path, f"cannot read {what}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(before.st_mode):
        raise CardError(path, f"{what} is a directory")
    if not stat.S_ISREG(before.st_mode):
        raise CardError(path, f"{what} is not a regular file (a FIFO, device or socket); "
                              "skipped")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise CardError(path, "no such file") from None
    except IsADirectoryError:
        raise CardError(path, f"{what} is a directory") from None
    except OSError as exc:
        raise CardError(path, f"cannot read {what}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):  # as open() reports it
            raise CardError(path, f"{what} is a directory")
        if not stat.S_ISREG(st.st_mode):  # replaced since the stat
            raise CardError(path, f"{what} is not a regular file; skipped")
        size = st.st_size
        if size > limit:
            raise CardError(path, f"{what} is {size:,} bytes, over the "
                                  f"{limit // (1024 * 1024)} MB limit")
        # read what fstat announced plus one byte to notice growth (bounded memory)
        data = os.read(fd, (size or limit) + 1)
        if len(data) > size and len(data) <= limit:
            data += os.read(fd, limit + 1 - len(data))
    except CardError:
        raise
    except IsADirectoryError:
        raise CardError(path, f"{what} is a directory") from None
    except FileNotFoundError:
        raise CardError(path, "no such file") from None
    except OSError as exc:
        raise CardError(path, f"cannot read {what}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while we read it
        raise CardError(path, f"{what} is over the {limit // (1024 * 1024)} MB limit")
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
        readme = _read(card, MAX_CARD_BYTES, "card")
    except CardError:
        readme = _read_again(card, dirname)
    infos = infos_name = None
    for name in INFOS_NAMES:
        infos_file = os.path.join(dirname, name)
        try:
            infos = _read(infos_file, MAX_INFOS_BYTES, "infos file")
        except CardError:
            if not os.path.exists(infos_file):
                continue
            # read through pathlib again so that the error names the file as it always has
            infos = read_limited(Path(infos_file), MAX_INFOS_BYTES, "infos file")
        infos_name = name
        break
    return _parse(readme, infos, dataset_id, source or dirname, revision, card, infos_name)


def _read_again(card: str, dirname: str) -> bytes:
    """The README of a directory could not be read: read it once more (through pathlib, as
    errors have always named it) and word the error for a missing card or directory."""
    try:
        return read_limited(Path(card), MAX_CARD_BYTES, "card")
    except CardError as exc:
        if os.path.isfile(card) or os.path.lexists(card):
            raise
        if not os.path.exists(dirname):
            raise CardError(dirname, "no such file or directory") from None
        if not os.path.isdir(dirname):
            raise exc from None
        below = _datasets_below(dirname)
        hint = (f"it holds {below}{'+' if below >= 100 else ''} dataset director"
                f"{'y' if below == 1 else 'ies'}: use --recursive to ingest them"
                if below else f"give a dataset directory (with its {CARD_NAME}) or a card file")
        raise CardError(dirname, f"no {CARD_NAME} in this directory", hint=hint) from None


def _datasets_below(dirname: str, limit: int = 100) -> int:
    """How many directories below ``dirname`` hold a card (up to ``limit``; two levels, so
    ``org/name`` trees count), for the ``--recursive`` hint."""
    count = 0
    level = [dirname]
    for _depth in range(2):
        nxt: list[str] = []
        for parent in level:
            try:
                entries = sorted(os.scandir(parent), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
                    continue
                if os.path.isfile(os.path.join(entry.path, CARD_NAME)):
                    count += 1
                    if count >= limit:
                        return count
                else:
                    nxt.append(entry.path)
        level = nxt
    return count


def parse_path(path: str | os.PathLike[str], dataset_id: str, *,
               source: str | None = None, revision: str | None = None) -> CardDocument:
    """Parse what :func:`discover` yields: a dataset directory or a card file.  A
    ``README.md`` named directly is read with its directory's infos file, as the directory
    would be (so both give the same checksum and no spurious version)."""
    p = Path(path)
    if p.is_dir():
        return parse_card_dir(p, dataset_id, source=source, revision=revision)
    if p.name == CARD_NAME and p.is_file():
        return parse_card_dir(p.parent, dataset_id, source=source or str(p), revision=revision)
    return parse_card_file(p, dataset_id, source=source, revision=revision)


def parse_found(found: Found, dataset_id: str) -> CardDocument:
    """``parse_path(found.path, dataset_id, source=found.abspath)`` without a stat when the
    walk already saw a directory (errors are reported exactly as parse_path reports them)."""
    if found.skip is not None:
        raise CardError(found.path, found.skip)
    if found.is_dir:
        try:
            return parse_card_dir(found.path, dataset_id, source=found.abspath)
        except CardError:
            pass  # gone or changed since the walk: let parse_path decide and word the error
    return parse_path(found.path, dataset_id, source=found.abspath)


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
            value = data[key]
            raw[key] = value if type(value) is str else to_jsonable(value)
            if isinstance(value, dict):
                names = ", ".join(map(str, value))
                warnings.append(f"'{key}' is a per-config mapping ({names})")
    raw["infos_license"] = _infos_licenses(infos, infos_name, warnings) if infos else []
    sections = card_sections(fm.body)
    raw["license_section"] = license_section(sections)

    metadata: dict[str, Any] = {}
    for key in METADATA_KEYS:
        if key in data:
            value = data[key]
            if value is not None:  # (a str, the usual value, is returned as is by to_jsonable)
                metadata[key] = value if type(value) is str else to_jsonable(value)
    configs = _config_names(data)
    if configs:
        metadata["config_names"] = configs
    attribution = read_attribution(fm.body)
    if attribution:
        metadata["attribution"] = attribution

    suggestions = suggest_rights(data, sections)
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


def to_jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-serialisable copy: dates to ISO text, other odd scalars to str."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        finite = value == value and value not in (float("inf"), float("-inf"))
        return value if finite else str(value)
    if depth > 50:
        return str(value)
    depth += 1  # (str items, the usual ones, are copied inline: they are returned as is)
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): v if type(v) is str else to_jsonable(v, depth)
                for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [v if type(v) is str else to_jsonable(v, depth) for v in value]
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
    JSON string is escaped and so not matched.  Linear in the file size; at most
    :data:`MAX_INFOS_LICENSES` distinct texts are kept (with a warning past it), since each is
    normalized.
    """
    label = name or "infos file"
    head = infos[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        warnings.append(f"{label} is not a JSON object; ignored")
        return []
    out: list[str] = []
    kept: set[str] = set()
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
        if isinstance(text, str) and text.strip() and text not in kept:
            if len(out) >= MAX_INFOS_LICENSES:
                warnings.append(f"{label}: more than {MAX_INFOS_LICENSES:,} distinct license "
                                f"texts; only the first {MAX_INFOS_LICENSES:,} are read")
                break
            kept.add(text)
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


