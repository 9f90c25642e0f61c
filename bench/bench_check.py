"""Benchmark: ``register check`` end to end from the CLI on a 50,000-dataset register.

    .venv/bin/python bench/bench_check.py [--register-size 50000] [--sizes 10,100,1000,10000]

Builds a SQLite register of ``--register-size`` datasets (rows written with SQLAlchemy Core by
``bench_export.build``: mixed real licenses, a third with rights records), then for each corpus
size writes a corpus YAML and times the real command in a fresh process,
``register --db R check CORPUS --use service --format json`` (process start, imports, register
open, facts query, knowledge base, engine, JSON output), best of ``--repeat`` runs.

Target (issue 5): a 1,000-dataset corpus under 1 second; time linear in the corpus size.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--register-size", type=int, default=50_000)
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("register"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build(db, args.register_size)
        print(f"register of {args.register_size:,} datasets built in "
              f"{time.perf_counter() - t0:.1f} s")
        ids = [f"org{i % 997}/dataset-{i:06d}" for i in range(args.register_size)]
        # warm the OS cache and the knowledge base once
        subprocess.run([exe, "--db", str(db), "license", "show", "MIT", "-f", "json"],
                       capture_output=True, check=True)
        print(f"{'corpus':>8} {'best s':>8} {'ms/dataset':>11}  verdict")
        rows = []
        for size in (int(s) for s in args.sizes.split(",")):
            corpus = Path(tmp) / f"corpus-{size}.yaml"
            step = max(1, len(ids) // size)
            chosen = ids[::step][:size]
            corpus.write_text("name: bench\ndatasets:\n" + "".join(f"  - {i}\n" for i in chosen),
                              encoding="utf-8")
            best = float("inf")
            verdict = ""
            for _ in range(args.repeat):
                start = time.perf_counter()
                proc = subprocess.run([exe, "--db", str(db), "check", str(corpus), "--use",
                                       "service", "--on", "2026-12-01", "--format", "json"],
                                      capture_output=True, text=True)
                best = min(best, time.perf_counter() - start)
                if proc.returncode not in (0, 3, 4):
                    raise SystemExit(proc.stderr)
                verdict = {0: "allowed*", 3: "needs-review", 4: "blocked"}[proc.returncode]
            rows.append((size, best))
            print(f"{size:>8} {best:>8.3f} {1000 * best / size:>11.3f}  {verdict}")
        one_k = dict(rows).get(1000)
        if one_k is not None:
            print(f"1,000-dataset corpus: {one_k:.3f} s "
                  f"({'meets' if one_k < 1.0 else 'MISSES'} the 1 s target)")


if __name__ == "__main__":
    main()
