"""Issue 13: the hostile-input corpus (bench/hostile_corpus.py) through the real CLI:
no tracebacks, no hangs, no partial writes, every expectation met."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_hostile_corpus(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import hostile_corpus
    finally:
        sys.path.pop(0)
    summary = hostile_corpus.build_and_run(tmp_path, quick=True)
    bad = [(o.name, o.problems) for o in summary.outcomes if o.problems]
    print(summary.line())
    assert bad == [], bad
    assert (summary.tracebacks, summary.hangs, summary.partial_writes, summary.failed) == (
        0, 0, 0, 0)
    assert len(summary.outcomes) >= 45
