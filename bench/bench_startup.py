"""Start-up benchmark (issue 17): the CLI's fixed cost beside the interpreter's.

    .venv/bin/python bench/bench_startup.py [--repeat 7] [--cards DIR]

Times, each in a fresh process and best of ``--repeat``, side by side:

* ``python -c pass``                     (the floor: interpreter start)
* ``register --help``                    (imports + building the command tree)
* ``register --version``
* ``register check`` of a 10-dataset corpus (open the register, facts, engine, JSON out):
  a plain check of an SQLite register reads it through stdlib ``sqlite3``, without
  SQLAlchemy (``register.check_verbs.plain_check``);
* the same check with ``--record`` (the SQLAlchemy engine path: what every check cost
  before, plus one recorded check written)

and prints each as a ratio of the floor, in wall time and in CPU time (user + sys of the
child: less sensitive to a loaded machine).  Target: ``--help`` and the 10-dataset check
within ``2.5 x floor + 50 ms``.  The register is ingested once from 10 devset cards
beforehand; each command runs once before timing.  Bytecode is written and used as an
installed package would (``PYTHONDONTWRITEBYTECODE`` is dropped for the children).
The floors below it: ``import typer`` (the CLI framework), ``import typer, pydantic`` (typer
coerces option values with pydantic), ``import sqlalchemy`` (the store).
Run ``python -X importtime -c 'import register.cli'`` to see what the start-up imports.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CARDS = Path(__file__).resolve().parent.parent.parent / "shared" / "devset" / "cards"
ENTRY = "import sys; from register.cli import main; sys.exit(main())"


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def best_of(cmd: list[str], repeat: int, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Best wall time and best CPU time (s) of ``repeat`` runs, after one warm-up run."""
    best = cpu_best = float("inf")
    for i in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in ok:
            sys.exit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-800:]}")
        if i:
            best = min(best, elapsed)
            cpu_best = min(cpu_best, (after.ru_utime - before.ru_utime)
                           + (after.ru_stime - before.ru_stime))
    return best, cpu_best


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
            ("(floor) import typer", best_of([py, "-c", "import typer"], args.repeat)),
            ("(floor) import typer, pydantic",
             best_of([py, "-c", "import typer, pydantic"], args.repeat)),
            ("(floor) import sqlalchemy", best_of([py, "-c", "import sqlalchemy"], args.repeat)),
            ("register --help", best_of([*register, "--help"], args.repeat)),
            ("register --version", best_of([*register, "--version"], args.repeat)),
            ("register check (10 datasets)", best_of(
                [*register, "--db", db, "check", str(corpus), "--use", "research",
                 "--on", "2026-12-01", "--format", "json"], args.repeat, ok=(0, 3, 4))),
            ("check --record (engine path)", best_of(
                [*register, "--db", db, "check", str(corpus), "--use", "research",
                 "--on", "2026-12-01", "--format", "json", "--record", "--by", "bench"],
                args.repeat, ok=(0, 3, 4))),
        ]
    wall0, cpu0 = floor
    target, cpu_target = 2.5 * wall0 + 0.050, 2.5 * cpu0 + 0.050
    print(f"{'command':<32} {'wall ms':>8} {'x floor':>8} {'cpu ms':>8} {'x floor':>8}")
    for name, (wall, cpu) in rows:
        print(f"{name:<32} {wall * 1000:8.1f} {wall / wall0:8.1f} {cpu * 1000:8.1f} "
              f"{cpu / max(cpu0, 1e-6):8.1f}")
    print(f"target: <= 2.5 x floor + 50 ms = {target * 1000:.1f} ms wall "
          f"({cpu_target * 1000:.1f} ms cpu)")
    for name, (wall, cpu) in rows[4:7]:
        verdict = "met" if wall <= target else "NOT met"
        print(f"  {name:<30} {verdict}: {wall / target:.2f} of the target wall, "
              f"{cpu / cpu_target:.2f} cpu")
    return 0


if __name__ == "__main__":
    sys.exit(main())
