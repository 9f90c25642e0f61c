"""Concurrency: four writer processes at once against one SQLite file and one PostgreSQL
database.  Mixed ``rights set`` / ``license set`` / ``ingest`` / new versions, all on the same
shared dataset as well as on datasets of their own.  Nothing fails, nothing is lost: every
write each process reports is in the tables and in the audit trail, every read-modify-write
saw the previous one (no lost update), and ``audit verify`` passes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from register import Register
from register.cards.files import parse_card_bytes

pytestmark = pytest.mark.slow

WRITER = Path(__file__).parents[1] / "fixtures" / "trust" / "writer.py"
REGISTER_BIN = Path(sys.executable).parent / "register"
SHARED = "shared/dataset"
WORKERS = 4


def seed(target: str) -> None:
    with Register.open(target, create=True) as reg:
        card = b"---\nlicense: cc-by-4.0\npretty_name: Shared\n---\n# Shared\n"
        reg.ingest_documents([parse_card_bytes(card, None, SHARED, "mem://shared")],
                             actor="seed")


def run_writers(target: str, tmp: Path, ops: list[int], cli: list[bool]) -> list[dict]:
    start_at = time.time() + 1.5  # every process imports first, then all start together
    procs = []
    for w, (n, use_cli) in enumerate(zip(ops, cli, strict=True)):
        out = tmp / f"writer{w}.json"
        cmd = [sys.executable, str(WRITER), target, str(w), str(n), str(start_at), str(out)]
        if use_cli:
            cmd += ["--cli", str(REGISTER_BIN)]
        procs.append((subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True), out))
    results = []
    for proc, out in procs:
        stdout, stderr = proc.communicate(timeout=600)
        assert out.exists(), stderr
        data = json.loads(out.read_text())
        assert data["errors"] == [], data["errors"][0]
        assert proc.returncode == 0, stderr
        results.append(data)
    # the writers really ran at the same time: every one started before any one finished
    spans = [(r["done"][0]["started"], r["done"][-1]["started"]) for r in results]
    assert max(s for s, _ in spans) < min(e for _, e in spans), spans
    return results


def check_nothing_lost(target: str, results: list[dict]) -> dict[str, int]:
    ops = [dict(item, worker=r["worker"]) for r in results for item in r["done"]]
    by_kind: dict[str, list[dict]] = {}
    for item in ops:
        by_kind.setdefault(item["kind"], []).append(item)
    rights_ops = by_kind.get("rights", [])
    license_ops = by_kind.get("license", [])
    ingest_ops = by_kind.get("ingest", [])
    update_ops = by_kind.get("update", [])
    with Register.open(target, create=True) as reg:
        with reg.engine.connect() as conn:
            def q(sql: str, **kw: object) -> list:
                return list(conn.execute(text(sql), kw))

            # licenses: every decision is in history and in the trail, each saw the previous
            reasons = [r[0] for r in q("SELECT reason FROM license_decision WHERE dataset_id"
                                       " = :d ORDER BY id", d=SHARED)]
            assert sorted(reasons) == sorted(f"w{o['worker']}-op{o['op']}" for o in license_ops)
            events = [(json.loads(b), json.loads(a)) for b, a in q(
                "SELECT before_json, after_json FROM audit_event WHERE action ="
                " 'license.conclude' ORDER BY seq")]
            assert len(events) == len(license_ops)
            prev = None
            for before, after in events:
                assert before["concluded_license"] == prev
                prev = after["concluded_license"]
            assert reg.show(SHARED).license.concluded == prev

            # rights: one history row and one event per write; no write lost another's field
            assert q("SELECT count(*) FROM rights_entry WHERE dataset_id = :d",
                     d=SHARED)[0][0] == len(rights_ops)
            chain = [(json.loads(b) if b else None, json.loads(a)) for b, a in q(
                "SELECT before_json, after_json FROM audit_event WHERE action = 'rights.set'"
                " ORDER BY seq")]
            assert len(chain) == len(rights_ops)
            prev = None
            for before, after in chain:
                assert before == prev
                prev = after
            final = reg.show(SHARED).rights.recorded
            assert final == prev
            last: dict[str, str] = {}
            for o in sorted(rights_ops, key=lambda o: o["op"]):
                last[o["field"]] = o["value"]
            expect = {
                "dpia": lambda v: final["dpia"] == v,
                "collected_in": lambda v: sorted(final["collected_in"]) == sorted(v.split(";")),
                "allowed_region": lambda v: final["allowed_regions"] == [v],
                "retain_until": lambda v: final["retain_until"] == v,
            }
            for field, value in last.items():
                assert expect[field](value), (field, value, final)

            # ingest: every new dataset once; every new version of the shared card counted
            ids = {r[0] for r in q("SELECT id FROM dataset")}
            new_ids = [i for o in ingest_ops for i in o["ids"]]
            assert len(new_ids) == len(set(new_ids))
            assert ids == {SHARED, *new_ids}
            version = q("SELECT version FROM dataset WHERE id = :d", d=SHARED)[0][0]
            assert version == 1 + len(update_ops)
            versions = [r[0] for r in q("SELECT version FROM dataset_version WHERE dataset_id"
                                        " = :d ORDER BY version", d=SHARED)]
            assert versions == list(range(1, version + 1))
            updates = [(json.loads(b), json.loads(a)) for b, a in q(
                "SELECT before_json, after_json FROM audit_event WHERE action ="
                " 'dataset.update' ORDER BY seq")]
            assert [(b["version"], a["version"]) for b, a in updates] == [
                (v, v + 1) for v in range(1, version)]

            total = q("SELECT count(*) FROM audit_event")[0][0]
        report = reg.audit_verify()
    assert report.ok, report.problem
    expected_events = 1 + len(rights_ops) + len(license_ops) + len(new_ids) + len(update_ops)
    assert report.events == total == expected_events
    return {"operations": len(ops), "events": report.events, "rights": len(rights_ops),
            "licenses": len(license_ops), "ingests": len(ingest_ops),
            "updates": len(update_ops)}


def _report(label: str, stats: dict[str, int], seconds: float) -> None:
    print(f"\n[concurrency] {label}: {WORKERS} writers, {stats['operations']} operations "
          f"({stats['rights']} rights, {stats['licenses']} licenses, {stats['ingests']} "
          f"ingests, {stats['updates']} new versions) in {seconds:.1f}s: 0 failed, 0 lost; "
          f"{stats['events']} events verified")


def test_four_writers_on_one_sqlite_file(tmp_path: Path) -> None:
    target = str(tmp_path / "register.db")
    seed(target)
    start = time.monotonic()
    results = run_writers(target, tmp_path, [60] * WORKERS, [False] * WORKERS)
    _report("sqlite api", check_nothing_lost(target, results), time.monotonic() - start)


def test_four_cli_writers_on_one_sqlite_file(tmp_path: Path) -> None:
    """The same through the ``register`` command: two processes per write, lock retried."""
    target = str(tmp_path / "register.db")
    seed(target)
    start = time.monotonic()
    results = run_writers(target, tmp_path, [8, 8, 40, 40], [True, True, False, False])
    _report("sqlite cli+api", check_nothing_lost(target, results), time.monotonic() - start)


def test_four_writers_on_postgres(pg_url: str, tmp_path: Path) -> None:
    seed(pg_url)
    start = time.monotonic()
    results = run_writers(pg_url, tmp_path, [60] * WORKERS, [False] * WORKERS)
    _report("postgres api", check_nothing_lost(pg_url, results), time.monotonic() - start)


def test_four_cli_writers_on_postgres(pg_url: str, tmp_path: Path) -> None:
    seed(pg_url)
    start = time.monotonic()
    results = run_writers(pg_url, tmp_path, [8, 8, 30, 30], [True, True, False, False])
    _report("postgres cli+api", check_nothing_lost(pg_url, results), time.monotonic() - start)


def test_concurrent_first_open_of_a_new_file(tmp_path: Path) -> None:
    """Four processes creating the same new register at once: one schema, all writes kept."""
    target = str(tmp_path / "new.db")
    start_at = time.time() + 1.5
    code = (
        "import sys, time\n"
        "from register import Register\n"
        "from register.cards.files import parse_card_bytes\n"
        "t, w, s = sys.argv[1], sys.argv[2], float(sys.argv[3])\n"
        "time.sleep(max(0, s - time.time()))\n"
        "reg = Register.open(t, create=True)\n"
        "docs = [parse_card_bytes(b'---\\nlicense: mit\\n---\\n', None, f'w{w}/d{i}', 'm')"
        " for i in range(20)]\n"
        "assert reg.ingest_documents(docs, actor=w, batch_size=5).ingested == 20\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, target, str(w), str(start_at)],
                              stderr=subprocess.PIPE, text=True) for w in range(WORKERS)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with Register.open(target, create=True) as reg:
        assert reg.count() == 20 * WORKERS
        report = reg.audit_verify()
        assert report.ok and report.events == 20 * WORKERS
