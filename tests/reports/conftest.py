"""A register built from real cards for the report tests: dataset cards, model cards, a
recorded fine-tune (with weights), rights with personal data and retention deadlines."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

FIXTURES = Path(__file__).parents[1] / "fixtures"
MODELS = FIXTURES / "model-cards"
LLAMA = "NousResearch/Meta-Llama-3-8B"
TUNED = "acme/support-bot"
DATASETS = ("squad_v2", "beans", "aslg_pc12", "asset", "arabic_speech_corpus", "civil_comments",
            "hate_offensive")


@pytest.fixture
def built(capsys: pytest.CaptureFixture[str], cards_dir: Path, tmp_path: Path) -> Path:
    """The register file (SQLite), built through the CLI as a user would."""
    db = tmp_path / "register.db"

    def cli(*args: str) -> None:
        run = run_cli(capsys, "--db", str(db), *args)
        assert run.code == 0, run.err

    cli("ingest", *(str(cards_dir / d) for d in DATASETS))
    cli("model", "ingest", str(MODELS / "NousResearch__Meta-Llama-3-8B"),
        str(MODELS / "Qwen__Qwen2.5-3B"))
    soon = (date.today() + timedelta(days=30)).isoformat()
    later = (date.today() + timedelta(days=400)).isoformat()
    cli("rights", "set", "arabic_speech_corpus", "--personal-data", "yes", "--sensitive",
        "biometric", "--lawful-basis", "consent", "--consent-purpose", "research",
        "--consent-purpose", "internal", "--collected-in", "EG", "--allowed-region", "EU",
        "--retain-until", soon, "--dpia", "DPIA-2026-014", "--reason", "consent forms")
    cli("rights", "set", "hate_offensive", "--personal-data", "yes", "--lawful-basis",
        "legitimate-interests", "--collected-in", "US", "--retain-until", later,
        "--reason", "public tweets")
    cli("rights", "set", "beans", "--personal-data", "no", "--reason", "leaf photos")
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text(f"name: support-bot\nbase_model: {LLAMA}\n"
                      "datasets: [squad_v2, beans, hate_offensive]\n", encoding="utf-8")
    weights = tmp_path / "out"
    weights.mkdir()
    (weights / "adapter_model.safetensors").write_bytes(b"trained weights")
    cli("model", "record", TUNED, "--base", LLAMA, "--corpus", str(corpus), "--weights",
        str(weights), "--owner", "alice", "--scope", "support bot, EU", "--use", "internal")
    return db
