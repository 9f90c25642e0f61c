"""NOTICE files a licensor would accept: creators, copyright, homepage, citation, Hub page
(never a local path), and each license's own attribution rules (real cards)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from register.render.links import hub_url
from register.render.notice import attribution_rules
from tests.cli_helpers import run_cli

NOTICE_CARDS = Path(__file__).parents[1] / "fixtures" / "notice-cards"
CHANGES = "indicate if changes were made"


def _entry(text: str, dataset_id: str) -> str:
    start = text.index(f"(`{dataset_id}`)\n") if f"(`{dataset_id}`)\n" in text else \
        text.index(f"## `{dataset_id}`")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


@pytest.fixture
def notice(capsys: pytest.CaptureFixture[str], cards_dir: Path, tmp_path: Path) -> str:
    db = str(tmp_path / "r.db")
    for path in (cards_dir / "squad_v2", cards_dir / "beans", cards_dir / "cedr",
                 NOTICE_CARDS / "few_rel"):
        assert run_cli(capsys, "--db", db, "ingest", str(path)).code == 0
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: demo\ndatasets: [squad_v2, beans, cedr, few_rel]\n",
                      encoding="utf-8")
    run = run_cli(capsys, "--db", db, "notice", str(corpus), "--use", "release-weights")
    assert run.code == 0, run.err
    return run.out


def test_no_local_path_and_hub_pages(notice: str, tmp_path: Path) -> None:
    assert str(tmp_path) not in notice and "/cards/" not in notice
    for ds in ("squad_v2", "beans", "cedr", "few_rel"):
        assert f"- Source: <https://huggingface.co/datasets/{ds}> (revision not recorded; " \
               "register version 1, card sha256 " in notice


def test_cc_by_sa_card_credit(notice: str) -> None:
    squad = _entry(notice, "squad_v2")
    assert squad.startswith("(`squad_v2`)") and "## SQuAD2.0 (`squad_v2`)" in notice
    assert "- Creators: Rajpurkar, Pranav; Zhang, Jian; Lopyrev, Konstantin; Liang, Percy" in squad
    assert "- Homepage: <https://rajpurkar.github.io/SQuAD-explorer/>" in squad
    assert CHANGES in squad and "CC BY 4.0 section 3(a)" in squad
    assert "@article{2016arXiv160605250R," in squad and "eprint = {1606.05250}" in squad
    assert "creativecommons.org/licenses/by-sa/4.0/legalcode" in squad


def test_mit_reproduces_copyright_and_license_notice_without_cc_wording(notice: str) -> None:
    few = _entry(notice, "few_rel")
    assert "- Copyright: Copyright (c) 2018 THUNLP" in few
    assert "License notice (from the card, to be reproduced):" in few
    assert "Permission is hereby granted, free of charge" in few
    assert "MIT: Include the copyright notice and the permission notice" in few
    beans = _entry(notice, "beans")
    assert "- Creators: Makerere AI Lab" in beans
    assert "- Homepage: <https://github.com/AI-Lab-Makerere/ibean/>" in beans
    for mit in (few, beans):
        assert CHANGES not in mit and "say if you changed" not in mit


def test_apache_asks_for_notice_file_and_license(notice: str) -> None:
    cedr = _entry(notice, "cedr")
    assert "- Creators: Sboev, Alexander; Naumov, Aleksandr; Rybka, Roman" in cedr
    assert "NOTICE file" in cedr and "copy of the Apache License 2.0" in cedr
    assert CHANGES not in cedr
    assert "- Curators (from the card): Researchers at AI technology lab" in cedr
    assert re.search(r"```\n@article\{sboev2021data,", cedr)


def test_rules_by_license() -> None:
    assert CHANGES in attribution_rules("CC-BY-4.0")
    assert "3(a)" not in attribution_rules("CC-BY-3.0") and CHANGES in attribution_rules(
        "CC-BY-3.0")
    assert "copyright notice" in attribution_rules("BSD-3-Clause")
    assert "no attribution" in attribution_rules("MIT-0")
    assert "license text" in attribution_rules("LicenseRef-custom")


def test_hub_url_pins_the_revision() -> None:
    assert hub_url("org/ds", revision="abc123") == "https://huggingface.co/datasets/org/ds/tree/abc123"
    assert hub_url("org/m", kind="model") == "https://huggingface.co/org/m"
    assert hub_url("x", source="https://hub.example/datasets/x", revision="r1") == \
        "https://hub.example/datasets/x/tree/r1"
    assert hub_url("x", source="/local/path/x") == "https://huggingface.co/datasets/x"
