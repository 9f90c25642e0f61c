"""The attribution read from a card body: homepage, citation, authors, curators, copyright."""

from __future__ import annotations

from pathlib import Path

from register.cards.attribution import bibtex_authors, read_attribution

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _body(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_squad_v2_card() -> None:
    got = read_attribution(_body(FIXTURES / "cards" / "squad_v2" / "README.md"))
    assert got["homepage"] == "https://rajpurkar.github.io/SQuAD-explorer/"
    assert got["citation"].startswith("@article{2016arXiv160605250R,")
    assert got["authors"] == ["Rajpurkar, Pranav", "Zhang, Jian", "Lopyrev, Konstantin",
                              "Liang, Percy"]
    assert "curators" not in got  # "[More Information Needed]" is dropped


def test_copyright_line_in_licensing_section() -> None:
    got = read_attribution(_body(FIXTURES / "notice-cards" / "few_rel" / "README.md"))
    assert got["copyright"] == ["Copyright (c) 2018 THUNLP"]


def test_placeholders_give_nothing() -> None:
    body = ("- **Homepage:** [More Information Needed](https://github.com/x)\n"
            "### Citation Information\n\n[More Information Needed]\n")
    assert read_attribution(body) == {}


def test_bibtex_authors_quoted_and_braced() -> None:
    assert bibtex_authors('@misc{a, author="Makerere AI Lab", title="x"}') == ["Makerere AI Lab"]
    assert bibtex_authors("@a{b, author = {{Smith}, J. and Doe, {A}nn}}") == ["Smith, J.",
                                                                             "Doe, Ann"]
