"""License expressions: the one ``license-expression`` Licensing and what is read through it.

:func:`spdx_licensing` is the only :class:`license_expression.Licensing` of the package: the
SPDX licensing (SPDX ids and ScanCode ``LicenseRef-scancode-*`` keys, with their aliases),
built once because it is slow to build.  Everything that parses an expression goes through
it: :func:`canonical_expression` (a person's expression, validated), :func:`license_keys`
(the ids an expression names), :func:`expression_syntax_error` (is it an expression at all),
the check engine's options and normalization.  Known ids come out in their canonical
spelling (``mit`` -> ``MIT``, deprecated ``GPL-3.0`` -> ``GPL-3.0-only``); other ids (a
user's ``LicenseRef-...``) as written.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = [
    "canonical_expression", "expression_syntax_error", "license_key_set", "license_keys",
    "single_key", "spdx_licensing",
]


@lru_cache(maxsize=1)
def spdx_licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


#: Ids the licensing has no key for, in any case: read as written (a test pins this).
_NO_KEY_IDS = frozenset({"noassertion", "none", "unknown", "other"})
_ONE_TOKEN = re.compile(r"[^\s()]+")  # what the simple tokenizer reads as one symbol
_OPERATORS = frozenset({"and", "or", "with"})


@lru_cache(maxsize=1)
def _builtin_ids() -> frozenset[str]:
    """The built-in knowledge base's ids, from the names of the files it reads
    (:func:`register.licenses.catalog.license_file_names`: each license file is named after
    its id, a test pins that, and the licensing spells each id as it is written)."""
    from register.licenses.catalog import builtin_dir, license_file_names

    return frozenset(name[:-5] for name in license_file_names(builtin_dir()))


def single_key(expression: str) -> str | None:
    """The key ``spdx_licensing().parse(expression, simple=True)`` gives when the expression
    is one id whose spelling that parse keeps (a built-in knowledge-base id as written, or
    NOASSERTION and the like), found without building the licensing (slow to build); None
    when that cannot be told so: parse it."""
    if not _ONE_TOKEN.fullmatch(expression):
        return None
    low = expression.lower()
    if low in _OPERATORS:
        return None
    if low in _NO_KEY_IDS or expression in _builtin_ids():
        return expression
    return None


def canonical_expression(text: str) -> str:
    """Validate an SPDX expression written by a person and return its canonical form.

    Ids on the SPDX list (and ScanCode ``LicenseRef-scancode-*`` keys) are upgraded and
    case-normalized; a user's own ``LicenseRef-...`` id is accepted as written.  Raises
    :class:`ValueError` with a one-line reason otherwise.
    """
    text = (text or "").strip()
    if not text:
        raise ValueError("the license expression is empty")
    if text.upper() == "NOASSERTION":
        return "NOASSERTION"
    licensing = spdx_licensing()
    try:
        info = licensing.validate(text)
    except Exception:  # license-expression itself fails on some syntax errors
        try:
            licensing.parse(text, validate=False, strict=True)
        except Exception as exc:
            raise ValueError(str(exc) or "syntax error") from None
        raise ValueError("syntax error") from None
    if not info.errors:
        return str(info.normalized_expression)
    unknown = list(info.invalid_symbols)
    if unknown and all(str(s).lower().startswith("licenseref-") for s in unknown) and all(
        e.startswith("Unknown license key") for e in info.errors
    ):
        try:
            return str(licensing.parse(text, validate=False, strict=True).render())
        except Exception as exc:
            raise ValueError(str(exc)) from None
    raise ValueError("; ".join(info.errors))


def expression_syntax_error(text: str) -> str | None:
    """``None`` when ``text`` parses as a license expression (of any ids); else why not."""
    try:
        parsed = spdx_licensing().parse(text)
    except Exception as exc:  # license-expression raises several unrelated types
        return str(exc) or "syntax error"
    return None if parsed is not None else "the license expression is empty"


@lru_cache(maxsize=8192)
def license_keys(expression: str | None) -> tuple[str, ...]:
    """The license and exception ids an expression names, in written order, de-duplicated.

    ``X WITH Y`` names ``X`` and ``Y``.  Known ids are in canonical spelling.  A text that
    does not parse names one id, itself (stripped): it is then reported, never dropped.
    """
    if not expression or not expression.strip():
        return ()
    try:
        return tuple(spdx_licensing().license_keys(expression))
    except Exception:  # license-expression raises several unrelated types
        return (expression.strip(),)


def license_key_set(expression: str | None) -> frozenset[str]:
    """The ids of :func:`license_keys`, lower-case, as a set (for "names these licenses")."""
    return frozenset(k.lower() for k in license_keys(expression))


_VERSION_TAIL = re.compile(r"-v?\d.*$")


def license_family(key: str) -> str:
    """An id without its version (``cc-by-sa-4.0`` -> ``cc-by-sa``, ``gpl-3.0-only`` ->
    ``gpl``); an id without a version is its own family."""
    return _VERSION_TAIL.sub("", key)


def names_license(wanted: str, have: frozenset[str]) -> bool:
    """Whether ids ``have`` (lower-case) include ``wanted``: the id itself, any version of a
    family (``cc-by-sa`` matches ``cc-by-sa-3.0`` and ``cc-by-sa-4.0`` but not
    ``cc-by-nc-sa-4.0``), or a variant (``gpl-3.0`` matches ``gpl-3.0-only``)."""
    w = wanted.lower()
    return any(k == w or license_family(k) == w or k.startswith(w + "-") and
               any(c.isdigit() for c in w) for k in have)
