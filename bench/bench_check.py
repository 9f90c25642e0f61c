"""Benchmark: ``register check`` and ``register list`` beside a plain SQL join and pandas.

    .venv/bin/python bench/bench_check.py [--sizes 10,1000,10000,50000] [--register-size 50000]
        [--list-sizes 10000,100000,200000] [--rounds 3] [--engine]

One command, every figure beside its baseline as a ratio, each measured in a fresh process
(wall time and the process's max RSS, from ``/usr/bin/time``), the rounds interleaved so that
load on the machine hits ours and the baselines alike (the median of the rounds is shown):

``check`` (issue 18), a ``--register-size`` register (rows written by ``bench_export.build``:
real licenses, a third with rights records), a corpus YAML of N of its datasets:

* ``ours``     -- ``register --db R check CORPUS --use service --format json`` to /dev/null;
* ``join``     -- plain ``sqlite3``: read the corpus ids, one join of ``dataset`` and
  ``clearance`` over them, every row dumped as JSON (the floor: no rules, no start-up);
* ``pandas``   -- ``pd.read_sql`` of both tables, ``merge`` with the corpus ids, ``to_json``;
* ``start-up`` -- ``register --help`` (what any command costs before it works).

Each time is shown as wall / CPU seconds (user + system, less moved by other load on a shared
machine), each ratio likewise.  ``µs/ds`` is the CPU one more dataset adds, from the previous
size to this one, so the growth with the corpus is visible.  Targets, printed met or not after
the table: 50k within 3x of ``join`` and under 120 MB; 1k within 1.5x of ``start-up``
(printed against ``register --help`` and against the smallest corpus's check, which issue 17
counts as start-up: a 10-dataset check is start-up over ~10 ms of work).

``list --needs-review`` (issue 19), one register per ``--list-sizes``: ours (JSON to
/dev/null) beside ``join`` (``sqlite3``: the same columns, every row as JSON) and pandas
(``read_sql`` + ``to_json``); RSS should stay flat as the register grows.

``--engine`` adds the engine alone (no store, no CLI, in this process) on synthetic corpora
of every shape mix (``bench_check_engine.corpus``): ms and microseconds per dataset for each
use, so growth in the number of datasets is visible without start-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import build  # noqa: E402

JOIN_CHECK = r"""
import json, sqlite3, sys
db, corpus = sys.argv[1], sys.argv[2]
ids = [line[4:].strip() for line in open(corpus, encoding="utf-8") if line.startswith("  - ")]
con = sqlite3.connect(db)
con.row_factory = sqlite3.Row
w = json.dumps(ids)
rows = con.execute(
    "SELECT d.id, d.declared_license, d.declared_needs_review, d.declared_reason, "
    "d.concluded_license, d.rights_json, c.use, c.by, c.reason, c.until "
    "FROM json_each(?) w JOIN dataset d ON d.id = w.value "
    "LEFT JOIN clearance c ON c.dataset_id = d.id ORDER BY w.key", (w,))
out = open(sys.argv[3], "w", encoding="utf-8")
for r in rows:
    out.write(json.dumps(dict(r), sort_keys=True) + "\n")
"""

PANDAS_CHECK = r"""
import sqlite3, sys
import pandas as pd
db, corpus = sys.argv[1], sys.argv[2]
ids = [line[4:].strip() for line in open(corpus, encoding="utf-8") if line.startswith("  - ")]
con = sqlite3.connect(db)
d = pd.read_sql("SELECT id, declared_license, declared_needs_review, declared_reason, "
                "concluded_license, rights_json FROM dataset", con)
c = pd.read_sql("SELECT dataset_id, use, by, reason, until FROM clearance", con)
w = pd.DataFrame({"id": ids})
m = w.merge(d, on="id").merge(c, how="left", left_on="id", right_on="dataset_id")
m.to_json(sys.argv[3], orient="records", lines=True)
"""

TIME = Path("/usr/bin/time")
LIST_COLS = ("id, source, revision, version, pretty_name, declared_license, "
             "declared_needs_review, concluded_license, concluded_reason, license_changed_at, "
             "previous_license, rights_json, personal_data, retain_until, declared_reason, "
             "suggestions_json")

JOIN_LIST = r"""
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.row_factory = sqlite3.Row
out = open(sys.argv[2], "w", encoding="utf-8")
for r in con.execute("SELECT COLS FROM dataset ORDER BY id"):
    out.write(json.dumps(dict(r), sort_keys=True) + "\n")
""".replace("COLS", LIST_COLS)

PANDAS_LIST = r"""
import sqlite3, sys
import pandas as pd
df = pd.read_sql("SELECT COLS FROM dataset ORDER BY id", sqlite3.connect(sys.argv[1]))
df.to_json(sys.argv[2], orient="records", lines=True)
""".replace("COLS", LIST_COLS)


def measure(cmd: list[str]) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, max RSS MB, exit code) of one fresh process, output to
    /dev/null (CPU = user + system: less moved by other load on the machine than wall time).

    Started by ``/usr/bin/time`` when present: a child forked from this (large) process would
    count the parent's pages in its max RSS until it execs."""
    timing = Path(tempfile.gettempdir()) / f"bench-check-{os.getpid()}.time"
    wrap = ["/usr/bin/time", "-f", "%M %U %S", "-o", str(timing)] if TIME.exists() else []
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        proc = subprocess.run([*wrap, *cmd], stdout=null, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
    code = proc.returncode
    if code not in (0, 3, 4):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {proc.stderr.decode()[-2000:]}")
    rss = cpu = float("nan")
    if wrap:
        kb, user, system = timing.read_text().split()[-3:]
        rss, cpu = int(kb) / 1024, float(user) + float(system)
        timing.unlink()
    return wall, cpu, rss, code


def run_rounds(jobs: dict[str, list[str]], rounds: int) -> dict[str, tuple[float, float, float]]:
    """The median wall time, CPU time and RSS of each job, rounds interleaved."""
    seen: dict[str, list[tuple[float, float, float]]] = {k: [] for k in jobs}
    for _ in range(rounds):
        for name, cmd in jobs.items():
            wall, cpu, rss, _ = measure(cmd)
            seen[name].append((wall, cpu, rss))
    return {k: (statistics.median(w for w, _, _ in v), statistics.median(c for _, c, _ in v),
                statistics.median(r for _, _, r in v)) for k, v in seen.items()}


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def target(name: str, got: float, limit: float, unit: str = "x") -> str:
    return f"{name}: {got:.2f}{unit} ({'met' if got <= limit else 'NOT met'})"


def bench_check(exe: str, py: str, tmp: Path, sizes: list[int], register_size: int,
                rounds: int) -> None:
    db = tmp / "check.db"
    t0 = time.perf_counter()
    build(db, register_size)
    print(f"check: register of {register_size:,} datasets built in "
          f"{time.perf_counter() - t0:.1f} s; median of {rounds} interleaved rounds; "
          "wall s / CPU s, ratios of each\n")
    ids = [f"org{i % 997}/dataset-{i:06d}" for i in range(register_size)]
    sink = str(tmp / "sink")
    print(f"{'datasets':>9} | {'ours wall/cpu':>13} {'MB':>4} | {'join wall/cpu':>13} {'MB':>4} "
          f"{'ours/join':>13} | {'pandas':>11} {'ours/pd':>13} | {'start-up':>11} "
          f"{'ours/start':>13} | {'µs/ds':>5}")
    verdicts: list[str] = []
    prev: tuple[int, float] | None = None
    smallest: tuple[int, float, float] | None = None  # a check's own start-up: fewest datasets
    for size in sizes:
        corpus = tmp / f"corpus-{size}.yaml"
        step = max(1, len(ids) // size)
        corpus.write_text("name: bench\ndatasets:\n"
                          + "".join(f"  - {i}\n" for i in ids[::step][:size]), encoding="utf-8")
        got = run_rounds({
            "ours": [exe, "--db", str(db), "check", str(corpus), "--use", "service",
                     "--on", "2026-12-01", "--format", "json"],
            "join": [py, "-c", JOIN_CHECK, str(db), str(corpus), sink],
            "pandas": [py, "-c", PANDAS_CHECK, str(db), str(corpus), sink],
            "start-up": [exe, "--help"],
        }, rounds)
        (o, oc, om), (j, jc, jm) = got["ours"], got["join"]
        (p, pc, _), (s, sc, _) = got["pandas"], got["start-up"]
        # the CPU a dataset adds, from the previous size to this one (cost growth)
        per = f"{(oc - prev[1]) / (size - prev[0]) * 1e6:>5.0f}" if prev else f"{'-':>5}"
        prev = (size, oc)
        if smallest is None:
            smallest = (size, o, oc)
        print(f"{size:>9,} | {o:>6.2f}/{oc:<6.2f} {om:>4.0f} | {j:>6.2f}/{jc:<6.2f} {jm:>4.0f} "
              f"{ratio(o, j):>6}/{ratio(oc, jc):<6} | {p:>5.2f}/{pc:<5.2f} "
              f"{ratio(o, p):>6}/{ratio(oc, pc):<6} | {s:>5.2f}/{sc:<5.2f} "
              f"{ratio(o, s):>6}/{ratio(oc, sc):<6} | {per}")
        if size == 50_000:
            verdicts.append(target("50k check <= 3x join (wall)", o / j, 3.0))
            verdicts.append(target("(CPU)", oc / jc, 3.0))
            verdicts.append(target("50k check < 120 MB", om, 120.0, " MB"))
        if size == 1_000:
            verdicts.append(target("1k check <= 1.5x start-up (wall)", o / s, 1.5))
            verdicts.append(target("(CPU)", oc / sc, 1.5))
            if smallest[0] < size:  # issue 17 counts a 10-dataset check as start-up
                verdicts.append(target(f"1k check <= 1.5x a {smallest[0]}-dataset check (wall)",
                                       o / smallest[1], 1.5))
                verdicts.append(target("(CPU)", oc / smallest[2], 1.5))
    if verdicts:
        print("\ntargets (issue 18): " + "; ".join(verdicts))


def bench_list(exe: str, py: str, tmp: Path, sizes: list[int], rounds: int) -> None:
    print(f"\nlist --needs-review: median of {rounds} interleaved rounds\n")
    print(f"{'register':>9} | {'ours s':>7} {'MB':>5} | {'join s':>7} {'MB':>5} {'ours/join':>9} | "
          f"{'pandas s':>8} {'MB':>5} {'ours/pd':>7}")
    sink = str(tmp / "sink")
    for size in sizes:
        db = tmp / f"list-{size}.db"
        build(db, size)
        got = run_rounds({
            "ours": [exe, "--db", str(db), "list", "--needs-review", "--format", "json"],
            "join": [py, "-c", JOIN_LIST, str(db), sink],
            "pandas": [py, "-c", PANDAS_LIST, str(db), sink],
        }, rounds)
        (o, _, om), (j, _, jm), (p, _, pm) = got["ours"], got["join"], got["pandas"]
        print(f"{size:>9,} | {o:>7.2f} {om:>5.0f} | {j:>7.2f} {jm:>5.0f} {ratio(o, j):>9} | "
              f"{p:>8.2f} {pm:>5.0f} {ratio(o, p):>7}")
        db.unlink()


def bench_engine(sizes: list[int], rounds: int) -> None:
    from datetime import date

    from bench_check_engine import corpus

    from register.check.engine import check
    from register.check.facts import USES
    from register.check.policy import default_policy
    from register.licenses.catalog import KnowledgeBase

    kb, policy, on = KnowledgeBase.load(), default_policy(), date(2026, 12, 1)
    check(corpus(50), use="service", region="DE", on=on, policy=policy, kb=kb)  # warm-up
    print(f"\nengine alone (in process, best of {rounds})\n")
    print(f"{'datasets':>9} {'use':>16} {'best ms':>9} {'µs/dataset':>11} verdict")
    for n in sizes:
        facts = corpus(n)
        for use in USES:
            best, verdict = float("inf"), ""
            for _ in range(rounds):
                t0 = time.perf_counter()
                verdict = check(facts, use=use, region="DE", on=on, policy=policy,
                                kb=kb).verdict
                best = min(best, time.perf_counter() - t0)
            print(f"{n:>9,} {use:>16} {best * 1e3:>9.2f} {best * 1e6 / n:>11.1f} {verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", default="10,1000,10000,50000", help="corpus sizes (check)")
    ap.add_argument("--register-size", type=int, default=50_000)
    ap.add_argument("--list-sizes", default="10000,100000,200000",
                    help="register sizes for list --needs-review ('' to skip)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--engine", action="store_true", help="also time the engine alone")
    args = ap.parse_args()
    py = sys.executable
    exe = str(Path(py).with_name("register"))
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        if sizes:
            bench_check(exe, py, Path(tmp), sizes, args.register_size, args.rounds)
        if args.list_sizes:
            bench_list(exe, py, Path(tmp), [int(s) for s in args.list_sizes.split(",")],
                       args.rounds)
    if args.engine:
        bench_engine(sizes, args.rounds)


if __name__ == "__main__":
    main()
