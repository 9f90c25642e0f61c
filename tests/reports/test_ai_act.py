"""The EU AI Act training-content summary of a model built from real model and dataset cards:
the template's sections, the datasets classified from their cards, nothing invented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from register.reports.ai_act import CATEGORIES, TBC, classify, modalities_of
from tests.cli_helpers import run_cli
from tests.reports.conftest import LLAMA, TUNED

SECTIONS = ["1. General information", "1.1 Provider identification", "1.2 Model identification",
            "1.3 Modalities, overall training data size and other characteristics",
            "2. List of data sources", *[f"{k} {v}" for k, v in CATEGORIES.items()],
            "3. Data processing aspects", "3.1 Respect of reservation of rights from the text "
            "and data mining exception or limitation", "3.2 Removal of illegal content",
            "3.3 Other information"]


def _summary(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> str:
    run = run_cli(capsys, "--db", str(db), "report", "ai-act-summary", TUNED, *args)
    assert run.code == 0, run.err
    return run.out


def _section(text: str, heading: str) -> str:
    start = text.index(f"### {heading}")
    nxt = re.search(r"^#{2,3} ", text[start + 4:], re.MULTILINE)
    return text[start: start + 4 + nxt.start()] if nxt else text[start:]


def test_markdown_follows_the_template(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = _summary(capsys, built)
    headings = [h for h in re.findall(r"^#{2,3} (.+)$", md, re.MULTILINE)]
    assert headings == SECTIONS
    # 1.2: the model and the base it was fine-tuned from (its record's relation)
    assert f"**Versioned model name:** {TUNED} (register version 1, revision not recorded)" in md
    assert f"{LLAMA} (finetune)" in md
    # 1.3: modalities from the cards' task categories, languages from the cards
    assert "**Modalities:** text, image" in md
    assert "**Languages:** en" in md
    assert f"**Latest date of data acquisition / collection:** {TBC}" in md
    assert "squad_v2: 100K<n<1M" in md
    # 2.1: squad_v2 (CC-BY-SA-4.0) and beans (MIT): open licenses, Hub pages, never a path
    public = _section(md, "2.1 Publicly available datasets")
    assert "SQuAD2.0 (squad_v2) | https://huggingface.co/datasets/squad_v2 |" in public
    assert "Beans (beans) | https://huggingface.co/datasets/beans |" in public
    assert "hate_offensive" not in public
    # 2.5: hate_offensive's card says its text is machine-generated
    synthetic = _section(md, "2.5 Synthetic data")
    assert "hate_offensive" in synthetic and "language_creators machine-generated" in synthetic
    for key in ("2.2", "2.3", "2.4", "2.6"):
        assert f"The register records no training data of this kind for the model: {TBC}" in \
            _section(md, f"{key} {CATEGORIES[key]}")
    assert f"Measures taken to avoid or remove illegal content: {TBC}." in md
    assert "/tmp" not in md and str(built.parent) not in md
    # 3.3: the recorded check of the training data
    assert re.search(r"allowed-with-obligations for internal \(result sha256 [0-9a-f]{64}\)", md)
    assert "**Provider name and contact details:** " + TBC in md
    assert "**Model owner recorded in the register:** alice" in md


def test_html_has_the_same_sections(built: Path, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    out = tmp_path / "summary.html"
    run = run_cli(capsys, "--db", str(built), "report", "ai-act-summary", TUNED,
                  "--format", "html", "-o", str(out))
    assert run.code == 0, run.err
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    from html import escape

    assert [h for h in re.findall(r"<h[23]>([^<]+)</h[23]>", html)] == [escape(s) for s in
                                                                        SECTIONS]
    assert "<td>https://huggingface.co/datasets/squad_v2</td>" in html


def test_a_card_model_names_datasets_not_in_the_register(
        built: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cards = Path(__file__).parents[1] / "fixtures" / "model-cards"
    run = run_cli(capsys, "--db", str(built), "model", "ingest",
                  str(cards / "OpenGVLab__InternViT-6B-448px-V1-5"))
    assert run.code == 0, run.err
    md = run_cli(capsys, "--db", str(built), "report", "ai-act-summary",
                 "OpenGVLab/InternViT-6B-448px-V1-5").out
    other = _section(md, "2.6 Other sources of data")
    assert "| laion/laion2B-en | " + TBC in other  # no Hub page invented for it either
    assert "named by the model card but not in the register; category " + TBC in other
    assert "**Modalities:** " in md


def test_classify_reads_only_what_the_card_says() -> None:
    assert classify({"language_creators": ["machine-generated"]}, source="x", license="MIT",
                    license_needs_review=False)[0] == "2.5"
    assert classify({"gated": True}, source="https://huggingface.co/datasets/a",
                    license="MIT", license_needs_review=False)[0] == "2.2"
    assert classify({"tags": ["common-crawl"]}, source="/data/own", license=None,
                    license_needs_review=True)[0] == "2.3"
    assert classify({}, source="https://huggingface.co/datasets/a", license=None,
                    license_needs_review=True)[0] == "2.1"
    key, basis = classify({}, source="/data/x", license=None, license_needs_review=True)
    assert key == "2.6" and TBC in basis
    assert modalities_of({"task_categories": ["text-to-image"]}) == ["image", "text"]
    assert modalities_of({"task_categories": ["text-classification"],
                          "task_ids": ["hate-speech-detection"]}) == ["text"]
