"""Start-up benchmark (issue 17): the CLI's fixed cost beside the interpreter's.

    .venv/bin/python bench/bench_startup.py [--repeat 7] [--cards DIR]

Times, each in a fresh process and best of ``--repeat``, side by side:

* ``python -c pass``                     (the floor: interpreter start)
* ``register --help``                    (imports + building the command tree)
* ``register --version``
* ``register check`` of a 10-dataset corpus (open the register, facts, engine, JSON out)

and prints each as a ratio of the floor.  Target: ``--help`` and the 10-dataset check within
``2.5 x floor + 50 ms``.  The register is ingested once from 10 devset cards beforehand.
Run ``python -X importtime -c 'import register.cli'`` to see what the start-up imports.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CARDS = Path(__file__).resolve().parent.parent.parent / "shared" / "devset" / "cards"
ENTRY = "import sys; from register.cli import main; sys.exit(main())"


def best_of(cmd: list[str], repeat: int, ok: tuple[int, ...] = (0,)) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode not in ok:
            sys.exit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-800:]}")
        best = min(best, elapsed)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cards", type=Path, default=DEFAULT_CARDS)
    args = ap.parse_args()
    py = sys.executable
    register = [py, "-c", ENTRY]
    cards = sorted(p for p in args.cards.iterdir() if (p / "README.md").is_file())[:10]
    if len(cards) < 10:
        sys.exit(f"need 10 dataset directories in {args.cards}")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        db = str(Path(tmp) / "r.db")
        subprocess.run([*register, "--db", db, "ingest", *map(str, cards)], check=True,
                       capture_output=True)
        corpus = Path(tmp) / "corpus.yaml"
        corpus.write_text("name: bench\ndatasets:\n" + "".join(
            f"  - {c.name}\n" for c in cards), encoding="utf-8")
        floor = best_of([py, "-c", "pass"], args.repeat)
        rows = [
            ("python -c pass", floor),
            ("register --help", best_of([*register, "--help"], args.repeat)),
            ("register --version", best_of([*register, "--version"], args.repeat)),
            ("register check (10 datasets)", best_of(
                [*register, "--db", db, "check", str(corpus), "--use", "research",
                 "--on", "2026-12-01", "--format", "json"], args.repeat, ok=(0, 3, 4))),
        ]
    target = 2.5 * floor + 0.050
    print(f"{'command':<30} {'best ms':>8} {'x floor':>8}")
    for name, seconds in rows:
        print(f"{name:<30} {seconds * 1000:8.1f} {seconds / floor:8.1f}")
    print(f"target: <= 2.5 x floor + 50 ms = {target * 1000:.1f} ms")
    for name, seconds in rows[1:]:
        verdict = "met" if seconds <= target else "NOT met"
        print(f"  {name:<28} {verdict} ({seconds / target:.2f} of the target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
