"""Normalization reads the knowledge base it is given: ``normalize(..., kb=...)`` and
``Register.open(..., kb=...)`` (card ingest, base model licenses) use the injected one."""

from __future__ import annotations

from pathlib import Path

import pytest

from register import Register
from register.licenses.catalog import KnowledgeBase
from register.licenses.normalize import normalize, normalize_card_license

FIXTURE_KB_DIR = Path(__file__).parents[1] / "fixtures" / "kb"
OWN = "LicenseRef-fixture-no-redistribution"


@pytest.fixture(scope="module")
def fixture_kb() -> KnowledgeBase:
    return KnowledgeBase.load(FIXTURE_KB_DIR)


def test_normalize_reads_the_injected_kb(fixture_kb: KnowledgeBase) -> None:
    builtin = normalize("fixture-no-redistribution")
    assert builtin.expression is None and builtin.needs_review
    injected = normalize("fixture-no-redistribution", kb=fixture_kb)
    assert injected.expression == OWN and not injected.needs_review
    assert injected.method == "hub-id"
    by_name = normalize("Fixture No Redistribution License", kb=fixture_kb)
    assert by_name.expression == OWN
    # the built-in results are not disturbed by the injected tables (separate caches)
    assert normalize("fixture-no-redistribution") == builtin
    # a license only the built-in knowledge base holds is not known to the fixture one
    assert normalize("cc-by-nc-nd-3.0-igo").expression == "CC-BY-NC-ND-3.0-IGO"
    assert normalize("LicenseRef-hf-llama3", kb=fixture_kb).needs_review


def test_card_license_reads_the_injected_kb(fixture_kb: KnowledgeBase) -> None:
    raw = {"license": ["fixture-no-redistribution", "mit"]}
    assert normalize_card_license(raw).needs_review
    result = normalize_card_license(raw, kb=fixture_kb)
    assert result.expression == f"{OWN} AND MIT" and not result.needs_review


def test_register_ingest_and_base_model_use_its_kb(
    tmp_path: Path, fixture_kb: KnowledgeBase,
) -> None:
    card = tmp_path / "cards" / "own" / "README.md"
    card.parent.mkdir(parents=True)
    card.write_text("---\nlicense: fixture-no-redistribution\n---\n# Own\n", encoding="utf-8")
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: c\nbase_model: {id: m, license: fixture-no-redistribution}\n"
                      "datasets: [own]\n", encoding="utf-8")

    with Register.open(tmp_path / "builtin.db", create=True) as reg:
        reg.ingest_paths([tmp_path / "cards"], recursive=True)
        shown = reg.show("own").license
        assert shown.declared is None and shown.needs_review

    with Register.open(tmp_path / "injected.db", kb=fixture_kb, create=True) as reg:
        reg.ingest_paths([tmp_path / "cards"], recursive=True)
        shown = reg.show("own").license
        assert shown.declared == OWN and not shown.needs_review
        result = reg.check_corpus(corpus, use="release-data")
        by_id = {d.id: d for d in result.datasets}
        assert by_id["own"].license == OWN
        assert by_id["own"].verdict == "blocked"  # rule 8, from the fixture terms
        weights = reg.check_corpus(corpus, use="release-weights")  # the base model is checked
        assert {d.id: d.license for d in weights.datasets} == {"own": OWN, "m": OWN}
