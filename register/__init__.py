"""The dataset license and rights register.

Public API::

    from register import Register, normalize, require_allowed

    reg = Register.open("register.db", create=True)  # or a postgresql+psycopg:// URL
    reg.ingest_paths(["data/cards"], recursive=True)
    result = reg.check(["squad", "glue"], use="release-weights", region="DE")
    require_allowed(result)                       # raises CheckFailed unless allowed
    result.verdict, result.obligations            # a CheckResult; .to_dict() is the SPEC JSON
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from register.errors import CheckFailed, RegisterError

if TYPE_CHECKING:
    from register.check.result import CheckResult
    from register.licenses.normalize import NormalizationResult, normalize
    from register.register import Register, validate_expression

# The public names are imported on first use (PEP 562), so that ``import register.cli``
# (every CLI start) does not pay for SQLAlchemy, the license catalogue and the check engine.
_LAZY = {
    "CheckResult": "register.check.result",
    "NormalizationResult": "register.licenses.normalize",
    "normalize": "register.licenses.normalize",
    "Register": "register.register",
    "validate_expression": "register.register",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'register' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

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
