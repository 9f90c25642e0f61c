"""The YAML front matter of a dataset card: splitting it from the Markdown body and loading
it through the one YAML loader (:mod:`register.safe_yaml`), with the card rules on top:
duplicate keys, tab indentation (see the :mod:`register.cards.files` docstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from register.errors import CardError
from register.safe_yaml import MAX_YAML_NODES, YAMLError, load_document, same_node, yaml_problem

__all__ = ["LICENSE_KEYS", "MAX_YAML_NODES", "FrontMatter", "read_front_matter"]

LICENSE_KEYS: tuple[str, ...] = (
    "license", "licenses", "license_name", "license_link", "license_details",
)


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
    except YAMLError as exc:
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
        except (YAMLError, CardError):
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
    return yaml_problem(exc, first_line=2)  # line 1 of the YAML block is line 2 of the file


def _card_error(where: str) -> Any:
    def fail(problem: str, hint: str | None = None) -> CardError:
        return CardError(where, problem, hint=hint)

    return fail


def _load_yaml_checked(yaml_text: str, where: str, warnings: list[str]) -> Any:
    """The front matter through :func:`register.safe_yaml.load_document`: aliases within the
    node limit; a license key repeated with a different value is an error, any other
    duplicate key a warning (the last value wins, as PyYAML and the Hub do)."""
    data, duplicates = load_document(yaml_text, fail=_card_error(where), subject="front matter",
                                     first_line=2, aliases=True, max_nodes=MAX_YAML_NODES)
    for d in duplicates:
        if d.key in LICENSE_KEYS and not same_node(d.first, d.second):
            raise CardError(where, f"license key '{d.key}' is given twice with different "
                                   f"values (line {d.line})")
        warnings.append(f"duplicate key '{d.key}' (line {d.line}); the last value is used")
    return data
