"""Crash safety: a real ``register ingest`` (and ``rights import``) process is SIGKILLed at
random moments.  After every kill the register passes ``PRAGMA integrity_check`` and
``register audit verify``, holds only whole batches, and re-running the same command finishes
the work without duplicates.

The seed is printed (``-s``) and can be fixed with ``REGISTER_CRASH_SEED``.
"""

from __future__ import annotations

import inspect
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from register.cards.ingest import ingest_documents

pytestmark = pytest.mark.slow

REGISTER_BIN = Path(sys.executable).parent / "register"
CARDS = Path(__file__).parents[1] / "fixtures" / "trust" / "cards"
N_CARDS = 4000
BATCH = inspect.signature(ingest_documents).parameters["batch_size"].default
ROUNDS = 5  # each round kills twice, then completes
SEED = int(os.environ.get("REGISTER_CRASH_SEED") or random.SystemRandom().randrange(10**6))


def replicate(root: Path, n: int) -> Path:
    """``n`` dataset directories ``copy-NNNNN/<card>`` whose files link to real cards."""
    cards = sorted(p for p in CARDS.iterdir() if p.is_dir())
    for i in range(n):
        src = cards[i % len(cards)]
        dest = root / f"copy-{i // len(cards):05d}" / src.name
        dest.mkdir(parents=True)
        for f in src.iterdir():
            shutil.copyfile(f, dest / f.name)  # (symlinked cards are skipped: issue 13)
    return root


def ingest_cmd(db: Path, tree: Path) -> list[str]:
    return [str(REGISTER_BIN), "--db", str(db), "ingest", str(tree), "--recursive",
            "--by", "crash-test"]


def run_to_end(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def run_and_kill(cmd: list[str], delay: float) -> bool:
    """Start ``cmd``, SIGKILL it after ``delay`` s; False if it had already finished."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def integrity_ok(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def audit_verify_ok(db: Path) -> str:
    done = subprocess.run([str(REGISTER_BIN), "--db", str(db), "audit", "verify"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stderr


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        q = {
            "datasets": "SELECT count(*) FROM dataset",
            "versions": "SELECT count(*) FROM dataset_version",
            "events": "SELECT count(*) FROM audit_event",
            "not_v1": "SELECT count(*) FROM dataset WHERE version != 1",
            "rights": "SELECT count(*) FROM rights_entry",
            "with_rights": "SELECT count(*) FROM dataset WHERE rights_json IS NOT NULL",
        }
        try:
            return {k: conn.execute(v).fetchone()[0] for k, v in q.items()}
        except sqlite3.OperationalError:  # killed before the schema was committed
            return dict.fromkeys(q, 0)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return replicate(tmp_path_factory.mktemp("crash-cards"), N_CARDS)


@pytest.fixture(scope="module")
def full(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A complete uninterrupted ingest: the reference state and how long it takes."""
    db = tmp_path_factory.mktemp("crash-ref") / "ref.db"
    start = time.monotonic()
    run_to_end(ingest_cmd(db, tree))
    elapsed = time.monotonic() - start
    c = counts(db)
    assert c["datasets"] == c["versions"] == c["events"] == N_CARDS
    return db, elapsed


def test_killed_ingest_leaves_whole_batches_and_resumes(tree: Path, full: tuple[Path, float],
                                                        tmp_path: Path) -> None:
    _, duration = full
    rng = random.Random(SEED)
    kills = partial_states = 0
    seen: set[int] = set()
    for round_no in range(ROUNDS):
        db = tmp_path / f"round{round_no}.db"
        cmd = ingest_cmd(db, tree)
        remaining = 1.0  # share of the cards not yet in the register
        for _ in range(2):  # two kills in a row on the same register, then finish
            # kill inside the work still to do (a resumed run skips the cards already in),
            # with a little slack past its expected end so that finishing is tried too
            delay = rng.uniform(0.05, 0.3 + duration * remaining * 0.95)
            if run_and_kill(cmd, delay):
                kills += 1
            if not db.exists():
                continue
            integrity_ok(db)
            audit_verify_ok(db)
            c = counts(db)
            assert c["datasets"] % BATCH == 0 or c["datasets"] == N_CARDS, c
            assert c["versions"] == c["events"] == c["datasets"], c
            assert c["not_v1"] == 0
            seen.add(c["datasets"])
            partial_states += 0 < c["datasets"] < N_CARDS
            remaining = max(0.1, 1 - c["datasets"] / N_CARDS)
        run_to_end(cmd)
        integrity_ok(db)
        assert "verified" in audit_verify_ok(db)
        c = counts(db)
        assert c["datasets"] == c["versions"] == c["events"] == N_CARDS, c
        assert c["not_v1"] == 0
    print(f"\n[crash] seed={SEED} ingest of {N_CARDS} cards ({duration:.1f}s, batch {BATCH}):"
          f" {kills} kills survived; dataset counts seen after kills: {sorted(seen)}")
    assert kills >= ROUNDS  # most delays fall inside the run
    assert partial_states >= 1  # at least one kill landed between batches


def test_killed_rights_import_is_all_or_nothing(full: tuple[Path, float],
                                                tmp_path: Path) -> None:
    ref, _ = full
    rng = random.Random(SEED + 1)
    conn = sqlite3.connect(ref)
    ids = [r[0] for r in conn.execute("SELECT id FROM dataset ORDER BY id")]
    conn.close()
    table = tmp_path / "rights.csv"
    with table.open("w", encoding="utf-8") as fh:
        fh.write("id,personal_data,allowed_region,reason,by\n")
        for i in ds_rows(ids):
            fh.write(i)
    # calibrate the import on a copy
    probe = tmp_path / "probe.db"
    shutil.copy(ref, probe)
    start = time.monotonic()
    cmd_probe = [str(REGISTER_BIN), "--db", str(probe), "rights", "import", str(table)]
    run_to_end(cmd_probe)
    duration = time.monotonic() - start
    assert counts(probe)["with_rights"] == len(ids)

    kills = 0
    for round_no in range(3):
        db = tmp_path / f"imp{round_no}.db"
        shutil.copy(ref, db)
        cmd = [str(REGISTER_BIN), "--db", str(db), "rights", "import", str(table)]
        if run_and_kill(cmd, rng.uniform(0.3, duration * 1.05)):
            kills += 1
        integrity_ok(db)
        audit_verify_ok(db)
        c = counts(db)
        assert c["with_rights"] in (0, len(ids)), c
        assert c["rights"] == c["with_rights"]
        committed = c["with_rights"] == len(ids)
        run_to_end(cmd)  # re-running completes the work (a finished import is a no-op)
        c = counts(db)
        assert c["with_rights"] == c["rights"] == len(ids), c
        # ingest events + one rights.set per row + one import event per completed run
        assert c["events"] == 2 * len(ids) + 1 + committed, c
        audit_verify_ok(db)
    print(f"\n[crash] rights import of {len(ids)} rows ({duration:.1f}s): {kills} kills survived")


def ds_rows(ids: list[str]) -> list[str]:
    return [f"{ds},no,EU,contract,procurement\n" for ds in ids]
