"""Hub sync benchmark (issues 17 and 19) against the local fake Hub with simulated latency.

    .venv/bin/python bench/bench_hub.py [--n 500000] [--latency 0.1] [--sample 2000]
        [--sequential-sample 200] [--old-sample 100] [--jobs 8 16] [--kind model]

The fake Hub (:mod:`tests.fake_hub`) runs in its own process, serving ``--n`` synthetic
datasets (real cards from ``tests/fixtures/cards``), 1,000 a listing page, sleeping
``--latency`` seconds before every answer.  Every measurement runs the CLI end to end in a
fresh process (``register ingest --hub-all``); peak RSS is that process's ``ru_maxrss``.

(a) The nightly case: a no-change re-sync of all ``--n`` listed datasets, against a register
    that already holds each at its current sha (seeded directly with one row a dataset: the
    sync reads only ids and revisions), beside the floor: paging the same listing through
    ``HfApi.list_datasets`` alone, no register.
(b) A full ingest of the first ``--sample`` datasets into a fresh register with ``--jobs``
    8 and 16, beside ``--jobs 1`` (on ``--sequential-sample``) and the per-dataset pipeline
    ``ingest --hub ID...`` (a ``dataset_info`` call and the downloads, one dataset at a time,
    on ``--old-sample``): datasets/s, and the projected time for ``--n``.

``--kind model`` measures the same for models (``register model ingest --hub-all`` over
``--n`` synthetic models with the cards of ``tests/fixtures/model-cards``; the per-model
pipeline is ``model ingest --hub ID...``).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_hub import MODEL_CARDS, SyntheticRepos  # noqa: E402

CLI = [sys.executable, "-c", "from register.cli import run; run()"]


#: per kind: the ingest command, the seeded table's row (its NOT NULL columns)
KINDS = {
    "dataset": (["ingest"], "INSERT INTO dataset (id, source, revision, card_sha256, version, "
                "metadata_json, raw_license_json, declared_needs_review, declared_reason, "
                "declared_confidence, declared_method, personal_data, suggestions_json, "
                "ingested_at, updated_at) VALUES (?, ?, ?, ?, 1, '{}', '{}', 1, '', 0.0, '', "
                "'unknown', '{}', ?, ?)"),
    "model": (["model", "ingest"], "INSERT INTO model (id, kind, source, revision, card_sha256, "
              "version, raw_license_json, declared_needs_review, declared_reason, "
              "base_models_json, datasets_json, gated_json, weights_json, metadata_json, "
              "ingested_at, updated_at) VALUES (?, 'card', ?, ?, ?, 1, '{}', 1, '', '[]', "
              "'[]', 'null', '[]', '{}', ?, ?)"),
}


def synthetic(kind: str, n: int) -> SyntheticRepos:
    """The fake Hub's synthetic datasets or models (the same ids and shas it serves)."""
    if kind == "model":
        return SyntheticRepos(n, MODEL_CARDS, "synth/model-", weights=True)
    return SyntheticRepos(n)


def start_hub(n: int, latency: float, kind: str) -> tuple[subprocess.Popen[str], str]:
    counts = ["--n", "0", "--models", str(n)] if kind == "model" else ["--n", str(n)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_hub", *counts, "--latency", str(latency),
         "--page-size", "1000"],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), stdout=subprocess.PIPE,
        text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://"), url
    return proc, url


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak RSS MB, stderr)."""
    started = time.monotonic()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{args[3:]} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, err


def seed(db: Path, n: int, env: dict[str, str], kind: str) -> None:
    """A register holding the ``n`` synthetic repositories at their current sha (rows only:
    the sync reads ids and revisions)."""
    command, insert = KINDS[kind]
    synth = synthetic(kind, n)
    run([*CLI, "--db", str(db), *command, "--hub", synth.repo_id(0)], env)
    now = "2026-12-03T00:00:00.000000Z"
    page = "/datasets/" if kind == "dataset" else "/"
    rows = ((synth.repo_id(i), f"{env['HF_ENDPOINT']}{page}{synth.repo_id(i)}",
             synth.sha(i), "0" * 64, now, now) for i in range(1, n))
    with sqlite3.connect(db) as conn:
        conn.executemany(insert, rows)


LIST_ONLY = """
import sys
from huggingface_hub import HfApi
n = sum(1 for _ in getattr(HfApi(endpoint=sys.argv[1]), sys.argv[2])(
    expand=["sha", "lastModified", "gated", "private", "disabled"]))
print(n, file=sys.stderr)
"""


def sync_seconds(err: str) -> float:
    """The sync's own time, from its summary line (``... in 12.3 s``): without the process
    start-up and the register's opening, which do not grow with the datasets."""
    line = next(x for x in err.splitlines() if x.startswith("hub: listed"))
    return float(line.rsplit(" in ", 1)[1].split()[0])


def startup(env: dict[str, str], tmp: Path) -> float:
    """Wall time of an ``ingest`` that does nothing (start-up, register opened)."""
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    return run([*CLI, "--db", str(tmp / "startup.db"), "ingest", str(empty), "--recursive"],
               env)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500_000)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--sequential-sample", type=int, default=200)
    ap.add_argument("--old-sample", type=int, default=100)
    ap.add_argument("--jobs", type=int, nargs="+", default=[8, 16])
    ap.add_argument("--skip-nightly", action="store_true", help="only (b)")
    ap.add_argument("--skip-full", action="store_true", help="only (a)")
    ap.add_argument("--kind", choices=sorted(KINDS), default="dataset")
    args = ap.parse_args()
    hub, url = start_hub(args.n, args.latency, args.kind)
    tmp = Path(tempfile.mkdtemp(prefix="bench-hub-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_ENDPOINT=url, HF_HOME=str(tmp / "hf"),
               HF_HUB_DISABLE_TELEMETRY="1")
    env.pop("HF_TOKEN", None)
    print(f"fake Hub {url}: {args.n:,} {args.kind}s, {args.latency * 1000:.0f} ms a request, "
          "1,000 a listing page")
    try:
        if not args.skip_nightly:
            nightly(args, env, tmp)
        if not args.skip_full:
            full(args, env, tmp)
    finally:
        hub.terminate()
        hub.wait()


def nightly(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> None:
    db = tmp / "nightly.db"
    t0 = time.monotonic()
    seed(db, args.n, env, args.kind)
    print(f"seeded a register with {args.n:,} {args.kind}s in {time.monotonic() - t0:.1f} s")
    floor, floor_rss, out = run([sys.executable, "-c", LIST_ONLY, env["HF_ENDPOINT"],
                                 f"list_{args.kind}s"], env)
    assert int(out.strip().splitlines()[-1]) == args.n, out
    command = KINDS[args.kind][0]
    wall, rss, err = run([*CLI, "--db", str(db), *command, "--hub-all"], env)
    line = next(x for x in err.splitlines() if x.startswith("hub: listed"))
    assert f"same sha {args.n}," in line, err
    own = sync_seconds(err)
    print(f"(a) no-change re-sync of {args.n:,}: {own:.1f} s in the sync ({wall:.1f} s "
          f"wall with start-up), {args.n / own:,.0f} {args.kind}s/s, peak RSS {rss:.0f} MB; "
          f"listing alone {floor:.1f} s wall, {floor_rss:.0f} MB -> {own / floor:.2f}x "
          f"the listing floor  [{line}]")


def full(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> None:
    command = KINDS[args.kind][0]
    unit = f"{args.kind}s/s"

    def sync(jobs: int, n: int) -> tuple[float, float]:
        db = tmp / f"full-{jobs}-{n}.db"
        _wall, rss, err = run([*CLI, "--db", str(db), *command, "--hub-all", "--limit",
                               str(n), "--jobs", str(jobs)], env)
        assert f"ingested {n}," in err, err
        return n / sync_seconds(err), rss

    synth = synthetic(args.kind, args.n)
    ids = [synth.repo_id(i) for i in range(args.n - args.old_sample, args.n)]
    db = tmp / "old.db"
    hub_args = [a for i in ids for a in ("--hub", i)]
    wall, rss, err = run([*CLI, "--db", str(db), *command, *hub_args], env)
    old = args.old_sample / (wall - startup(env, tmp))
    print(f"(b) rates from each sync's own time (its summary line); the per-{args.kind} "
          "pipeline's wall less the start-up")
    print(f"    per-{args.kind} pipeline (--hub ID...: {args.kind}_info + downloads, one at a "
          f"time), {args.old_sample}: {old:.1f} {unit}, projected {args.n / old / 3600:.1f} h "
          f"for {args.n:,}; peak RSS {rss:.0f} MB")
    seq, rss = sync(1, args.sequential_sample)
    print(f"    sync --jobs 1, {args.sequential_sample}: {seq:.1f} {unit} "
          f"({seq / old:.2f}x the per-{args.kind} pipeline), projected "
          f"{args.n / seq / 3600:.1f} h; peak RSS {rss:.0f} MB")
    for jobs in args.jobs:
        rate, rss = sync(jobs, args.sample)
        print(f"    sync --jobs {jobs}, {args.sample}: {rate:.1f} {unit} "
              f"({rate / seq:.2f}x jobs 1, {rate / old:.2f}x the per-{args.kind} pipeline), "
              f"projected {args.n / rate / 3600:.2f} h for {args.n:,}; peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
