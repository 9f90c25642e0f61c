"""The tamper-evident audit trail: an append-only hash chain of events over the whole state.

Every change to the register appends one event (when, who, what before and after, why).
Each event's ``hash`` is the SHA-256 of its canonical content and the previous event's hash,
as in append-only transparency logs, so editing, deleting or inserting an event breaks the
chain at that event.  Since chain format 2 an event also carries ``rows_json``: the digest of
every row it wrote, read back from the table (all columns, in every table but the chain
itself), so each stored fact is bound to the event that wrote it last.  :func:`verify`
recomputes the chain, replays the digests and compares them with every row of every table,
in one read snapshot, naming the first differing table, row and column.

Format-1 events (written before revision 0003) keep their nine-field hash; the first open
after that upgrade appends a ``schema.upgrade`` event binding every row that existed then
(and the result of the old five-column replay, so a change made before it stays on record).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Boolean, Date, Float, Integer, column, insert, select, table
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel
from typing_extensions import TypedDict

from register.actors import validate_actor
from register.store.queries import in_id_order
from register.store.tables import AuditEvent, ClearanceRow, Dataset

GENESIS_HASH = "0" * 64
CHAIN_FORMAT = 2
_T = AuditEvent.__table__  # type: ignore[attr-defined]
_CHAIN_TABLES = frozenset({"audit_event", "alembic_version"})


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def default_actor() -> str:
    env = os.environ.get("REGISTER_USER")
    if env:
        return validate_actor(env, "REGISTER_USER")
    try:
        return validate_actor(getpass.getuser(), "the OS user name")
    except Exception:  # no login name in some containers
        return "unknown"


def actor_or_default(by: str | None) -> str:
    """``--by`` validated, or the default actor."""
    return validate_actor(by) if by is not None else default_actor()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def event_hash(
    seq: int, at: str, actor: str, action: str, dataset_id: str | None,
    before_json: str | None, after_json: str | None, reason: str | None, prev_hash: str,
    rows_json: str | None = None, fmt: int = 1,
) -> str:
    """The hash of an event (format 1: nine fields; format 2: with its row digests)."""
    fields: list[Any] = [seq, at, actor, action, dataset_id, before_json, after_json, reason,
                         prev_hash]
    if fmt != 1:
        fields = [fmt, *fields, rows_json]
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- row digests


def covered_tables() -> list[Any]:
    """Every table whose rows the chain binds (all but the chain and alembic's own)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in _CHAIN_TABLES]


def _kind(col: Any) -> str:
    for typ, name in ((Boolean, "bool"), (Integer, "int"), (Float, "float"), (Date, "date")):
        if isinstance(col.type, typ):
            return name
    return "str"


def stored_text(value: Any, kind: str) -> str | None:
    """A stored value as canonical text, from the driver's raw value (no type processing,
    so a corrupt value is text to compare, never an error)."""
    if value is None:
        return None
    if kind == "bool" and isinstance(value, bool | int):
        return str(int(value))
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return repr(float(value))
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and kind in ("str", "date"):
        return value
    return f"?{type(value).__name__}:{value!r}"


def _pk(tbl: Any) -> Any:
    return list(tbl.primary_key.columns)[0]


def read_rows(conn: Connection, tbl: Any, keys: Iterable[Any] | None = None, *,
              only: Iterable[str] | None = None,
              ) -> Iterator[tuple[str, dict[str, str | None]]]:
    """``(primary key as text, {column: canonical text})`` of rows of ``tbl`` (all of them,
    ordered by key, or those with the given keys; ``only`` these columns and the key)."""
    names = None if only is None else {_pk(tbl).name, *only}
    cols = [(c.name, _kind(c)) for c in tbl.columns if names is None or c.name in names]
    raw = table(tbl.name, *[column(name) for name, _k in cols])  # untyped: raw values
    pk = raw.c[_pk(tbl).name]
    stmt = select(*raw.c)
    if keys is None:  # text keys in id order (the first problem found is the same anywhere)
        order = pk if _kind(_pk(tbl)) == "int" else in_id_order(conn, pk)
        batches: list[Any] = [stmt.order_by(order)]
    else:
        wanted = list(dict.fromkeys(keys))
        if _kind(_pk(tbl)) == "int":
            wanted = [int(k) for k in wanted]
        batches = [stmt.where(pk.in_(wanted[i:i + 500])) for i in range(0, len(wanted), 500)]
    for query in batches:
        for row in conn.execute(query):
            cells = {name: stored_text(row[i], kind) for i, (name, kind) in enumerate(cols)}
            yield str(cells[pk.name]), cells


#: a JSON string literal as :func:`canonical` spells it (``ensure_ascii=False``)
_encode_text = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _h(*parts: Any) -> str:
    return hashlib.sha256(canonical(list(parts)).encode("utf-8")).hexdigest()


def row_digest(table_name: str, key: str, cells: dict[str, str | None]) -> str:
    """``<row digest>:<8 hex per column>``: the row binds every column; the short column
    digests only name the column that differs.

    Each digest is ``sha256(canonical([...]))``; for text cells the canonical JSON is spelled
    here directly (the same bytes as :func:`canonical`, without a ``json.dumps`` per cell:
    ingest writes tens of cells per card)."""
    names = sorted(cells)
    if not all(v is None or type(v) is str for v in cells.values()) or type(key) is not str:
        whole = _h(table_name, key, [[n, cells[n]] for n in names])
        return whole + ":" + "".join(_h(table_name, key, n, cells[n])[:8] for n in names)
    enc = _encode_text
    sha = hashlib.sha256
    head = f"[{enc(table_name)},{enc(key)},"
    pairs = [(enc(n), "null" if (v := cells[n]) is None else enc(v)) for n in names]
    whole = head + "[" + ",".join(f"[{n},{v}]" for n, v in pairs) + "]]"
    return (sha(whole.encode("utf-8")).hexdigest() + ":"
            + "".join(sha(f"{head}{n},{v}]".encode()).hexdigest()[:8] for n, v in pairs))


def digests(conn: Connection, touched: Iterable[tuple[Any, Any]]) -> str | None:
    """``rows_json`` of an event that wrote the rows ``(table, key)`` (read back now)."""
    by_table: dict[str, tuple[Any, list[Any]]] = {}
    for tbl, key in touched:
        by_table.setdefault(tbl.name, (tbl, []))[1].append(key)
    if not by_table:
        return None
    out: dict[str, Any] = {}
    for name, (tbl, keys) in sorted(by_table.items()):
        rows = {k: row_digest(name, k, cells) for k, cells in read_rows(conn, tbl, keys)}
        out[name] = {"columns": sorted(c.name for c in tbl.columns), "rows": rows}
    return canonical(out)


def state_digests(conn: Connection) -> str:
    """``rows_json`` binding every row of every covered table (an upgrade baseline)."""
    out: dict[str, Any] = {}
    for tbl in covered_tables():
        rows = {k: row_digest(tbl.name, k, cells) for k, cells in read_rows(conn, tbl)}
        out[tbl.name] = {"columns": sorted(c.name for c in tbl.columns), "rows": rows}
    return canonical(out)


class AuditWriter:
    """Appends events inside one write transaction (which holds the writer lock)."""

    def __init__(self, conn: Connection, actor: str) -> None:
        self.conn = conn
        self.actor = actor
        last = conn.execute(
            select(_T.c.seq, _T.c.hash).order_by(_T.c.seq.desc()).limit(1)
        ).first()
        self.seq = last[0] if last else 0
        self.prev = last[1] if last else GENESIS_HASH
        self._pending: list[dict[str, Any]] = []

    def append(
        self, action: str, dataset_id: str | None, before: Any, after: Any,
        reason: str | None = None, *, at: str | None = None, actor: str | None = None,
        rows: Iterable[tuple[Any, Any]] = (), rows_json: str | None = None,
    ) -> None:
        """One event; ``rows`` are the ``(table, primary key)`` it wrote (already written:
        they are read back and their digests go into the event)."""
        self.seq += 1
        at = at or now_iso()
        actor = actor or self.actor
        before_json = None if before is None else canonical(before)
        after_json = None if after is None else canonical(after)
        if rows_json is None:
            rows_json = digests(self.conn, [(t, str(k)) for t, k in rows])
        digest = event_hash(self.seq, at, actor, action, dataset_id, before_json, after_json,
                            reason, self.prev, rows_json, CHAIN_FORMAT)
        self._pending.append({
            "seq": self.seq, "at": at, "actor": actor, "action": action,
            "dataset_id": dataset_id, "before_json": before_json, "after_json": after_json,
            "reason": reason, "prev_hash": self.prev, "hash": digest,
            "format": CHAIN_FORMAT, "rows_json": rows_json,
        })
        self.prev = digest
        if len(self._pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.conn.execute(insert(_T), self._pending)
            self._pending = []


class VerifyReportJSON(TypedDict):
    """``register audit verify --format json``: ``table``/``row``/``column`` name the first
    stored value that differs from what the chain implies."""

    ok: bool
    events: int
    first_bad_event: int | None
    problem: str | None
    head_hash: str
    table: str | None
    row: str | None
    column: str | None


# --------------------------------------------------------------------------- verify


@dataclass
class VerifyReport:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head_hash: str = GENESIS_HASH
    table: str | None = None
    row: str | None = None
    column: str | None = None

    def to_dict(self) -> VerifyReportJSON:
        return {
            "ok": self.ok, "events": self.events, "first_bad_event": self.first_bad_seq,
            "problem": self.problem, "head_hash": self.head_hash,
            "table": self.table, "row": self.row, "column": self.column,
        }


def _replay_legacy(state: dict[str, dict[str, Any]], clearances: set[tuple[Any, ...]],
                   action: str, dataset_id: str | None, after: Any) -> None:
    """The format-1 replay (five columns and clearances), for the upgrade baseline."""
    if dataset_id is None or not isinstance(after, dict):
        return
    entry = state.setdefault(dataset_id, {})
    if action in ("dataset.ingest", "dataset.update"):
        entry["card_sha256"] = after.get("card_sha256")
        entry["version"] = after.get("version")
        entry["declared_license"] = after.get("declared_license")
    elif action in ("license.conclude", "license.withdraw"):
        entry["concluded_license"] = after.get("concluded_license")
    elif action == "rights.set":
        entry["rights"] = after
    elif action == "clearance.add":
        clearances.add((dataset_id, after.get("use"), after.get("until"), after.get("by")))


def legacy_problem(conn: Connection) -> str | None:
    """What the format-1 verify (five columns, clearances) finds wrong, or None: run before
    the upgrade baseline binds the rows, so an earlier edit is not absorbed."""
    state: dict[str, dict[str, Any]] = {}
    clearances: set[tuple[Any, ...]] = set()
    for row in conn.execute(select(_T.c.action, _T.c.dataset_id, _T.c.after_json)
                            .order_by(_T.c.seq)):
        try:
            after = json.loads(row.after_json) if row.after_json else None
        except ValueError:
            return "an event's after_json is not valid JSON"
        _replay_legacy(state, clearances, row.action, row.dataset_id, after)
    return _semantic_problem(conn, state, clearances)


def _semantic_problem(conn: Connection, state: dict[str, dict[str, Any]],
                      clearances: set[tuple[Any, ...]]) -> str | None:
    """The tables against what the events say they did (their before/after), so an event
    appended by hand that claims a change the tables do not hold is found too."""
    d = Dataset.__table__  # type: ignore[attr-defined]
    seen: set[str] = set()
    for key, cells in read_rows(conn, d, only=("card_sha256", "version", "declared_license",
                                              "concluded_license", "rights_json")):
        seen.add(key)
        want = state.get(key)
        if want is None or "card_sha256" not in want:
            return f"dataset {key!r} has no ingest event in the audit trail"
        for name in ("card_sha256", "version", "declared_license"):
            expected = want.get(name)
            if cells[name] != (None if expected is None else str(expected)):
                return f"dataset {key!r}: {name} differs from the audit trail"
        if cells["concluded_license"] != want.get("concluded_license"):
            return f"dataset {key!r}: concluded license differs from the audit trail"
        try:
            rights = json.loads(cells["rights_json"]) if cells["rights_json"] else None
        except ValueError:
            return f"dataset {key!r}: rights_json is not valid JSON"
        if rights != want.get("rights"):
            return f"dataset {key!r}: rights differ from the audit trail"
    missing = sorted(k for k, v in state.items() if "card_sha256" in v and k not in seen)
    if missing:
        return f"dataset {missing[0]!r} is in the audit trail but missing from the register"
    c = ClearanceRow.__table__  # type: ignore[attr-defined]
    have_c = {(cells["dataset_id"], cells["use"], cells["until"], cells["by"])
              for _k, cells in read_rows(conn, c, only=("dataset_id", "use", "until", "by"))}
    if have_c != clearances:
        return f"clearances differ from the audit trail: {sorted(map(str, have_c ^ clearances))[0]}"
    return None


Expected = dict[str, dict[str, tuple[int, list[str], str]]]


def verify(conn: Connection, head_revision: str | None = None) -> VerifyReport:
    """Recompute the chain, replay its row digests, compare them with every table.

    Run it in one read snapshot (:func:`register.store.engine.snapshot`)."""
    prev = GENESIS_HASH
    count = 0
    expected: Expected = {}
    state: dict[str, dict[str, Any]] = {}
    clearances: set[tuple[Any, ...]] = set()
    newest_format = 1
    rows = conn.execute(select(_T).order_by(_T.c.seq)).mappings()
    for row in rows:
        count += 1
        seq = row["seq"]
        bad = _event_problem(row, count, prev)
        if bad is None and row["format"] < newest_format:
            bad = (seq, f"event {seq} uses chain format {row['format']} after format "
                        f"{newest_format} events: not written by the register")
        if bad:
            return VerifyReport(False, count - 1, bad[0], bad[1], table="audit_event",
                                row=str(bad[0]))
        newest_format = row["format"]
        problem = _replay(expected, row)
        if problem is None:
            try:
                after = json.loads(row["after_json"]) if row["after_json"] else None
            except ValueError:
                problem = f"event {seq} has an after_json that is not valid JSON"
            else:
                _replay_legacy(state, clearances, row["action"], row["dataset_id"], after)
        if problem:
            return VerifyReport(False, count - 1, seq, problem, table="audit_event",
                                row=str(seq))
        prev = row["hash"]
    if head_revision is not None:
        found: list[Any] = list(conn.execute(select(column("version_num"))
                                             .select_from(table("alembic_version"))).scalars())
        if found != [head_revision]:
            return VerifyReport(
                False, count, None,
                f"table alembic_version: version_num is {', '.join(map(repr, found)) or 'empty'}"
                f", expected {head_revision!r}", prev, "alembic_version",
                found[0] if found else None, "version_num")
    report = _compare(conn, expected, count, prev)
    if report.ok:
        problem = _semantic_problem(conn, state, clearances)
        if problem:
            return VerifyReport(False, count, None, problem, prev, "dataset")
    return report


def _event_problem(row: Any, count: int, prev: str) -> tuple[int, str] | None:
    seq = row["seq"]
    if seq != count:
        if seq > count:
            return count, f"event {count} is missing (found {seq} next)"
        return seq, f"event {seq} is out of order"
    if row["prev_hash"] != prev:
        return seq, f"event {seq} does not link to the event before it"
    fmt = row["format"]
    if fmt not in (1, CHAIN_FORMAT):
        return seq, f"event {seq} has an unknown chain format {fmt!r}"
    digest = event_hash(seq, row["at"], row["actor"], row["action"], row["dataset_id"],
                        row["before_json"], row["after_json"], row["reason"], prev,
                        row["rows_json"], fmt)
    if digest != row["hash"]:
        return seq, f"event {seq} ({row['action']}) was altered: hash mismatch"
    return None


def _replay(expected: Expected, row: Any) -> str | None:
    if row["action"] == "schema.upgrade":
        try:
            after = json.loads(row["after_json"] or "{}")
        except ValueError:
            after = {}
        if isinstance(after, dict) and after.get("legacy_problem"):
            return (f"event {row['seq']} (schema.upgrade) recorded that the register was "
                    f"already altered before the upgrade: {after['legacy_problem']}")
    if not row["rows_json"]:
        return None
    try:
        data = json.loads(row["rows_json"])
        for name, part in data.items():
            target = expected.setdefault(name, {})
            for key, digest in part["rows"].items():
                target[key] = (row["seq"], list(part["columns"]), digest)
    except (ValueError, TypeError, KeyError, AttributeError):
        return f"event {row['seq']} has unreadable row digests"
    return None


def _compare(conn: Connection, expected: Expected, count: int, head: str) -> VerifyReport:
    for tbl in covered_tables():
        want = dict(expected.pop(tbl.name, {}))
        for key, cells in read_rows(conn, tbl):
            item = want.pop(key, None)
            where = f"table {tbl.name}, row {key!r}"
            if item is None:
                return VerifyReport(False, count, None, f"{where}: not written by any event "
                                    "of the audit trail", head, tbl.name, key)
            seq, columns, digest = item
            have = row_digest(tbl.name, key, cells)
            if have == digest:
                continue
            col = _differing_column(tbl.name, key, cells, columns, digest)
            return VerifyReport(
                False, count, None,
                f"{where}, column {col}: differs from the audit trail (last written by event "
                f"{seq})", head, tbl.name, key, col)
        if want:
            key = sorted(want)[0]
            return VerifyReport(False, count, None, f"table {tbl.name}, row {key!r}: in the "
                                f"audit trail (event {want[key][0]}) but missing from the "
                                "register", head, tbl.name, key)
    for name in sorted(expected):
        if expected[name]:
            return VerifyReport(False, count, None, f"table {name}: in the audit trail but "
                                "missing from the register", head, name)
    return VerifyReport(True, count, None, None, head)


def _differing_column(name: str, key: str, cells: dict[str, str | None], columns: list[str],
                      digest: str) -> str:
    if sorted(cells) != columns:
        extra = sorted(set(cells) ^ set(columns))
        return extra[0] if extra else "(columns)"
    short = digest.partition(":")[2]
    for i, col in enumerate(columns):
        if _h(name, key, col, cells[col])[:8] != short[i * 8:i * 8 + 8]:
            return col
    return "(a column)"


def head_hash(conn: Connection) -> str:
    row = conn.execute(select(_T.c.hash).order_by(_T.c.seq.desc()).limit(1)).first()
    return row[0] if row else GENESIS_HASH
