"""Every scenario, end to end through the CLI a legal team would use.

For each scenario: a card is ingested per dataset (``ingest --id``), the scenario's license is
concluded with ``license set``, its rights recorded with ``rights set``, its clearance with
``clear``, and the corpus checked with ``check CORPUS --format json``.  The exit code and the
JSON must match the reviewer's expectation (devset scenarios and our own ``x*`` ones).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli_helpers import run_cli
from tests.schema_helpers import assert_valid

SCENARIOS = sorted((Path(__file__).parents[1] / "fixtures" / "scenarios").glob("*.yaml"))
EXIT = {"allowed": 0, "allowed-with-obligations": 0, "needs-review": 3, "blocked": 4}
CARD = "---\nlicense: other\npretty_name: Scenario dataset\n---\n# A dataset\n"


def _options(rights: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key, value in rights.items():
        flag = "--" + key.replace("_", "-")
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, bool):  # YAML 1.1 reads yes/no as booleans
                v = "yes" if v else "no"
            out += [flag, str(v)]
    return out


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_through_the_cli(path: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    sc = yaml.safe_load(path.read_text(encoding="utf-8"))
    db = str(tmp_path / "scenario.db")
    card = tmp_path / "README.md"
    card.write_text(CARD, encoding="utf-8")

    def ok(*args: Any) -> None:
        result = run_cli(capsys, "--db", db, *args)
        assert result.code == 0, (args, result.err)

    for ds in sc["datasets"]:
        ok("ingest", card, "--id", ds["id"])
        ok("license", "set", ds["id"], ds["license"], "--reason", "scenario", "--by", "legal")
        if ds.get("rights"):
            ok("rights", "set", ds["id"], *_options(ds["rights"]), "--reason", "scenario")
    cleared = [(ds["id"], ds["clearance"]) for ds in sc["datasets"] if ds.get("clearance")]
    if sc.get("base_model") and sc["base_model"].get("clearance"):
        cleared.append((sc["base_model"]["id"], sc["base_model"]["clearance"]))
    for ds_id, clearance in cleared:
        until = ["--until", str(clearance["until"])] if clearance.get("until") else []
        ok("clear", ds_id, "--use", clearance["use"], "--reason", "scenario", "--by", "counsel",
           *until)
    corpus: dict[str, Any] = {"name": sc["name"], "datasets": [d["id"] for d in sc["datasets"]]}
    if sc.get("base_model"):
        corpus["base_model"] = {k: sc["base_model"][k] for k in ("id", "license")}
    corpus_file = tmp_path / "corpus.yaml"
    corpus_file.write_text(yaml.safe_dump(corpus), encoding="utf-8")
    on = sc.get("on", sc.get(True))  # YAML 1.1 reads the key `on` as true
    args = ["check", corpus_file, "--use", sc["use"], "--on", str(on), "-f", "json"]
    if sc.get("region"):
        args += ["--region", sc["region"]]
    if sc.get("non_commercial"):
        args.append("--non-commercial")
    if sc.get("policy"):
        policy_file = tmp_path / "policy.yaml"
        policy_file.write_text(yaml.safe_dump(sc["policy"]), encoding="utf-8")
        args += ["--policy", policy_file]
    result = run_cli(capsys, "--db", db, *args)
    expect = sc["expect"]
    assert result.code == EXIT[expect["verdict"]], result.err
    data = json.loads(result.out)
    assert_valid("check", data)
    assert data["verdict"] == expect["verdict"]
    verdicts = {d["id"]: d["verdict"] for d in data["datasets"]}
    for ds_id, verdict in (expect.get("datasets") or {}).items():
        assert verdicts[ds_id] == verdict, (ds_id, data["datasets"])
    assert bool(data["conflicts"]) == bool(expect.get("conflict")), data["conflicts"]
    kinds = {o["kind"] for o in data["obligations"]}
    assert set(expect.get("obligation_kinds") or []) <= kinds
