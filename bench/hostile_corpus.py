"""The hostile-input corpus of issue 13: every input class run through the real CLI.

    .venv/bin/python bench/hostile_corpus.py [--quick]

Builds the inputs in a temporary sandbox (FIFOs, symlinks, deep JSON, huge infos files,
formula and terminal-escape payloads, odd export targets, hostile workbooks, bad ids, a
read-only register when a read-only bind mount can be made) and runs one ``register``
process per input with a 60 s timeout and ``TMPDIR`` inside the sandbox.  For each it checks
the expected outcome and counts tracebacks ("Traceback" or "internal error" on stderr), hangs
(timeouts) and partial writes (``.part`` files, leftovers in ``TMPDIR``, an export target
replaced or half written).  Prints one line per input and a summary line::

    inputs 61  tracebacks 0  hangs 0  partial writes 0  failed expectations 0  worst 2.31 s (...)

``tests/hostile/test_corpus.py`` runs it (``--quick`` sizes) in CI and asserts the zeros.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60.0
CARD = "---\nlicense: mit\npretty_name: ok\n---\n# card\n"
ESC_NAME = "\x1b]0;PWNED\x07\x1b[2J\u202eevil"
CR_PAYLOAD = "ok\r=cmd|' /C calc'!A0"
TRIGGERS = ("=", "+", "-", "@", "\t", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@dataclass
class Outcome:
    name: str
    code: int | None
    seconds: float
    out: bytes = b""
    err: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    tracebacks: int = 0
    hangs: int = 0
    partial_writes: int = 0
    failed: int = 0

    @property
    def worst(self) -> Outcome:
        return max(self.outcomes, key=lambda o: o.seconds)

    def line(self) -> str:
        w = self.worst
        return (f"inputs {len(self.outcomes)}  tracebacks {self.tracebacks}  hangs {self.hangs}"
                f"  partial writes {self.partial_writes}  failed expectations {self.failed}"
                f"  worst {w.seconds:.2f} s ({w.name})")


class Corpus:
    def __init__(self, sandbox: Path) -> None:
        self.box = sandbox
        self.tmp = sandbox / "tmp"
        self.tmp.mkdir()
        self.db = sandbox / "register.db"
        self.summary = Summary()
        self.env = dict(os.environ, TMPDIR=str(self.tmp), HOME=str(sandbox),
                        PYTHONPATH=os.pathsep.join(filter(None, [
                            str(ROOT), os.environ.get("PYTHONPATH")])),
                        COLUMNS="160")
        self.env.pop("REGISTER_DB", None)

    # ------------------------------------------------------------------ running
    def run(self, name: str, *args: str, db: Path | str | None = None,
            expect: Callable[[Outcome], str | None] | None = None,
            code: int | set[int] | None = None, stdin: bytes = b"") -> Outcome:
        cmd = [sys.executable, "-c", "import sys; from register.cli import run; "
               "sys.argv[0] = 'register'; run()", "--db", str(db or self.db), *args]
        start = time.perf_counter()
        try:
            done = subprocess.run(cmd, input=stdin, capture_output=True, env=self.env,
                                  cwd=self.box, timeout=TIMEOUT)
            outcome = Outcome(name, done.returncode, time.perf_counter() - start, done.stdout,
                              done.stderr.decode("utf-8", "replace"))
        except subprocess.TimeoutExpired:
            outcome = Outcome(name, None, time.perf_counter() - start)
            outcome.problems.append("hang")
            self.summary.hangs += 1
        self._judge(outcome, expect, code)
        return outcome

    def _judge(self, outcome: Outcome, expect: Callable[[Outcome], str | None] | None,
               code: int | set[int] | None) -> None:
        if "Traceback" in outcome.err or "internal error" in outcome.err:
            outcome.problems.append("traceback: " + outcome.err.strip().splitlines()[-1])
            self.summary.tracebacks += 1
        if outcome.code is not None:
            wanted = {code} if isinstance(code, int) else code
            if wanted is not None and outcome.code not in wanted:
                outcome.problems.append(f"exit {outcome.code}, expected {sorted(wanted)}: "
                                        + outcome.err.strip()[-300:])
                self.summary.failed += 1
            elif expect is not None and (why := expect(outcome)) is not None:
                outcome.problems.append(why)
                self.summary.failed += 1
        leftovers = [p for p in self.box.rglob("*.part")] + list(self.tmp.iterdir())
        if leftovers:
            outcome.problems.append(f"partial write: {[str(p) for p in leftovers][:5]}")
            self.summary.partial_writes += 1
            for p in leftovers:
                with contextlib.suppress(OSError):
                    if p.is_dir():
                        import shutil

                        shutil.rmtree(p)
                    else:
                        p.unlink()
        self.summary.outcomes.append(outcome)

    def record(self, outcome: Outcome, problem: str | None, *, partial: bool = False) -> None:
        if problem:
            outcome.problems.append(problem)
            if partial:
                self.summary.partial_writes += 1
            else:
                self.summary.failed += 1

    # ------------------------------------------------------------------ inputs
    def card(self, path: Path, text: str = CARD) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        (path / "README.md").write_text(text, encoding="utf-8")
        return path


def _err_has(*needles: str) -> Callable[[Outcome], str | None]:
    def check(o: Outcome) -> str | None:
        missing = [n for n in needles if n not in o.err]
        return f"stderr lacks {missing}: {o.err.strip()[-300:]}" if missing else None
    return check


def _one_line_error(o: Outcome) -> str | None:
    lines = [line for line in o.err.splitlines() if line.startswith("Error:")]
    return None if len(lines) == 1 else f"expected one error line: {o.err.strip()[-300:]}"


def _no_escapes(o: Outcome) -> str | None:
    text = o.out.decode("utf-8", "replace")
    bad = [ch for ch in ("\x1b", "\x07", "\u202e", "\x9b") if ch in text + o.err]
    return f"raw control characters {bad!r} reach the terminal" if bad else None


def _csv_safe(o: Outcome) -> str | None:
    import re

    text = o.out.decode("utf-8")
    for piece in re.split(r"\r\n|\r|\n", text):  # a naive reader's records
        for cell in piece.split(","):
            if cell.lstrip(" \"").startswith(TRIGGERS):
                return f"formula start reaches a CSV record: {cell[:40]!r}"
    quoted = False
    for ch in text:  # every CR must be inside a quoted field
        if ch == '"':
            quoted = not quoted
        elif ch == "\r" and not quoted:
            return "a field with CR is not quoted"
    return None


def _fifo_reader(path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE)


def _try_ro_mount(src: Path, dest: Path) -> bool:
    dest.mkdir()
    try:
        subprocess.run(["mount", "--bind", str(src), str(dest)], check=True,
                       capture_output=True, timeout=10)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(dest)], check=True,
                       capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(["umount", str(dest)], capture_output=True, timeout=10)
        return False
    return True


def build_and_run(box: Path, *, quick: bool = False) -> Summary:  # noqa: PLR0915
    c = Corpus(box)
    cards = box / "cards"
    c.card(cards / "good")
    c.card(cards / "evil", "---\nlicense: mit\npretty_name: \"" +
           ESC_NAME.replace("\x1b", "\\e").replace("\x07", "\\a") + "\"\n---\n# x\n")
    c.run("ingest good cards", "ingest", "-r", str(cards), code=0)

    # -- terminal escapes in every table rendering
    c.run("show table (ESC in pretty_name)", "show", "evil", "-f", "table", code=0,
          expect=_no_escapes)
    c.run("list table", "list", "-f", "table", code=0, expect=_no_escapes)
    c.run("rights set (ESC and CR in reason)", "rights", "set", "good", "--personal-data",
          "no", "--reason", CR_PAYLOAD + " \x1b[31mred", "--by", "tester", code=0)
    c.run("audit log table", "audit", "log", "-f", "table", code=0, expect=_no_escapes)
    corpus = box / "corpus.yaml"
    corpus.write_text("name: c\ndatasets: [good, evil]\n")
    c.run("check table", "check", str(corpus), "--use", "research", "-f", "table",
          code={0, 1, 2, 3, 4}, expect=_no_escapes)
    c.run("license show table", "license", "show", "MIT", "-f", "table", code=0,
          expect=_no_escapes)
    c.run("show bad id (ESC) error line", "show", "x\x1b[2Jy", code={1, 2},
          expect=_no_escapes)

    # -- CSV formula injection through CR, blanks, full width
    c.run("rights set (full-width and blank payloads)", "rights", "set", "evil",
          "--personal-data", "no", "--reason", " =1+1 \uff1dcmd", "--by", "tester", code=0)
    out = box / "out"
    out.mkdir()
    c.run("export csv (CR payload)", "export", "csv", "-", code=0, expect=_csv_safe)
    c.run("show -f csv (CR payload)", "show", "good", "-f", "csv", code=0, expect=_csv_safe)
    c.run("audit log -f csv (CR payload)", "audit", "log", "-f", "csv", code=0,
          expect=_csv_safe)
    c.run("list -f csv", "list", "-f", "csv", code=0, expect=_csv_safe)
    c.run("check -f csv", "check", str(corpus), "--use", "research", "-f", "csv",
          code={0, 1, 2, 3, 4}, expect=_csv_safe)

    # -- export targets
    def still_char_device(o: Outcome) -> str | None:
        return None if stat.S_ISCHR(os.stat("/dev/null").st_mode) else "/dev/null replaced"
    c.run("export csv /dev/null", "export", "csv", "/dev/null", code=0,
          expect=still_char_device)
    c.run("export json /dev/stdout", "export", "json", "/dev/stdout", code=0,
          expect=lambda o: None if o.out.startswith(b"{") else "no JSON on stdout")
    c.run("export xlsx -", "export", "xlsx", "-", code=0,
          expect=lambda o: None if o.out.startswith(b"PK") else "no workbook on stdout")
    target = out / "real.csv"
    target.write_text("old\n")
    link = out / "link.csv"
    link.symlink_to(target.name)
    c.run("export csv symlink", "export", "csv", str(link), code=0,
          expect=lambda o: None if link.is_symlink() and target.read_text().startswith("id,")
          else "symlink replaced or target not written")
    hard = out / "hard.csv"
    os.link(target, hard)
    before = target.read_bytes()
    c.run("export csv hard link", "export", "csv", str(hard), code=1,
          expect=lambda o: None if os.stat(target).st_nlink == 2 and target.read_bytes()
          == before else "hard link broken")
    os.umask(old := os.umask(0o022))
    new = out / "new.csv"
    c.run("export csv new file mode", "export", "csv", str(new), code=0,
          expect=lambda o: None if stat.S_IMODE(new.stat().st_mode) == 0o666 & ~old
          else f"mode {oct(new.stat().st_mode)}")
    fifo = out / "fifo"
    os.mkfifo(fifo)
    c.run("export csv FIFO without reader", "export", "csv", str(fifo), code=1,
          expect=_err_has("no reader"))
    reader = _fifo_reader(fifo)
    o = c.run("export xlsx FIFO with reader", "export", "xlsx", str(fifo), code=0)
    data, _ = reader.communicate(timeout=TIMEOUT)
    c.record(o, None if data.startswith(b"PK") and stat.S_ISFIFO(fifo.stat().st_mode)
             else "FIFO not written in place")
    c.run("export csv into a directory", "export", "csv", str(out), code=1,
          expect=_one_line_error)
    for proc in ("/proc/version", "/proc/self/status", "/proc/nonexistent/x.csv"):
        c.run(f"export csv {proc}", "export", "csv", proc, code=1, expect=_one_line_error)
    c.run("--db /proc/version list", "list", db="/proc/version", code=1,
          expect=_one_line_error)

    # -- killed xlsx exports leave nothing behind
    for i in range(2 if quick else 10):
        o = _killed_export(c, out / f"killed{i}.xlsx")
        c.summary.outcomes.append(o)
        if o.problems:
            c.summary.partial_writes += 1

    # -- inputs: FIFOs, symlinks
    fifo_tree = box / "fifo-tree"
    os.makedirs(fifo_tree / "a")
    os.mkfifo(fifo_tree / "a" / "README.md")
    c.card(fifo_tree / "b")
    os.mkfifo(fifo_tree / "b" / "dataset_infos.json")
    c.card(fifo_tree / "c")
    c.run("ingest tree with FIFO README.md / dataset_infos.json", "ingest", "-r",
          str(fifo_tree), code={0, 1}, expect=_err_has("not a regular file", "skipped"))
    c.run("ingest FIFO README.md directly", "ingest", str(fifo_tree / "a" / "README.md"),
          code={0, 1}, expect=_err_has("not a regular file"))
    cfifo = box / "meta.json"
    os.mkfifo(cfifo)
    c.run("import croissant FIFO", "import", "croissant", str(cfifo), code={1, 2},
          expect=_err_has("not a regular file"))
    link_tree = box / "link-tree"
    (link_tree / "passwd").mkdir(parents=True)
    (link_tree / "passwd" / "README.md").symlink_to("/etc/passwd")
    c.card(link_tree / "real")
    (link_tree / "other").mkdir()
    (link_tree / "other" / "README.md").symlink_to(link_tree / "real" / "README.md")
    (link_tree / "dirlink").symlink_to(link_tree / "real")
    c.run("ingest tree with symlinked README.md / directory", "ingest", "-r", str(link_tree),
          code={0, 1}, expect=_err_has("is a symlink", "symlink to a dataset directory"))

    # -- huge infos files
    sizes = (5_000, 20_000) if quick else (5_000, 10_000, 20_000, 40_000, 200_000)
    for n in sizes:
        d = c.card(box / "infos" / f"n{n}")
        (d / "dataset_infos.json").write_text(json.dumps(
            {f"c{i}": {"license": f"Custom License {i}"} for i in range(n)}))
        c.run(f"ingest dataset_infos.json with {n:,} licenses", "ingest", str(d), code={0, 1})

    # -- deep Croissant JSON
    for depth in ((5_000, 100_000) if quick else (5_000, 20_000, 100_000)):
        for opener, closer in (("[", "]"), ('{"a":', "}")):
            f = box / f"deep{depth}{'o' if opener != '[' else 'a'}.json"
            f.write_text('{"name": "x", "k": ' + opener * depth + "1" + closer * depth + "}")
            c.run(f"import croissant nested {depth:,} deep ({opener})", "import", "croissant",
                  str(f), code={1, 2}, expect=_one_line_error)

    # -- ids
    bad_ids = box / "bad-ids"
    for name in ("with space", "tab\there", "\u202eevil", "zero\u200bwidth", "x" * 300):
        with contextlib.suppress(OSError):
            c.card(bad_ids / name)
    c.run("ingest ids with whitespace / bidi / too long", "ingest", "-r", str(bad_ids),
          code={0, 1}, expect=lambda o: None if o.err.count("dataset id") >= 4
          else f"ids accepted: {o.err[-300:]}")
    c.run("ingest --id with whitespace", "ingest", str(cards / "good"), "--id", "a b",
          code={1, 2}, expect=_err_has("whitespace"))
    bad_corpus = box / "bad-corpus.yaml"
    bad_corpus.write_text("name: c\ndatasets: [\"good\\u202e\"]\n")
    c.run("corpus with a bidi id", "check", str(bad_corpus), "--use", "research",
          code={1, 2}, expect=_err_has("control or format"))
    c.run("rights set on an id with whitespace", "rights", "set", "a b", "--personal-data",
          "no", "--reason", "r", "--by", "t", code={1, 2}, expect=_err_has("whitespace"))

    # -- workbooks
    _workbooks(c, box)

    # -- read-only register
    ro_src, ro = box / "ro-src", box / "ro"
    ro_src.mkdir()
    import shutil

    shutil.copyfile(c.db, ro_src / "register.db")
    if _try_ro_mount(ro_src, ro):
        try:
            rodb = ro / "register.db"
            c.run("read-only register: list", "list", "-f", "json", db=rodb, code=0)
            c.run("read-only register: show", "show", "good", "-f", "json", db=rodb, code=0)
            c.run("read-only register: audit verify", "audit", "verify", db=rodb, code=0)
            c.run("read-only register: rights set", "rights", "set", "good",
                  "--personal-data", "yes", "--reason", "r", "--by", "t", db=rodb, code=1,
                  expect=_err_has("read-only"))
        finally:
            subprocess.run(["umount", str(ro)], capture_output=True, timeout=30)
    return c.summary


def _workbooks(c: Corpus, box: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Check"
    wb.active.append(["id", "personal_data"])
    wb.active.append(["good", "yes"])
    no_sheet = box / "no-register.xlsx"
    wb.save(no_sheet)
    c.run("import xlsx without a Register sheet", "import", "xlsx", str(no_sheet), "--by", "t",
          code=1, expect=_err_has("no 'Register' sheet"))
    wb = Workbook()
    wb.active.title = "Register"
    wb.active.append(["id", "personal_data"])
    wb.active.append(["good", '=IF(1,"yes","no")'])
    formula = box / "formula.xlsx"
    wb.save(formula)
    c.run("import xlsx with an uncached formula", "import", "xlsx", str(formula), "--by", "t",
          code=1, expect=_err_has("B2", "formula"))
    exported = box / "exported.xlsx"
    c.run("export xlsx for editing", "export", "xlsx", str(exported), code=0)
    from openpyxl import load_workbook

    book = load_workbook(exported)
    ws = book["Register"]
    header = [cell.value for cell in ws[1]]
    ws.cell(2, header.index("declared_license") + 1).value = "Apache-2.0"
    book.save(exported)
    c.run("import xlsx with an edited grey column", "import", "xlsx", str(exported), "--by",
          "t", code=0, expect=_err_has("computed (grey) columns", "declared_license"))


def _killed_export(c: Corpus, target: Path) -> Outcome:
    """An xlsx export killed by SIGTERM in the middle leaves no file behind."""
    script = (
        "import sys, time\n"
        "import register.exports as ex\n"
        "from register import Register\n"
        "orig = ex.iter_register_rows\n"
        "def slow(*a, **k):\n"
        "    for row in orig(*a, **k):\n"
        "        print('row', flush=True); time.sleep(0.05); yield row\n"
        "    time.sleep(30)\n"
        "ex.iter_register_rows = slow\n"
        "import register.exports.xlsx as xl\n"
        "xl.iter_register_rows = slow\n"
        "with Register.open(sys.argv[1]) as reg:\n"
        "    ex.export_register(reg, 'xlsx', sys.argv[2])\n"
    )
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", script, str(c.db), str(target)],
                            env=c.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    outcome = Outcome(f"killed xlsx export ({target.name})", None, 0.0)
    try:
        assert proc.stdout is not None
        if not proc.stdout.readline():
            outcome.problems.append("the export wrote no row before it ended")
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=TIMEOUT)
        outcome.err = err.decode("utf-8", "replace")
        outcome.code = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        outcome.problems.append("hang")
    outcome.seconds = time.perf_counter() - start
    left = [p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}")]
    left += [p.name for p in c.tmp.iterdir()]
    if target.exists():
        left.append(target.name)
    if left:
        outcome.problems.append(f"left behind: {left}")
        for name in left:
            for p in (target.parent / name, c.tmp / name):
                with contextlib.suppress(OSError):
                    import shutil

                    shutil.rmtree(p) if p.is_dir() else p.unlink()
    return outcome


@contextlib.contextmanager
def sandbox() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        yield Path(tmp)


def main(argv: list[str] | None = None) -> Summary:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer kills")
    args = parser.parse_args(argv)
    with sandbox() as box:
        summary = build_and_run(box, quick=args.quick)
    for o in summary.outcomes:
        flag = "  FAIL " + "; ".join(o.problems) if o.problems else ""
        print(f"{o.seconds:7.2f} s  {o.name}{flag}")
    print(summary.line())
    return summary


if __name__ == "__main__":
    result = main()
    sys.exit(1 if result.tracebacks or result.hangs or result.partial_writes or result.failed
             else 0)
