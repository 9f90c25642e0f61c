"""``--use`` is validated in one place: every entry point gives exit 2 and the same message."""

from __future__ import annotations

from pathlib import Path

import pytest

from register import Register
from register.check.engine import check
from register.check.facts import DatasetFacts
from register.check.uses import USES, validate_use
from register.errors import UsageError
from register.exports import export_register
from tests.cli_helpers import run_cli

MESSAGE = ("use must be one of research, internal, service, release-weights, release-data, "
           "not 'training'")


def test_validate_use() -> None:
    assert [validate_use(u) for u in USES] == list(USES)
    with pytest.raises(UsageError) as info:
        validate_use("training")
    assert info.value.message == MESSAGE and info.value.exit_code == 2
    with pytest.raises(UsageError, match="not None"):
        validate_use(None)


@pytest.fixture
def db(tmp_path: Path, cards_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    target = tmp_path / "r.db"
    assert run_cli(capsys, "--db", target, "ingest", cards_dir, "-r").code == 0
    return target


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.yaml"
    path.write_text("name: demo\ndatasets: [beans]\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["check", "check-dataset", "notice", "clear", "export"])
def test_cli_entry_points_exit_2_with_one_message(
    command: str, db: Path, corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    args = {
        "check": ["check", corpus, "--use", "training"],
        "check-dataset": ["check", "--dataset", "beans", "--use", "training"],
        "notice": ["notice", corpus, "--use", "training"],
        "clear": ["clear", "beans", "--use", "training", "--reason", "r", "--by", "me"],
        "export": ["export", "csv", tmp_path / "x.csv", "--corpus", corpus, "--use", "training"],
    }[command]
    result = run_cli(capsys, "--db", db, *args)
    assert result.code == 2, result.err
    assert result.err == f"Error: --{MESSAGE}\n"
    assert result.out == ""


def test_api_entry_points_raise_one_usage_error(db: Path, corpus: Path, tmp_path: Path) -> None:
    reg = Register.open(str(db))
    try:
        calls = [
            lambda: reg.check(["beans"], use="training"),
            lambda: reg.check_corpus(corpus, use="training"),
            lambda: reg.clear("beans", use="training", reason="r", by="me"),
            lambda: export_register(reg, "csv", tmp_path / "x.csv", corpus=corpus,
                                    use="training"),
            lambda: check([DatasetFacts(id="a", license="MIT")], use="training"),
        ]
        for call in calls:
            with pytest.raises(UsageError) as info:
                call()
            assert info.value.message == MESSAGE
    finally:
        reg.close()
    assert not (tmp_path / "x.csv").exists()
