"""Fine-tune records, ``model trace`` and the SPDX AI export of a model."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from register.errors import LineageError
from register.models.records import result_hash
from tests.cli_helpers import run_cli

MODELS = Path(__file__).parents[1] / "fixtures" / "model-cards"
LLAMA = "NousResearch/Meta-Llama-3-8B"


@pytest.fixture
def setup(reg, cards_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    reg.ingest_paths([cards_dir / "squad_v2", cards_dir / "beans", cards_dir / "aslg_pc12"])
    reg.ingest_models([MODELS / "NousResearch__Meta-Llama-3-8B"])
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text(f"name: bot-v1\nbase_model: {LLAMA}\ndatasets: [squad_v2, beans]\n")
    weights = tmp_path / "out"
    weights.mkdir()
    (weights / "adapter_model.safetensors").write_bytes(b"trained weights")
    return reg, corpus, weights


def test_record_stores_base_data_versions_check_and_weights(setup) -> None:  # type: ignore[no-untyped-def]
    reg, corpus, weights = setup
    out = reg.record_model("acme/bot-v1", base=LLAMA, corpus=corpus, weights=[weights],
                           owner="alice", scope="support bot, EU", code_revision="abc123",
                           by="bob")
    assert out["base_id"] == LLAMA and out["record"] >= 1 and out["by"] == "bob"
    assert [(d["id"], d["version"]) for d in out["dataset_versions"]] == [
        ("squad_v2", 1), ("beans", 1)]
    assert all(len(d["card_sha256"]) == 64 for d in out["dataset_versions"])
    assert out["weights"] == [{"path": "adapter_model.safetensors", "size": 15,
                               "sha256": hashlib.sha256(b"trained weights").hexdigest()}]
    again = reg.check(["squad_v2", "beans"], use="release-weights",
                      base_model={"id": LLAMA}).with_corpus("bot-v1")
    assert out["check_hash"] == result_hash(again.to_dict())
    assert out["check_verdict"] == again.verdict
    actions = [e.action for e in reg.audit_log()]
    assert actions[-2:] == ["check.record", "model.record"]
    assert reg.audit_verify().ok


def test_chain_of_records_and_release_weights_walks_it(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg, corpus, weights = setup
    reg.record_model("acme/bot-v1", base=LLAMA, corpus=corpus, weights=[weights],
                     owner="alice", scope="support bot")
    nc = tmp_path / "nc.yaml"
    nc.write_text("name: bot-v2\ndatasets: [aslg_pc12]\n")
    reg.record_model("acme/bot-v2", base="acme/bot-v1", corpus=nc, weights=[weights],
                     owner="alice", scope="internal", use="research")
    result = reg.check_model("acme/bot-v2", use="release-weights")
    ids = {d.id: d for d in result.datasets}
    assert set(ids) == {"acme/bot-v2", "aslg_pc12"}
    assert ids["acme/bot-v2"].license == "LicenseRef-hf-llama3"
    assert ids["aslg_pc12"].verdict == "blocked"  # NC data, commercial release
    kinds = {o.kind for o in result.obligations}
    assert {"naming", "user-threshold", "use-restrictions"} <= kinds  # from the base
    assert "attribution" in kinds  # from the data
    # the v1 record's data flows down as lineage facts of the chain
    trace = reg.trace_model("acme/bot-v2").to_dict()
    assert [n["id"] for n in trace["chain"]] == ["acme/bot-v2", "acme/bot-v1", LLAMA]
    assert {(d["id"], d["model"]) for d in trace["data"]} == {
        ("aslg_pc12", "acme/bot-v2"), ("squad_v2", "acme/bot-v1"), ("beans", "acme/bot-v1")}
    [record] = trace["records"]
    assert (record["owner"], record["scope"], record["use"]) == ("alice", "internal",
                                                                 "research")


def test_record_errors(setup) -> None:  # type: ignore[no-untyped-def]
    reg, corpus, weights = setup
    with pytest.raises(LineageError, match="base model 'nobody/x' is not in the register"):
        reg.record_model("acme/m", base="nobody/x", corpus=corpus, weights=[weights],
                         owner="a", scope="s")
    reg.record_model("acme/bot-v1", base=LLAMA, corpus=corpus, weights=[weights],
                     owner="a", scope="s")
    with pytest.raises(LineageError, match="makes a cycle"):
        reg.record_model(LLAMA, base="acme/bot-v1", corpus=corpus, weights=[weights],
                         owner="a", scope="s")


def test_record_and_trace_cli(setup, capsys) -> None:  # type: ignore[no-untyped-def]
    reg, corpus, weights = setup
    db = str(reg.engine.url) if reg.engine.dialect.name != "sqlite" else \
        reg.engine.url.database
    run = run_cli(capsys, "--db", db, "model", "record", "acme/bot-v1", "--base", LLAMA,
                  "--corpus", corpus, "--weights", weights, "--owner", "alice", "--scope",
                  "support bot, EU", "--code-revision", "abc123", "--format", "table")
    assert run.code == 0, run.err
    assert "recorded acme/bot-v1 (record 1) on NousResearch/Meta-Llama-3-8B" in run.err
    table = run_cli(capsys, "--db", db, "model", "trace", "acme/bot-v1", "--format", "table")
    assert table.code == 0
    for text in ("acme/bot-v1", LLAMA, "squad_v2", "beans", "approved by (owner) alice",
                 "deployed: support bot, EU", "adapter_model.safetensors", "abc123"):
        assert text in table.out
    data = json.loads(run_cli(capsys, "--db", db, "model", "trace", "acme/bot-v1",
                              "--format", "json").out)
    assert data["records"][0]["check_hash"] and data["weights"][0]["sha256"]
    check = run_cli(capsys, "--db", db, "model", "check", "acme/bot-v1", "--use",
                    "release-weights", "--format", "json")
    assert json.loads(check.out)["verdict"] in ("allowed-with-obligations", "needs-review")


def test_spdx_ai_export(setup) -> None:  # type: ignore[no-untyped-def]
    from spdx_python_model import v3_0_1 as m

    reg, corpus, weights = setup
    reg.record_model("acme/bot-v1", base=LLAMA, corpus=corpus, weights=[weights],
                     owner="a", scope="s")
    doc = reg.export_model_spdx("acme/bot-v1")
    objs = m.SHACLObjectSet()
    m.JSONLDDeserializer().read(io.StringIO(json.dumps(doc)), objs)
    packages = {o.name: o for o in objs.foreach_type(m.ai_AIPackage)}
    assert set(packages) == {"acme/bot-v1", LLAMA}
    datasets = {o.name for o in objs.foreach_type(m.dataset_DatasetPackage)}
    assert datasets == {"squad_v2", "beans"}
    rels = [(r.from_.name, r.relationshipType.rsplit("/", 1)[-1],
             [getattr(t, "name", None) for t in r.to])
            for r in objs.foreach_type(m.Relationship)]
    assert (LLAMA, "ancestorOf", ["acme/bot-v1"]) in rels
    assert ("acme/bot-v1", "trainedOn", ["squad_v2"]) in rels
    assert any(f == "acme/bot-v1" and k == "hasConcludedLicense" for f, k, _t in rels)
    weights_hash = packages["acme/bot-v1"].verifiedUsing[0].hashValue
    assert weights_hash == hashlib.sha256(b"trained weights").hexdigest()
