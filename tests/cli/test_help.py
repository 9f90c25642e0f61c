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


def _full_tree_help(capsys: pytest.CaptureFixture[str]) -> str:
    """``register --help`` as the whole, eagerly built command tree prints it."""
    capsys.readouterr()
    typer.main.get_command(app).main(["--help"], prog_name="register", standalone_mode=False)
    return capsys.readouterr().out


def test_the_lazy_root_help_is_the_full_tree_help(capsys: pytest.CaptureFixture[str]) -> None:
    # `register --help` lists the commands without building them (start-up): same text
    result = run_cli(capsys, "--help")
    assert result.code == 0
    assert result.out == _full_tree_help(capsys)
    for name in ("ingest", "check", "checks", "rights", "report"):
        assert f"\n  {name} " in result.out


def test_the_lazy_root_runs_completes_and_suggests(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    version = run_cli(capsys, "--version")
    assert version.code == 0 and version.out.startswith("register ")
    typo = run_cli(capsys, "chek")
    assert typo.code == 2
    assert "No such command 'chek'. Did you mean 'check', 'checks'?" in typo.err
    monkeypatch.setenv("_REGISTER_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "register li")
    monkeypatch.setenv("COMP_CWORD", "1")
    with pytest.raises(SystemExit):  # completion always exits
        run_cli(capsys, "li")
    assert capsys.readouterr().out.split() == ["list", "license"]
    monkeypatch.setenv("COMP_WORDS", "register license ")
    monkeypatch.setenv("COMP_CWORD", "2")
    with pytest.raises(SystemExit):
        run_cli(capsys, "license")
    assert set(capsys.readouterr().out.split()) >= {"normalize", "show", "set"}
