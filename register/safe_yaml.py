"""The one YAML loader: card front matter, corpus and policy files, the knowledge base.

Every YAML the register reads goes through here, with the same hardening:

* safe types only (PyYAML's safe loader; the C one where libyaml is available, ~10x faster);
* a size cap (:data:`MAX_YAML_BYTES` unless the caller gives a smaller one);
* aliases limited: a document whose aliases would expand to more than
  :data:`MAX_YAML_NODES` nodes ("billion laughs") or that refers to itself is refused; callers
  that need no aliases (corpus and policy files) refuse them altogether;
* nesting too deep for the builder is an error, not a crash;
* duplicate mapping keys are reported with their lines: :func:`load_yaml_text` and
  :func:`load_yaml_file` refuse them (an error naming the file and line), card front matter
  decides per key (:mod:`register.cards.frontmatter`).

Errors are the caller's :class:`~register.errors.RegisterError` subclass (``CardError``,
``CorpusError``, ``PolicyError``, ``LicenseDataError``) naming the file, built by the
``fail(problem, hint)`` callable the caller passes (:func:`naming` makes one).
:func:`load_document` is the low level: it lets YAML syntax errors (:data:`YAMLError`)
through so that card front matter can retry tab-indented YAML.

The builder reads composed nodes directly (plain ``str`` / ``list`` / ``dict`` inline, every
other tag through PyYAML's safe constructor), which is what keeps card parsing fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from register.errors import RegisterError

__all__ = [
    "MAX_YAML_BYTES",
    "MAX_YAML_NODES",
    "YAMLError",
    "Duplicate",
    "load_document",
    "load_yaml_file",
    "load_yaml_text",
    "naming",
    "read_yaml_text",
    "plain_scalars_are_text",
    "same_node",
    "yaml_problem",
]

#: Files (and texts) larger than this are refused (a corpus of 100,000 ids fits).
MAX_YAML_BYTES = 8 * 1024 * 1024
#: Expanded nodes allowed when a document uses aliases.
MAX_YAML_NODES = 200_000

YAMLError = yaml.YAMLError

#: ``fail(problem, hint)`` returns the caller's error naming its file.
Fail = Callable[[str, "str | None"], RegisterError]

try:  # the C loader is ~10x faster; fall back to the pure-Python one where libyaml is missing
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TAG_CACHE: dict[str, str] = {}  # plain scalar -> resolved tag (a pure function of the text)


_RESOLVE: Any = _BaseLoader.resolve  # type: ignore[attr-defined]
_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode
_MappingNode = yaml.MappingNode
_ConstructorError = yaml.constructor.ConstructorError
_IGNORE_DESCEND: Any = {}.get  # a C callable taking (parent, index) that does nothing of note
_IGNORE_ASCEND = int  # a C callable taking no argument


@dataclass(frozen=True)
class Duplicate:
    """A mapping key given twice: its file lines and both value nodes."""

    key: Any
    line: int  # the repeated key
    first_line: int  # the key's first occurrence
    first: Any
    second: Any


def naming(error: type[RegisterError], origin: str) -> Fail:
    """A ``fail`` that raises ``error("<origin>: <problem>", hint=...)``."""

    def fail(problem: str, hint: str | None = None) -> RegisterError:
        return error(f"{origin}: {problem}", hint=hint)

    return fail


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that records duplicate mapping keys instead of silently dropping them,
    with a memo on implicit tag resolution (the Python resolver dominates composing)."""

    duplicates: list[Duplicate]
    first_line: int

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is _ScalarNode and implicit[0]:
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
            self.note_duplicates(node)
        return mapping  # type: ignore[no-any-return]

    def note_duplicates(self, node: Any) -> None:
        seen: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            if key in seen and key != "<<":
                first_key, first_value = seen[key]
                self.duplicates.append(Duplicate(
                    key, key_node.start_mark.line + self.first_line,
                    first_key.start_mark.line + self.first_line, first_value, value_node))
            seen[key] = (key_node, value_node)


class _PathlessLoader(_Loader):
    """The loader when no path resolver is registered (the normal case).

    The C composer calls ``descend_resolver`` and ``ascend_resolver`` around every node and
    ``resolve`` for every untagged one.  Without path resolvers the first two do nothing, so
    they are C callables here, and ``resolve`` depends only on the node kind and, for plain
    scalars, on the text (memoized)."""

    descend_resolver = _IGNORE_DESCEND
    ascend_resolver = _IGNORE_ASCEND

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is _ScalarNode:
            if not implicit[0]:
                return _STR_TAG
            tag = _TAG_CACHE.get(value)
            if tag is None:
                tag = _RESOLVE(self, kind, value, implicit)
                if len(_TAG_CACHE) < 50_000 and len(value) < 64:
                    _TAG_CACHE[value] = tag
            return tag
        if kind is _MappingNode:
            return _MAP_TAG
        if kind is _SequenceNode:
            return _SEQ_TAG
        return _RESOLVE(self, kind, value, implicit)  # pragma: no cover


def _new_loader(text: str) -> _Loader:
    if _PathlessLoader.yaml_path_resolvers:  # someone registered one: take the general path
        return _Loader(text)
    return _PathlessLoader(text)


# --------------------------------------------------------------------------- loading


def load_document(
    text: str, *, fail: Fail, subject: str = "the YAML", first_line: int = 1,
    aliases: bool = True, max_nodes: int = MAX_YAML_NODES, max_bytes: int = MAX_YAML_BYTES,
) -> tuple[Any, list[Duplicate]]:
    """Parse one YAML document; returns the data and the duplicate keys found.

    ``first_line`` is the file line of the text's first line (line numbers in errors and
    duplicates are file lines).  YAML syntax errors are raised as :data:`YAMLError`; size,
    alias and nesting problems through ``fail`` (``subject`` names what was read).
    """
    if len(text) > max_bytes:
        raise fail(f"{subject} is larger than the {max_bytes}-byte limit", None)
    loader = _new_loader(text)
    loader.duplicates = []
    loader.first_line = first_line
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        if "&" in text and "*" in text:
            if aliases:
                _check_alias_expansion(node, fail, subject, max_nodes)
            else:
                _refuse_aliases(node, text, fail)
        data = _build(loader, node, {})
    except RecursionError:
        raise fail(f"{subject} nests too deeply", None) from None
    finally:
        loader.dispose()
    return data, loader.duplicates


def plain_scalars_are_text(scalars: list[str]) -> bool:
    """Whether the loader reads each of these plain scalars (none empty) as the string it
    is: no implicit resolver (int, float, bool, null, timestamp...) of its first character
    takes it.  False also when resolvers were customized (path or wildcard ones)."""
    loader: Any = _BaseLoader
    resolvers: dict[Any, Any] = loader.yaml_implicit_resolvers
    if loader.yaml_path_resolvers or None in resolvers:
        return False
    for first in {s[0] for s in scalars} & resolvers.keys():
        some = [s for s in scalars if s[0] == first]
        for _tag, regexp in resolvers[first]:
            if any(map(regexp.match, some)):
                return False
    return True


def yaml_problem(exc: Exception, first_line: int = 1) -> str:
    """A YAML error as one line: the problem and its file line and column."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"{problem} (line {mark.line + first_line}, column {mark.column + 1})"
    return " ".join(str(problem).split())


def load_yaml_text(
    text: str, *, fail: Fail, aliases: bool = False, max_bytes: int = MAX_YAML_BYTES,
    first_line: int = 1,
) -> Any:
    """Parse YAML text strictly: any problem, a duplicate key included, raises ``fail``."""
    try:
        data, duplicates = load_document(text, fail=fail, first_line=first_line,
                                         aliases=aliases, max_bytes=max_bytes)
    except YAMLError as exc:
        raise fail(f"not valid YAML: {yaml_problem(exc, first_line)}", None) from None
    if duplicates:
        d = duplicates[0]
        raise fail(f"duplicate key {d.key!r} (line {d.line}; first at line {d.first_line})",
                   "give each key once")
    return data


def read_yaml_text(path: str | Path, *, error: type[RegisterError],
                   max_bytes: int = MAX_YAML_BYTES) -> str:
    """The text of a YAML file, read once (at most ``max_bytes``, UTF-8); problems raise
    ``error`` naming the file."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise error(f"{p}: cannot read file ({exc.strerror or exc})") from exc
    if not p.is_file():
        raise error(f"{p}: not a file")
    if size > max_bytes:
        raise error(f"{p}: file is {size} bytes, larger than the {max_bytes}-byte limit")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise error(f"{p}: cannot read file ({exc.strerror or exc})") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def load_yaml_file(
    path: str | Path, *, error: type[RegisterError], max_bytes: int = MAX_YAML_BYTES,
    aliases: bool = False,
) -> Any:
    """Read a YAML file strictly; problems raise ``error`` naming the file."""
    text = read_yaml_text(path, error=error, max_bytes=max_bytes)
    return load_yaml_text(text, fail=naming(error, str(Path(path))), aliases=aliases,
                          max_bytes=max_bytes)


# --------------------------------------------------------------------------- building


def _build(loader: Any, node: Any, memo: dict[int, Any]) -> Any:
    """Construct a composed node like SafeConstructor does, with less per-node overhead for
    the plain str / list / dict nodes cards are made of (anything else goes to PyYAML).

    Plain ``str`` scalars (most nodes) are read inline in the loops rather than through a
    call; other scalars go to the constructor, which memoizes them itself.  Only sequences
    and mappings need ``memo`` (an alias must yield the same list or dict object)."""
    kind = type(node)
    tag = node.tag
    if kind is _ScalarNode:
        return node.value if tag == _STR_TAG else loader.construct_object(node, deep=True)
    key = id(node)
    if key in memo:
        return memo[key]
    value: Any
    if kind is _SequenceNode and tag == _SEQ_TAG:
        items: list[Any] = []
        memo[key] = items
        append = items.append
        for child in node.value:
            if type(child) is _ScalarNode and child.tag == _STR_TAG:
                append(child.value)
            else:
                append(_build(loader, child, memo))
        return items
    if kind is _MappingNode and tag == _MAP_TAG:
        pairs = node.value
        for key_node, _value_node in pairs:
            if key_node.tag == _MERGE_TAG:
                break
        else:
            mapping: dict[Any, Any] = {}
            memo[key] = mapping
            for key_node, value_node in pairs:
                if type(key_node) is _ScalarNode and key_node.tag == _STR_TAG:
                    k = key_node.value
                else:
                    k = _build(loader, key_node, memo)
                    try:
                        hash(k)
                    except TypeError:
                        raise _ConstructorError(
                            "while constructing a mapping", node.start_mark,
                            "found unhashable key", key_node.start_mark) from None
                if type(value_node) is _ScalarNode and value_node.tag == _STR_TAG:
                    mapping[k] = value_node.value
                else:
                    mapping[k] = _build(loader, value_node, memo)
            if len(mapping) != len(pairs):
                loader.note_duplicates(node)
            return mapping
    value = loader.construct_object(node, deep=True)
    memo[key] = value
    return value


def same_node(a: Any, b: Any) -> bool:
    """Whether two composed nodes hold the same YAML (tags and values, recursively)."""
    if type(a) is not type(b) or a.tag != b.tag:
        return False
    if isinstance(a, yaml.ScalarNode):
        return bool(a.value == b.value)
    if isinstance(a, yaml.SequenceNode):
        return len(a.value) == len(b.value) and all(map(same_node, a.value, b.value))
    if isinstance(a, yaml.MappingNode):
        return len(a.value) == len(b.value) and all(
            same_node(k1, k2) and same_node(v1, v2)
            for (k1, v1), (k2, v2) in zip(a.value, b.value, strict=True)
        )
    return False


# --------------------------------------------------------------------------- aliases


def _check_alias_expansion(root: Any, fail: Fail, subject: str, max_nodes: int) -> None:
    """Refuse documents whose aliases expand to more than ``max_nodes`` nodes (or loop)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise fail(f"{subject} has a recursive YAML alias", None)
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
                if total > max_nodes:
                    break
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > max_nodes:
                    break
        active.discard(key)
        if total > max_nodes:
            raise fail(f"{subject} expands to more than {max_nodes:,} YAML nodes "
                       "(alias bomb?)", None)
        sizes[key] = total
        return total

    size(root)


def _refuse_aliases(root: Any, text: str, fail: Fail) -> None:
    """Refuse a document that uses an alias at all (a node reached twice)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            anchor = next((e.anchor for e in yaml.parse(text, Loader=_BaseLoader)
                           if isinstance(e, yaml.AliasEvent)), "")
            raise fail(f"YAML aliases (*{anchor}) are not allowed", "write the value out in full")
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
