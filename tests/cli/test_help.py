"""Every command documents itself with help text and an example."""

from __future__ import annotations

import pytest
import typer

from register.cli import app
from tests.cli_helpers import run_cli


def _commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    out: list[list[str]] = []
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        if sub:
            out.extend([name, s] for s in sub)
        else:
            out.append([name])
    return out


def test_every_spec_command_exists() -> None:
    names = {" ".join(c) for c in _commands()}
    for wanted in ("ingest", "list", "show", "license normalize", "license show",
                   "license set", "rights set", "rights import", "check", "notice",
                   "export", "import", "audit log", "audit verify", "clear"):
        assert wanted in names


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c))
def test_help_has_an_example(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    result = run_cli(capsys, *command, "--help")
    assert result.code == 0
    assert "Example:" in result.out
    assert f"register {command[-1]}" in result.out or f"register {' '.join(command)}" in \
        result.out


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "list", "--no-such-option")
    assert result.code == 2
    assert "Traceback" not in result.err
