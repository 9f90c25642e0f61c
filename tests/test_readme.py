"""The README's command reference is the CLI's own help, its commands exist, and its Python
snippets run and print what their comments say."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_cli_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_reference_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _generator()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.render(text) == text, "run: python scripts/gen_cli_reference.py"
    os.environ.pop("COLUMNS", None)


def test_quick_start_scripts_exist_and_ci_runs_the_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/demo.sh" in readme and "./scripts/test.sh" in readme
    assert os.access(ROOT / "scripts" / "demo.sh", os.X_OK)
    assert "./scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- Python snippets


def _python_blocks() -> list[str]:
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, re.S)


def _expected_prints(block: str) -> list[str]:
    """The values the snippet's comments promise: ``print(...)  # "x"`` or ``# x``."""
    out = []
    for line in block.splitlines():
        code, sep, comment = line.partition("  # ")
        if sep and code.lstrip().startswith("print("):
            out.append(comment.strip().strip('"'))
    return out


@pytest.fixture
def team_register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str]) -> Path:
    """``team-register.db`` in the working directory, holding the fixture cards."""
    from tests.cli_helpers import run_cli

    monkeypatch.chdir(tmp_path)
    result = run_cli(capsys, "--db", "team-register.db", "ingest", "--recursive",
                     ROOT / "tests" / "fixtures" / "cards")
    assert result.code == 0, result.err
    return tmp_path


def test_readme_has_the_python_snippets() -> None:
    blocks = _python_blocks()
    assert len(blocks) == 2
    assert "result.verdict" in blocks[0] and "result.obligations" in blocks[0]
    assert "to_dict()" in blocks[0] and "with Register.open(" in blocks[0]


def test_python_api_snippet_runs_and_prints_what_it_says(
        team_register: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = _python_blocks()[0]
    capsys.readouterr()
    exec(compile(block, "README.md (Python API)", "exec"), {"__name__": "readme"})
    lines = capsys.readouterr().out.splitlines()
    expected = _expected_prints(block)
    assert len(expected) == 4
    assert expected[0] in lines[0]  # the verdict
    for promise in expected[1:]:
        assert promise in lines, (promise, lines)
    obligations = [line.split()[0] for line in lines[1:-3]]
    assert obligations == ["attribution", "license-text", "share-alike"]


def test_datasets_snippet_runs(team_register: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``datasets`` snippet, with ``load_dataset`` answering offline: a real ``Dataset``
    whose ``DatasetInfo`` names squad_v2 (builder and dataset name, as a loading script
    gives; for a Hub parquet dataset ``builder_name`` is ``parquet``, which
    ``hf_datasets._identify`` would take as the id: not covered here)."""
    datasets = pytest.importorskip("datasets")

    def load_dataset(name: str, split: str | None = None) -> object:
        info = datasets.DatasetInfo(builder_name=name, dataset_name=name,
                                    license="cc-by-sa-4.0")
        return datasets.Dataset.from_dict({"text": ["a"]}, info=info)

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    block = _python_blocks()[1]
    assert "check_datasets(" in block and "require=True" in block
    namespace: dict[str, object] = {"__name__": "readme"}
    exec(compile(block, "README.md (datasets)", "exec"), namespace)
    assert namespace["train"].info.dataset_name == "squad_v2"  # type: ignore[attr-defined]
