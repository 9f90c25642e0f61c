"""The check's facts (register.store.queries.facts): one join per table, in the
corpus order, on SQLite (``json_each``) and PostgreSQL (``unnest``); missing ids, pinned
revisions, standing clearances and shared rights records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from register.errors import CorpusError
from register.store import queries
from register.store.engine import read_connection
from tests.card_helpers import license_card


@pytest.fixture
def held(reg: Any, tmp_path: Path) -> Any:
    root = tmp_path / "cards"
    for i, lic in enumerate(["mit", "cc-by-4.0", "apache-2.0", "cc-by-sa-4.0"]):
        license_card(root, f"d{i}", lic)
    reg.ingest_paths([root], recursive=True)
    return reg


def _facts(reg: Any, wanted: list[tuple[str, str | None]], **kw: Any) -> list[Any]:
    with read_connection(reg.engine) as conn:
        return queries.facts(conn, wanted, **kw)


def test_facts_come_in_corpus_order_once_each(held: Any) -> None:
    wanted = [("d3", None), ("d0", None), ("d2", None), ("d0", None)]
    got = _facts(held, wanted)
    assert [f.id for f in got] == ["d3", "d0", "d2"]
    assert [f.license for f in got] == ["CC-BY-SA-4.0", "MIT", "Apache-2.0"]
    assert _facts(held, []) == []


def test_missing_ids_are_an_error_unless_lenient(held: Any) -> None:
    with pytest.raises(CorpusError, match=r"'nope' is not in the register \(and 1 more\)"):
        _facts(held, [("d0", None), ("nope", None), ("gone", None)])
    assert [f.id for f in _facts(held, [("nope", None), ("d1", None)], strict=False)] == ["d1"]


def test_clearances_and_rights_come_with_the_facts(held: Any) -> None:
    from register.rights.record import RightsChange

    held.clear("d1", use="service", reason="bought", by="counsel")
    held.clear("d1", use="research", reason="old", by="counsel")
    held.revoke_clearance("d1", use="research", reason="ended", by="counsel")
    change = RightsChange(personal_data="no")
    for ident in ("d0", "d2"):
        held.set_rights(ident, change, reason="checked", by="legal")
    got = {f.id: f for f in _facts(held, [("d0", None), ("d1", None), ("d2", None)])}
    assert [(c.use, c.by) for c in got["d1"].clearances] == [("service", "counsel")]
    assert got["d0"].clearances == () and got["d1"].rights is None
    assert got["d0"].rights is got["d2"].rights  # one record decoded once, shared
    assert got["d0"].rights.personal_data == "no"


def test_a_pinned_revision_reads_that_version(held: Any, tmp_path: Path) -> None:
    first = _facts(held, [("d0", None)])[0]
    old_sha = held.show("d0").card_sha256
    license_card(tmp_path / "cards", "d0", "cc-by-nc-4.0")
    held.ingest_paths([tmp_path / "cards"], recursive=True)
    assert _facts(held, [("d0", None)])[0].license == "CC-BY-NC-4.0"
    assert _facts(held, [("d0", old_sha)])[0].license == first.license == "MIT"
    with pytest.raises(CorpusError, match="no version with revision 'zzz'"):
        _facts(held, [("d0", "zzz")])


def test_an_abbreviated_revision_matches_as_a_prefix(held: Any, tmp_path: Path) -> None:
    old_sha = held.show("d0").card_sha256
    license_card(tmp_path / "cards", "d0", "cc-by-nc-4.0")
    held.ingest_paths([tmp_path / "cards"], recursive=True)
    new_sha = held.show("d0").card_sha256
    assert _facts(held, [("d0", old_sha[:7])])[0].license == "MIT"
    assert _facts(held, [("d0", old_sha[:12].upper())])[0].license == "MIT"
    assert _facts(held, [("d0", new_sha[:9])])[0].license == "CC-BY-NC-4.0"
    with pytest.raises(CorpusError, match="no version with revision"):
        _facts(held, [("d0", old_sha[:6])])  # too short to be an abbreviation


def test_an_ambiguous_abbreviation_names_the_candidates(held: Any, tmp_path: Path) -> None:
    from sqlalchemy import update

    from register.store.engine import run_write
    from register.store.tables import VERSIONS

    license_card(tmp_path / "cards", "d0", "cc-by-nc-4.0")
    held.ingest_paths([tmp_path / "cards"], recursive=True)
    revs = ["5a0b0a9" + "1" * 33, "5a0b0a9" + "2" * 33]

    def pin(conn: Any) -> None:  # two Hub commits sharing the README's 7-digit prefix
        for version, rev in zip((1, 2), revs, strict=True):
            conn.execute(update(VERSIONS).where(VERSIONS.c.dataset_id == "d0")
                         .where(VERSIONS.c.version == version).values(revision=rev))

    run_write(held.engine, pin)
    with pytest.raises(CorpusError, match=r"'5a0b0a9' is ambiguous, it begins '5a0b0a92+', "
                                          r"'5a0b0a91+'"):
        _facts(held, [("d0", "5a0b0a9")])
    assert _facts(held, [("d0", revs[0][:8])])[0].license == "MIT"
