"""The SPDX licensing of ``license-expression``, built once (it is slow to build)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def spdx_licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


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


def license_keys(expression: str | None) -> set[str]:
    """The license (and exception) keys of an expression, lower-case; text that is not an
    expression is its own key."""
    if not expression:
        return set()
    try:
        return {k.lower() for k in spdx_licensing().license_keys(expression)}
    except Exception:
        return {expression.lower()}
