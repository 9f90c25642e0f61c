"""The facts a check reads, as plain SQL over a DB-API (PEP 249) connection.

The one read path of a check, for its two callers:

* :class:`register.register.Register` (``check``, ``facts``, ``check --record``, SQLite and
  PostgreSQL) passes the driver connection of its SQLAlchemy connection
  (:func:`register.store.queries.dbapi`), inside the transaction that connection is in;
* a plain ``register check`` of an SQLite register file opens it with stdlib :mod:`sqlite3`
  (:func:`register.check_verbs.check_sqlite_file`), so it never imports SQLAlchemy (start-up).

The statements are written with ``:name`` parameters and translated once to the driver's
``paramstyle`` (sqlite3: named, psycopg: pyformat).  The wanted ids are one bound parameter
joined as a table: SQLite's ``json_each`` of a JSON array, PostgreSQL's ``unnest ... WITH
ORDINALITY``.  Driver errors become a :class:`~register.errors.StoreError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Generator, Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from itertools import count
from typing import Any

from register.check.facts import Clearance, DatasetFacts, RightsRecord
from register.check.review import effective_license
from register.errors import CorpusError, StoreError

__all__ = [
    "MIN_REVISION_PREFIX",
    "Db",
    "clearances_of",
    "existing_ids",
    "facts",
    "iter_facts",
    "open_sqlite_file",
    "pinned_license",
    "standing",
]

#: the shortest abbreviated revision (or card checksum) matched as a prefix, as git's default
MIN_REVISION_PREFIX = 7
_HEX = frozenset("0123456789abcdef")
_BATCH = 2000  # rows fetched at a time
_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_cursor_names = count(1)


@lru_cache(maxsize=64)
def _translate(sql: str, paramstyle: str) -> str:
    """``sql`` with its ``:name`` parameters in ``paramstyle``: ``named`` (sqlite3, as
    written) or ``pyformat`` (psycopg: ``%(name)s``, a literal ``%`` doubled); the driver
    takes the parameters as a mapping in both."""
    if paramstyle == "named":
        return sql
    if paramstyle == "pyformat":
        return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))
    raise StoreError(f"unsupported database driver paramstyle {paramstyle!r} "
                     "(the register reads through sqlite3 or psycopg)")


class Db:
    """A DB-API connection, its driver's ``paramstyle`` and SQL ``dialect`` (``sqlite`` or
    ``postgresql``).  It is used as it is: in whatever transaction it is in."""

    def __init__(self, conn: Any, *, dialect: str, paramstyle: str,
                 error: type[Exception] = Exception) -> None:
        self.conn = conn
        self.dialect = dialect
        self.paramstyle = paramstyle
        self.error = error  # the driver's ``Error`` (read failures become a StoreError)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None, *,
             stream: bool = False) -> Iterator[tuple[Any, ...]]:
        """The rows of one statement, fetched a batch at a time (``stream`` on PostgreSQL:
        through a server-side cursor, so a large result is never held whole)."""
        text = _translate(sql, self.paramstyle)
        args = dict(params or {})
        try:
            server_side = stream and self.dialect == "postgresql"
            cur = self.conn.cursor(f"register_facts_{next(_cursor_names)}") if server_side \
                else self.conn.cursor()
            try:
                cur.execute(text, args)
                while batch := cur.fetchmany(_BATCH):
                    yield from batch
            finally:
                cur.close()
        except self.error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise StoreError(f"register read failed: {first}") from exc

    def close(self) -> None:
        self.conn.close()

    def wanted(self) -> str:
        """The table ``w(key, value)`` of the ``:ids`` parameter (a list; position, id)."""
        if self.dialect == "postgresql":
            return "unnest(CAST(:ids AS text[])) WITH ORDINALITY AS w(value, key)"
        return "json_each(:ids) AS w"

    def ids_param(self, ids: Sequence[str]) -> Any:
        if self.dialect == "postgresql":
            return list(ids)
        import json

        return json.dumps(list(ids))


def open_sqlite_file(target: str | os.PathLike[str] | None) -> Db | None:
    """The register file ``target`` names, opened with stdlib :mod:`sqlite3` (the pragmas of
    the engine's connections; read-only when the file or its directory is) and in a read
    transaction, when its schema is at the head revision.  None when it is not a plain
    SQLite file, needs a migration or cannot be opened (the engine path then says why).
    A file that does not exist is the :class:`~register.errors.StoreError` of every read."""
    import sqlite3
    from urllib.parse import quote

    from register.store.target import (
        HEAD_REVISION,
        missing_register,
        read_only,
        read_only_uri,
        resolve_target,
        sqlite_path,
        sqlite_pragmas,
    )

    url = resolve_target(target)
    path = sqlite_path(url)
    if path is None or "?" in url:  # in memory, another database, or URL options
        return None
    if not path.exists():
        raise missing_register(path)
    ro = read_only(path)
    uri = read_only_uri(path) if ro else f"file:{quote(str(path))}?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        for statement in sqlite_pragmas(in_memory=False, read_only=ro):
            conn.execute(statement)
        conn.execute("BEGIN DEFERRED")  # the revision and every fact from one snapshot
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        row = None
    if row is None or row[0] != HEAD_REVISION:
        conn.close()
        return None
    return Db(conn, dialect="sqlite", paramstyle="named", error=sqlite3.Error)


def _as_date(value: Any) -> date | None:
    """A DATE column: a ``date`` from PostgreSQL, ISO text from SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# --------------------------------------------------------------------------- ids


def existing_ids(db: Db, ids: Sequence[str]) -> list[str]:
    """The ids of ``ids`` the register holds (de-duplicated, in no particular order)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    return [r[0] for r in db.rows(
        f"SELECT d.id FROM {db.wanted()} JOIN dataset d ON d.id = w.value",
        {"ids": db.ids_param(wanted)})]


# --------------------------------------------------------------------------- clearances

_CLEARANCE_COLUMNS = ('c.id, c.dataset_id, c."use", c."by", c.reason, c."until", '
                      "c.created_at, c.revoked_at")


def standing(rows: Sequence[Sequence[Any]]) -> list[Clearance]:
    """The clearances that apply, from rows of (id, dataset_id, use, by, reason, until,
    created_at, revoked_at): per (id, use) only the newest one, and not if revoked."""
    newest: dict[tuple[str, str], Sequence[Any]] = {}
    for c in rows:
        key = (c[1], c[2])
        if key not in newest or c[0] > newest[key][0]:
            newest[key] = c
    return [Clearance(c[1], c[2], c[3], c[4], _as_date(c[5]), c[6])
            for c in sorted(newest.values(), key=lambda c: c[0]) if c[7] is None]


def clearances_of(db: Db, dataset_id: str) -> list[Clearance]:
    """The clearances that apply to one id (a dataset or a base model)."""
    return standing(list(db.rows(
        f"SELECT {_CLEARANCE_COLUMNS} FROM clearance c WHERE c.dataset_id = :id",
        {"id": dataset_id})))


# --------------------------------------------------------------------------- facts


def facts(db: Db, wanted: Sequence[tuple[str, str | None]], *,
          strict: bool = True) -> list[DatasetFacts]:
    """What the check engine needs of ``(id, pinned revision or None)`` entries, in order.

    ``strict``: an id the register lacks is a :class:`CorpusError` (else it is left out)."""
    return list(iter_facts(db, wanted, strict=strict))


def iter_facts(db: Db, wanted: Sequence[tuple[str, str | None]], *,
               strict: bool = True, ordered: bool = True,
               ) -> Generator[DatasetFacts, None, None]:
    """:func:`facts` streamed: the datasets in one query (joined with the wanted ids, in
    their order unless ``ordered`` is False: a check does not depend on the order, and the
    database then need not sort), the clearances in one more; each distinct rights record
    is decoded once.

    With ``strict`` the :class:`CorpusError` for missing ids comes after the last fact."""
    import json

    ids = list(dict.fromkeys(i for i, _ in wanted))
    if not ids:
        return
    pinned = {i: rev for i, rev in wanted if rev}
    param = {"ids": db.ids_param(ids)}
    clearances: dict[str, list[Clearance]] = {}
    for c in standing(list(db.rows(
            f"SELECT {_CLEARANCE_COLUMNS} FROM clearance c "
            f"JOIN {db.wanted()} ON w.value = c.dataset_id", param))):
        clearances.setdefault(c.dataset_id, []).append(c)
    sql = ("SELECT d.id, d.source, d.pretty_name, d.revision, d.card_sha256, "
           "d.declared_license, d.declared_needs_review, d.declared_reason, "
           "d.concluded_license, d.concluded_by, d.rights_json "
           f"FROM {db.wanted()} JOIN dataset d ON d.id = w.value"
           + (" ORDER BY w.key" if ordered else ""))
    records: dict[str, RightsRecord] = {}
    no_clearance: tuple[Clearance, ...] = ()
    found = 0
    for (ds_id, source, pretty_name, revision, card_sha256, declared, declared_review,
         declared_reason, concluded, concluded_by, rights_json) in db.rows(
            sql, param, stream=True):
        found += 1
        license, review = effective_license(concluded, declared, declared_review)
        reason = declared_reason if review and not concluded else ""
        if ds_id in pinned and not concluded:
            license, review = pinned_license(
                db, ds_id, pinned[ds_id], (revision, card_sha256)) or (license, review)
        rights = None
        if rights_json:
            rights = records.get(rights_json)
            if rights is None:
                rights = records[rights_json] = RightsRecord.from_dict(json.loads(rights_json))
        yield DatasetFacts(
            id=ds_id, license=license, license_needs_review=review, license_reason=reason,
            rights=rights, clearances=tuple(clearances[ds_id]) if ds_id in clearances
            else no_clearance, source=source, pretty_name=pretty_name,
            extra={"concluded_by": concluded_by} if concluded else {},
        )
    if found < len(ids) and strict:
        held = set(existing_ids(db, ids))
        missing = [i for i in ids if i not in held]
        raise CorpusError(
            f"dataset {missing[0]!r} is not in the register"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            hint="ingest it first ('register ingest') or fix the corpus")


_VERSION_SQL = ("SELECT revision, card_sha256, declared_license, declared_needs_review "
                "FROM dataset_version WHERE dataset_id = :id AND ({match}) "
                "ORDER BY version DESC")


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern (``ESCAPE '/'``) matching the strings that begin with ``prefix``."""
    return prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def pinned_license(db: Db, ds_id: str, rev: str, current: tuple[str, str],
                   ) -> tuple[str | None, bool] | None:
    """The declared license of a pinned revision that is not the ``current`` (revision,
    card checksum) one (None: it is the current one).

    ``rev`` is a revision (Hub commit sha) or card checksum, exactly or, when it has at least
    :data:`MIN_REVISION_PREFIX` hex digits, abbreviated (``5a0b0a9``): an abbreviation that
    begins two different stored revisions is an error naming them."""
    if rev in current:
        return None
    exact = _VERSION_SQL.format(match="revision = :rev OR card_sha256 = :rev")
    v = next(iter(db.rows(exact + " LIMIT 1", {"id": ds_id, "rev": rev})), None)
    if v is None and len(rev) >= MIN_REVISION_PREFIX and set(rev.lower()) <= _HEX:
        prefix = rev.lower()
        rows = list(db.rows(_VERSION_SQL.format(
            match="revision LIKE :p ESCAPE '/' OR card_sha256 LIKE :p ESCAPE '/'"),
            {"id": ds_id, "p": _like_prefix(prefix)}))
        full = list(dict.fromkeys(
            r[0] if (r[0] or "").startswith(prefix) else r[1] for r in rows))
        if len(full) > 1:
            raise CorpusError(
                f"dataset {ds_id!r}: revision {rev!r} is ambiguous, it begins "
                + ", ".join(repr(f) for f in full[:5]),
                hint="give more characters of the revision")
        if full and full[0] in current:
            return None
        v = rows[0] if rows else None
    if v is None:
        raise CorpusError(f"dataset {ds_id!r} has no version with revision {rev!r}")
    return (v[2], bool(v[3]))
