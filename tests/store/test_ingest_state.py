"""``queries.ingest_state`` (what an ingest batch reads of the datasets it touches) on SQLite
and PostgreSQL: the ids are one bound parameter, so the statement text is the same whatever
the ids and however many, and no database parameter limit applies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from register.store import queries
from register.store.engine import read_connection


def test_ingest_state_is_one_statement_text_whatever_the_ids(reg: Any, tmp_path: Path) -> None:
    for ident in ("d0", "d1"):
        card = tmp_path / "cards" / ident
        card.mkdir(parents=True)
        (card / "README.md").write_text(f"---\nlicense: mit\n---\n# {ident}\n", encoding="utf-8")
    reg.ingest_paths([tmp_path / "cards"], recursive=True)
    texts: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("SELECT"):  # not the read transaction's BEGIN
            texts.append(statement)

    # more ids than SQLite (32,766) or PostgreSQL's protocol (65,535) take as parameters
    many = [f"absent/{i}" for i in range(70_000)]
    with read_connection(reg.engine) as conn:
        event.listen(conn, "before_cursor_execute", record)
        got = [queries.ingest_state(conn, ids) for ids in
               (["d0"], ["d1", "nope", "d0", "d1"], [], many, [*many, "d1"])]
        event.remove(conn, "before_cursor_execute", record)
    assert [sorted(g) for g in got] == [["d0"], ["d0", "d1"], [], [], ["d1"]]
    row = got[1]["d1"]
    assert (row.version, row.declared_license, row.revision) == (1, "MIT", None)
    assert row.card_sha256 and row.source
    assert len(texts) == 5 and len(set(texts)) == 1, set(texts)
    assert not any(i in texts[0] for i in ("d0", "d1", "nope", "absent"))
