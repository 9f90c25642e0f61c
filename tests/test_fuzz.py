"""Hostile input: property / fuzz tests over every parser that reads user files.

Random and mutated real inputs for the card parser, the license normalizer, corpus YAML,
policy YAML and the rights spreadsheet importer must never raise anything but a
:class:`register.errors.RegisterError`, must finish within a bounded time per input
(hypothesis ``deadline``), and a failed import must leave the register exactly as it was.
Fixed hostile cases: YAML alias bombs, 10,000-level nesting, 50 MB files, NUL bytes,
path-like ids, SQL-like and formula-like strings, and a card tree with hostile names whose
ingest must not write a file outside the register.

The number of inputs run is printed at the end of the module (also without ``-s``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from register import Register
from register.cards.files import CardDocument, parse_card_bytes, parse_card_dir, validate_dataset_id
from register.check.corpus import load_corpus, parse_corpus
from register.check.policy import load_policy
from register.errors import CorpusError, RegisterError
from register.licenses.normalize import normalize
from register.render.cells import escape_cell, unescape_cell
from register.rights.table_import import read_rights_table
from register.safe_yaml import load_yaml_text, naming

TRUST = Path(__file__).parent / "fixtures" / "trust"
REGISTER_BIN = Path(sys.executable).parent / "register"
DEFAULT_POLICY = (Path(__file__).parent.parent / "register" / "check" / "policies" / "default.yaml")
DEADLINE = timedelta(seconds=3)  # per input; generous for a loaded CI runner
MB = 1024 * 1024

RUNS: Counter[str] = Counter()

# --------------------------------------------------------------------------- seeds

CARD_SEEDS = sorted(
    [p.read_bytes() for p in (TRUST / "cards").glob("*/README.md")]
    + [p.read_bytes() for p in (TRUST / "bad-cards").iterdir()],
    key=len,
)
INFOS_SEEDS = [p.read_bytes() for p in sorted((TRUST / "cards").glob("*/dataset_infos.json"))
               if p.stat().st_size < 200_000]
LICENSE_TEXTS = (TRUST / "license-texts.txt").read_text(encoding="utf-8").splitlines()
CORPUS_SEED = (b"name: support-bot\ndescription: test\n"
               b"base_model: {id: meta-llama/Llama-2-7b-hf, license: llama2}\n"
               b"datasets:\n  - squad\n  - {id: org/name, revision: 3f2a9c1}\n")
POLICY_SEED = DEFAULT_POLICY.read_bytes()
CSV_SEED = (b"id,personal_data,sensitive,dpia,lawful_basis,consent_purpose,collected_in,"
            b"allowed_region,collected_on,retain_until,concluded_license,concluded_reason,"
            b"reason,by\n"
            b"ds-0,yes,health;biometric,DPIA-1,consent,research;internal,DE;FR,EU,"
            b"2020-01-01,2030-12-31,MIT,vendor said so,contract,alice\n"
            b"ds-1,no,,,,,US,any,,,,,,bob\n"
            b"ds-2,unknown,,,,,,,,,CC-BY-4.0 OR MIT,checked,,\n")

HOSTILE = [
    b"\x00", b"\xff\xfe", b"\r\n", b"\t", b"---\n", b"&a [x]", b"*a", b"<<: *a", b"{", b"[",
    b"]", b"}", b": ", b"- ", b"!!python/object/apply:os.system ['id']",
    b"'; DROP TABLE dataset; --",
    b"=cmd|' /C calc'!A0", b"+1", b"@SUM(1)", b"../", b"/etc/passwd", b"..\\x", b"license: ",
    b"licenses:\n  - ", b"license_name: ", b"\"\\0\"", b"\xe2\x80\xae", b"\xf0\x9f\x92\xa3",
    b"#", b"\"", b",", b";", b"\n", b"NOASSERTION", b"other", b"unknown", b"cc-by-nc-sa-4.0",
    b"GPL-3.0", b" AND ", b" OR ", b" WITH ", b"(", b")", b"LicenseRef-", b"\\", b"%00",
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A real input with a few random edits: flips, hostile insertions, cuts, repeats."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat", "random"]))
        pos = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from(HOSTILE))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[pos:]
        elif op == "repeat":
            chunk = bytes(data[pos:pos + draw(st.integers(1, 200))])
            data[pos:pos] = chunk * draw(st.integers(1, 20))
        else:
            data[pos:pos] = draw(st.binary(max_size=32))
    return bytes(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=40) | st.sampled_from(
        ["mit", "cc-by-4.0", "unknown", "other", "../x", "'; DROP TABLE dataset; --",
         "=1+1", "a\x00b", "GPL-3.0", "MIT OR", "LicenseRef-x"]),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.sampled_from(
        ["license", "licenses", "license_name", "license_link", "license_details",
         "pretty_name", "language", "tags", "id", "revision", "datasets", "name",
         "base_model", "configs", "config_name", "unknown_license", "rules"])
        | st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)


def only_register_errors(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Call ``fn``; a RegisterError is an acceptable answer, anything else fails the test."""
    try:
        return fn(*args, **kwargs)
    except RegisterError as exc:
        assert str(exc).strip(), "an error must carry a message"
        assert "\n" not in exc.message.strip() or len(exc.message) < 2000
        return exc


#: examples per property; raise it for a long fuzzing session (REGISTER_FUZZ_EXAMPLES=5000)
EXAMPLES = int(os.environ.get("REGISTER_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=DEADLINE,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    total = sum(RUNS.values())
    line = (f"\n[fuzz] {total} inputs run: "
            + ", ".join(f"{k} {v}" for k, v in sorted(RUNS.items())) + "\n")
    capman = request.config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        with capman.global_and_fixture_disabled():
            sys.stdout.write(line)
    else:  # pragma: no cover
        sys.stdout.write(line)


# --------------------------------------------------------------------------- card parser

def _parse_card(readme: bytes, infos: bytes | None = None) -> None:
    out = only_register_errors(parse_card_bytes, readme, infos, "fuzz/card", "fuzz://card")
    if isinstance(out, CardDocument):
        json.dumps(out.to_dict())  # everything stored must be serialisable
        assert out.dataset_id == "fuzz/card"


@FUZZ
@given(readme=mutated(CARD_SEEDS))
def test_card_parser_mutated_real_cards(readme: bytes) -> None:
    RUNS["card (mutated)"] += 1
    _parse_card(readme)


@FUZZ
@given(readme=mutated(CARD_SEEDS[:5]), infos=mutated(INFOS_SEEDS))
def test_card_parser_mutated_infos(readme: bytes, infos: bytes) -> None:
    RUNS["card+infos (mutated)"] += 1
    _parse_card(readme, infos)


@FUZZ
@given(front=json_values, body=st.text(max_size=300))
def test_card_parser_random_front_matter(front: object, body: str) -> None:
    RUNS["card (random yaml)"] += 1
    try:
        dumped = yaml.safe_dump(front, allow_unicode=True)
    except yaml.YAMLError:
        assume(False)
    _parse_card(f"---\n{dumped}---\n{body}".encode("utf-8", "surrogatepass"))


@FUZZ
@given(raw=st.binary(max_size=2000))
@example(raw=b"---\n---\n")
@example(raw=b"---\n")
@example(raw=b"\xef\xbb\xbf---\nlicense: mit\n---\n")
def test_card_parser_random_bytes(raw: bytes) -> None:
    RUNS["card (random bytes)"] += 1
    _parse_card(b"---\n" + raw)
    _parse_card(raw)


@FUZZ
@given(dataset_id=st.text(max_size=300) | st.sampled_from(
    ["../x", "/etc/passwd", "..\\x", "a/../../b", "C:\\x", "\\\\server\\share", "x\x00y",
     "'; DROP TABLE dataset; --", "=HYPERLINK(\"http://evil\")", "~/x", "a/./b", "."]))
def test_dataset_ids_are_relative_and_clean(dataset_id: str) -> None:
    RUNS["dataset id"] += 1
    out = only_register_errors(validate_dataset_id, dataset_id)
    if not isinstance(out, RegisterError):
        parts = out.split("/")
        assert ".." not in parts and "." not in parts and "" not in parts
        assert not out.startswith(("/", "~/")) or out.startswith("~/")
        assert "\\" not in out and "\x00" not in out
        assert not os.path.isabs(out)


# --------------------------------------------------------------------------- normalizer

@FUZZ
@given(text_=st.text(max_size=500))
@example(text_="\x00")
@example(text_="MIT AND")
@example(text_="(((((((((((((((MIT")
def test_normalizer_random_text(text_: str) -> None:
    RUNS["normalize (random)"] += 1
    _check_normalized(text_)


@FUZZ
@given(raw=mutated([t.encode() for t in LICENSE_TEXTS]))
def test_normalizer_mutated_real_texts(raw: bytes) -> None:
    RUNS["normalize (mutated)"] += 1
    _check_normalized(raw.decode("utf-8", "replace"))


def _check_normalized(value: str) -> None:
    from register.licenses.expressions import canonical_expression

    result = normalize(value)  # never raises, whatever the text
    assert isinstance(result.needs_review, bool)
    if not result.needs_review:
        assert result.expression, "an answer without review needs an expression"
    if result.expression and result.expression != "NOASSERTION":
        canonical_expression(result.expression)  # a valid SPDX expression
    json.dumps(result.to_dict())


def test_normalizer_handles_huge_and_odd_inputs() -> None:
    for value in ["MIT " * 2_000_000, "\x00" * 100_000, "(" * 50_000 + "MIT" + ")" * 50_000,
                  " OR ".join(["MIT"] * 20_000), "a" * 10 * MB, None, 42, ["mit"], {"a": 1}]:
        RUNS["normalize (huge)"] += 1
        start = time.monotonic()
        result = normalize(value)
        assert time.monotonic() - start < 10
        assert isinstance(result.needs_review, bool)


# --------------------------------------------------------------------------- corpus / policy

@FUZZ
@given(raw=mutated([CORPUS_SEED]))
def test_corpus_mutated(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    RUNS["corpus (mutated)"] += 1
    path = tmp_path_factory.getbasetemp() / "fuzz-corpus.yaml"
    path.write_bytes(raw)
    out = only_register_errors(load_corpus, path)
    if not isinstance(out, RegisterError):
        for entry in out.datasets:
            assert entry.id and "\x00" not in entry.id


@FUZZ
@given(data=json_values)
def test_corpus_random_structures(data: object) -> None:
    RUNS["corpus (random)"] += 1
    only_register_errors(parse_corpus, data, origin="fuzz")


@FUZZ
@given(value=st.text(max_size=500))
def test_yaml_text_random(value: str) -> None:
    RUNS["yaml (random)"] += 1
    only_register_errors(load_yaml_text, value, fail=naming(CorpusError, "fuzz"))


@FUZZ
@given(raw=mutated([POLICY_SEED]))
def test_policy_mutated(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    RUNS["policy (mutated)"] += 1
    path = tmp_path_factory.getbasetemp() / "fuzz-policy.yaml"
    path.write_bytes(raw)
    only_register_errors(load_policy, path)


@FUZZ
@given(data=json_values)
def test_policy_random_structures(data: object, tmp_path_factory: pytest.TempPathFactory
                                  ) -> None:
    RUNS["policy (random)"] += 1
    path = tmp_path_factory.getbasetemp() / "fuzz-policy2.yaml"
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8",
                        errors="surrogatepass")
    except (yaml.YAMLError, UnicodeEncodeError):
        assume(False)
    only_register_errors(load_policy, path)


# --------------------------------------------------------------------------- spreadsheets

@FUZZ
@given(raw=mutated([CSV_SEED]))
def test_rights_csv_mutated(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    RUNS["rights csv (mutated)"] += 1
    path = tmp_path_factory.getbasetemp() / "fuzz-rights.csv"
    path.write_bytes(raw)
    only_register_errors(read_rights_table, path)


def _xlsx_seed() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Register"
    for line in CSV_SEED.decode().splitlines():
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSX_SEED = _xlsx_seed()


@settings(FUZZ, max_examples=max(20, EXAMPLES * 3 // 10))
@given(raw=mutated([XLSX_SEED]))
def test_rights_xlsx_mutated(raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    RUNS["rights xlsx (mutated)"] += 1
    path = tmp_path_factory.getbasetemp() / "fuzz-rights.xlsx"
    path.write_bytes(raw)
    only_register_errors(read_rights_table, path)


@FUZZ
@given(value=st.text(max_size=50))
def test_cell_escaping_round_trips_and_defuses_formulas(value: str) -> None:
    RUNS["cell escaping"] += 1
    escaped = escape_cell(value)
    assert unescape_cell(escaped) == value
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))


def _state(reg: Register) -> str:
    """A digest of every table the import could touch, and the audit head."""
    h = hashlib.sha256()
    with reg.engine.connect() as conn:
        for table, order in (("dataset", "id"), ("rights_entry", "id"),
                             ("license_decision", "id"), ("audit_event", "seq")):
            for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}")):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


@pytest.fixture
def import_reg(db_target: str) -> Iterator[Register]:
    reg = Register.open(db_target, create=True)
    docs = [parse_card_bytes(b"---\nlicense: mit\n---\n", None, f"ds-{i}", "fuzz://")
            for i in range(3)]
    reg.ingest_documents(docs, actor="fuzz")
    try:
        yield reg
    finally:
        reg.close()


@settings(FUZZ, max_examples=max(20, EXAMPLES * 6 // 10))
@given(raw=mutated([CSV_SEED]))
def test_failed_import_changes_nothing(import_reg: Register, raw: bytes,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    """Whatever the file, an import either applies completely or leaves no trace."""
    RUNS["rights import (mutated, db)"] += 1
    path = tmp_path_factory.getbasetemp() / f"fuzz-import-{os.getpid()}.csv"
    path.write_bytes(raw)
    before = _state(import_reg)
    events = import_reg.audit_verify().events
    out = only_register_errors(import_reg.import_rights, path, by="fuzzer")
    if isinstance(out, RegisterError):
        assert _state(import_reg) == before, f"partial state after: {out}"
    else:
        report = import_reg.audit_verify()
        assert report.ok, report.problem
        assert report.events >= events + 1  # at least the import event


# --------------------------------------------------------------------------- fixed hostile cases

def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &l0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


DEEP = {
    "flow sequences": "x: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "flow mappings": "x: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
    "block sequences": "x:\n" + "".join("  " * i + "-\n" for i in range(1, 10_001)),
    "compact sequences": "x: " + "- " * 10_000 + "1\n",
    "block mappings": "".join(" " * i + f"k{i}:\n" for i in range(10_000)),
}
HOSTILE_YAML = {"billion laughs": billion_laughs(), **DEEP,
                "merge bomb": "a: &a {x: 1}\nb: {<<: [*a, *a, *a]}\n" * 1000,
                "python tag": "license: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
                "nul": "license: mit\x00\n", "recursive": "a: &a [*a]\n"}


def _timed(fn, *args, limit: float = 20.0, **kwargs):  # type: ignore[no-untyped-def]
    start = time.monotonic()
    out = only_register_errors(fn, *args, **kwargs)
    assert time.monotonic() - start < limit
    return out


@pytest.mark.parametrize("name", sorted(HOSTILE_YAML))
def test_hostile_yaml_everywhere(name: str, tmp_path: Path) -> None:
    y = HOSTILE_YAML[name]
    RUNS["hostile yaml"] += 4
    card = _timed(parse_card_bytes, f"---\n{y}---\nbody\n".encode(), None, "x", "fuzz")
    corpus_file = tmp_path / "c.yaml"
    corpus_file.write_text(y, encoding="utf-8")
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text(y, encoding="utf-8")
    results = [card, _timed(load_corpus, corpus_file), _timed(load_policy, policy_file),
               _timed(load_yaml_text, y, fail=naming(CorpusError, "x"))]
    if name in ("billion laughs", "merge bomb", "recursive", "python tag", "nul"):
        assert all(isinstance(r, RegisterError) for r in results[1:]), results
    assert not Path("/tmp/pwned").exists()


@pytest.mark.slow
def test_fifty_megabyte_files(tmp_path: Path) -> None:
    RUNS["50 MB files"] += 6
    big_card = tmp_path / "big" / "README.md"
    big_card.parent.mkdir()
    with big_card.open("wb") as fh:
        fh.write(b"---\nlicense: mit\n---\n")
        fh.write(b"A" * 50 * MB)
    assert isinstance(_timed(parse_card_dir, big_card.parent, "big"), RegisterError)
    big_csv = tmp_path / "big.csv"
    with big_csv.open("wb") as fh:  # just under the 50 MB limit: read fully, then refused
        fh.write(b"id,personal_data,reason\n")
        line = b"ds-x,no," + b"r" * 100_000 + b"\n"
        fh.write(line * ((50 * MB - 100) // len(line)))
    assert isinstance(_timed(read_rights_table, big_csv, limit=60), (RegisterError, tuple))
    over_csv = tmp_path / "over.csv"
    over_csv.write_bytes(b"id\n" + b"x\n" * (25 * MB + 1))
    assert isinstance(_timed(read_rights_table, over_csv), RegisterError)
    over_xlsx = tmp_path / "over.xlsx"
    over_xlsx.write_bytes(os.urandom(50 * MB + 1))
    assert isinstance(_timed(read_rights_table, over_xlsx), RegisterError)
    big_yaml = tmp_path / "big.yaml"
    big_yaml.write_bytes(b"name: x\ndatasets:\n" + b"  - squad\n" * (5 * MB + 1))
    assert isinstance(_timed(load_corpus, big_yaml), RegisterError)
    assert isinstance(_timed(load_policy, big_yaml), RegisterError)
    with Register.open(tmp_path / "r.db", create=True) as reg:
        before = _state(reg)
        with pytest.raises(RegisterError):
            reg.import_rights(over_csv)
        summary = reg.ingest_paths([big_card.parent])
        assert summary.failed and summary.ingested == 0
        assert _state(reg) == before


@pytest.mark.parametrize("value", [
    "../x", "/etc/passwd", "..\\x", "'; DROP TABLE dataset; --", "=cmd|' /C calc'!A0",
    "+SUM(A1)", "@evil", "-2+3", "\x00", "a\x00b", "Robert'); DROP TABLE rights_entry;--",
])
def test_hostile_strings_through_the_api(reg: Register, value: str) -> None:
    """Hostile strings as ids, reasons and names are data, never code or paths."""
    RUNS["hostile strings"] += 1
    docs = [parse_card_bytes(b"---\nlicense: mit\n---\n", None, "victim", "fuzz://")]
    reg.ingest_documents(docs, actor="t")
    before = _state(reg)
    for call in (lambda: reg.show(value), lambda: reg.set_license(value, "MIT", reason="r"),
                 lambda: reg.check([value], use="research"),
                 lambda: reg.audit_log(dataset_id=value)):
        out = only_register_errors(call)
        assert isinstance(out, RegisterError) or out == []
    assert _state(reg) == before
    out = only_register_errors(reg.set_license, "victim", value, reason="r")
    assert isinstance(out, RegisterError)
    ok = only_register_errors(reg.set_license, "victim", "MIT", reason=value, by="fuzzer")
    if not isinstance(ok, RegisterError):
        assert reg.show("victim").license.concluded_reason == value
    elif "\x00" not in value:
        pytest.fail(f"reason {value!r} refused: {ok}")
    # as an actor name: refused exactly when the one actor rule says so (issue 12)
    from register.actors import actor_problem

    named = only_register_errors(reg.set_license, "victim", "MIT", reason="r", by=value)
    assert isinstance(named, RegisterError) == (actor_problem(value) is not None)
    if actor_problem(value) is None:
        assert reg.show("victim").license.concluded_by == value.strip()
    report = reg.audit_verify()
    assert report.ok, report.problem
    with reg.engine.connect() as conn:
        for table in ("dataset", "rights_entry", "audit_event"):
            conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_hostile_ids_in_a_rights_table(sqlite_reg: Register, tmp_path: Path) -> None:
    RUNS["hostile import rows"] += 1
    sqlite_reg.ingest_documents(
        [parse_card_bytes(b"---\nlicense: mit\n---\n", None, "ok", "fuzz://")], actor="t")
    before = _state(sqlite_reg)
    table = tmp_path / "rights.csv"
    table.write_text("id,personal_data,reason\nok,no,=HYPERLINK(\"x\")\n../x,no,r\n"
                     "/etc/passwd,no,r\n..\\x,no,r\n'; DROP TABLE dataset; --,no,r\n",
                     encoding="utf-8")
    with pytest.raises(RegisterError) as info:
        sqlite_reg.import_rights(table)
    assert "nothing was imported" in str(info.value)
    assert _state(sqlite_reg) == before


def _snapshot(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, name)
            st_ = os.lstat(p)
            out[os.path.relpath(p, root)] = f"{st_.st_size}:{st_.st_mtime_ns}"
    return out


def test_hostile_card_tree_writes_nothing_outside(tmp_path: Path) -> None:
    """Hostile directory names, ids and links in a card tree never make the register write
    a file anywhere but the register the user named (and its export, where asked)."""
    RUNS["hostile card tree"] += 1
    sandbox = tmp_path / "sandbox"
    tree = sandbox / "cards"
    outside = sandbox / "outside"
    outside.mkdir(parents=True)
    (outside / "README.md").write_text("---\nlicense: mit\n---\nnot yours\n")
    card = "---\nlicense: mit\npretty_name: '../../escaped'\n---\n# x\n"
    names = ["..evil", "a\\b", "line\nbreak", "'; DROP TABLE dataset; --", "=HYPERLINK(x)",
             "spaces  in name", "\u202eevil", "x" * 250, "-rf", "--db=evil.db", "%00", "~"]
    for name in names:
        d = tree / name
        d.mkdir(parents=True)
        (d / "README.md").write_text(card, encoding="utf-8")
        (d / "dataset_infos.json").write_text(
            json.dumps({"../../etc": {"license": "mit", "config_name": "../../x"}}))
    (tree / "nested" / "..." / "deep").mkdir(parents=True)
    (tree / "nested" / "..." / "deep" / "README.md").write_text(card)
    os.symlink(outside, tree / "link-out")  # a link to a directory outside the tree
    (tree / "linkcard").mkdir()
    os.symlink("/etc/passwd", tree / "linkcard" / "README.md")
    work = sandbox / "cwd"
    work.mkdir()
    db = sandbox / "reg" / "register.db"
    db.parent.mkdir()
    env = dict(os.environ, HOME=str(sandbox / "home"), TMPDIR=str(sandbox / "tmp"),
               REGISTER_DB=str(sandbox / "not-this.db"))
    before = _snapshot(sandbox)
    parent_before = set(os.listdir(tmp_path))
    done = subprocess.run([str(REGISTER_BIN), "--db", str(db), "ingest", str(tree),
                           "--recursive"], cwd=work, env=env, capture_output=True, text=True,
                          timeout=300)
    assert "Traceback" not in done.stderr
    export = sandbox / "out" / "export.json"
    export.parent.mkdir()
    done_exp = subprocess.run([str(REGISTER_BIN), "--db", str(db), "export", "json",
                               str(export)], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)
    assert done_exp.returncode == 0, done_exp.stderr
    after = _snapshot(sandbox)
    new = {p for p in after if p not in before}
    allowed = {"reg/register.db", "reg/register.db-wal", "reg/register.db-shm",
               "out/export.json"}
    assert new <= allowed, new - allowed
    changed = {p for p in before if before[p] != after.get(p)}
    assert changed == set(), changed
    assert set(os.listdir(tmp_path)) == parent_before
    assert not (sandbox / "not-this.db").exists()
    with Register.open(db, create=False) as reg:
        ids = reg.dataset_ids()
        assert reg.audit_verify().ok
    assert ids, done.stderr
    for ds_id in ids:
        validate_dataset_id(ds_id)
        assert not ds_id.startswith("link-out")  # links to directories are not followed
    exported = json.loads(export.read_text())
    assert exported
