"""Provenance of the built-in knowledge base: ``licenses/MANIFEST.yaml``.

The manifest names the SPDX license list and the ScanCode LicenseDB index (as shipped inside
``license-expression``) that the knowledge-base files were checked against, the date of that
check and the files it covers.  ``tests/licenses/test_manifest.py`` keeps it true: the files
listed are exactly the files present, the versions are those of the installed
``license-expression``, and every SPDX id / ScanCode key the files use is known to it.

Regenerate after changing the data or upgrading ``license-expression``::

    python -m register.licenses.manifest            # rewrites licenses/MANIFEST.yaml
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from register.errors import LicenseDataError
from register.licenses.catalog import builtin_dir
from register.safe_yaml import load_yaml_file

__all__ = ["MANIFEST_NAME", "build_manifest", "installed_index", "read_manifest"]

MANIFEST_NAME = "MANIFEST.yaml"
_ABOUT = "license_key_index.json.ABOUT"


def installed_index() -> dict[str, Any]:
    """Versions of the license data inside the installed ``license-expression``."""
    about_path = resources.files("license_expression") / "data" / _ABOUT
    about = load_yaml_file(Path(str(about_path)), error=LicenseDataError)
    url = str(about.get("download_url") or "")
    commit = re.search(r"/([0-9a-f]{40})/", url)
    updated = re.search(r"(\w+ \d{1,2}, \d{4})", str(about.get("note") or ""))
    updated_on = datetime.strptime(updated.group(1), "%B %d, %Y").date() if updated else None
    return {
        "license_expression": metadata.version("license-expression"),
        "spdx_license_list_version": str(about.get("spdx_license_list_version")),
        "scancode_licensedb_index": {
            "file": str(about.get("about_resource") or ""),
            "url": url,
            "commit": commit.group(1) if commit else None,
            "updated": updated_on.isoformat() if updated_on else None,
        },
    }


def data_files(directory: Path | None = None) -> list[str]:
    """The files of a licenses directory (hidden files and the manifest excluded)."""
    d = directory or builtin_dir()
    return sorted(p.name for p in d.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.name != MANIFEST_NAME)


def build_manifest(directory: Path | None = None, checked: date | None = None) -> str:
    """The manifest text for a licenses directory, checked today (or on ``checked``)."""
    index = installed_index()
    db = index["scancode_licensedb_index"]
    lines = [
        "# Provenance of the license knowledge base (this directory); regenerate with",
        "#   python -m register.licenses.manifest",
        f"checked: {(checked or date.today()).isoformat()}",
        f"license_expression: '{index['license_expression']}'",
        f"spdx_license_list_version: '{index['spdx_license_list_version']}'",
        "scancode_licensedb_index:",
        f"  file: {db['file']}",
        f"  url: {db['url']}",
        f"  commit: {db['commit']}",
        f"  updated: '{db['updated']}'",
        "files:",
        *(f"- {name}" for name in data_files(directory)),
    ]
    return "\n".join(lines) + "\n"


def read_manifest(directory: Path | None = None) -> dict[str, Any]:
    """The parsed manifest of a licenses directory."""
    data = load_yaml_file((directory or builtin_dir()) / MANIFEST_NAME, error=LicenseDataError)
    if not isinstance(data, dict):
        raise LicenseDataError(f"{MANIFEST_NAME}: must be a mapping")
    return data


def main() -> None:  # pragma: no cover - a maintainer's tool
    target = builtin_dir() / MANIFEST_NAME
    target.write_text(build_manifest(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")


if __name__ == "__main__":  # pragma: no cover
    main()
