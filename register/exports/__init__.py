"""Exports of the register: spreadsheets (``xlsx``), ``csv``, ``json`` and SPDX 3 JSON-LD.

One interface, chosen by :class:`ExportFormat`::

    report = export_register(reg, "xlsx", Path("register.xlsx"),
                             corpus=Path("corpus.yaml"), use="service")
    report.rows, report.warnings

* Every exporter reads the register through :func:`iter_register_rows` (streamed from the
  database, bounded memory) and writes to a temporary file that becomes ``out`` only when the
  export is complete (an interrupted export leaves no half file): see :func:`atomic_output`
  for ``-`` (stdout), devices, FIFOs, symlinks, hard links and file modes.
* ``corpus`` limits the export to the corpus's datasets; with ``use`` the corpus check is run
  and exported too (the xlsx Check sheet, the check rows of the csv, the ``check`` member of
  the json).
* pandas / openpyxl / the SPDX bindings are imported only inside the exporter that needs them,
  so importing this package (and starting the CLI) stays fast.
* Text that a spreadsheet could run as a formula (``= + - @``, tab, CR) is escaped with
  :func:`register.render.cells.escape_cell` in every xlsx and csv cell.  The json and SPDX
  exports hold the text verbatim (they are data formats, not spreadsheets).

The Register sheet / csv columns are :data:`REGISTER_COLUMNS`; the editable ones are exactly
the importer's columns (:data:`register.rights.columns.EDITABLE_COLUMNS`), so an exported
workbook or csv can be edited and imported back (``register import xlsx``,
``register rights import``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from register.check.uses import validate_use
from register.errors import ExportError, UsageError

if TYPE_CHECKING:
    from register.check.result import CheckResult
    from register.check.review import Reviewer, ReviewItem
    from register.register import Register

__all__ = [
    "EXPORT_FORMATS",
    "Column",
    "ExportFormat",
    "ExportReport",
    "ExportScope",
    "REGISTER_COLUMNS",
    "RegisterRow",
    "export_register",
    "iter_register_rows",
]


class ExportFormat(str, Enum):
    """The formats ``register export`` writes."""

    xlsx = "xlsx"
    csv = "csv"
    json = "json"
    spdx = "spdx"
    cyclonedx = "cyclonedx"
    croissant = "croissant"
    spdx2_json = "spdx2-json"
    spdx2_tv = "spdx2-tv"


EXPORT_FORMATS: tuple[str, ...] = tuple(f.value for f in ExportFormat)

#: format -> "module:function" of its exporter (imported only when used).
_EXPORTERS: dict[ExportFormat, str] = {
    ExportFormat.xlsx: "register.exports.xlsx:write_xlsx",
    ExportFormat.csv: "register.exports.tabular:write_csv",
    ExportFormat.json: "register.exports.tabular:write_json",
    ExportFormat.spdx: "register.exports.spdx:write_spdx",
    ExportFormat.cyclonedx: "register.exports.cyclonedx:write_cyclonedx",
    ExportFormat.croissant: "register.exports.croissant_export:write_croissant",
    ExportFormat.spdx2_json: "register.exports.spdx2:write_spdx2_json",
    ExportFormat.spdx2_tv: "register.exports.spdx2:write_spdx2_tv",
}


@dataclass
class ExportReport:
    """What an export wrote: dataset rows, and warnings (truncations, limits) to show."""

    path: Path
    rows: int = 0
    warnings: list[str] = field(default_factory=list)
    check_verdict: str | None = None

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


@dataclass(frozen=True)
class ExportScope:
    """Which datasets to export (``ids`` None = all) and the corpus check, if any."""

    ids: tuple[str, ...] | None = None
    check: CheckResult | None = None
    corpus_name: str | None = None
    on: date | None = None
    #: the check's options besides the use that were given (region, non_commercial, policy)
    check_options: tuple[tuple[str, Any], ...] = ()
    #: add the Dashboard sheet (xlsx): the board figures with native charts
    dashboard: bool = False


@dataclass(frozen=True)
class Column:
    """A column of the Register sheet / csv.  ``editable`` columns are read by the import."""

    name: str
    editable: bool = False
    kind: str = "text"  # text | date | datetime | int | bool
    width: int = 14
    help: str = ""


def _rights_columns() -> tuple[Column, ...]:
    from register.check.facts import LAWFUL_BASES, SENSITIVE_CATEGORIES

    return (
        Column("personal_data", True, width=13, help="yes | no | unknown"),
        Column("sensitive", True, width=16,
               help="';'-separated: " + ", ".join(SENSITIVE_CATEGORIES) + "; '-' clears"),
        Column("dpia", True, width=14, help="DPIA / review reference; '-' clears"),
        Column("lawful_basis", True, width=18,
               help=" | ".join(LAWFUL_BASES) + "; 'none' clears"),
        Column("consent_purpose", True, width=16,
               help="';'-separated uses (research, internal, service, release-weights, "
                    "release-data) or any; '-' clears"),
        Column("collected_in", True, width=13,
               help="';'-separated ISO 3166-1 alpha-2 codes (DE;FR); '-' clears"),
        Column("allowed_region", True, width=14,
               help="';'-separated ISO codes, EU, EEA, or any; '-' clears"),
        Column("collected_on", True, "date", width=12, help="a date (YYYY-MM-DD); '-' clears"),
        Column("retain_until", True, "date", width=12,
               help="last day the data may be used (YYYY-MM-DD); '-' clears"),
    )


REGISTER_COLUMNS: tuple[Column, ...] = (
    Column("id", width=28, help="dataset id (the key: do not edit)"),
    Column("pretty_name", width=24),
    Column("source", width=30),
    Column("revision", width=12),
    Column("version", kind="int", width=8),
    Column("raw_license", width=24, help="the card's license fields, verbatim"),
    Column("declared_license", width=22, help="normalized from the card"),
    Column("effective_license", width=22, help="concluded if any, else declared"),
    Column("needs_review", kind="bool", width=12),
    Column("review_reason", width=40),
    Column("concluded_license", True, width=22,
           help="SPDX expression: a human decision that overrides the declared license; "
                "needs concluded_reason (or reason)"),
    Column("concluded_reason", True, width=24, help="why the concluded license was chosen"),
    Column("concluded_by", width=14),
    *_rights_columns(),
    Column("reason", True, width=24, help="why this row's changes are made (audit trail)"),
    Column("by", True, width=12,
           help="stated by (recorded as such; the changes are the importer's, --by)"),
    Column("rights_by", width=12),
    Column("rights_reason", width=24),
    Column("suggestions", width=30, help="rights hints read from the card (unconfirmed)"),
    Column("previous_license", width=18, help="declared license before the last change"),
    Column("last_change", kind="datetime", width=17, help="UTC"),
    Column("row_version", kind="int", width=11,
           help="version token (do not edit): the import refuses a row changed since"),
    Column("card_sha256", width=20),
)


def _check_editable_columns() -> None:  # the import round trip depends on this
    from register.rights.columns import EDITABLE_COLUMNS

    names = {c.name for c in REGISTER_COLUMNS if c.editable} | {"id"}
    if names != set(EDITABLE_COLUMNS):  # pragma: no cover - a programming error
        raise AssertionError(f"export columns {sorted(names)} != {sorted(EDITABLE_COLUMNS)}")


# --------------------------------------------------------------------------- rows

@dataclass(frozen=True)
class RegisterRow:
    """One dataset row of an export: ``row[name]`` is the cell of column ``name``
    (:data:`REGISTER_COLUMNS`); ``review`` are the reasons it needs a human and
    ``attention`` the Review sheet's further notes (:mod:`register.check.review`)."""

    cells: dict[str, Any]
    review: tuple[ReviewItem, ...]
    attention: tuple[ReviewItem, ...]
    license_needs_review: bool

    def __getitem__(self, name: str) -> Any:
        return self.cells[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.cells.get(name, default)


def iter_register_rows(
    reg: Register, ids: Sequence[str] | None = None, *, batch: int = 2000,
    today: date | None = None, reviewer: Reviewer | None = None,
) -> Iterator[RegisterRow]:
    """One :class:`RegisterRow` per dataset, ordered by id, streamed.

    Cell values are Python values: ``date`` for rights dates, naive UTC ``datetime`` for
    ``last_change``, ``bool`` for ``needs_review``, ``None`` for empty.  ``needs_review`` and
    ``review_reason`` are those of :func:`register.check.review.dataset_review` (as in
    ``register list``).  ``today`` dates the retention notes (default: today).  ``reviewer``
    keeps its caches across calls (an import's batches).
    """
    from register.check.review import Reviewer, attention_items
    from register.exports.cells import RowCells
    from register.store.queries import iter_export_rows

    builder = RowCells(reviewer or Reviewer(reg.kb))
    day = today or date.today()
    for row in iter_export_rows(reg.engine, ids, batch=batch):
        cells, review, record, license_review = builder.build(row)
        attention = attention_items(
            previous_license=row.previous_license, concluded=row.concluded_license,
            declared=row.declared_license, retain_until=record.retain_until if record else None,
            today=day)
        yield RegisterRow(cells, review, tuple(attention), license_review)


# --------------------------------------------------------------------------- entry point


def _scope(reg: Register, corpus: Path | None, use: str | None, on: date | None,
           check_options: dict[str, Any]) -> ExportScope:
    given = {k: v for k, v in check_options.items() if v not in (None, False)}
    if use and corpus is None:
        raise UsageError("--use needs --corpus FILE")
    if given and not use:
        raise UsageError(f"{_option_names(given)} needs --corpus FILE and --use USE")
    if corpus is None:
        return ExportScope(on=on)
    from register.check.corpus import load_corpus

    parsed = load_corpus(Path(corpus))
    ids = tuple(dict.fromkeys(e.id for e in parsed.datasets))
    reg.facts(list(ids))  # raises CorpusError naming a dataset the register lacks
    check = reg.check_corpus(corpus, use=use, on=on, **given) if use else None
    return ExportScope(ids=ids, check=check, corpus_name=parsed.name, on=on,
                       check_options=tuple(given.items()))


def _option_names(given: dict[str, Any]) -> str:
    return ", ".join("--" + k.replace("_", "-") for k in given)


def export_register(
    reg: Register, fmt: str | ExportFormat, out: str | os.PathLike[str], *,
    corpus: str | os.PathLike[str] | None = None, use: str | None = None,
    on: date | None = None, region: str | None = None, non_commercial: bool = False,
    policy: str | os.PathLike[str] | None = None, dashboard: bool = False,
) -> ExportReport:
    """Export the register (or a corpus of it, and its check with ``use``) to ``out``.

    ``region``, ``non_commercial`` and ``policy`` are the check's options (as for
    :meth:`Register.check`), so the workbook's Check sheet says what ``check`` says;
    ``dashboard`` adds the xlsx Dashboard sheet (the figures of ``report dashboard``)."""
    try:
        kind = ExportFormat(fmt)
    except ValueError:
        raise UsageError(f"FORMAT must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}"
                         ) from None
    if use:
        validate_use(use)
    _check_editable_columns()
    out_path = Path(out)
    if str(out) != "-" and out_path.is_dir():
        raise ExportError(f"{out_path}: is a directory", hint="give a file name to write")
    if dashboard and kind is not ExportFormat.xlsx:
        raise UsageError("--dashboard is a sheet of the xlsx export")
    scope = _scope(reg, Path(corpus) if corpus is not None else None, use, on,
                   {"region": region, "non_commercial": non_commercial, "policy": policy})
    if dashboard:
        scope = replace(scope, dashboard=True)
    module, _, name = _EXPORTERS[kind].partition(":")
    writer: Callable[[Register, Path, ExportScope, ExportReport], None] = getattr(
        import_module(module), name)
    report = ExportReport(path=out_path)
    if scope.check is not None:
        report.check_verdict = scope.check.verdict
    with atomic_output(out_path) as tmp:
        writer(reg, tmp, scope, report)
    return report


class _Interrupted(KeyboardInterrupt):
    """SIGTERM / SIGHUP during an export: unwinds so that temporary files are removed."""


@contextlib.contextmanager
def _cleanup_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into an exception while the block runs (main thread only),
    so ``finally`` clauses remove the temporary files; the handlers are restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum: int, frame: Any) -> None:
        raise _Interrupted(f"signal {signum}")

    saved = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):
            saved[sig] = signal.signal(sig, interrupted)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _scratch_tempdir() -> Iterator[str]:
    """A private directory that is :mod:`tempfile`'s default while the block runs, so the
    temporary files of openpyxl (and ours for streamed targets) are removed with it."""
    scratch = tempfile.mkdtemp(prefix="register-export-")
    saved = tempfile.tempdir
    tempfile.tempdir = scratch
    try:
        yield scratch
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(scratch, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _open_stream(path: Path, st: os.stat_result) -> int:
    """A write descriptor on a FIFO or character device, opened in place."""
    if stat.S_ISFIFO(st.st_mode):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:
                raise ExportError(f"{path}: a FIFO with no reader; refused",
                                  hint="start the reader first, or give a file name") from None
            raise
        os.set_blocking(fd, True)
        return fd
    return os.open(path, os.O_WRONLY)


def _copy_out(source: Path, fd: int) -> None:
    with source.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path that becomes ``path`` when the block succeeds.

    * ``-`` is standard output; a FIFO or a character device (``/dev/null``, a terminal) is
      written in place once the export is complete; a block device, a socket or a directory
      is refused.
    * A regular target is replaced atomically: the temporary file beside it is fsynced and
      renamed over it.  A symlink is followed (the file it names is replaced, the link stays);
      a file with several hard links is refused (replacing it would silently break them).
      The new file keeps the mode of the file it replaces, and a new file gets the usual
      ``0666 & ~umask`` (not the 0600 of a temporary file).
    * Nothing is left behind: the temporary file (and openpyxl's) are removed on errors,
      Ctrl-C, SIGTERM and SIGHUP.
    """
    with _cleanup_on_signals(), _scratch_tempdir() as scratch:
        if str(path) == "-":
            tmp = Path(scratch) / "stdout"
            yield tmp
            sys.stdout.flush()
            try:
                _copy_out(tmp, sys.stdout.fileno())
            except OSError as exc:
                raise ExportError(f"standard output: cannot write ({exc.strerror or exc})"
                                  ) from None
            return
        try:
            st: os.stat_result | None = os.stat(path)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
        if st is not None and not stat.S_ISREG(st.st_mode):
            yield from _in_place(path, st, scratch)
            return
        if st is not None and st.st_nlink > 1:
            raise ExportError(f"{path}: the file has {st.st_nlink} hard links; replacing it "
                              "would break them, so it is refused",
                              hint="export to a new name, or remove the other links first")
        yield from _replace(path, st)


def _in_place(path: Path, st: os.stat_result, scratch: str) -> Iterator[Path]:
    if stat.S_ISDIR(st.st_mode):
        raise ExportError(f"{path}: is a directory", hint="give a file name to write")
    if not (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        raise ExportError(f"{path}: not a regular file, FIFO or character device; refused")
    tmp = Path(scratch) / "out"
    yield tmp
    try:
        fd = _open_stream(path, st)
        try:
            _copy_out(tmp, fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _replace(path: Path, st: os.stat_result | None) -> Iterator[Path]:
    real = Path(os.path.realpath(path))
    directory = real.parent
    if not directory.is_dir():
        raise ExportError(f"{path}: directory {directory} does not exist")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise ExportError(f"{path}: cannot create a file in {directory} "
                          f"({exc.strerror or exc})") from None
    tmp = Path(name)
    try:
        os.fchmod(fd, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
        if st is not None and hasattr(os, "fchown"):
            with contextlib.suppress(OSError):
                os.fchown(fd, st.st_uid, st.st_gid)
        os.close(fd)
        fd = -1
        yield tmp
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, real)
        _fsync_dir(str(directory))
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
