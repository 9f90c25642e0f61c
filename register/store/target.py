"""Where a register is and how an SQLite register file is opened, without SQLAlchemy.

Shared by :mod:`register.store.engine` (the SQLAlchemy engine of every command) and the plain
``register check`` (:mod:`register.store.facts_sql` over stdlib :mod:`sqlite3`), so both
resolve ``--db`` alike, refuse a missing file with the same error and set the same pragmas.
"""

from __future__ import annotations

import os
from pathlib import Path

from register.errors import StoreError

#: the alembic revision of the schema this code reads and writes (migrations/versions)
HEAD_REVISION = "0005"
DEFAULT_TARGET = "register.db"

__all__ = [
    "DEFAULT_TARGET",
    "HEAD_REVISION",
    "missing_register",
    "read_only",
    "read_only_uri",
    "resolve_target",
    "sqlite_path",
    "sqlite_pragmas",
]


def resolve_target(target: str | os.PathLike[str] | None) -> str:
    """The SQLAlchemy URL for a ``--db`` value, ``$REGISTER_DB`` or ``./register.db``."""
    raw = os.fspath(target) if target is not None else os.environ.get("REGISTER_DB")
    raw = raw or DEFAULT_TARGET
    if "://" in raw:
        if raw.startswith(("postgresql://", "postgres://")):
            raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
        return raw
    if raw == ":memory:":
        return "sqlite://"
    return "sqlite:///" + str(Path(raw).expanduser().resolve())


def sqlite_path(url: str) -> Path | None:
    """The file of an ``sqlite:///PATH`` URL (None: in memory, or not a plain file URL)."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])
    return None


def missing_register(path: Path) -> StoreError:
    """The error of a read naming a register file that does not exist (reads never create)."""
    return StoreError(
        f"no register at {path}",
        hint="ingest cards first to create it ('register ingest', or "
             "Register.open(path, create=True)), or name another register",
    )


def read_only(path: Path) -> bool:
    """An existing register file we cannot write (read-only mount, file or directory)."""
    try:
        return path.is_file() and not (os.access(path, os.W_OK)
                                       and os.access(path.parent, os.W_OK))
    except OSError:
        return False


def read_only_uri(path: Path) -> str:
    """A read-only SQLite URI (``file:...?mode=ro``) for ``path``: reads work, every write
    fails with "readonly".  When the directory cannot hold the WAL index either (a read-only
    mount) and no WAL is pending, the file is opened ``immutable``."""
    from urllib.parse import quote

    wal = Path(str(path) + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    immutable = not os.access(path.parent, os.W_OK) and not pending
    return f"file:{quote(str(path))}?mode=ro{'&immutable=1' if immutable else ''}"


def sqlite_pragmas(*, in_memory: bool, read_only: bool) -> list[str]:
    """The statements every new SQLite connection runs first."""
    return [
        *(() if in_memory or read_only else ("PRAGMA journal_mode=WAL",)),
        "PRAGMA busy_timeout=30000",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=FULL",  # a committed decision survives power loss
    ]
