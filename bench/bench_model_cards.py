"""Measure model-card license normalization and lineage against a labelled set of real cards.

    .venv/bin/python bench/bench_model_cards.py [--cards DIR] [--tsv FILE]

Defaults: /work/shared/devset/model-cards and model-cards.tsv (columns ``dir``,
``expected_license``, ``expected_base_models``, ``expected_datasets``, ``reason``).  Every card
is ingested into a fresh register (``register model ingest DIR --recursive``); the concluded
license of a card is its effective terms (its own license and its chain's, see
:mod:`register.models.lineage`).  Scoring as for dataset cards: auto-correct = equivalent to
the expected expression and no review; safe = needs review; silent-wrong = no review and not
equivalent (any conclusion for an ``UNKNOWN`` row).  Base models and datasets are compared as
sets with what the card's YAML states (bases given only in prose count as misses).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from register.licenses.expressions import license_keys  # noqa: E402
from register.models.cards import model_id_from_name  # noqa: E402
from register.register import Register  # noqa: E402

# Labels of the set that name a license by another LicenseRef than the knowledge base's.
SAME = {
    "LicenseRef-llama3": "LicenseRef-hf-llama3",
    "LicenseRef-creativeml-openrail-plus-plus-m": "LicenseRef-scancode-bigscience-open-rail-m2",
}


def keys(expression: str | None) -> set[str]:
    return {SAME.get(k, k) for k in license_keys(expression)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", default="/work/shared/devset/model-cards")
    parser.add_argument("--tsv", default="/work/shared/devset/model-cards.tsv")
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    with Path(args.tsv).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    score = {"auto-correct": 0, "safe": 0, "silent-wrong": 0}
    card_score = dict.fromkeys(score, 0)
    bases_ok = datasets_ok = 0
    with tempfile.TemporaryDirectory() as tmp, \
            Register.open(Path(tmp) / "r.db", create=True) as reg:
        summary = reg.ingest_models([args.cards], recursive=True)
        for row in rows:
            mid = model_id_from_name(row["dir"])
            trace = reg.trace_model(mid)
            eff = trace.effective
            expected = row["expected_license"]
            if eff["needs_review"] or not eff["expression"]:
                outcome = "safe"
            elif expected != "UNKNOWN" and keys(eff["expression"]) == keys(expected):
                outcome = "auto-correct"
            else:
                outcome = "silent-wrong"
            score[outcome] += 1
            own = trace.model
            if own["declared_needs_review"] or not own["declared_license"]:
                card_score["safe"] += 1
            elif expected != "UNKNOWN" and keys(own["declared_license"]) == keys(expected):
                card_score["auto-correct"] += 1
            else:
                card_score["silent-wrong"] += 1
            want_bases = {b for b in row["expected_base_models"].split(";") if b}
            have_bases = {e["base"] for e in trace.edges if e["model"] == mid}
            bases_ok += want_bases == have_bases
            want_ds = {d for d in row["expected_datasets"].split(";") if d}
            datasets_ok += want_ds == set(trace.chain[0]["datasets"])
            if args.verbose or outcome == "silent-wrong":
                print(f"{outcome:13} {mid}: got {eff['expression']} (review "
                      f"{eff['needs_review']}), expected {expected}")
    n = len(rows)
    print(f"{n} model cards ({summary.ingested} ingested, {len(summary.failed)} failed)")
    print("  effective terms (card and chain)   the card's own declared license")
    for k, v in score.items():
        c = card_score[k]
        print(f"  {k:13} {v:3} ({v / n:4.0%})          {c:3} ({c / n:4.0%})")
    print(f"  base models as labelled: {bases_ok}/{n}; datasets as labelled: {datasets_ok}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
