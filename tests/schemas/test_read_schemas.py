"""Real ``--format json`` outputs of the read commands (``show``, ``list``, ``audit log``,
``audit verify``, ``license show``) validate against the shipped schemas, on a register built
from the real fixture cards with every kind of change recorded; and the schemas are strict."""

from __future__ import annotations

import copy
import io
import json
import shutil
import sqlite3
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, get_args

import pytest

from register.check.facts import (
    LAWFUL_BASES,
    PERSONAL_DATA_VALUES,
    SENSITIVE_CATEGORIES,
    LawfulBasis,
    PersonalData,
    SensitiveCategory,
)
from register.cli import main
from register.licenses.catalog import (
    EXTRA_OBLIGATION_KINDS,
    SHARE_ALIKE_SCOPES,
    ExtraObligation,
    ShareAlikeScope,
    default_kb,
)
from register.render.formats import to_json
from register.schemas import load_schema
from tests.cli_helpers import run_cli
from tests.schema_helpers import assert_valid, schema_errors

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
READ_SCHEMAS = ("show", "list", "audit-log", "audit-verify", "license-show")
# Card files of tests/fixtures/bad-cards the register ingests (with warnings).
ODD_CARDS = ("per_config_license_dict__wi_locness__361e4fee.md",
             "crlf__cnn_dailymail__d08adb7a.md",
             "empty_front_matter__ropes__3c05163a.md")


def _json(capsys: pytest.CaptureFixture[str], db: str, *args: str, code: int = 0) -> Any:
    result = run_cli(capsys, "--db", db, *args, "-f", "json")
    assert result.code == code, (args, result.err)
    return json.loads(result.out)


@pytest.fixture(scope="module")
def busy_register(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Every fixture card and Croissant file, odd cards, a re-ingested changed card, license
    decisions, rights set twice and cleared, clearances.  Built once: tests that change it
    work on a copy."""
    tmp_path = tmp_path_factory.mktemp("busy")
    cards_dir = tmp_path / "cards"
    shutil.copytree(FIXTURES / "cards", cards_dir)
    db = str(tmp_path / "busy.db")

    def ok(*args: object) -> None:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--db", db, *(str(a) for a in args)])
        assert code == 0, (args, err.getvalue())

    ok("ingest", "--recursive", cards_dir)
    for name in sorted((FIXTURES / "croissant").iterdir()):
        ok("ingest", name)
    for i, name in enumerate(ODD_CARDS):
        ok("ingest", FIXTURES / "bad-cards" / name, "--id", f"odd/card-{i}")
    readme = cards_dir / "beans" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8").replace("- mit", "- apache-2.0"),
                      encoding="utf-8")
    ok("ingest", "--recursive", cards_dir)  # beans: version 2, license changed
    ok("license", "set", "beans", "MIT OR CC-BY-NC-4.0", "--reason", "dual", "--by", "legal")
    ok("license", "set", "beans", "MIT", "--reason", "asked the authors", "--by", "legal")
    ok("rights", "set", "arabic_speech_corpus", "--personal-data", "yes", "--sensitive",
       "biometric", "--lawful-basis", "consent", "--consent-purpose", "research",
       "--collected-in", "EG", "--allowed-region", "EU", "--collected-on", "2019-01-01",
       "--retain-until", "2030-06-20", "--dpia", "DPIA-7", "--reason", "recorded voices")
    ok("rights", "set", "arabic_speech_corpus", "--clear", "retain-until", "--reason", "open")
    ok("rights", "set", "squad_v2", "--personal-data", "no", "--reason", "reviewed")
    ok("clear", "aeslc", "--use", "service", "--reason", "licence bought", "--by", "counsel",
       "--until", "2027-12-31")
    ok("clear", "aeslc", "--use", "research", "--reason", "fine", "--by", "counsel")
    return db


def _ids(capsys: pytest.CaptureFixture[str], db: str) -> list[str]:
    return [d["id"] for d in _json(capsys, db, "list")["datasets"]]


def test_show_json_validates_for_every_dataset(busy_register: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    ids = _ids(capsys, busy_register)
    assert len(ids) == 20
    raw_keys: set[str] = set()
    suggestion_keys: set[str] = set()
    seen = {"decisions": False, "rights history": False, "clearances": False,
            "recorded": False, "license changed": False}
    for ds in ids:
        data = _json(capsys, busy_register, "show", ds)
        assert_valid("show", data)
        raw_keys.update(data["license"]["raw"])
        suggestion_keys.update(data["rights"]["suggestions"])
        seen["decisions"] |= bool(data["license"]["decisions"])
        seen["rights history"] |= bool(data["rights"]["history"])
        seen["clearances"] |= bool(data["clearances"])
        seen["recorded"] |= data["rights"]["recorded"] is not None
        seen["license changed"] |= any(v["license_changed"] for v in data["history"])
    assert all(seen.values()), seen
    assert {"license", "croissant_license", "infos_license", "license_section"} <= raw_keys
    assert {"personal_data", "sensitive", "consent_required", "languages"} <= suggestion_keys


def test_list_json_validates_with_every_filter(busy_register: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    everything = _json(capsys, busy_register, "list")
    assert_valid("list", everything)
    rows = everything["datasets"]
    assert any(r["previous_license"] for r in rows) and any(r["retain_until"] is None
                                                            for r in rows)
    assert any(r["needs_review"] for r in rows) and any(r["rights_needs_review"] for r in rows)
    for args in (["--needs-review"], ["--license", "MIT"], ["--personal-data", "yes"],
                 ["--region", "DE"], ["--expiring-within", "30"], ["--license", "nothing"]):
        assert_valid("list", _json(capsys, busy_register, "list", *args))
    empty = _json(capsys, busy_register, "list", "--license", "nothing")
    assert empty["datasets"] == []


def test_audit_log_json_validates(busy_register: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    log = _json(capsys, busy_register, "audit", "log")
    assert_valid("audit-log", log)
    actions = {e["action"] for e in log["events"]}
    assert actions == {"dataset.ingest", "dataset.update", "license.conclude", "rights.set",
                       "clearance.add"}
    assert any(e["before"] is None for e in log["events"])
    assert any(e["reason"] is None for e in log["events"])
    assert_valid("audit-log", _json(capsys, busy_register, "audit", "log", "--dataset",
                                    "beans", "--since", "2000-01-01"))
    assert_valid("audit-log", _json(capsys, busy_register, "audit", "log", "--dataset",
                                    "no-such-dataset"))


def test_audit_verify_json_validates_intact_and_tampered(
        busy_register: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    intact = _json(capsys, busy_register, "audit", "verify")
    assert_valid("audit-verify", intact)
    assert intact["ok"] is True and intact["first_bad_event"] is None
    db = str(shutil.copyfile(busy_register, tmp_path / "tampered.db"))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE audit_event SET reason = 'nothing to see' WHERE seq = 3")
    tampered = _json(capsys, db, "audit", "verify", code=1)
    assert_valid("audit-verify", tampered)
    assert tampered["ok"] is False and tampered["first_bad_event"] == 3
    assert isinstance(tampered["problem"], str)


def test_audit_verify_json_of_an_empty_register(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from register.register import Register

    db = str(tmp_path / "empty.db")
    with Register.open(db, create=True):
        pass
    data = _json(capsys, db, "audit", "verify")
    assert_valid("audit-verify", data)
    assert data["events"] == 0


def test_license_show_json_validates_for_every_knowledge_base_entry(
        capsys: pytest.CaptureFixture[str]) -> None:
    entries = list(default_kb())
    assert len(entries) > 50
    for terms in entries:  # what `license show` prints: to_json of the entry's to_dict()
        assert_valid("license-show", json.loads(to_json(terms.to_dict())))
    for lid in [t.id for t in entries[::10]] + ["cc-by-sa-4.0", "apache-2.0"]:
        result = run_cli(capsys, "license", "show", lid, "-f", "json")
        assert result.code == 0, (lid, result.err)
        data = json.loads(result.out)
        assert_valid("license-show", data)
        assert data == json.loads(to_json(default_kb().get(data["id"]).to_dict()))


# --------------------------------------------------------------------------- strictness


def _objects(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema, *schema.get("$defs", {}).values()]


@pytest.mark.parametrize("name", READ_SCHEMAS)
def test_every_object_is_closed_and_requires_its_keys(name: str) -> None:
    for obj in _objects(load_schema(name)):
        assert obj["additionalProperties"] is False, obj.get("title")
        if obj.get("title") != "SuggestionsJSON":  # each hint is there only when found
            assert obj["required"], obj.get("title")


def test_required_keys_are_the_documented_ones() -> None:
    show = load_schema("show")
    assert set(show["required"]) == {
        "schema_version", "id", "pretty_name", "source", "revision", "version",
        "card_sha256", "ingested_at", "updated_at", "license", "rights", "clearances",
        "metadata", "history"}
    assert set(show["$defs"]["LicenseViewJSON"]["required"]) >= {
        "raw", "declared", "concluded", "effective", "needs_review", "reason"}
    assert show["$defs"]["RawLicenseJSON"]["required"] == ["infos_license", "license_section"]
    summary = load_schema("list")["$defs"]["DatasetSummaryJSON"]
    assert set(summary["required"]) == set(summary["properties"])
    assert load_schema("list")["required"] == ["schema_version", "datasets"]
    entry = load_schema("audit-log")["$defs"]["AuditEntryJSON"]
    assert set(entry["required"]) == set(entry["properties"])
    verify = load_schema("audit-verify")
    assert set(verify["required"]) == {"schema_version", "ok", "events", "first_bad_event",
                                       "problem", "head_hash", "table", "row", "column"}
    terms = load_schema("license-show")
    assert set(terms["required"]) == set(terms["properties"])


def test_literal_types_spell_the_vocabularies() -> None:
    assert get_args(PersonalData) == PERSONAL_DATA_VALUES
    assert get_args(SensitiveCategory) == SENSITIVE_CATEGORIES
    assert get_args(LawfulBasis) == LAWFUL_BASES
    assert get_args(ShareAlikeScope) == SHARE_ALIKE_SCOPES
    assert get_args(ExtraObligation) == EXTRA_OBLIGATION_KINDS


def _good(capsys: pytest.CaptureFixture[str], db: str) -> dict[str, Any]:
    data: dict[str, Any] = _json(capsys, db, "show", "arabic_speech_corpus")
    return data


@pytest.mark.parametrize(("path", "value"), [
    (["surprise"], 1),
    (["license", "surprise"], 1),
    (["license", "raw", "license_url"], "x"),
    (["license", "needs_review"], "no"),
    (["license", "confidence"], None),
    (["rights", "personal_data"], "maybe"),
    (["rights", "sensitive"], ["gossip"]),
    (["rights", "lawful_basis"], "because"),
    (["rights", "recorded", "surprise"], 1),
    (["rights", "history", 0, "by"], None),
    (["history", 0, "version"], "1"),
    (["schema_version"], 2),
])
def test_show_schema_refuses(path: list[str | int], value: Any, busy_register: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    data = _good(capsys, busy_register)
    assert schema_errors("show", data) == []
    broken = copy.deepcopy(data)
    node: Any = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert schema_errors("show", broken)


@pytest.mark.parametrize("key", ["id", "license", "rights", "history", "metadata"])
def test_show_schema_refuses_a_missing_key(key: str, busy_register: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data = _good(capsys, busy_register)
    del data[key]
    assert schema_errors("show", data)


def test_list_and_log_schemas_refuse(busy_register: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    listed = _json(capsys, busy_register, "list")
    row = listed["datasets"][0]
    for change in ({"needs_review": None}, {"personal_data": "maybe"}, {"extra": 1}):
        assert schema_errors("list", {**listed, "datasets": [{**row, **change}]})
    assert schema_errors("list", {**listed, "datasets": [
        {k: v for k, v in row.items() if k != "review_reasons"}]})
    log = _json(capsys, busy_register, "audit", "log")
    event = log["events"][0]
    for change in ({"before": "text"}, {"seq": "1"}, {"extra": 1}):
        assert schema_errors("audit-log", {**log, "events": [{**event, **change}]})
    terms = json.loads(run_cli(capsys, "license", "show", "MIT", "-f", "json").out)
    assert schema_errors("license-show", {**terms, "terms": {**terms["terms"],
                                                            "share_alike": "always"}})
    assert schema_errors("license-show", {**terms, "sources": [{"url": "u"}]})
