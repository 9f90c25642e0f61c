"""The YAML front matter of a dataset card: splitting it from the Markdown body and loading
it safely (duplicate keys, tabs, alias bombs; see the :mod:`register.cards.files` docstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from register.errors import CardError

MAX_YAML_NODES = 200_000  # expanded nodes allowed when the YAML uses aliases
LICENSE_KEYS: tuple[str, ...] = (
    "license", "licenses", "license_name", "license_link", "license_details",
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


_RESOLVE: Any = _BaseLoader.resolve  # type: ignore[attr-defined]
_ScalarNode = yaml.ScalarNode
_SequenceNode = yaml.SequenceNode
_MappingNode = yaml.MappingNode
_ConstructorError = yaml.constructor.ConstructorError
_IGNORE_DESCEND: Any = {}.get  # a C callable taking (parent, index) that does nothing of note
_IGNORE_ASCEND = int  # a C callable taking no argument


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader that records duplicate mapping keys instead of silently dropping them,
    with a memo on implicit tag resolution (the Python resolver dominates composing)."""

    duplicates: list[tuple[Any, int, Any, Any]]

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


@dataclass
class FrontMatter:
    """The YAML front matter (``data``, as huggingface_hub's ``DatasetCard.data`` holds it)
    and the Markdown body of a card."""

    data: dict[str, Any]
    body: str
    warnings: list[str] = field(default_factory=list)
    found: bool = True


_OPEN = re.compile(r"\A\s*---[ \t]*\r?\n")
_CLOSE = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)
_CLOSE_AT = re.compile(r"---[ \t]*\r?$", re.MULTILINE)  # _CLOSE at a known line start
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
    m_close = _search_close(text, start)
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


def _search_close(text: str, start: int) -> re.Match[str] | None:
    """``_CLOSE.search(text, start)`` where ``start`` begins a line: candidate lines are found
    with str.find (a regex anchored at line starts tries every character)."""
    pos = start
    while True:
        m = _CLOSE_AT.match(text, pos)
        if m is not None:
            return m
        nl = text.find("\n---", pos)
        if nl < 0:
            return None
        pos = nl + 1


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
    loader = _new_loader(yaml_text)
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
                loader._note_duplicates(node)
            return mapping
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

