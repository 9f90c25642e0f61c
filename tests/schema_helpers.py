"""Validate real outputs against the JSON Schemas the package ships (register/schemas)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from register.schemas import load_schema


@cache
def validator(name: str) -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(name: str, data: Any) -> list[str]:
    """Every way ``data`` breaks schema ``name`` (empty when it validates)."""
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                  for e in validator(name).iter_errors(data))


def assert_valid(name: str, data: Any) -> None:
    errors = schema_errors(name, data)
    assert not errors, "\n".join(errors[:20])
