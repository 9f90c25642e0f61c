"""The register's id order is code-point order (Python's ``sorted``) on SQLite and on
PostgreSQL whatever the database's collation (``register.store.queries.in_id_order``): the
lists and exports of the same register come out in the same order from either."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from register import Register
from register.exports import export_register, iter_register_rows
from register.store import audit
from register.store.engine import read_connection
from register.store.tables import Dataset
from tests.card_helpers import license_card

# byte order: A/b Zed a-b a.b a_b abc; ICU en-US: a_b a-b a.b A/b abc Zed
IDS = ["a-b", "a_b", "A/b", "a.b", "Zed", "abc"]
WANT = sorted(IDS)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("postgres-en-US", marks=pytest.mark.postgres)])
def held(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Register]:
    target = {"sqlite": lambda: str(tmp_path / "register.db"),
              "postgres": lambda: request.getfixturevalue("pg_url"),
              "postgres-en-US": lambda: request.getfixturevalue("pg_en_us_url")}
    root = tmp_path / "cards"
    for ident in IDS:
        license_card(root, ident, "mit")
    with Register.open(target[request.param](), create=True) as reg:
        summary = reg.ingest_paths([root], recursive=True)
        assert (summary.ingested, summary.failed) == (len(IDS), [])
        yield reg


@pytest.mark.postgres
def test_the_en_us_database_orders_ids_another_way(pg_en_us_url: str) -> None:
    """The PostgreSQL case is real: a plain ``ORDER BY`` there is not code-point order."""
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_en_us_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT x FROM unnest(CAST(:ids AS text[])) AS t(x) "
                                 "ORDER BY x"), {"ids": IDS})
        assert [r[0] for r in rows] == ["a_b", "a-b", "a.b", "A/b", "abc", "Zed"]
    engine.dispose()


def test_lists_and_exports_come_in_code_point_order(held: Register, tmp_path: Path) -> None:
    assert held.dataset_ids() == WANT
    assert [d.id for d in held.list_datasets()] == WANT
    assert [r["id"] for r in iter_register_rows(held)] == WANT  # streamed
    assert [r["id"] for r in iter_register_rows(held, list(reversed(IDS)), batch=2)] == WANT
    out = tmp_path / "bom.json"
    export_register(held, "cyclonedx", out)
    assert [c["name"] for c in json.loads(out.read_text())["components"]] == WANT
    with read_connection(held.engine) as conn:
        table: Any = Dataset.__table__  # type: ignore[attr-defined]
        assert [k for k, _cells in audit.read_rows(conn, table)] == WANT
