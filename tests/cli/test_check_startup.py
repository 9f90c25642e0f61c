"""A plain ``register check`` of an SQLite register never imports SQLAlchemy, SQLModel or
alembic (issue 17: they are most of its start-up); ``--record`` does, through the engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
from register.cli import main
code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "sqlmodel", "alembic"})
sys.stderr.write("HEAVY " + ",".join(heavy) + "\\n")
sys.exit(code)
"""


def _run(*args: str) -> tuple[int, str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)
    heavy = [line[6:] for line in done.stderr.splitlines() if line.startswith("HEAVY ")]
    assert len(heavy) == 1, done.stderr
    return done.returncode, done.stdout, [m for m in heavy[0].split(",") if m]


def test_a_plain_check_imports_no_sqlalchemy(sqlite_reg: Any, tmp_path: Path) -> None:
    d = tmp_path / "cards" / "squad"
    d.mkdir(parents=True)
    (d / "README.md").write_text("---\nlicense: cc-by-sa-4.0\n---\n# squad\n", encoding="utf-8")
    sqlite_reg.ingest_paths([d])
    sqlite_reg.close()
    corpus = tmp_path / "corpus.yaml"
    corpus.write_text("name: c\ndatasets: [squad]\n", encoding="utf-8")
    db = str(tmp_path / "register.db")
    for args in (["check", str(corpus)], ["check", "--dataset", "squad"]):
        code, out, heavy = _run("--db", db, *args, "--use", "research", "--format", "json")
        assert code == 0 and json.loads(out)["verdict"] == "allowed"
        assert heavy == []
    code, out, heavy = _run("--db", db, "check", str(corpus), "--use", "research",
                            "--format", "json", "--record", "--by", "ci")
    assert code == 0 and json.loads(out)["verdict"] == "allowed"
    assert "sqlalchemy" in heavy  # the probe sees the engine when it is used
