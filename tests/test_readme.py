"""The README's command reference is the CLI's own help, and its commands exist."""

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
