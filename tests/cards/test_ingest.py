"""The fast ingest path gives exactly what the straightforward one gave.

* Parsing: every fixture card (good and bad) parses to the ``CardDocument.to_dict()`` (or the
  error) recorded in ``fixtures/cards-parsed.json`` by the parser before it was optimised.
  Regenerate that file only for an intended change of parsing behaviour.
* The shortcuts inside the parser match their reference versions: ``card_sections`` against
  ``_sections_reference``, the YAML node builder against PyYAML's SafeLoader, the string
  discovery against pathlib.
* Writing: ``register.store.decisions.write_ingest_batch`` (tuples, one executemany per
  table, local hash chain) writes
  the same rows, byte for byte, as the SQLAlchemy Core + ``AuditWriter`` version below.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import bindparam, insert, select, text, update

import register.cards.ingest as ingest_mod
import register.store.decisions as decisions_mod
from register import Register
from register.cards.files import (
    discover,
    discover_found,
    parse_card_dir,
    parse_card_file,
    parse_found,
    parse_path,
    read_front_matter,
)
from register.cards.frontmatter import _load_yaml_checked
from register.cards.sections import _sections_reference, card_sections
from register.errors import RegisterError
from register.store.audit import AuditWriter, verify
from register.store.tables import DATASETS, VERSIONS

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOLDEN = json.loads((FIXTURES / "cards-parsed.json").read_text(encoding="utf-8"))
NOW = "2024-01-01T00:00:00.000000Z"


def _parsed(kind: str, name: str) -> Any:
    path = FIXTURES / kind / name
    try:
        if kind == "cards":
            return parse_card_dir(path, name, source=name).to_dict()
        return parse_card_file(path, Path(name).stem, source=name).to_dict()
    except RegisterError as exc:
        return "error: " + str(exc).replace(str(FIXTURES), "FIXTURES")


@pytest.mark.parametrize("key", sorted(GOLDEN))
def test_parse_matches_recorded_output(key: str) -> None:
    kind, name = key.split("/", 1)
    assert _parsed(kind, name) == GOLDEN[key]


def test_recorded_output_covers_every_fixture() -> None:
    names = {f"cards/{p.name}" for p in (FIXTURES / "cards").iterdir()}
    names |= {f"bad-cards/{p.name}" for p in (FIXTURES / "bad-cards").iterdir()}
    assert names == set(GOLDEN)


def _bodies() -> list[str]:
    out = []
    for card in sorted((FIXTURES / "cards").glob("*/README.md")):
        out.append(read_front_matter(card.read_bytes()).body)
    for card in sorted((FIXTURES / "bad-cards").iterdir()):
        try:
            out.append(read_front_matter(card.read_bytes()).body)
        except RegisterError:
            continue
    return out


def test_sections_match_reference_on_fixtures() -> None:
    bodies = _bodies()
    assert sum(bool(card_sections(b)) for b in bodies) > 5
    for body in bodies:
        assert card_sections(body) == _sections_reference(body)
        # the same cards with non-ASCII text around (the UTF-8 search path)
        assert card_sections("\u00e9\u4e2d " + body) == _sections_reference("\u00e9\u4e2d " + body)


_MD_PIECES = st.sampled_from([
    "# License\n", "## Licensing Information\n", "### Personal and Sensitive Information\n",
    "#### Privacy\n", "# Other\n", "## Citation\n", "#License\n", "\t# license\n",
    "   ```\n", "```python\n", "    ```\n", "~~~\n", "x ```\n", "text ", "MIT license\n",
    "personal data of users. ", "\n", "\r\n", "[More Information Needed]\n", "## \n",
    "\u00c9t\u00e9 ", "\u4e2d\u6587 ", "LICEN\u212aE ", "\u0130 ", "\u03a3 ", "# LICENSE ##\n",
    "###### privacy\n", "####### license\n", "# licen\u00e7a\n", "\u2028", "\x0c",
])


@given(st.lists(_MD_PIECES, max_size=40).map("".join))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_sections_match_reference_on_generated_markdown(body: str) -> None:
    assert card_sections(body) == _sections_reference(body)


_YAML_DOCS = [
    "a: 1\nb: [x, y, 2020-01-01]\nc: {d: null, e: yes}\n",
    "base: &b {license: mit, n: 1}\nother:\n  <<: *b\n  n: 2\nlist: [*b, *b]\n",
    "s: &s text\nt: *s\nseq: &q [1, 2]\nu: [*q, *q]\n",
    "? [a, b]\n: 1\n",
    "k: !!binary aGVsbG8=\nset: !!set {a, b}\nts: 2001-12-14t21:59:43.10-05:00\n",
    "n: 0x1f\no: 0o17\nf: 1.5e3\ninf: .inf\nnan_: .nan\nb: off\nq: 'yes'\n",
    "license: mit\nlicense: mit\n",
    "1: one\n2.5: two\nnull: three\ntrue: four\n",
    "- a\n- b: c\n  d: [e, {f: g}]\n",
]


def _outcome(load: Any, doc: str) -> Any:
    try:
        return load(doc)
    except yaml.YAMLError as exc:
        return type(exc).__name__, getattr(exc, "problem", None)


def _same_as_safe_loader(doc: str) -> None:
    ours = _outcome(lambda d: _load_yaml_checked(d, "<t>", []), doc)
    assert ours == _outcome(lambda d: yaml.load(d, Loader=yaml.SafeLoader), doc)


@pytest.mark.parametrize("doc", _YAML_DOCS)
def test_yaml_builder_matches_safe_loader(doc: str) -> None:
    _same_as_safe_loader(doc)


def test_yaml_builder_keeps_alias_identity() -> None:
    data = _load_yaml_checked("a: &x [1]\nb: *x\nc: &m {k: v}\nd: *m\n", "<t>", [])
    assert data["a"] is data["b"] and data["c"] is data["d"]


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                     st.floats(allow_nan=False), st.dates())
_TREES = st.recursive(_SCALARS, lambda kids: st.one_of(
    st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=6), kids, max_size=4)),
    max_leaves=25)


@given(st.dictionaries(st.text(max_size=8), _TREES, max_size=6), st.booleans())
@settings(max_examples=300, deadline=None)
def test_yaml_builder_matches_safe_loader_generated(data: dict[str, Any], flow: bool) -> None:
    _same_as_safe_loader(yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True))


# --------------------------------------------------------------------------- discovery

@pytest.mark.parametrize("spelling", ["{root}", "{root}/", "{root}//./", ".", "./", "cards"])
def test_string_discovery_matches_pathlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          spelling: str) -> None:
    root = tmp_path / "cards"
    shutil.copytree(FIXTURES / "cards", root / "org")
    shutil.copytree(FIXTURES / "cards" / "beans", root / "top")
    (root / ".hidden").mkdir()
    shutil.copytree(FIXTURES / "cards" / "beans", root / ".hidden" / "x")
    monkeypatch.chdir(root if spelling.startswith(".") else tmp_path)
    given_path = spelling.format(root=root)
    found = list(discover_found([given_path], recursive=True))
    assert [(Path(f.path), f.dataset_id) for f in found] == list(
        discover([given_path], recursive=True))
    assert len(found) == 16
    for f in found:
        assert f.path == str(Path(f.path))
        assert f.abspath == os.path.abspath(Path(f.path))
        assert f.is_dir
        assert parse_found(f, f.dataset_id) == parse_path(Path(f.path), f.dataset_id,
                                                          source=f.abspath)


def test_parse_found_words_errors_like_parse_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "README.md").write_text("---\nlicense: mit\n---\n")
    [found] = list(discover_found([tmp_path], recursive=True))
    shutil.rmtree(tmp_path / "a")
    (tmp_path / "a").mkdir()  # the card is gone: same error as parse_path
    with pytest.raises(RegisterError) as fast:
        parse_found(found, "a")
    with pytest.raises(RegisterError) as slow:
        parse_path(Path(found.path), "a", source=found.abspath)
    assert str(fast.value) == str(slow.value)
    (tmp_path / "a" / "README.md").mkdir()
    with pytest.raises(RegisterError) as fast:
        parse_found(found, "a")
    with pytest.raises(RegisterError) as slow:
        parse_path(Path(found.path), "a", source=found.abspath)
    assert str(fast.value) == str(slow.value)
    (tmp_path / "a" / "README.md").rmdir()
    (tmp_path / "a" / "README.md").write_text("---\nlicense: mit\n---\n")
    (tmp_path / "a" / "dataset_infos.json").mkdir()
    with pytest.raises(RegisterError, match="infos file is a directory") as fast:
        parse_found(found, "a")
    with pytest.raises(RegisterError) as slow:
        parse_path(Path(found.path), "a", source=found.abspath)
    assert str(fast.value) == str(slow.value)


# --------------------------------------------------------------------------- writing

def _reference_write_batch(conn: Any, docs: list[Any], actor: str,
                           normalize: Any = None) -> Any:
    """The write path as it was before the executemany rewrite (Core + AuditWriter)."""
    from register.licenses.normalize import normalize_card_license

    d_table, v_table = DATASETS, VERSIONS
    part = decisions_mod.BatchResult()
    existing = {row.id: row for row in conn.execute(
        select(d_table.c.id, d_table.c.card_sha256, d_table.c.version,
               d_table.c.declared_license).where(d_table.c.id.in_([d.dataset_id for d in docs])))}
    audit = AuditWriter(conn, actor)
    now = decisions_mod.now_iso()
    new_rows, upd_rows, version_rows = [], [], []
    events: list[tuple[Any, ...]] = []  # appended once their rows are written (issue 12)
    vid = decisions_mod.next_id(conn, v_table)
    for doc in docs:
        old = existing.get(doc.dataset_id)
        if old is not None and old.card_sha256 == doc.card_sha256:
            part.unchanged += 1
            continue
        raw_json = decisions_mod.dumps(doc.raw_license)
        norm = ingest_mod.without_nul(normalize_card_license(doc.raw_license))
        meta_json = decisions_mod.dumps(doc.metadata)
        version = 1 if old is None else old.version + 1
        fields = {
            "source": doc.source, "revision": doc.revision, "card_sha256": doc.card_sha256,
            "version": version, "pretty_name": decisions_mod.pretty_name(doc.metadata),
            "metadata_json": meta_json, "raw_license_json": raw_json,
            "declared_license": norm.expression, "declared_needs_review": norm.needs_review,
            "declared_reason": norm.reason, "declared_confidence": norm.confidence,
            "declared_method": norm.method,
            "suggestions_json": decisions_mod.dumps(doc.rights_suggestions), "updated_at": now,
        }
        vid += 1
        version_rows.append({
            "id": vid - 1, "dataset_id": doc.dataset_id, "version": version,
            "card_sha256": doc.card_sha256,
            "source": doc.source, "revision": doc.revision, "raw_license_json": raw_json,
            "declared_license": norm.expression, "declared_needs_review": norm.needs_review,
            "metadata_json": meta_json, "ingested_at": now,
        })
        after = {"version": version, "card_sha256": doc.card_sha256, "source": doc.source,
                 "revision": doc.revision, "declared_license": norm.expression,
                 "needs_review": norm.needs_review}
        if old is None:
            part.ingested += 1
            new_rows.append({"id": doc.dataset_id, "ingested_at": now, "concluded_license": None,
                             "license_changed_at": None, "previous_license": None,
                             "personal_data": "unknown", **fields})
            events.append(("dataset.ingest", doc.dataset_id, None, after, None, vid - 1))
        else:
            part.updated += 1
            changed = old.declared_license != norm.expression
            row = {"b_id": doc.dataset_id, **fields}
            if changed:
                row["license_changed_at"] = now
                row["previous_license"] = old.declared_license
                part.license_changes.append((doc.dataset_id, old.declared_license,
                                             norm.expression))
            upd_rows.append(row)
            before = {"version": old.version, "card_sha256": old.card_sha256,
                      "declared_license": old.declared_license}
            events.append(("dataset.update", doc.dataset_id, before, after,
                           "declared license changed" if changed else None, vid - 1))
    if new_rows:
        conn.execute(insert(d_table), new_rows)
    for rows in decisions_mod.split_by_keys(upd_rows):
        keys = [k for k in rows[0] if k != "b_id"]
        conn.execute(update(d_table).where(d_table.c.id == bindparam("b_id")).values(
            {k: bindparam(k) for k in keys}), rows)
    if version_rows:
        conn.execute(insert(v_table), version_rows)
    for action, ds_id, before, after, reason, version_id in events:
        audit.append(action, ds_id, before, after, reason, at=now,
                     rows=[(d_table, ds_id), (v_table, version_id)])
    audit.flush()
    return part


def _dump(reg: Register) -> dict[str, list[tuple[Any, ...]]]:
    columns = {  # dataset_version.id is a serial: PostgreSQL does not restart it on DELETE
        "dataset": "*", "audit_event": "*",
        "dataset_version": ", ".join(c.name for c in VERSIONS.columns if c.name != "id"),
    }
    with reg.engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT {c} FROM {t} ORDER BY 1, 2"))]
                for t, c in columns.items()}


def _scenario(target: str, tree: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    summaries = []
    with Register.open(target, create=True) as reg:
        for paths, recursive in (([tree], True), ([tree / "org" / "beans"], False),
                                 (sorted((FIXTURES / "bad-cards").iterdir()), False)):
            summaries.append(reg.ingest_paths(paths, recursive=recursive, actor="eq").to_dict())
        # changed cards: an update with a license change and one without
        readme = tree / "org" / "beans" / "README.md"
        readme.write_text(readme.read_text().replace("license:", "license: mit\nold:", 1))
        (tree / "org" / "squad_v2" / "README.md").write_text("---\nlicense: cc-by-sa-4.0\n---\n")
        summaries.append(reg.ingest_paths([tree], recursive=True, actor="eq").to_dict())
        with reg.engine.connect() as conn:
            assert verify(conn).ok
        return _dump(reg), summaries


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decisions_mod, "now_iso", lambda: NOW)


def _reset(target: str) -> None:
    with Register.open(target, create=True) as reg, reg.engine.begin() as conn:
        for table in ("audit_event", "dataset_version", "dataset"):
            conn.execute(text(f"DELETE FROM {table}"))


def test_write_batch_matches_core_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           fixed_now: None, db_target: str) -> None:
    tree = tmp_path / "tree"  # the same path for both runs: sources enter the hash chain
    results = []
    for writer in (decisions_mod.write_ingest_batch, _reference_write_batch):
        monkeypatch.setattr(decisions_mod, "write_ingest_batch", writer)
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(FIXTURES / "cards", tree / "org")
        _reset(db_target)
        results.append(_scenario(db_target, tree))
    (fast_rows, fast_summary), (ref_rows, ref_summary) = results
    assert fast_summary == ref_summary
    assert len(fast_rows["audit_event"]) == len(ref_rows["audit_event"]) > 20
    assert sum(r[3] == "dataset.update" for r in fast_rows["audit_event"]) == 2
    assert fast_rows == ref_rows
