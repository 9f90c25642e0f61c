"""Ingest benchmark (issue 2): the devset cards replicated to 50,000 datasets.

    .venv/bin/python bench/bench_ingest.py [--cards DIR] [--n 50000] [--naive 2000]

Builds a temporary tree ``copy-NNNNN/<card>/`` (files are hard links to the real cards, so
every dataset has a distinct id) and ingests it into a fresh SQLite register end to end
through the CLI (``register ingest TREE --recursive``, a separate process).  Prints cards/s,
the peak memory of that process (``ru_maxrss``) and the register size.  Side by side, the
naive pipeline on a subset (``huggingface_hub.DatasetCard.load`` per file plus one SQLModel
ORM ``session.add`` + ``commit`` per card), scaled to cards/s.  Targets: >= 3,000 cards/s and
>= 4x the naive pipeline.

In the same run, the *limit*: a minimal pipeline over the same tree in a fresh process (read
the bytes, sha256, libyaml ``CSafeLoader`` on the front matter, ``json`` of the infos file,
one ``executemany`` into a bare SQLite table), with the ratio ours / limit (issue 17 target:
>= 0.5x).  It does none of the register's work (license normalization, versions, audit
chain, rights suggestions), so it bounds what ingest could reach on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_CARDS = Path(__file__).resolve().parent.parent.parent / "shared" / "devset" / "cards"
REGISTER_BIN = Path(sys.executable).parent / "register"


def card_dirs(cards: Path) -> list[Path]:
    return sorted(p for p in cards.iterdir() if p.is_dir() and (p / "README.md").is_file())


def replicate(cards: list[Path], root: Path, n: int) -> Path:
    for i in range(n):
        src = cards[i % len(cards)]
        dest = root / f"copy-{i // len(cards):05d}" / src.name
        dest.mkdir(parents=True)
        for f in src.iterdir():
            if f.is_file():  # a hard link (or a copy): ingest refuses symlinks in a tree
                try:
                    os.link(f.resolve(), dest / f.name)
                except OSError:
                    shutil.copyfile(f, dest / f.name)
    return root


def register_size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def bench_register(tree: Path, db: Path, n: int) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(REGISTER_BIN), "--db", str(db), "ingest", str(tree),
                           "--recursive", "--by", "bench"], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    import sqlite3

    conn = sqlite3.connect(db)
    count = conn.execute("SELECT count(*) FROM dataset").fetchone()[0]
    events = conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    conn.close()
    assert count == n, (count, n, done.stderr[-500:])
    return {
        "cards": n, "seconds": elapsed, "cards_per_s": n / elapsed,
        "peak_rss_mb": max(after.ru_maxrss, before.ru_maxrss) / 1024,
        "register_mb": register_size(db) / 2**20, "audit_events": events,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    }


def bench_reingest(tree: Path, db: Path, n: int) -> dict[str, float]:
    start = time.perf_counter()
    done = subprocess.run([str(REGISTER_BIN), "--db", str(db), "ingest", str(tree),
                           "--recursive"], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    return {"cards": n, "seconds": elapsed, "cards_per_s": n / elapsed}


MINIMAL = r"""
import hashlib, json, os, sqlite3, sys, time
import yaml

root, db = sys.argv[1], sys.argv[2]
start = time.perf_counter()
rows = []
for dirpath, dirnames, filenames in os.walk(root):
    dirnames.sort()
    if "README.md" not in filenames:
        continue
    with open(os.path.join(dirpath, "README.md"), "rb") as f:
        readme = f.read()
    h = hashlib.sha256(readme)
    infos = None
    if "dataset_infos.json" in filenames:
        with open(os.path.join(dirpath, "dataset_infos.json"), "rb") as f:
            raw = f.read()
        h.update(raw)
        try:
            infos = json.loads(raw)
        except ValueError:
            infos = None
    text = readme.decode("utf-8", "replace")
    meta = {}
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            try:
                meta = yaml.load(text[3:end], Loader=yaml.CSafeLoader) or {}
            except yaml.YAMLError:
                meta = {}
    lic = meta.get("license") if isinstance(meta, dict) else None
    if lic is None and isinstance(infos, dict):
        lic = next((v.get("license") for v in infos.values() if isinstance(v, dict)), None)
    rows.append((os.path.relpath(dirpath, root), h.hexdigest(), json.dumps(lic, default=str),
                 json.dumps(meta, default=str)))
conn = sqlite3.connect(db)
conn.execute("CREATE TABLE d (id TEXT PRIMARY KEY, sha TEXT, license TEXT, meta TEXT)")
with conn:
    conn.executemany("INSERT INTO d VALUES (?, ?, ?, ?)", rows)
conn.close()
print(len(rows), time.perf_counter() - start)
"""


def bench_minimal(tree: Path, db: Path, n: int) -> dict[str, float]:
    """The limit: read, sha256, CSafeLoader front matter, json infos, one executemany."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MINIMAL, str(tree), str(db)],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start  # like ours: process start included
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"minimal pipeline failed: {done.stderr[-2000:]}")
    count = int(done.stdout.split()[0])
    assert count == n, (count, n)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cards": n, "seconds": elapsed, "cards_per_s": n / elapsed, "cpu_s": cpu}


def bench_naive(cards: list[Path], workdir: Path, n: int) -> dict[str, float]:
    """huggingface_hub.DatasetCard.load per file + one ORM add/commit per card."""
    from huggingface_hub import DatasetCard
    from sqlmodel import Field, Session, SQLModel, create_engine

    class NaiveDataset(SQLModel, table=True):
        __tablename__ = "naive_dataset"
        id: str = Field(primary_key=True)
        license: str | None = None
        metadata_json: str = "{}"

    engine = create_engine(f"sqlite:///{workdir / 'naive.db'}")
    SQLModel.metadata.create_all(engine, tables=[NaiveDataset.__table__])  # type: ignore[attr-defined]
    start = time.perf_counter()
    for i in range(n):
        src = cards[i % len(cards)]
        card = DatasetCard.load(src / "README.md")
        data = card.data.to_dict()
        lic = data.get("license")
        with Session(engine) as session:
            session.add(NaiveDataset(id=f"copy-{i // len(cards):05d}/{src.name}",
                                     license=json.dumps(lic), metadata_json=json.dumps(
                                         data, default=str)))
            session.commit()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return {"cards": n, "seconds": elapsed, "cards_per_s": n / elapsed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=Path, default=DEFAULT_CARDS)
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--naive", type=int, default=2_000,
                    help="cards for the naive pipeline (0: skip it)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    cards = card_dirs(args.cards)
    if not cards:
        sys.exit(f"no dataset directories in {args.cards}")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        tree = replicate(cards, work / "tree", args.n)
        print(f"tree: {args.n:,} datasets from {len(cards)} cards "
              f"({time.perf_counter() - t0:.1f}s to build)", file=sys.stderr)
        ours = bench_register(tree, work / "register.db", args.n)
        again = bench_reingest(tree, work / "register.db", args.n)
        limit = bench_minimal(tree, work / "minimal.db", args.n)
        naive = bench_naive(cards, work, args.naive) if args.naive else None
    ratio = ours["cards_per_s"] / naive["cards_per_s"] if naive else float("nan")
    of_limit = ours["cards_per_s"] / limit["cards_per_s"]
    of_limit_cpu = limit["cpu_s"] / ours["cpu_s"]  # the same ratio in CPU time (robust to load)
    figures = {"register": ours, "reingest_unchanged": again, "minimal": limit,
               "of_minimal": of_limit, "of_minimal_cpu": of_limit_cpu, "naive": naive,
               "speedup": ratio,
               "targets": {"cards_per_s": 3000, "speedup": 4, "of_minimal": 0.5}}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"register ingest : {ours['cards']:>7,} cards in {ours['seconds']:6.1f}s = "
          f"{ours['cards_per_s']:>7,.0f} cards/s  (cpu {ours['cpu_s']:.1f}s, peak RSS "
          f"{ours['peak_rss_mb']:.0f} MB, register {ours['register_mb']:.1f} MB, "
          f"{ours['audit_events']:,} audit events)")
    print(f"re-ingest (same): {again['cards']:>7,} cards in {again['seconds']:6.1f}s = "
          f"{again['cards_per_s']:>7,.0f} cards/s  (all unchanged, skipped by sha256)")
    print(f"minimal pipeline: {limit['cards']:>7,} cards in {limit['seconds']:6.1f}s = "
          f"{limit['cards_per_s']:>7,.0f} cards/s  (cpu {limit['cpu_s']:.1f}s; read, sha256, "
          "CSafeLoader, json, one executemany)")
    print(f"of the minimal  : {of_limit:.2f}x wall, {of_limit_cpu:.2f}x cpu  (target >= 0.5x)")
    if naive:
        print(f"naive pipeline  : {naive['cards']:>7,} cards in {naive['seconds']:6.1f}s = "
              f"{naive['cards_per_s']:>7,.0f} cards/s  (DatasetCard.load + ORM commit per card)")
    print(f"speedup         : {ratio:.1f}x  (targets: >= 3,000 cards/s, >= 4x naive)")
    ok = ours["cards_per_s"] >= 3000 and ratio >= 4 and of_limit >= 0.5
    print("targets met" if ok else "targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
