"""Intended uses (SPEC section 4) and the one check of a ``--use`` value.

Every entry point that takes a use (``Register.check`` / ``check_corpus`` / ``clear``, the
check engine, the exports, the CLI's ``check``, ``notice``, ``clear`` and ``export``) calls
:func:`validate_use`, so a wrong use gives the same :class:`~register.errors.UsageError`
(exit code 2) and the same message everywhere.
"""

from __future__ import annotations

from register.errors import UsageError

__all__ = ["USES", "validate_use"]

#: Intended uses, from least to most exposed (SPEC section 4).
USES: tuple[str, ...] = ("research", "internal", "service", "release-weights", "release-data")


def validate_use(value: object) -> str:
    """``value`` when it is one of :data:`USES`; else :class:`UsageError` listing them."""
    if isinstance(value, str) and value in USES:
        return value
    raise UsageError(f"use must be one of {', '.join(USES)}, not {value!r}",
                     param="use")
