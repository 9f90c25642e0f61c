"""Rights options: validation, changes, cross-field rules and the list-filter queries."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from register.check.facts import (
    LAWFUL_BASES,
    PERSONAL_DATA_VALUES,
    SENSITIVE_CATEGORIES,
    USES,
    RightsRecord,
)
from register.errors import RegisterError, ValidationError
from register.rights.columns import RIGHTS_COLUMNS, record_cells
from register.rights.record import (
    RightsChange,
    apply_change,
    check_change,
    expiring_within,
    normalize_region_filter,
    parse_rights_options,
    rights_problems,
    usable_in_region,
    validate_record,
)


def _error(**options: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_rights_options(**options)  # type: ignore[arg-type]
    return info.value


# --------------------------------------------------------------------------- parsing


def test_every_option_parses_to_canonical_values() -> None:
    change = parse_rights_options(
        personal_data="YES",
        sensitive=["Health", "biometric;sex life", "health"],
        dpia="  DPIA-2024-07 ",
        lawful_basis="Legitimate_Interests",
        consent_purpose=["Research", "release_weights"],
        collected_in=["de", "fr"],
        allowed_region=["eu", "ch", "EEA"],
        collected_on="2020-01-31",
        retain_until="2027-01-31",
    )
    assert change == RightsChange(
        personal_data="yes",
        sensitive=("biometric", "health", "sex-life"),
        dpia="DPIA-2024-07",
        lawful_basis="legitimate-interests",
        consent_purposes=("research", "release-weights"),
        collected_in=("DE", "FR"),
        allowed_regions=("CH", "EEA", "EU"),  # groups kept as written
        collected_on=date(2020, 1, 31),
        retain_until=date(2027, 1, 31),
    )


def test_nothing_given_is_an_empty_change() -> None:
    change = parse_rights_options()
    assert change.is_empty()
    assert apply_change(None, change) == RightsRecord()


@pytest.mark.parametrize(
    ("options", "option", "fragment"),
    [
        ({"collected_in": ["XX"]}, "--collected-in", "'XX' is not an ISO 3166-1 alpha-2"),
        ({"collected_in": ["EU"]}, "--collected-in", "'EU' is not an ISO 3166-1 alpha-2"),
        ({"collected_in": ["UK"]}, "--collected-in", "GB"),
        ({"allowed_region": ["ZZ"]}, "--allowed-region", "'ZZ' is not an ISO 3166-1"),
        ({"allowed_region": ["any", "DE"]}, "--allowed-region", "'any' cannot be combined"),
        ({"collected_on": "31/01/2020"}, "--collected-on", "not an ISO 8601 date"),
        ({"retain_until": "2027-02-30"}, "--retain-until", "not a valid date"),
        ({"lawful_basis": "because"}, "--lawful-basis", "'because' is not a lawful basis"),
        ({"sensitive": ["gossip"]}, "--sensitive", "'gossip' is not a sensitive category"),
        ({"consent_purpose": ["marketing"]}, "--consent-purpose", "'marketing' is not a use"),
        ({"consent_purpose": ["any", "research"]}, "--consent-purpose", "'any' cannot"),
        ({"personal_data": "maybe"}, "--personal-data", "'maybe' is not yes, no or unknown"),
        ({"dpia": "a\nb"}, "--dpia", "single line"),
        ({"sensitive": ["-", "health"]}, "--sensitive", "clear marker"),
        ({"dpia": "REF", "clear": ["dpia"]}, "--dpia", "both set and cleared"),
        ({"clear": ["colour"]}, "--clear", "'colour' is not a rights field"),
        (
            {"collected_on": "2021-06-01", "retain_until": "2021-05-31"},
            "--retain-until",
            "2021-05-31 is before --collected-on 2021-06-01",
        ),
    ],
)
def test_each_validation_error_names_its_option(
    options: dict[str, object], option: str, fragment: str
) -> None:
    err = _error(**options)
    assert isinstance(err, RegisterError)
    assert len(err.problems) == 1
    problem = err.problems[0]
    assert problem.column == option
    assert fragment in problem.message
    assert str(err).startswith(f"{option}: ")
    assert fragment in str(err)


def test_every_problem_is_listed_at_once() -> None:
    err = _error(
        personal_data="maybe",
        sensitive=["x"],
        lawful_basis="nope",
        consent_purpose=["y"],
        collected_in=["XX", "QQ"],
        allowed_region=["ZZ"],
        collected_on="2020-13-01",
        retain_until="soon",
    )
    columns = [p.column for p in err.problems]
    assert columns == [
        "--personal-data",
        "--sensitive",
        "--lawful-basis",
        "--consent-purpose",
        "--collected-in",
        "--collected-in",
        "--allowed-region",
        "--collected-on",
        "--retain-until",
    ]
    for column in columns:
        assert f"{column}: " in str(err)


def test_known_values_are_all_accepted() -> None:
    for value in PERSONAL_DATA_VALUES:
        assert parse_rights_options(personal_data=value.upper()).personal_data == value
    for basis in LAWFUL_BASES:
        assert parse_rights_options(lawful_basis=basis.upper()).lawful_basis == basis
    change = parse_rights_options(sensitive=list(SENSITIVE_CATEGORIES))
    assert change.sensitive == SENSITIVE_CATEGORIES
    assert parse_rights_options(consent_purpose=list(USES)).consent_purposes == USES
    assert parse_rights_options(consent_purpose=["ANY"]).consent_purposes == ("any",)
    assert parse_rights_options(allowed_region=["Any"]).allowed_regions == ("any",)


def test_dates_accept_date_objects() -> None:
    change = parse_rights_options(collected_on=date(2020, 1, 1))
    assert change.collected_on == date(2020, 1, 1)


# --------------------------------------------------------------------------- clearing


def test_clear_marker_and_clear_option_reset_fields() -> None:
    current = RightsRecord(
        personal_data="yes",
        sensitive=("health",),
        dpia="D-1",
        lawful_basis="consent",
        consent_purposes=("research",),
        collected_in=("DE",),
        allowed_regions=("EU",),
        collected_on=date(2020, 1, 1),
        retain_until=date(2030, 1, 1),
    )
    change = parse_rights_options(
        dpia="-",
        sensitive=["none"],
        allowed_region=["NONE"],
        collected_on="-",
        personal_data="-",
        clear=["consent-purpose", "--retain-until", "collected_in"],
    )
    assert change.clear == {
        "dpia",
        "sensitive",
        "allowed_regions",
        "collected_on",
        "personal_data",
        "consent_purposes",
        "retain_until",
        "collected_in",
    }
    after = apply_change(current, change)
    assert after == RightsRecord(lawful_basis="consent")


def test_lists_replace_and_unset_fields_are_kept() -> None:
    current = RightsRecord(personal_data="yes", sensitive=("biometric",), dpia="D-1")
    after = apply_change(current, parse_rights_options(sensitive=["health"]))
    assert after == RightsRecord(personal_data="yes", sensitive=("health",), dpia="D-1")


def test_change_to_dict_is_json_ready() -> None:
    change = parse_rights_options(sensitive=["health"], retain_until="2027-01-31", dpia="-")
    assert change.to_dict() == {
        "sensitive": ["health"],
        "retain_until": "2027-01-31",
        "clear": ["dpia"],
    }


# --------------------------------------------------------------------------- cross-field


def test_validate_record_rules() -> None:
    ok = RightsRecord(personal_data="no", lawful_basis="not-applicable", dpia="D-1")
    assert validate_record(ok) == []  # dpia without sensitive is fine
    bad = RightsRecord(
        personal_data="unknown",
        lawful_basis="not-applicable",
        collected_on=date(2022, 1, 2),
        retain_until=date(2022, 1, 1),
    )
    problems = validate_record(bad)
    # not-applicable with personal data unknown is recorded (rule 9 judges it at check time)
    assert [p.column for p in problems] == ["retain_until"]
    assert "collected_on" in problems[0].message
    assert rights_problems(RightsRecord(personal_data="yes", lawful_basis="not-applicable"))
    same_day = RightsRecord(collected_on=date(2022, 1, 1), retain_until=date(2022, 1, 1))
    assert validate_record(same_day) == []


def test_check_change_uses_the_stored_record() -> None:
    stored = RightsRecord(personal_data="no", lawful_basis="not-applicable")
    flip = parse_rights_options(personal_data="yes")  # recorded; rule 9 reports it later
    assert check_change(stored, flip, style="option") == []
    stored2 = RightsRecord(collected_on=date(2024, 5, 1))
    problems = check_change(stored2, parse_rights_options(retain_until="2024-04-30"))
    assert [p.column for p in problems] == ["retain_until"]


# --------------------------------------------------------------------------- queries


def test_rights_problems() -> None:
    assert rights_problems(None) == []
    assert rights_problems(RightsRecord()) == []
    assert rights_problems(RightsRecord(personal_data="no")) == []
    missing = rights_problems(
        RightsRecord(personal_data="yes", sensitive=("health",), lawful_basis=None)
    )
    assert len(missing) == 2
    assert "lawful basis" in missing[0]
    assert "DPIA" in missing[1] and "health" in missing[1]
    consent = rights_problems(RightsRecord(personal_data="yes", lawful_basis="consent"))
    assert consent == ["lawful basis is consent but no consent purposes are recorded"]
    fine = RightsRecord(
        personal_data="yes",
        lawful_basis="consent",
        consent_purposes=("research",),
        sensitive=("biometric",),
        dpia="D-9",
    )
    assert rights_problems(fine) == []
    # confidential-business counts without personal data
    assert rights_problems(RightsRecord(personal_data="no", sensitive=("confidential-business",)))


def test_usable_in_region() -> None:
    assert usable_in_region(None, "DE")
    assert usable_in_region(RightsRecord(), "US")
    assert usable_in_region(RightsRecord(allowed_regions=("any",)), "US")
    eu = RightsRecord(allowed_regions=("EU",))
    assert usable_in_region(eu, "de")
    assert usable_in_region(eu, "EU")
    assert not usable_in_region(eu, "NO")
    assert not usable_in_region(eu, "EEA")
    assert not usable_in_region(eu, "US")
    assert usable_in_region(RightsRecord(allowed_regions=("EEA",)), "NO")
    assert usable_in_region(RightsRecord(allowed_regions=("CH", "EU")), "CH")
    with pytest.raises(ValidationError, match="^region: 'XX'") as info:
        usable_in_region(eu, "XX")
    assert info.value.exit_code == 2 and info.value.param == "region"
    with pytest.raises(ValidationError, match="region: 'QQ'"):
        usable_in_region(RightsRecord(), "QQ")
    assert normalize_region_filter(" eea ") == "EEA"
    assert normalize_region_filter("de") == "DE"


def test_expiring_within() -> None:
    today = date(2025, 1, 1)
    assert not expiring_within(RightsRecord(), 30, today)
    assert not expiring_within(None, 30, today)
    assert expiring_within(RightsRecord(retain_until=date(2025, 1, 31)), 30, today)
    assert not expiring_within(RightsRecord(retain_until=date(2025, 2, 1)), 30, today)
    assert expiring_within(RightsRecord(retain_until=today), 0, today)
    assert expiring_within(RightsRecord(retain_until=date(2024, 6, 1)), 30, today)  # expired
    with pytest.raises(ValidationError):
        expiring_within(RightsRecord(), -1, today)


def test_record_cells_cover_every_column() -> None:
    cells = record_cells(RightsRecord(sensitive=("health", "location"), dpia="D"))
    assert list(cells) == list(RIGHTS_COLUMNS)
    assert cells["sensitive"] == "health;location"
    assert cells["personal_data"] == "unknown"
    assert cells["allowed_region"] is None


# --------------------------------------------------------------------------- properties

_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=20)
_codes = st.sampled_from(("DE", "FR", "US", "CH", "JP", "BR"))
records = st.builds(
    RightsRecord,
    personal_data=st.sampled_from(PERSONAL_DATA_VALUES),
    sensitive=st.lists(st.sampled_from(SENSITIVE_CATEGORIES), unique=True).map(tuple),
    dpia=st.none() | _text,
    lawful_basis=st.none() | st.sampled_from(LAWFUL_BASES),
    consent_purposes=st.lists(st.sampled_from((*USES, "any")), unique=True).map(tuple),
    collected_in=st.lists(_codes, unique=True).map(tuple),
    allowed_regions=st.lists(st.sampled_from(("EU", "EEA", "any", "CH", "US")), unique=True).map(
        tuple
    ),
    collected_on=st.none() | st.dates(),
    retain_until=st.none() | st.dates(),
)


@given(records)
def test_record_dict_round_trip(record: RightsRecord) -> None:
    assert RightsRecord.from_dict(record.to_dict()) == record


@given(records)
def test_clearing_everything_gives_the_default(record: RightsRecord) -> None:
    change = parse_rights_options(clear=list(RIGHTS_COLUMNS))
    assert apply_change(record, change) == RightsRecord()
