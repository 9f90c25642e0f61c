"""Region codes: ISO 3166-1 alpha-2 countries, the ``EU`` and ``EEA`` groups, and ``any``.

Rights records keep what the user wrote (``EU``, ``CH``, ``any``); checks expand groups to
their member countries with :func:`expand_regions` and compare with :func:`region_allowed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from register.errors import ValidationError

ANY = "any"

#: The 27 member states of the European Union (ISO codes; Greece is ``GR``, not ``EL``).
EU_MEMBERS: frozenset[str] = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    }
)

#: The European Economic Area: the EU plus Iceland, Liechtenstein and Norway.
EEA_MEMBERS: frozenset[str] = EU_MEMBERS | {"IS", "LI", "NO"}

GROUPS: dict[str, frozenset[str]] = {"EU": EU_MEMBERS, "EEA": EEA_MEMBERS}

# Common non-ISO spellings and the ISO code the user most likely meant.
_HINTS = {"UK": "GB", "EL": "GR", "EN": "GB"}


@lru_cache(maxsize=512)
def _country(code: str) -> str | None:
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return None
    import pycountry  # only for a country code (a group or "any" needs no table)

    country = pycountry.countries.get(alpha_2=code)
    return None if country is None else str(country.alpha_2)


def validate_region(code: object, *, allow_groups: bool = True, allow_any: bool = True) -> str:
    """Return ``code`` in canonical form (``CH``, ``EU``, ``any``) or raise ValidationError.

    Country codes are case-insensitive ISO 3166-1 alpha-2 codes.  ``EU`` and ``EEA`` are
    accepted when ``allow_groups``; ``any`` when ``allow_any``.
    """
    if not isinstance(code, str) or not code.strip():
        raise ValidationError(f"region must be a non-empty code, not {code!r}")
    raw = code.strip()
    if raw.lower() == ANY:
        if allow_any:
            return ANY
        raise ValidationError("region 'any' is not allowed here; give an ISO 3166-1 code")
    upper = raw.upper()
    if upper in GROUPS:
        if allow_groups:
            return upper
        raise ValidationError(
            f"region {raw!r} is a group; give one ISO 3166-1 alpha-2 country code"
        )
    country = _country(upper)
    if country is not None:
        return country
    hint = _HINTS.get(upper)
    allowed = "an ISO 3166-1 alpha-2 country code"
    if allow_groups:
        allowed += ", EU or EEA"
    if allow_any:
        allowed += ", or any"
    message = f"unknown region {raw!r}: expected {allowed}"
    if hint:
        message += f" (did you mean {hint}?)"
    raise ValidationError(message, hint=f"use {hint}" if hint else None)


def expand_regions(codes: Iterable[str]) -> frozenset[str]:
    """Expand codes to member countries; ``EU``/``EEA`` become their members.

    ``any`` is kept as the element ``"any"`` (test with ``ANY in result``); every other
    element of the result is an upper-case ISO 3166-1 alpha-2 country code.  Raises
    ValidationError on the first unknown code.
    """
    out: set[str] = set()
    for code in codes:
        canonical = validate_region(code)
        group = GROUPS.get(canonical)
        if group is not None:
            out |= group
        else:
            out.add(canonical)
    return frozenset(out)


def region_allowed(region: str, allowed: Iterable[str]) -> bool:
    """Whether a use in ``region`` (a country or group) lies inside ``allowed``.

    An empty ``allowed`` or one containing ``any`` means no restriction.  A group region
    (``EU``) is inside only when every member is.
    """
    allowed_set = expand_regions(allowed)
    if not allowed_set or ANY in allowed_set:
        return True
    wanted = expand_regions([region])
    if ANY in wanted:
        return False
    return wanted <= allowed_set
