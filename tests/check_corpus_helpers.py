"""A register and corpus whose check shows every kind of finding (for the view and schemas).

Through the CLI: the fixture cards are ingested; ``beans`` is concluded as an OR (rule 12),
``arabic_speech_corpus`` holds personal data without a lawful basis (rule 9), ``aeslc``'s
unknown license and the base model are cleared by counsel for every use (rule 13), and
``squad_v2`` (CC-BY-SA-4.0) beside ``ethos`` (AGPL-3.0-only) is a share-alike conflict
(rule 5).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from register.check.facts import USES
from tests.cli_helpers import run_cli

CHECK_ON = "2026-06-01"

CORPUS = """\
name: every-finding
base_model: {id: example/base-1b, license: Llama-2}
datasets:
  - squad_v2
  - beans
  - aslg_pc12
  - aeslc
  - ethos
  - arabic_speech_corpus
  - cedr
"""


def every_finding_register(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                           cards_dir: Path) -> tuple[str, Path]:
    """``(db, corpus_file)`` of the register described above."""
    db = str(tmp_path / "findings.db")

    def ok(*args: object) -> None:
        result = run_cli(capsys, "--db", db, *(str(a) for a in args))
        assert result.code == 0, (args, result.err)

    ok("ingest", "--recursive", cards_dir)
    ok("license", "set", "beans", "MIT OR CC-BY-NC-4.0", "--reason", "dual", "--by", "legal")
    ok("rights", "set", "arabic_speech_corpus", "--personal-data", "yes",
       "--retain-until", "2026-06-20", "--reason", "recorded voices")
    for use in USES:
        ok("clear", "aeslc", "--use", use, "--reason", "licence bought", "--by", "counsel",
           "--until", "2027-12-31")
        ok("clear", "example/base-1b", "--use", use, "--reason", "model licence signed",
           "--by", "counsel")
    corpus = tmp_path / "every-finding.yaml"
    corpus.write_text(CORPUS, encoding="utf-8")
    return db, corpus
