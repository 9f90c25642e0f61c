"""The one ``Licensing`` (register.licenses.expressions) and what is read through it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from register.licenses.catalog import default_kb
from register.licenses.expressions import (
    expression_syntax_error,
    license_keys,
    spdx_licensing,
)
from register.licenses.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]

# The regex tokenizer exports used before license_keys (kept here as the reference).
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-:]*")


def _regex_ids(expression: str | None) -> list[str]:
    out: dict[str, None] = {}
    for token in _TOKEN.findall(expression or ""):
        if token.lower() not in {"and", "or", "with"}:
            out.setdefault(token, None)
    return list(out)


def test_one_licensing_instance() -> None:
    assert spdx_licensing() is spdx_licensing()
    sources = [p for p in (ROOT / "register").rglob("*.py")
               if "Licensing(" in p.read_text(encoding="utf-8")]
    assert sources == []


def _canonical_expressions() -> list[str]:
    ids = [t.id for t in default_kb()]
    exprs = list(ids)
    exprs += [f"{a} AND {b}" for a, b in zip(ids, ids[1:], strict=False)]
    exprs += [f"({a} OR {b}) AND {a}" for a, b in zip(ids, ids[2:], strict=False)]
    exprs += ["GPL-2.0-only WITH Classpath-exception-2.0 OR MIT", "NOASSERTION",
              "LicenseRef-my-own-agreement AND CC-BY-4.0"]
    for text in ("cc-by-4.0", "mit", "apache-2.0, mit", "GPL-3.0", "odc-by", "llama2"):
        result = normalize(text)
        if result.expression:
            exprs.append(result.expression)
    return exprs


def test_license_keys_match_the_old_regex_on_canonical_expressions() -> None:
    for expr in _canonical_expressions():
        assert list(license_keys(expr)) == _regex_ids(expr), expr


@pytest.mark.parametrize(
    ("expression", "keys"),
    [
        (None, ()),
        ("", ()),
        ("MIT AND (Apache-2.0 OR MIT)", ("MIT", "Apache-2.0")),
        ("mit", ("MIT",)),
        ("LicenseRef-Own", ("LicenseRef-Own",)),
        ("MIT AND (", ("MIT AND (",)),  # not an expression: itself, never dropped
    ],
)
def test_license_keys(expression: str | None, keys: tuple[str, ...]) -> None:
    assert license_keys(expression) == keys


def test_expression_syntax_error() -> None:
    assert expression_syntax_error("MIT OR LicenseRef-x") is None
    assert expression_syntax_error("MIT AND") is not None
