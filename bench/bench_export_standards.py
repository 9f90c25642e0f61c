"""Benchmark: the standard-format exports (SPDX 3, SPDX 2.3 JSON and tag-value, CycloneDX,
Croissant) beside ``export json`` on the same register, at several sizes.

    .venv/bin/python bench/bench_export_standards.py [--rows 10000,100000] [--formats ...]

For each size a register is built as in ``bench_export.py`` (rows inserted with SQLAlchemy
Core; a third carry rights records), then each format is exported with ``export_register`` in
its own subprocess, so time and peak memory (the child's own VmHWM) are measured separately.
Each figure is printed beside ``export json`` as a ratio; memory is shown per size, so its
growth with the number of datasets is visible.  Targets (issue 19): SPDX and CycloneDX within
2x of ``export json``, RSS flat in the number of datasets.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import fresh_register, peak_rss_mb  # noqa: E402

FORMATS = ("json", "spdx", "spdx2-json", "spdx2-tv", "cyclonedx", "croissant")


def child(fmt: str, db: Path, out: Path) -> None:
    from register.exports import export_register
    from register.register import Register

    reg = Register.open(db)
    t0 = time.perf_counter()
    report = export_register(reg, fmt, out)
    seconds = time.perf_counter() - t0
    print(json.dumps({"format": fmt, "seconds": seconds, "rows": report.rows,
                      "maxrss_mb": peak_rss_mb(), "bytes": out.stat().st_size}))


def run_child(fmt: str, db: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--child", fmt, "--db", str(db),
                           "--out", str(out)], capture_output=True, text=True)
    if proc.returncode:
        return {"error": 1.0, "seconds": float("nan"), "maxrss_mb": float("nan"), "bytes": 0}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="10000,100000",
                    help="comma-separated register sizes (default 10000,100000)")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--child")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.db, args.out)
        return
    formats = [f for f in args.formats.split(",") if f]
    if "json" not in formats:
        formats.insert(0, "json")
    sizes = [int(s) for s in args.rows.split(",") if s]
    print(f"python {sys.version.split()[0]}   cpus {os.cpu_count()}")
    print(f"{'rows':>8}  {'format':<11} {'seconds':>8} {'x json':>7} {'max RSS MB':>11} "
          f"{'x json':>7} {'file MiB':>9}")
    for rows in sizes:
        work, db = fresh_register(args.keep, rows, "bench-standards-")
        base: dict[str, float] = {}
        for fmt in formats:
            r = run_child(fmt, db, work / f"out.{fmt}")
            if fmt == "json":
                base = r
            if r.get("error"):
                print(f"{rows:>8}  {fmt:<11} failed (run the export by hand to see why)")
                continue
            print(f"{rows:>8}  {fmt:<11} {r['seconds']:8.2f} {r['seconds'] / base['seconds']:6.2f}x"
                  f" {r['maxrss_mb']:11.1f} {r['maxrss_mb'] / base['maxrss_mb']:6.2f}x"
                  f" {r['bytes'] / 2**20:9.1f}")


if __name__ == "__main__":
    main()
