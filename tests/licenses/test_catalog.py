"""The license knowledge base in licenses/: loads, ids are valid, terms encode SPEC 4 / 4.1."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from license_expression import get_license_index, get_spdx_licensing

from register.errors import LicenseDataError
from register.licenses.catalog import NON_LICENSE_FILES, KnowledgeBase, builtin_dir
from register.licenses.normalize import normalize

FIXTURES = Path(__file__).parents[1] / "fixtures"
LICENSES = builtin_dir()
KB = KnowledgeBase.load(LICENSES)
LICENSING = get_spdx_licensing()
SCANCODE_REFS = {
    d["spdx_license_key"] for d in get_license_index()
    if str(d.get("spdx_license_key") or "").startswith("LicenseRef-scancode-")
}
FILES = sorted(p for p in LICENSES.glob("*.yaml") if p.name not in NON_LICENSE_FILES)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_each_file_loads_with_provenance(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = KB.get(data["id"])
    assert terms is not None and terms.origin.endswith(path.name)
    assert terms.sources, "every license names the source of its text"
    for src in terms.sources:
        assert src.url.startswith("https://")
        # the review rounds: the knowledge base (2026-11-27), the model licenses of issue 14
        assert src.reviewed in ("2026-11-27", "2026-12-02")
    assert terms.name


def test_ids_are_valid_and_use_the_prescribed_namespace() -> None:
    known = {k.lower() for k in LICENSING.known_symbols}
    for terms in KB:
        lid = terms.id
        if lid.startswith("LicenseRef-scancode-"):
            assert lid in SCANCODE_REFS, f"{lid} is not in license-expression's ScanCode index"
        elif lid.startswith("LicenseRef-"):
            # own ids only where neither SPDX nor ScanCode has the license
            assert lid.lower() not in known
        else:
            info = LICENSING.validate(lid)
            assert not info.errors and info.normalized_expression == lid, lid
            assert not LICENSING.known_symbols[lid].key.startswith("LicenseRef-")


def test_noassertion_is_not_in_the_kb() -> None:
    assert "NOASSERTION" not in KB
    assert all("unknown" not in t.hub_ids for t in KB)


def _hub_rows() -> list[dict[str, str]]:
    with (FIXTURES / "hub-ids-to-spdx.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


HUB_ROWS = _hub_rows()


@pytest.mark.parametrize("row", HUB_ROWS, ids=[r["hub_id"] for r in HUB_ROWS])
def test_every_hub_id_is_covered(row: dict[str, str]) -> None:
    hub = row["hub_id"]
    res = normalize(hub)
    if row["kind"] == "special":  # unknown / other: a human decides
        assert res.needs_review and res.expression is None
        return
    owners = [t for t in KB if hub in t.hub_ids]
    assert len(owners) == 1, f"Hub id {hub} must belong to exactly one license"
    assert res.expression == owners[0].id
    if row["kind"] == "family":
        assert res.needs_review
        return
    assert not res.needs_review
    suggested = row["spdx_suggested"]
    if not suggested.startswith("LicenseRef-") or suggested.startswith("LicenseRef-scancode-"):
        assert res.expression == suggested


def test_reference_conditions_are_covered() -> None:
    for lid in ("CC0-1.0", "PDDL-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-ND-4.0",
                "CC-BY-NC-SA-4.0", "CC-BY-NC-ND-4.0", "ODC-By-1.0", "ODbL-1.0",
                "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "C-UDA-1.0",
                "O-UDA-1.0", "LicenseRef-scancode-mdl-2021",
                "LicenseRef-scancode-bigscience-open-rail-m",
                "LicenseRef-scancode-stable-diffusion-2022-08-22",
                "LicenseRef-scancode-bigscience-open-rail-m2",
                "LicenseRef-scancode-bigscience-rail-1.0",
                "LicenseRef-scancode-llama-2-license-2023", "LicenseRef-hf-llama3",
                "LicenseRef-scancode-llama-3.1-license-2024", "LicenseRef-scancode-openmdw-1.0",
                "LicenseRef-scancode-gemma-tou-2024-04-01"):
        assert lid in KB, lid


def test_cc_families_all_versions() -> None:
    for f in ("BY", "BY-SA", "BY-NC", "BY-ND", "BY-NC-SA", "BY-NC-ND"):
        for v in ("1.0", "2.0", "2.5", "3.0", "4.0"):
            lid = f"CC-{f}-{v}"
            if lid in LICENSING.known_symbols:
                terms = KB.get(lid)
                assert terms is not None, lid
                assert terms.attribution
                assert terms.commercial_use == ("NC" not in f)
                assert terms.no_derivatives == ("ND" in f)
                assert terms.share_alike == ("service" if "SA" in f else "none")


def t(lid: str):  # type: ignore[no-untyped-def]
    terms = KB.get(lid)
    assert terms is not None, lid
    return terms


def test_share_alike_scope_and_one_way_compatibility() -> None:
    for lid in ("GPL-2.0-only", "GPL-3.0-or-later", "LGPL-2.1-only", "LGPL-3.0-or-later"):
        assert t(lid).share_alike == "distribution"
    for lid in ("CC-BY-SA-4.0", "CC-BY-NC-SA-3.0", "ODbL-1.0", "AGPL-3.0-only"):
        assert t(lid).share_alike == "service"
    assert t("CC-BY-SA-3.0").share_alike_compatible == ("CC-BY-SA-4.0",)
    assert t("CC-BY-SA-4.0").share_alike_compatible == ("GPL-3.0-only",)
    # only listed pairs count: among CC/ODC licenses, only SPEC's two one-way pairs
    listed = {x.id for x in KB if x.share_alike_compatible}
    assert {x for x in listed if x.startswith(("CC", "ODbL", "ODC", "CDLA"))} == {
        "CC-BY-SA-3.0", "CC-BY-SA-4.0"}
    # beyond them: the or-later grants of the GNU licenses and MPL-2.0's Secondary Licenses,
    # and GPL-3.0 section 13 (combination with AGPL-3.0, one-way: issue 11)
    assert {x for x in listed if not x.startswith("CC")} == {
        "GPL-2.0-or-later", "GPL-3.0-or-later", "LGPL-2.0-or-later", "LGPL-2.1-only",
        "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "AGPL-3.0-or-later",
        "GPL-3.0-only"}
    assert t("GPL-3.0-only").share_alike_compatible == ("AGPL-3.0-only",)
    assert "GPL-3.0-only" not in t("AGPL-3.0-only").share_alike_compatible
    # weak file-level copyleft is not share-alike for a corpus (SPEC 4.1 groups MPL with MIT)
    assert t("MPL-2.0").share_alike == "none"
    assert "GPL-3.0-only" not in t("GPL-2.0-only").share_alike_compatible
    assert t("GPL-3.0-or-later").share_alike_compatible == ("GPL-3.0-only", "AGPL-3.0-only")
    assert not t("ODbL-1.0").results_carveout


def test_data_license_carveouts() -> None:
    for lid in ("CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "C-UDA-1.0",
                "O-UDA-1.0"):
        assert t(lid).results_carveout and t(lid).license_text
        assert not t(lid).research_only
    assert t("CDLA-Sharing-1.0").share_alike == "distribution"


def test_attribution_kinds() -> None:
    for lid in ("CC-BY-4.0", "ODC-By-1.0", "ODbL-1.0"):
        assert t(lid).attribution
    for lid in ("MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "MPL-2.0"):
        assert t(lid).attribution and t(lid).license_text
    assert t("Apache-2.0").notice and not t("MIT").notice
    for lid in ("CC0-1.0", "PDDL-1.0", "Unlicense", "CC-PDM-1.0"):
        terms = t(lid)
        assert not (terms.attribution or terms.license_text or terms.notice)
        assert terms.share_alike == "none" and terms.commercial_use


def test_ai_licenses() -> None:
    rail = [x for x in KB if x.family == "rail"]
    assert len(rail) >= 5
    for terms in rail:
        assert terms.use_restrictions and terms.license_text and not terms.training_restriction
    assert t("LicenseRef-scancode-llama-2-license-2023").training_restriction
    assert t("LicenseRef-hf-llama3").training_restriction
    for lid in ("LicenseRef-scancode-llama-3.1-license-2024",
                "LicenseRef-scancode-llama-3.2-license-2024",
                "LicenseRef-scancode-llama-3.3-license-2024",
                "LicenseRef-scancode-llama-4-license-2025"):
        assert not t(lid).training_restriction
        assert "naming" in t(lid).extra_obligations
    for terms in (x for x in KB if x.family == "llama"):
        assert terms.use_restrictions and terms.license_text
        assert "user-threshold" in terms.extra_obligations
    assert "naming" in t("LicenseRef-hf-llama3").extra_obligations
    for lid in ("LicenseRef-hf-intel-research", "LicenseRef-hf-apple-amlr",
                "LicenseRef-hf-h-research", "LicenseRef-hf-deepfloyd-if-license",
                "LicenseRef-hf-fair-noncommercial-research-license"):
        assert t(lid).research_only and not t(lid).commercial_use


def test_family_entries_need_review() -> None:
    for hub in ("bsd", "gpl", "lgpl", "gfdl", "cc", "openrail"):
        owners = [x for x in KB if hub in x.hub_ids]
        assert owners and owners[0].needs_review


def test_aliases_are_unique() -> None:
    seen: dict[str, str] = {}
    for terms in KB:
        for hub in terms.hub_ids:
            assert hub not in seen, f"{hub} in {seen.get(hub)} and {terms.id}"
            seen[hub] = terms.id


def test_user_license_dir(tmp_path: Path) -> None:
    (tmp_path / "acme-dua.yaml").write_text(
        "id: LicenseRef-acme-dua\nname: ACME data use agreement\nterms:\n  research_only: true\n"
        "  redistribution_prohibited: true\nsources:\n  - {url: 'https://acme.example/dua', "
        "reviewed: 2026-11-27}\n", encoding="utf-8")
    kb = KnowledgeBase.load(LICENSES, extra_dirs=[tmp_path])
    terms = kb.get("licenseref-acme-dua")
    assert terms is not None and terms.research_only and terms.redistribution_prohibited
    (tmp_path / "bad.yaml").write_text("id: X\nneeds_review: maybe\n", encoding="utf-8")
    with pytest.raises(LicenseDataError):
        KnowledgeBase.load(LICENSES, extra_dirs=[tmp_path])
