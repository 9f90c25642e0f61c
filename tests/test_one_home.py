"""One concept, one home: constants and helpers that used to be defined in several modules
are defined once (register/versions.py, render/cells.py, check/uses.py) and imported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
           for p in sorted((ROOT / "register").rglob("*.py"))}


@pytest.mark.parametrize(
    ("pattern", "home"),
    [
        (r"^SCHEMA_VERSION\s*=", "register/versions.py"),
        (r"^USES\b.*=", "register/check/uses.py"),
        (r"^LIST_SEPARATOR\s*=", "register/render/cells.py"),
        (r"^FORMULA_TRIGGERS\b.*=", "register/render/cells.py"),
        (r"^def (escape_cell|unescape_cell|cell_text|plain_cell)\(", "register/render/cells.py"),
        (r"^def validate_use\(", "register/check/uses.py"),
    ],
)
def test_defined_once(pattern: str, home: str) -> None:
    where = [name for name, text in SOURCES.items() if re.search(pattern, text, re.MULTILINE)]
    assert where == [home]


def test_use_is_not_checked_by_hand() -> None:
    # register/hf_datasets.py is being changed on another branch; its check_datasets should
    # call validate_use too (its own message lacks the "--").  Remove it from here then.
    assert [name for name, text in SOURCES.items()
            if re.search(r"\buse not in USES\b", text)] == ["register/hf_datasets.py"]


def test_json_outputs_carry_the_one_schema_version() -> None:
    from register.render.formats import to_json
    from register.versions import SCHEMA_VERSION

    assert f'"schema_version": {SCHEMA_VERSION}' in to_json({"a": 1})
