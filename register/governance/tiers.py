"""Use-case tiers and what each requires: the checks that must pass and the roles that
must sign.  The defaults live in the ``tiers:`` section of the shipped policy
(``register/check/policies/default.yaml``); a user policy file overrides any tier's
``use``, ``checks`` or ``roles`` (keys it leaves out keep the default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from register.check.uses import USES
from register.errors import PolicyError, UsageError

TIERS = ("exploratory", "internal-decision-support", "controlled-pilot",
         "limited-production", "safety-critical-production")

#: The checks a tier may require (see :mod:`register.governance.approvals`).
CHECKS: dict[str, str] = {
    "not-blocked": "the check verdict is not blocked",
    "no-needs-review": "no dataset (or the base model) needs review",
    "concluded-or-cleared": "every dataset has a concluded license or a clearance for the use",
    "revisions-pinned": "every dataset is pinned to a Hub revision",
    "weights-checksums": "the model's weights checksums are recorded",
    "provenance-complete": "every dataset has a source and card checksum and every base "
                           "model is in the register",
}

ROLE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class TierSpec:
    """One tier: the use its check runs for, the checks that must pass, the roles to sign."""

    name: str
    use: str
    checks: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    @property
    def rank(self) -> int:
        return TIERS.index(self.name)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "use": self.use, "checks": list(self.checks),
                "roles": list(self.roles)}


def validate_tier(name: str) -> str:
    if name not in TIERS:
        raise UsageError(f"--tier: {name!r} is not a tier",
                         hint=f"tiers: {', '.join(TIERS)}")
    return name


def validate_role(role: str) -> str:
    role = role.strip().lower()
    if not role or not set(role) <= ROLE_CHARS or len(role) > 64:
        raise UsageError(f"--role: {role!r} is not a role name (lower-case letters, digits, -)")
    return role


def _strings(value: Any, origin: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{origin}: {where}: must be a list of strings")
    return tuple(dict.fromkeys(v.strip() for v in value))


def parse_tiers(data: Any, *, origin: str, base: tuple[TierSpec, ...] = ()
                ) -> tuple[TierSpec, ...]:
    """The ``tiers:`` mapping of a policy file, merged over ``base`` (tier by tier)."""
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: tiers: must be a mapping of tier name to requirements")
    known = {t.name: t for t in base}
    out: dict[str, TierSpec] = dict(known)
    for name, spec in data.items():
        if name not in TIERS:
            raise PolicyError(f"{origin}: tiers: {name}: unknown tier",
                              hint=f"tiers: {', '.join(TIERS)}")
        if not isinstance(spec, dict):
            raise PolicyError(f"{origin}: tiers: {name}: must be a mapping (use, checks, roles)")
        old = known.get(name, TierSpec(name, "research"))
        use, checks, roles = old.use, old.checks, old.roles
        for key, value in spec.items():
            where = f"tiers: {name}: {key}"
            if key == "use":
                if value not in USES:
                    raise PolicyError(f"{origin}: {where}: must be one of {', '.join(USES)}")
                use = value
            elif key == "checks":
                checks = _strings(value, origin, where)
                bad = [c for c in checks if c not in CHECKS]
                if bad:
                    raise PolicyError(f"{origin}: {where}: unknown check {bad[0]!r}",
                                      hint=f"checks: {', '.join(CHECKS)}")
            elif key == "roles":
                roles = _strings(value, origin, where)
                for role in roles:
                    if not role or not set(role) <= ROLE_CHARS:
                        raise PolicyError(f"{origin}: {where}: {role!r} is not a role name")
            else:
                raise PolicyError(f"{origin}: {where}: unknown key",
                                  hint="known keys: use, checks, roles")
        out[name] = TierSpec(name, use, checks, roles)
    missing = [t for t in TIERS if t not in out]
    if missing:
        raise PolicyError(f"{origin}: tiers: {missing[0]}: missing from the policy")
    return tuple(out[t] for t in TIERS)


def tier_of(tiers: tuple[TierSpec, ...], name: str) -> TierSpec:
    validate_tier(name)
    return next(t for t in tiers if t.name == name)
