"""Corpus files: loading, strict validation naming file and field, safe YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from register.check.corpus import (
    BaseModel,
    CorpusEntry,
    corpus_from_ids,
    load_corpus,
    parse_corpus,
)
from register.errors import CorpusError
from register.safe_yaml import load_yaml_file

SCENARIOS = Path(__file__).parents[1] / "fixtures" / "scenarios"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "corpus.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_load_corpus(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        """
name: support-bot
description: fine-tune for the support bot
base_model: {id: meta-llama/Llama-2-7b-hf, license: LicenseRef-scancode-llama-2-license-2023}
datasets:
  - squad
  - {id: org/name, revision: "3f2a9c1"}
  - {id: other}
""",
    )
    c = load_corpus(p)
    assert c.name == "support-bot" and c.origin == str(p)
    assert c.datasets == (
        CorpusEntry("squad"),
        CorpusEntry("org/name", "3f2a9c1"),
        CorpusEntry("other"),
    )
    assert c.base_model == BaseModel(
        "meta-llama/Llama-2-7b-hf", "LicenseRef-scancode-llama-2-license-2023"
    )
    assert c.ids == ["squad", "org/name", "other"]
    assert c.to_dict()["datasets"][1] == {"id": "org/name", "revision": "3f2a9c1"}


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("datasets: [a]\n", "name: is required"),
        ("name: x\n", "datasets: is required"),
        ("name: x\ndatasets: []\n", "datasets: must list at least one"),
        ("name: x\ndatasets: a\n", "datasets: must be a list"),
        ("name: x\ndatasets: [a, a]\n", "datasets[1]: dataset 'a' is listed twice"),
        ("name: x\ndatasets: ['']\n", "datasets[0]: must not be empty"),
        ("name: x\ndatasets: [12]\n", "datasets[0]: must be a string"),
        ("name: x\ndatasets: ['a b']\n", "must not contain whitespace"),
        ("name: x\ndatasets: [{revision: abc}]\n", "datasets[0].id: is required"),
        ("name: x\ndatasets: [{id: a, rev: abc}]\n", "datasets[0].rev: unknown field"),
        ("name: x\ndatasets: [{id: a, revision: 1234567}]\n", "datasets[0].revision: must be"),
        ("name: x\nuse: service\ndatasets: [a]\n", "use: unknown field"),
        ("name: x\nbase_model: [m]\ndatasets: [a]\n", "base_model: must be a model id or"),
        ("name: x\nbase_model: {license: MIT}\ndatasets: [a]\n", "base_model.id: is required"),
        (
            "name: x\nbase_model: {id: m, license: 'MIT AND'}\ndatasets: [a]\n",
            "base_model.license: not a valid license expression",
        ),
        ("- a\n", "must be a YAML mapping"),
        ("name: x\ndatasets: [a\n", "not valid YAML"),
    ],
)
def test_corpus_errors_name_file_and_field(tmp_path: Path, text: str, fragment: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(CorpusError) as err:
        load_corpus(p)
    assert str(err.value).startswith(str(p))
    assert fragment in str(err.value)


def test_alias_bomb_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    p = write(tmp_path, "\n".join(lines) + "\nname: x\ndatasets: [a]\n")
    with pytest.raises(CorpusError, match="aliases"):
        load_corpus(p)


def test_size_cap(tmp_path: Path) -> None:
    p = write(tmp_path, "name: x\ndatasets: [a]\n" + "#" * 2000 + "\n")
    with pytest.raises(CorpusError, match="limit"):
        load_yaml_file(p, error=CorpusError, max_bytes=1000)


def test_unsafe_tags_refused(tmp_path: Path) -> None:
    p = write(tmp_path, "name: !!python/object/apply:os.system ['echo hi']\ndatasets: [a]\n")
    with pytest.raises(CorpusError, match="not valid YAML"):
        load_corpus(p)


def test_unreadable_and_binary(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="cannot read"):
        load_corpus(tmp_path / "missing.yaml")
    with pytest.raises(CorpusError, match="not a file"):
        load_corpus(tmp_path)
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(CorpusError, match="UTF-8"):
        load_corpus(p)


def test_corpus_from_ids() -> None:
    c = corpus_from_ids(["squad", "org/name@v2"], base_model=BaseModel("m", "MIT"))
    assert c.datasets == (CorpusEntry("squad"), CorpusEntry("org/name", "v2"))
    assert c.base_model == BaseModel("m", "MIT")
    with pytest.raises(CorpusError, match="listed twice"):
        corpus_from_ids(["a", "a"])


def test_parse_corpus_accepts_scenario_shapes() -> None:
    # the devset scenarios' dataset lists are valid corpus dataset lists
    import yaml

    for path in sorted(SCENARIOS.glob("*.yaml")):
        sc = yaml.safe_load(path.read_text())
        data = {"name": sc["name"], "datasets": [d["id"] for d in sc["datasets"]]}
        if sc.get("base_model"):  # a scenario may add a clearance for it: not a corpus field
            data["base_model"] = {k: sc["base_model"][k] for k in ("id", "license")}
        assert parse_corpus(data, origin=str(path)).name == sc["name"]


def test_base_model_by_id_takes_its_license_from_the_register(tmp_path: Path) -> None:
    """Issue 14: ``base_model: ID`` (or ``{id}``) is valid; the license is looked up later."""
    for text in ("name: x\nbase_model: org/m\ndatasets: [a]\n",
                 "name: x\nbase_model: {id: org/m}\ndatasets: [a]\n"):
        f = tmp_path / "c.yaml"
        f.write_text(text)
        corpus = load_corpus(f)
        assert corpus.base_model is not None
        assert (corpus.base_model.id, corpus.base_model.license) == ("org/m", None)
