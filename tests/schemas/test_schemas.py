"""The JSON Schemas shipped in register/schemas: generated from the types, and real outputs
(``register check -f json``, ``register license normalize -f json``) validate against them.
The read commands' outputs (``show``, ``list``, ``audit``, ``license show``) are in
test_read_schemas.py."""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from register.check.facts import OBLIGATION_KINDS, USES, VERDICTS
from register.schemas import (
    DRAFT,
    SCHEMAS,
    generate_schema,
    load_schema,
    render_schema,
    schema_filename,
)
from tests.check_corpus_helpers import CHECK_ON, every_finding_register
from tests.cli_helpers import run_cli
from tests.schema_helpers import assert_valid, schema_errors

ROOT = Path(__file__).parents[2]
SHIPPED = ROOT / "register" / "schemas"
FIXTURES = ROOT / "tests" / "fixtures"


# --------------------------------------------------------------------------- the files


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_schema_is_what_the_types_generate(name: str) -> None:
    shipped = (SHIPPED / schema_filename(name)).read_text(encoding="utf-8")
    assert shipped == render_schema(generate_schema(name)), \
        "run scripts/gen_schemas.py to regenerate the schemas"
    assert load_schema(name) == json.loads(shipped)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == DRAFT
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {"const": 1, "type": "integer"}
    assert schema["required"][0] == "schema_version"


def test_every_shipped_file_is_listed() -> None:
    assert sorted(p.name for p in SHIPPED.glob("*.schema.json")) == sorted(
        schema_filename(n) for n in SCHEMAS)


def test_gen_schemas_script_check_mode() -> None:
    spec = importlib.util.spec_from_file_location("gen_schemas", ROOT / "scripts" /
                                                  "gen_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def test_unknown_schema_name() -> None:
    with pytest.raises(KeyError, match="no JSON Schema named"):
        load_schema("nope")


# --------------------------------------------------------------------------- strictness


def test_check_schema_is_strict_where_spec_is() -> None:
    schema = load_schema("check")
    defs = schema["$defs"]
    assert schema["properties"]["verdict"]["enum"] == list(VERDICTS)
    assert schema["properties"]["use"]["enum"] == list(USES)
    assert defs["ObligationJSON"]["properties"]["kind"]["enum"] == list(OBLIGATION_KINDS)
    assert defs["DatasetObligationJSON"]["properties"]["kind"]["enum"] == list(OBLIGATION_KINDS)
    assert defs["DatasetVerdictJSON"]["properties"]["verdict"]["enum"] == list(VERDICTS)
    assert set(schema["required"]) == {"schema_version", "verdict", "use", "commercial",
                                       "region", "on", "policy", "datasets", "conflicts",
                                       "obligations", "warnings"}
    assert set(defs["DatasetVerdictJSON"]["required"]) == {"id", "license", "verdict",
                                                           "reasons", "obligations"}
    assert schema["additionalProperties"] is False
    assert all(d["additionalProperties"] is False for d in defs.values())


GOOD: dict[str, Any] = {
    "schema_version": 1, "verdict": "allowed-with-obligations", "use": "service",
    "commercial": True, "region": None, "on": "2026-01-01", "policy": "default",
    "datasets": [{"id": "a", "license": "MIT", "verdict": "allowed-with-obligations",
                  "reasons": [], "obligations": [{"kind": "attribution", "rule": "6",
                                                  "license": "MIT", "message": "a: credit"}]}],
    "conflicts": [], "obligations": [], "warnings": [],
}


def _broken(path: list[str | int], value: Any, *, delete: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "delete"), [
    (["verdict"], "fine", False),
    (["use"], "training", False),
    (["schema_version"], 2, False),
    (["warnings"], None, True),
    (["surprise"], 1, False),
    (["datasets", 0, "verdict"], "ok", False),
    (["datasets", 0, "base_model"], False, False),
    (["datasets", 0, "obligations", 0, "kind"], "credit", False),
    (["datasets", 0, "reasons"], None, True),
])
def test_check_schema_refuses(path: list[str | int], value: Any, delete: bool) -> None:
    assert schema_errors("check", GOOD) == []
    assert schema_errors("check", _broken(path, value, delete=delete))


# --------------------------------------------------------------------------- real outputs


@pytest.mark.parametrize("use", USES)
def test_check_json_validates_for_every_use(use: str, tmp_path: Path, cards_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    db, corpus = every_finding_register(capsys, tmp_path, cards_dir)
    seen: set[str] = set()
    runs = [
        ["check", str(corpus)],  # a corpus file: base model, corpus name, clearances, OR
        ["check", "-d", "beans", "-d", "squad_v2", "-d", "json"],  # --dataset only
        ["check", str(ROOT / "data" / "corpus-research-mix.yaml"), "--region", "DE"],
        ["check", str(ROOT / "data" / "corpus-support-bot.yaml"), "--non-commercial"],
    ]
    for args in runs:
        result = run_cli(capsys, "--db", db, *args, "--use", use, "--on", CHECK_ON,
                         "-f", "json")
        assert result.code in (0, 3, 4), result.err
        data = json.loads(result.out)
        assert_valid("check", data)
        seen.update(data)
        for d in data["datasets"]:
            seen.update(f"datasets.{k}" for k in d)
    optional = {"corpus", "datasets.clearance", "datasets.cleared_by", "datasets.chosen_option"}
    if use != "release-data":  # the base model is not checked for release-data
        optional.add("datasets.base_model")
    assert optional <= seen


def _normalize_inputs() -> list[str]:
    texts: list[str] = []
    for name, column in (("hub-ids-to-spdx.tsv", "hub_id"), ("license-challenge.tsv", "text"),
                         ("license-texts-sample.tsv", "text")):
        with (FIXTURES / name).open(encoding="utf-8", newline="") as fh:
            texts += [row[column] for row in csv.DictReader(fh, delimiter="\t")]
    return [t for t in texts if t and "\n" not in t] + ["", "unknown", "MIT AND", "x" * 30_000]


def test_license_normalize_json_lines_validate(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _normalize_inputs()
    assert len(texts) > 300
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(t + "\n" for t in texts)))
    result = run_cli(capsys, "license", "normalize", "-f", "json")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert len(lines) == len(texts)
    methods = set()
    for line in lines:
        data = json.loads(line)
        assert_valid("license-normalize", data)
        methods.add(data["method"])
    assert {"hub-id", "spdx-expression", "name", "empty", "placeholder", "too-long"} <= methods
    by_args = run_cli(capsys, "license", "normalize", "Apache License 2.0", "cc-by-4.0",
                      "-f", "json")
    for line in by_args.out.splitlines():
        assert_valid("license-normalize", json.loads(line))
