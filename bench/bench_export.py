"""Benchmark: xlsx export of a large register beside the fastest streaming writers.

    .venv/bin/python bench/bench_export.py [--rows 100000] [--keep DIR] [--no-pandas]
                                           [--repeat N] [--verify]

Builds a register of ``--rows`` datasets (rows inserted directly with SQLAlchemy Core into a
SQLite register made by ``Register.open``; a third carry rights records, a few hundred have a
Hub URL source), then, each in its own subprocess so peak memory (max RSS) is measured
separately:

* ``ours``   -- ``export_register(reg, "xlsx", ...)``: the whole export, database read included
  (Register, Review, Licenses and About sheets, styles, notes, validations, links);
* ``xlsxwriter-same`` -- **the floor**: the same workbook's cell values -- the Register,
  Review, Licenses and About sheets, read from the database as the export reads them
  (:func:`register.exports.iter_register_rows`, ``license_rows``, ``about_lines``) -- written
  by a bare XlsxWriter ``constant_memory`` writer: ``write_row`` per row, a date format per
  date column (``set_column``), no other style, note, link, validation or conditional
  format (those cost nothing per row);  ``--verify`` reads both workbooks back (openpyxl)
  and compares every sheet's values;
* ``xlsxwriter-rows`` -- the old floor, shown so nothing is hidden: the Register rows only,
  cell by cell (no Review, Licenses or About sheet);
* ``openpyxl-rows`` -- the Register rows only through openpyxl's write-only mode;
* ``pandas`` -- the same Register rows already in memory as a DataFrame, then
  ``df.to_excel(path, engine="openpyxl", index=False)``; only ``to_excel`` is timed;
* ``ours`` again on a fifth of the rows, to show memory does not grow with the row count
  (streaming writes).

Every time and peak RSS is printed beside the floor's as a ratio (and ours beside the old
rows-only floor).  Target (issue 18): ours within 1.2x of the fastest streaming writer for
the same workbook, memory bounded (flat in rows).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from register.register import Register

LICENSES = ("CC-BY-4.0", "MIT", "CC-BY-SA-4.0", "Apache-2.0", "CC-BY-NC-4.0", "ODbL-1.0",
            None, "CC0-1.0")


def build(db: Path, rows: int) -> None:
    from sqlalchemy import insert

    from register.register import Register
    from register.store.engine import run_write
    from register.store.tables import DATASETS

    reg = Register.open(db, create=True)
    now = "2026-11-27T08:00:00.000000Z"
    batch: list[dict[str, object]] = []

    def flush(conn: object) -> None:
        conn.execute(insert(DATASETS), batch)  # type: ignore[attr-defined]

    start = date(2020, 1, 1)
    for i in range(rows):
        lic = LICENSES[i % len(LICENSES)]
        rights = None
        if i % 3 == 0:
            rights = json.dumps({
                "personal_data": "yes" if i % 6 == 0 else "no", "sensitive": [],
                "dpia": None, "lawful_basis": "legitimate-interests" if i % 6 == 0 else None,
                "consent_purposes": [], "collected_in": ["DE", "FR"],
                "allowed_regions": ["EU"], "collected_on": None,
                "retain_until": (start + timedelta(days=i % 3000)).isoformat()})
        batch.append({
            "id": f"org{i % 997}/dataset-{i:06d}",
            "source": (f"https://huggingface.co/datasets/org{i % 997}/dataset-{i:06d}"
                       if i % 250 == 0 else f"/data/cards/org{i % 997}/dataset-{i:06d}"),
            "revision": f"{i:040x}"[:12], "card_sha256": f"{i:064x}", "version": 1,
            "pretty_name": f"Dataset number {i} \u2014 a benchmark card",
            "metadata_json": "{}", "raw_license_json": json.dumps({"license": (lic or
                                                                              "unknown")}),
            "declared_license": lic, "declared_needs_review": lic is None,
            "declared_reason": "" if lic else "YAML 'unknown' gives no license information",
            "declared_confidence": 1.0, "declared_method": "hub-id",
            "rights_json": rights, "personal_data": "yes" if rights and i % 6 == 0 else
            ("no" if rights else "unknown"),
            "retain_until": None, "suggestions_json": "{}", "ingested_at": now,
            "updated_at": now,
        })
        if len(batch) == 5000:
            run_write(reg.engine, flush)
            batch = []
    if batch:
        run_write(reg.engine, flush)
    reg.close()


def child(mode: str, db: Path, out: Path, limit: int) -> None:
    from register.exports import REGISTER_COLUMNS, export_register, iter_register_rows
    from register.register import Register

    reg = Register.open(db)
    cpu0 = time.process_time()
    if mode == "ours":
        ids = None
        if limit:
            ids = reg.dataset_ids()[:limit]
        t0 = time.perf_counter()
        if ids is None:
            report = export_register(reg, "xlsx", out)
        else:
            from register.exports import ExportReport, ExportScope
            from register.exports.xlsx import write_xlsx

            report = ExportReport(path=out)
            write_xlsx(reg, out, ExportScope(ids=tuple(ids)), report)
        seconds = time.perf_counter() - t0
        rows = report.rows
    elif mode == "xlsxwriter-same":
        t0 = time.perf_counter()
        rows = _xlsxwriter_same(reg, out)
        seconds = time.perf_counter() - t0
    elif mode == "xlsxwriter-rows":
        t0 = time.perf_counter()
        rows = _xlsxwriter_rows(reg, out)
        seconds = time.perf_counter() - t0
    elif mode == "openpyxl-rows":
        t0 = time.perf_counter()
        rows = _openpyxl_rows(reg, out)
        seconds = time.perf_counter() - t0
    else:
        import pandas as pd

        names = [c.name for c in REGISTER_COLUMNS]
        data = [{n: r[n] for n in names} for r in iter_register_rows(reg)]
        df = pd.DataFrame(data, columns=names)
        del data
        t0 = time.perf_counter()
        df.to_excel(out, engine="openpyxl", index=False, sheet_name="Register")
        seconds = time.perf_counter() - t0
        rows = len(df)
    cpu = time.process_time() - cpu0  # the pandas DataFrame build included: a reference only
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu": cpu, "rows": rows,
                      "maxrss_mb": peak_rss_mb(), "bytes": out.stat().st_size}))


def peak_rss_mb() -> float:
    """This process's peak RSS: Linux's VmHWM, which starts afresh at exec; ``ru_maxrss``
    does not (it keeps the forking parent's peak: here the register build's), so it is only
    the fallback elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _xlsxwriter_same(reg: Register, out: Path) -> int:
    """The floor: the cell values of our workbook's sheets (Register, Review, Licenses,
    About), read from the database as the export reads them, through a bare XlsxWriter
    ``constant_memory`` writer -- ``write_row`` per row, one date format per date column
    (``set_column``), no other style, note, link, validation, conditional format or check."""
    from collections import Counter
    from operator import itemgetter

    import xlsxwriter

    from register.exports import REGISTER_COLUMNS, ExportReport, ExportScope, iter_register_rows
    from register.exports.xlsx import LICENSE_COLUMNS, REVIEW_COLUMNS, about_lines, license_rows
    from register.licenses.expressions import license_keys

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("Register")
    review = wb.add_worksheet("Review")
    licenses = wb.add_worksheet("Licenses")
    about = wb.add_worksheet("About")
    formats = {"date": wb.add_format({"num_format": "yyyy-mm-dd"}),
               "datetime": wb.add_format({"num_format": "yyyy-mm-dd h:mm:ss"})}
    for c, col in enumerate(REGISTER_COLUMNS):
        if col.kind in formats:
            ws.set_column(c, c, col.width, formats[col.kind])
    names = [c.name for c in REGISTER_COLUMNS]
    ws.write_row(0, 0, names)
    review.write_row(0, 0, [c.name for c in REVIEW_COLUMNS])
    cells_of = itemgetter(*names)
    at = names.index("needs_review")
    pairs: Counter[tuple[str | None, str | None]] = Counter()
    r = n = 0
    for r, row in enumerate(iter_register_rows(reg), start=1):  # noqa: B007
        values = list(cells_of(row.cells))
        values[at] = "yes" if values[at] else "no"
        ws.write_row(r, 0, values)
        pairs[row["declared_license"], row["concluded_license"]] += 1
        if row.review or row.attention:
            ident, lic = row["id"], row["effective_license"]
            for item in (*row.review, *row.attention):
                n += 1
                review.write_row(n, 0, (ident, item.kind, item.message, item.action, lic))
    seen: Counter[str] = Counter()
    for (declared, concluded), count in pairs.items():
        for lid in set(license_keys(declared)) | set(license_keys(concluded)):
            seen[lid] += count
    report = ExportReport(path=out, rows=r)
    licenses.write_row(0, 0, [c.name for c in LICENSE_COLUMNS])
    for i, item in enumerate(license_rows(reg, seen, report), start=1):
        licenses.write_row(i, 0, [("yes" if v else "no") if isinstance(v, bool) else v
                                  for v in (item.get(c.name) for c in LICENSE_COLUMNS)])
    for i, line in enumerate(about_lines(ExportScope(), report)):
        about.write(i, 0, line)  # "" stays empty, as in ours
    wb.close()
    return r


def _xlsxwriter_rows(reg: object, out: Path) -> int:
    """The Register rows, typed, through a bare XlsxWriter constant_memory writer."""
    from datetime import datetime

    import xlsxwriter

    from register.exports import REGISTER_COLUMNS, iter_register_rows

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("Register")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    names = [c.name for c in REGISTER_COLUMNS]
    for c, name in enumerate(names):
        ws.write_string(0, c, name)
    r = 0
    for r, row in enumerate(iter_register_rows(reg), start=1):  # type: ignore[arg-type]
        for c, name in enumerate(names):
            value = row[name]
            if value is None or value == "":
                continue
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif isinstance(value, bool):
                ws.write_string(r, c, "yes" if value else "no")
            elif isinstance(value, date | datetime):
                ws.write_datetime(r, c, value, day)
            else:
                ws.write_number(r, c, value)
    wb.close()
    return r


def _openpyxl_rows(reg: object, out: Path) -> int:
    """The same rows through openpyxl's write-only mode."""
    from openpyxl import Workbook

    from register.exports import REGISTER_COLUMNS, iter_register_rows

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Register")
    names = [c.name for c in REGISTER_COLUMNS]
    ws.append(names)
    r = 0
    for r, row in enumerate(iter_register_rows(reg), start=1):  # type: ignore[arg-type]  # noqa: B007
        ws.append([("yes" if v else "no") if isinstance(v, bool) else v
                   for v in (row[n] for n in names)])
    wb.save(out)
    return r


def run_child(mode: str, db: Path, out: Path, limit: int = 0, repeat: int = 1,
              ) -> dict[str, float]:
    """One mode in a fresh process (``repeat`` times: the fastest run, the highest RSS)."""
    runs = []
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, __file__, "--child", mode, "--db", str(db),
                               "--out", str(out), "--limit", str(limit)],
                              check=True, capture_output=True, text=True)
        runs.append(dict(json.loads(proc.stdout.strip().splitlines()[-1])))
    best = min(runs, key=lambda r: r["seconds"])
    return best | {"cpu": min(r["cpu"] for r in runs),
                   "maxrss_mb": max(r["maxrss_mb"] for r in runs)}


def fresh_register(keep: Path | None, rows: int, prefix: str) -> tuple[Path, Path]:
    """A work directory (``keep`` or a new temporary one) holding a freshly built register
    of ``rows`` datasets; returns (work, db)."""
    work = keep or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    if db.exists():
        db.unlink()
    t0 = time.perf_counter()
    build(db, rows)
    print(f"built a register of {rows:,} datasets in {time.perf_counter() - t0:.1f}s "
          f"({db})", file=sys.stderr)
    return work, db


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--child")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-pandas", action="store_true", help="skip the (slow) pandas run")
    ap.add_argument("--verify", action="store_true",
                    help="read ours and the floor back (openpyxl) and compare their values")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per writer (the fastest counts; a loaded machine is noisy)")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.db, args.out, args.limit)
        return
    work, db = fresh_register(args.keep, args.rows, "bench-export-")
    results = {mode: run_child(mode, db, work / f"{mode}.xlsx", repeat=args.repeat)
               for mode in ("xlsxwriter-same", "xlsxwriter-rows", "openpyxl-rows", "ours")}
    if not args.no_pandas:
        results["pandas"] = run_child("pandas", db, work / "pandas.xlsx")
    small = run_child("ours", db, work / "ours-small.xlsx", limit=max(args.rows // 5, 1))
    base = results["xlsxwriter-same"]
    labels = {
        "xlsxwriter-same": "FLOOR: XlsxWriter constant_memory, the same sheets and values",
        "xlsxwriter-rows": "old floor: XlsxWriter constant_memory, Register rows only",
        "openpyxl-rows": "openpyxl write-only, Register rows only",
        "ours": "export_register xlsx, all sheets",
        "pandas": "pandas DataFrame.to_excel (openpyxl; wall: to_excel only, cpu: with the build)",
    }
    print(f"rows: {args.rows:,}   python {sys.version.split()[0]}   cpus {os.cpu_count()}   "
          f"load {os.getloadavg()[0]:.1f}   best of {args.repeat}   baseline: xlsxwriter-same "
          "(DB read included)")
    print(f"{'':16} {'wall':>9}  {'ratio':>6}   {'cpu':>7}  {'ratio':>6}   {'max RSS':>10}  "
          f"{'ratio':>6}   {'file':>9}")
    for mode, res in results.items():
        print(f"{mode:16} {res['seconds']:7.2f} s  {res['seconds'] / base['seconds']:5.2f}x   "
              f"{res['cpu']:5.2f} s  {res['cpu'] / base['cpu']:5.2f}x   "
              f"{res['maxrss_mb']:7.1f} MB  {res['maxrss_mb'] / base['maxrss_mb']:5.2f}x   "
              f"{res['bytes'] / 2**20:5.1f} MiB   {labels[mode]}")
    ours = results["ours"]
    ratio = ours["seconds"] / base["seconds"]
    cpu_ratio = ours["cpu"] / base["cpu"]
    print(f"ours / floor (the same workbook): {ratio:.2f}x wall, {cpu_ratio:.2f}x cpu "
          f"(target <= 1.20x): {'OK' if max(ratio, cpu_ratio) <= 1.2 else 'MISSED'}")
    old = results["xlsxwriter-rows"]
    print(f"ours / old floor (Register rows only, not the same workbook): "
          f"{ours['seconds'] / old['seconds']:.2f}x wall, {ours['cpu'] / old['cpu']:.2f}x cpu")
    grow = ours["maxrss_mb"] / small["maxrss_mb"]
    print(f"memory: ours on {small['rows']:,} rows max RSS {small['maxrss_mb']:.1f} MB, on "
          f"{ours['rows']:,} rows {ours['maxrss_mb']:.1f} MB ({grow:.2f}x "
          f"for {ours['rows'] / max(small['rows'], 1):.0f}x the rows; streaming: "
          f"{'bounded' if grow <= 1.25 else 'GROWS'})")
    if args.verify:
        same = _same_values(work / "ours.xlsx", work / "xlsxwriter-same.xlsx")
        print("verify: the floor's workbook holds ours' values, sheet by sheet: "
              + ", ".join(f"{name} {rows:,} rows {'same' if ok else 'DIFFERENT'}"
                          for name, rows, ok in same))


def _same_values(ours: Path, floor: Path) -> list[tuple[str, int, bool]]:
    """(sheet, rows, the values are equal) for every sheet of ``floor`` (openpyxl reads)."""
    from itertools import zip_longest

    from openpyxl import load_workbook

    a = load_workbook(ours, read_only=True)
    b = load_workbook(floor, read_only=True)

    def trimmed(rows: object) -> object:
        for row in rows:  # type: ignore[attr-defined]
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            yield values

    out = []
    for name in b.sheetnames:
        n = 0
        ok = name in a.sheetnames
        if ok:
            for n, (x, y) in enumerate(zip_longest(  # noqa: B007
                    trimmed(a[name].iter_rows(values_only=True)),
                    trimmed(b[name].iter_rows(values_only=True))), start=1):
                if x != y:
                    ok = False
                    break
        out.append((name, n, ok))
    return out


if __name__ == "__main__":
    main()
