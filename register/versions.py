"""Version numbers the register's outputs carry.

:data:`SCHEMA_VERSION` is the ``"schema_version"`` of every JSON output (``list``, ``show``,
``check``, ``export json``, ...): one number for the whole product, raised when a JSON shape
changes incompatibly.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

__all__ = ["SCHEMA_VERSION"]
