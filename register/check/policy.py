"""Check policies: the knobs of SPEC section 4 as data.

The default policy ships as ``register/check/policies/default.yaml``.  A policy file names itself
(``name``) and sets any of the knobs below; knobs it leaves out keep the default values.
The policy's name appears in every check result (``"policy"``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from register.errors import PolicyError
from register.safe_yaml import load_yaml_file

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "policies" / "default.yaml"

UNKNOWN_LICENSE_VERDICTS = ("needs-review", "blocked")
PERSONAL_DATA_UNKNOWN_ACTIONS = ("warning", "needs-review", "ignore")


@dataclass(frozen=True)
class Policy:
    """Knobs of the check engine (SPEC section 4 marks which rules a policy may change)."""

    name: str = "default"
    description: str = ""
    #: Rule 4: trained weights are an adaptation of no-derivatives material (release-weights
    #: of ND material is blocked); when false it needs review, as for ``service``.
    weights_are_adaptations: bool = True
    #: Rule 1: verdict for an unknown / NOASSERTION / unreviewed / KB-less license.
    unknown_license: str = "needs-review"
    #: Rule 11: warning window, in days, before ``retain-until``.
    retention_warning_days: int = 30
    #: Rule 9: personal data ``unknown`` gives a warning, needs review, or nothing.
    personal_data_unknown: str = "warning"
    #: Governance (issue 15): per use-case tier, the checks that must pass and the roles
    #: that must sign (:class:`register.governance.tiers.TierSpec`, in tier order).
    tiers: tuple[Any, ...] = ()
    origin: str = ""  # the file the policy was read from

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("origin")
        data["tiers"] = [t.to_dict() for t in self.tiers]
        return data


_KNOBS = {
    "name": str,
    "description": str,
    "weights_are_adaptations": bool,
    "unknown_license": str,
    "retention_warning_days": int,
    "personal_data_unknown": str,
}


def policy_from_mapping(data: Any, *, origin: str, base: Policy | None = None) -> Policy:
    """Validate a policy mapping; knobs not given keep ``base`` (the built-in default)."""
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: a policy file must be a YAML mapping of knobs")
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "tiers":
            from register.governance.tiers import parse_tiers

            values["tiers"] = parse_tiers(value, origin=origin,
                                          base=base.tiers if base is not None else ())
            continue
        if key not in _KNOBS:
            raise PolicyError(
                f"{origin}: {key}: unknown policy key",
                hint=f"known keys: {', '.join(_KNOBS)}, tiers",
            )
        expected = _KNOBS[key]
        if expected is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, expected)
        if not ok:
            wanted = "true or false" if expected is bool else expected.__name__
            raise PolicyError(f"{origin}: {key}: must be {wanted}, not {value!r}")
        values[key] = value
    if "name" in values and not values["name"].strip():
        raise PolicyError(f"{origin}: name: must not be empty")
    if "unknown_license" in values and values["unknown_license"] not in UNKNOWN_LICENSE_VERDICTS:
        raise PolicyError(
            f"{origin}: unknown_license: must be one of {', '.join(UNKNOWN_LICENSE_VERDICTS)}, "
            f"not {values['unknown_license']!r}"
        )
    if (
        "personal_data_unknown" in values
        and values["personal_data_unknown"] not in PERSONAL_DATA_UNKNOWN_ACTIONS
    ):
        raise PolicyError(
            f"{origin}: personal_data_unknown: must be one of "
            f"{', '.join(PERSONAL_DATA_UNKNOWN_ACTIONS)}, not {values['personal_data_unknown']!r}"
        )
    days = values.get("retention_warning_days")
    if days is not None and not 0 <= days <= 3660:
        raise PolicyError(f"{origin}: retention_warning_days: must be between 0 and 3660")
    start_from = base if base is not None else Policy()
    start = {f.name: getattr(start_from, f.name) for f in fields(start_from)}
    start.update(values)
    if "name" not in values:
        # A policy file without a name is named after its file.
        start["name"] = Path(origin).stem if base is not None else start["name"]
    start["name"] = start["name"].strip()
    start["origin"] = origin
    return Policy(**start)


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The shipped default policy (``register/check/policies/default.yaml``)."""
    data = load_yaml_file(DEFAULT_POLICY_PATH, error=PolicyError)
    return policy_from_mapping(data, origin=str(DEFAULT_POLICY_PATH))


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in ``path``, or the default policy when ``path`` is None.

    Raises PolicyError naming the file and the offending key.
    """
    if path is None:
        return default_policy()
    data = load_yaml_file(path, error=PolicyError, max_bytes=1024 * 1024)
    return policy_from_mapping(data, origin=str(path), base=default_policy())
