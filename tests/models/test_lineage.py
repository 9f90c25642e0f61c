"""Lineage through the register: chains, cycles, effective terms, checks on a base model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from register.errors import LineageError
from tests.cli_helpers import run_cli

FIXTURES = Path(__file__).parents[1] / "fixtures"
MODELS = FIXTURES / "model-cards"


def write_card(root: Path, model_id: str, front: str, body: str = "") -> Path:
    d = root / model_id.replace("/", "__")
    d.mkdir(parents=True, exist_ok=True)
    (d / "README.md").write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return d


def test_chain_of_real_cards_and_relation_per_edge(sqlite_reg) -> None:  # type: ignore[no-untyped-def]
    s = sqlite_reg.ingest_models([MODELS / "TheBloke__Luna-AI-Llama2-Uncensored-GGUF",
                                  MODELS / "Tap-M__Luna-AI-Llama2-Uncensored"])
    assert (s.ingested, s.failed) == (2, [])
    lineage = sqlite_reg.model_lineage("TheBloke/Luna-AI-Llama2-Uncensored-GGUF")
    assert [n.id for n in lineage.nodes] == ["TheBloke/Luna-AI-Llama2-Uncensored-GGUF",
                                             "Tap-M/Luna-AI-Llama2-Uncensored"]
    assert lineage.edges == (("TheBloke/Luna-AI-Llama2-Uncensored-GGUF",
                              "Tap-M/Luna-AI-Llama2-Uncensored", "quantized"),)
    terms = sqlite_reg.trace_model("TheBloke/Luna-AI-Llama2-Uncensored-GGUF").effective
    assert terms["expression"] == "CC-BY-SA-4.0"
    assert terms["needs_review"]  # the base's card claims CC-BY-SA on a Llama 2 model
    assert any("Tap-M/Luna-AI-Llama2-Uncensored: license needs review" in r
               for r in terms["reasons"])


def test_merge_chain_with_a_missing_ancestor(sqlite_reg) -> None:  # type: ignore[no-untyped-def]
    sqlite_reg.ingest_models([MODELS], recursive=True)
    lineage = sqlite_reg.model_lineage("OpenGVLab/InternVL2-Llama3-76B")
    edges = {(m, b): r for m, b, r in lineage.edges}
    assert edges[("OpenGVLab/InternVL2-Llama3-76B", "OpenGVLab/InternViT-6B-448px-V1-5")] \
        == "merge"
    missing = [n.id for n in lineage.nodes if not n.found]
    assert missing == ["OpenGVLab/InternViT-6B-448px-V1-2"]
    reasons = sqlite_reg.trace_model("OpenGVLab/InternVL2-Llama3-76B").effective["reasons"]
    assert any("InternViT-6B-448px-V1-2 is not in the register" in r for r in reasons)


def test_cycle_is_a_clear_error(sqlite_reg, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    write_card(tmp_path, "org/a", "license: mit\nbase_model: org/b\n")
    write_card(tmp_path, "org/b", "license: mit\nbase_model: org/c\n")
    write_card(tmp_path, "org/c", "license: mit\nbase_model: org/a\n")
    sqlite_reg.ingest_models([tmp_path], recursive=True)
    with pytest.raises(LineageError, match=r"cycle: org/a -> org/b -> org/c -> org/a"):
        sqlite_reg.model_lineage("org/a")
    db = sqlite_reg.engine.url.database
    run = run_cli(capsys, "--db", db, "model", "trace", "org/b")
    assert run.code == 1
    assert run.err.startswith("Error: the base_model chain of 'org/b' has a cycle: "
                              "org/b -> org/c -> org/a -> org/b")
    assert len(run.err.splitlines()) == 2  # the error and its hint, no traceback


def test_apache_fine_tune_of_a_llama_model_stays_under_llama(sqlite_reg, tmp_path: Path,
                                                            ) -> None:  # type: ignore[no-untyped-def]
    sqlite_reg.ingest_models([MODELS / "NousResearch__Meta-Llama-3-8B"])
    write_card(tmp_path, "acme/ft", "license: apache-2.0\nbase_model: "
               "NousResearch/Meta-Llama-3-8B\n")
    sqlite_reg.ingest_models([tmp_path / "acme__ft"])
    terms = sqlite_reg.trace_model("acme/ft").effective
    assert terms["expression"] == "Apache-2.0 AND LicenseRef-hf-llama3"
    assert any("acme/ft declares Apache-2.0 on top of NousResearch/Meta-Llama-3-8B" in r
               for r in terms["reasons"])


def test_fine_tune_without_license_inherits_and_check_names_base_obligations(
        sqlite_reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sqlite_reg.ingest_models([MODELS / "NousResearch__Meta-Llama-3-8B"])
    write_card(tmp_path, "acme/ft", "base_model: NousResearch/Meta-Llama-3-8B\n"
               "base_model_relation: adapter\n")
    sqlite_reg.ingest_models([tmp_path / "acme__ft"])
    result = sqlite_reg.check_model("acme/ft", use="release-weights")
    assert result.verdict == "allowed-with-obligations"
    [base] = [d for d in result.datasets if d.base_model]
    assert base.license == "LicenseRef-hf-llama3"
    kinds = {o.kind for o in result.obligations}
    assert {"naming", "user-threshold", "use-restrictions"} <= kinds


def test_ancestor_trained_on_non_commercial_data(sqlite_reg, cards_dir: Path,
                                                 tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sqlite_reg.ingest_paths([cards_dir / "aslg_pc12", cards_dir / "beans"])
    write_card(tmp_path, "org/base", "license: mit\ndatasets:\n- aslg_pc12\n- beans\n")
    write_card(tmp_path, "org/child", "license: mit\nbase_model: org/base\n")
    sqlite_reg.ingest_models([tmp_path], recursive=True)
    commercial = sqlite_reg.check(["beans"], use="service", base_model={"id": "org/child"})
    [base] = [d for d in commercial.datasets if d.base_model]
    assert base.verdict == "needs-review"
    assert any(r.rule == "14" and "org/base was trained on aslg_pc12 (CC-BY-NC-4.0)"
               in r.message for r in base.reasons)
    research = sqlite_reg.check(["beans"], use="research", base_model={"id": "org/child"})
    assert research.verdict == "allowed-with-obligations" or research.verdict == "allowed"


def test_corpus_names_base_by_id_and_inline_license_is_stated(sqlite_reg, cards_dir: Path,
                                                              tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sqlite_reg.ingest_paths([cards_dir / "beans"])
    sqlite_reg.ingest_models([MODELS / "NousResearch__Meta-Llama-3-8B"])
    corpus = tmp_path / "c.yaml"
    corpus.write_text("name: c\nbase_model: NousResearch/Meta-Llama-3-8B\ndatasets: [beans]\n")
    result = sqlite_reg.check_corpus(corpus, use="release-weights")
    [base] = [d for d in result.datasets if d.base_model]
    assert base.license == "LicenseRef-hf-llama3"
    inline = tmp_path / "i.yaml"
    inline.write_text("name: i\nbase_model: {id: other/base, license: Apache-2.0}\n"
                      "datasets: [beans]\n")
    result = sqlite_reg.check_corpus(inline, use="release-weights")
    [base] = [d for d in result.datasets if d.base_model]
    assert base.license == "Apache-2.0"
    assert any("stated in the corpus, not verified" in r.message for r in base.reasons)
    unknown = tmp_path / "u.yaml"
    unknown.write_text("name: u\nbase_model: nobody/model\ndatasets: [beans]\n")
    result = sqlite_reg.check_corpus(unknown, use="release-weights")
    assert result.verdict == "needs-review"


def test_check_cli_base_model_option(sqlite_reg, cards_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    sqlite_reg.ingest_paths([cards_dir / "beans"])
    sqlite_reg.ingest_models([MODELS / "NousResearch__Meta-Llama-3-8B"])
    db = sqlite_reg.engine.url.database
    run = run_cli(capsys, "--db", db, "check", "--dataset", "beans", "--base-model",
                  "NousResearch/Meta-Llama-3-8B", "--use", "release-weights", "--format",
                  "json")
    data = json.loads(run.out)
    assert run.code == 0
    assert [d["id"] for d in data["datasets"] if d.get("base_model")] == [
        "NousResearch/Meta-Llama-3-8B"]
    alone = run_cli(capsys, "--db", db, "check", "--base-model",
                    "NousResearch/Meta-Llama-3-8B", "--use", "service", "--format", "json")
    assert alone.code == 0 and json.loads(alone.out)["verdict"] == "allowed-with-obligations"


def test_bad_model_cards_one_line_errors_and_batch_goes_on(sqlite_reg, tmp_path: Path,
                                                          capsys) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "models"
    shutil.copytree(MODELS / "bad", root)
    shutil.copytree(MODELS / "Qwen__Qwen2.5-3B", root / "Qwen__Qwen2.5-3B")
    db = sqlite_reg.engine.url.database
    run = run_cli(capsys, "--db", db, "model", "ingest", root, "--recursive")
    assert run.code == 1
    errors = [line for line in run.err.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 3
    assert "models ingested 1, updated 0, unchanged 0, failed 3" in run.err
    assert sqlite_reg.model_ids() == ["Qwen/Qwen2.5-3B"]


def test_every_version_kept(sqlite_reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from register.store import model_queries
    from register.store.engine import read_connection

    d = write_card(tmp_path, "org/m", "license: mit\n")
    assert sqlite_reg.ingest_models([d]).ingested == 1
    assert sqlite_reg.ingest_models([d]).unchanged == 1
    write_card(tmp_path, "org/m", "license: apache-2.0\n")
    again = sqlite_reg.ingest_models([d])
    assert again.updated == 1
    assert again.license_changes == [("org/m", "MIT", "Apache-2.0")]
    with read_connection(sqlite_reg.engine) as conn:
        versions = model_queries.model_versions(conn, "org/m")
    assert [(v.version, v.declared_license) for v in versions] == [(1, "MIT"),
                                                                   (2, "Apache-2.0")]
    assert sqlite_reg.audit_verify().ok
    actions = [e.action for e in sqlite_reg.audit_log()]
    assert actions == ["model.ingest", "model.update"]


def test_list_models_works_with_a_cycle_in_the_register(sqlite_reg, tmp_path: Path,
                                                       capsys) -> None:  # type: ignore[no-untyped-def]
    write_card(tmp_path, "org/a", "license: mit\nbase_model: org/b\n")
    write_card(tmp_path, "org/b", "license: mit\nbase_model: org/a\n")
    sqlite_reg.ingest_models([tmp_path], recursive=True)
    db = sqlite_reg.engine.url.database
    run = run_cli(capsys, "--db", db, "model", "list", "--format", "json")
    assert run.code == 0
    assert [(m["id"], m["base_models"]) for m in json.loads(run.out)] == [
        ("org/a", ["org/b"]), ("org/b", ["org/a"])]
