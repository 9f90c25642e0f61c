"""licenses/MANIFEST.yaml: the knowledge base's provenance is true and complete."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from register.licenses.catalog import NON_LICENSE_FILES, KnowledgeBase
from register.licenses.expressions import spdx_licensing
from register.licenses.manifest import (
    MANIFEST_NAME,
    build_manifest,
    data_files,
    installed_index,
    read_manifest,
)

ROOT = Path(__file__).resolve().parents[2]
LICENSES = ROOT / "licenses"


def test_manifest_lists_exactly_the_files_present() -> None:
    manifest = read_manifest(LICENSES)
    present = sorted(p.name for p in LICENSES.iterdir()
                     if p.is_file() and not p.name.startswith(".") and p.name != MANIFEST_NAME)
    assert manifest["files"] == present == data_files(LICENSES)


def test_manifest_versions_are_the_installed_license_data() -> None:
    manifest = read_manifest(LICENSES)
    index = installed_index()
    assert manifest["spdx_license_list_version"] == index["spdx_license_list_version"]
    assert manifest["license_expression"] == index["license_expression"]
    assert manifest["scancode_licensedb_index"] == index["scancode_licensedb_index"]
    assert date.fromisoformat(str(manifest["checked"])) <= date.today()


def test_manifest_is_what_the_generator_writes() -> None:
    text = (LICENSES / MANIFEST_NAME).read_text(encoding="utf-8")
    checked = date.fromisoformat(str(read_manifest(LICENSES)["checked"]))
    assert text == build_manifest(LICENSES, checked)


def test_every_id_is_known_to_the_checked_license_list() -> None:
    """SPDX ids and ScanCode keys are current keys of the installed index; only own
    ``LicenseRef-hf-...`` ids are unknown to it (SPEC section 3)."""
    known = spdx_licensing().known_symbols
    kb = KnowledgeBase.load(LICENSES)
    for terms in kb:
        if terms.id.startswith("LicenseRef-") and not terms.id.startswith("LicenseRef-scancode-"):
            assert terms.id not in known, terms.id
        else:
            assert terms.id in known, terms.id


def test_manifest_is_not_a_license_and_ships_in_the_wheel() -> None:
    assert MANIFEST_NAME in NON_LICENSE_FILES
    assert all(t.id != "MANIFEST" for t in KnowledgeBase.load(LICENSES))
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # (no tomllib on 3.10)
    section = pyproject.split("[tool.hatch.build.targets.wheel.force-include]", 1)[1]
    assert section.lstrip().startswith('"licenses" = "register/_licenses"')
