"""Synthetic corpora for the check engine benchmark (``bench/bench_check.py --engine``).

    .venv/bin/python bench/bench_check.py --engine   # the one entry point

:func:`corpus` builds corpora of any size with a mix of real licenses from the built-in
knowledge base (permissive, share-alike, non-commercial, ND, OR expressions, AI licenses,
NOASSERTION), a quarter of them with rights records and a few with clearances.  Running this
file still times the engine alone (``--sizes``, ``--repeat``), as ``bench_check.py --engine``.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from register.check.facts import USES, Clearance, DatasetFacts, RightsRecord  # noqa: E402

LICENSES = [
    "CC-BY-4.0",
    "CC-BY-4.0",
    "MIT",
    "Apache-2.0",
    "CC0-1.0",
    "CC-BY-SA-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "ODbL-1.0",
    "ODC-By-1.0",
    "PDDL-1.0",
    "GPL-3.0-only",
    "CDLA-Permissive-2.0",
    "CDLA-Sharing-1.0",
    "C-UDA-1.0",
    "BSD-3-Clause",
    "LicenseRef-scancode-bigscience-open-rail-m",
    "LicenseRef-scancode-llama-2-license-2023",
    "Apache-2.0 OR MIT",
    "CC-BY-NC-SA-4.0 OR CC-BY-SA-4.0",
    "NOASSERTION",
]
ON = date(2026, 12, 1)


def corpus(n: int, seed: int = 7) -> list[DatasetFacts]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        ident = f"org{i % 97}/dataset-{i}"
        rights = None
        if i % 4 == 0:
            rights = RightsRecord(
                personal_data=rnd.choice(["yes", "no", "unknown"]),
                lawful_basis=rnd.choice([None, "consent", "contract", "legitimate-interests"]),
                consent_purposes=tuple(rnd.sample(USES, 2)),
                allowed_regions=rnd.choice([(), ("EU",), ("EEA", "CH"), ("any",)]),
                retain_until=rnd.choice([None, date(2027, 6, 30), date(2026, 12, 15)]),
            )
        clearances = ()
        if i % 10 == 0:
            clearances = (Clearance(ident, rnd.choice(USES), "counsel", "bench"),)
        out.append(
            DatasetFacts(
                id=ident, license=rnd.choice(LICENSES), rights=rights, clearances=clearances
            )
        )
    return out


def main() -> None:
    from bench_check import bench_engine

    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sizes", default="10,1000,10000,50000")
    args = ap.parse_args()
    bench_engine([int(s) for s in args.sizes.split(",")], args.repeat)


if __name__ == "__main__":
    main()
