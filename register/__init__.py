"""The dataset license and rights register.

Public API::

    from register import Register, normalize, require_allowed

    reg = Register.open("register.db")          # or a postgresql+psycopg:// URL
    reg.ingest_paths(["data/cards"], recursive=True)
    result = reg.check(["squad", "glue"], use="release-weights", region="DE")
    require_allowed(result)                       # raises CheckFailed unless allowed
    result.verdict, result.obligations            # a CheckResult; .to_dict() is the SPEC JSON
"""

from __future__ import annotations

from typing import Any

from register.check.result import CheckResult
from register.errors import CheckFailed, RegisterError
from register.licenses.normalize import NormalizationResult, normalize
from register.register import Register, validate_expression

__all__ = [
    "CheckFailed",
    "CheckResult",
    "NormalizationResult",
    "Register",
    "RegisterError",
    "check_datasets",
    "normalize",
    "require_allowed",
    "validate_expression",
]

__version__ = "0.1.0"


def require_allowed(result: CheckResult) -> CheckResult:
    """Return ``result`` if its verdict is allowed; raise :class:`CheckFailed` otherwise."""
    if result.allowed:
        return result
    raise CheckFailed(result)


def check_datasets(*args: Any, **kwargs: Any) -> CheckResult:
    """Pre-fine-tune check for ``datasets`` users (see :mod:`register.hf_datasets`)."""
    from register.hf_datasets import check_datasets as _check

    return _check(*args, **kwargs)
