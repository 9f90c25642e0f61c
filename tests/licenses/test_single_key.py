"""single_key: one-id expressions read without building the licensing, as the licensing reads
them."""

from __future__ import annotations

from pathlib import Path

import pytest

from register.licenses.catalog import NON_LICENSE_FILES, KnowledgeBase, builtin_dir
from register.licenses.expressions import single_key, spdx_licensing


def test_each_builtin_license_file_is_named_after_its_id() -> None:
    kb = KnowledgeBase.load(builtin_dir())
    stems = sorted(p.stem for p in builtin_dir().glob("*.yaml") if p.name not in NON_LICENSE_FILES)
    assert stems == sorted(t.id for t in kb)


def test_single_key_is_what_the_licensing_parses() -> None:
    ids = [p.stem for p in builtin_dir().glob("*.yaml") if p.name not in NON_LICENSE_FILES]
    words = ["NOASSERTION", "noassertion", "NONE", "none", "unknown", "Unknown", "other"]
    for text in ids + words:
        key = single_key(text)
        assert key is not None, text
        assert key == spdx_licensing().parse(text, simple=True).key, text


@pytest.mark.parametrize("text", ["mit", "cc-by-4.0", "MIT OR Apache-2.0", "(MIT)", "AND", "or",
                                  " MIT", "GPL-2.0-only WITH Classpath-exception-2.0",
                                  "LicenseRef-acme", ""])
def test_single_key_leaves_the_rest_to_the_licensing(text: str) -> None:
    assert single_key(text) is None


def test_lazy_builtin_kb_reads_what_the_eager_load_reads(tmp_path: Path) -> None:
    from register.licenses.catalog import _read_terms

    eager = {t.id.lower(): t for t in (_read_terms(p) for p in sorted(builtin_dir().glob("*.yaml"))
                                      if p.name not in NON_LICENSE_FILES)}
    (tmp_path / "mine.yaml").write_text("id: MIT\nname: our MIT\nterms: {attribution: false}\n",
                                        encoding="utf-8")
    lazy = KnowledgeBase.load(extra_dirs=[tmp_path])
    mit = lazy.get("mit")
    assert mit is not None and mit.name == "our MIT"  # the user's entry overrides
    assert lazy.get("CC-BY-4.0") == eager["cc-by-4.0"] and "cc0-1.0" in lazy
    assert lazy.get("LicenseRef-nothing") is None
    assert len(lazy) == len(eager)
    assert [t.id for t in lazy] == sorted((t.id for t in eager.values()), key=str.lower)


def test_the_knowledge_base_and_single_key_list_one_way(tmp_path: Path) -> None:
    """One listing (catalog.license_file_names) for the load and single_key's ids: license
    files only, not the alias table, the manifest, hidden or other files."""
    from register.licenses.catalog import license_file_names

    for name in ("b-1.yaml", "A-2.yaml", "aliases.yaml", "MANIFEST.yaml", ".hidden.yaml",
                 "notes.md", "c.yml"):
        (tmp_path / name).write_text(f"id: {name.split('.')[0]}\nname: x\nterms: {{}}\n",
                                     encoding="utf-8")
    assert license_file_names(tmp_path) == ["A-2.yaml", "b-1.yaml"]
    assert license_file_names(tmp_path / "missing") == []
    kb = KnowledgeBase.load(tmp_path)
    assert [t.id for t in kb] == ["A-2", "b-1"]
    builtin = [name[:-5] for name in license_file_names(builtin_dir())]
    assert all(single_key(i) == i for i in builtin)
    assert sorted(builtin) == sorted(t.id for t in KnowledgeBase.load(builtin_dir()))
