"""The one YAML loader (register.safe_yaml) as every reader uses it: corpus, policy,
knowledge base, alias table, card front matter.  Duplicate keys, oversized files and alias
bombs are errors of the reader's own class naming the file (and the line)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from register.cards.frontmatter import read_front_matter
from register.check.corpus import load_corpus
from register.check.policy import load_policy
from register.errors import CardError, CorpusError, LicenseDataError, PolicyError
from register.licenses.catalog import MAX_LICENSE_BYTES, KnowledgeBase
from register.licenses.tables import load_alias_table
from register.safe_yaml import MAX_YAML_BYTES, load_yaml_text, naming

ROOT = Path(__file__).resolve().parents[1]

KB_ENTRY = """id: LicenseRef-test
name: Test license
terms:
  attribution: true
sources:
- url: https://example.invalid/test
"""


def billion_laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- duplicate keys


def test_corpus_with_two_datasets_keys_is_an_error(tmp_path: Path) -> None:
    p = _write(tmp_path / "corpus.yaml", "name: x\ndatasets: [a]\ndatasets: [b]\n")
    with pytest.raises(CorpusError) as err:
        load_corpus(p)
    assert err.value.message == (f"{p}: duplicate key 'datasets' (line 3; first at line 2)")
    assert err.value.hint == "give each key once"


def test_policy_duplicate_key(tmp_path: Path) -> None:
    p = _write(tmp_path / "p.yaml", "name: strict\nunknown_license: blocked\n"
                                    "unknown_license: needs-review\n")
    with pytest.raises(PolicyError, match=re.escape(f"{p}: duplicate key 'unknown_license' "
                                                    "(line 3; first at line 2)")):
        load_policy(p)


def test_knowledge_base_duplicate_key_nested(tmp_path: Path) -> None:
    _write(tmp_path / "kb" / "LicenseRef-test.yaml",
           KB_ENTRY.replace("  attribution: true\n", "  attribution: true\n  attribution: false\n"))
    with pytest.raises(LicenseDataError) as err:
        KnowledgeBase.load(tmp_path / "kb")
    assert str(tmp_path / "kb" / "LicenseRef-test.yaml") in err.value.message
    assert "duplicate key 'attribution' (line 5; first at line 4)" in err.value.message


def test_alias_table_duplicate_key(tmp_path: Path) -> None:
    _write(tmp_path / "aliases.yaml", "stopwords: [the]\nstopwords: [a]\n")
    with pytest.raises(LicenseDataError, match=r"aliases.yaml: duplicate key 'stopwords' \(line 2"):
        load_alias_table(tmp_path)


def test_card_duplicates_keep_their_rules() -> None:
    fm = read_front_matter(b"---\ntags: [a]\ntags: [b]\nlicense: mit\n---\n")
    assert fm.data["tags"] == ["b"]
    assert fm.warnings == ["duplicate key 'tags' (line 3); the last value is used"]
    with pytest.raises(CardError, match=r"license key 'license' is given twice .*\(line 3\)"):
        read_front_matter(b"---\nlicense: mit\nlicense: apache-2.0\n---\n")


# --------------------------------------------------------------------------- size caps


def test_oversized_corpus(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    p.write_bytes(b"name: x\ndatasets:\n" + b"  - squad\n" * (MAX_YAML_BYTES // 10 + 1))
    with pytest.raises(CorpusError, match=f"{re.escape(str(p))}: file is .* larger than the "
                                          f"{MAX_YAML_BYTES}-byte limit"):
        load_corpus(p)


def test_oversized_policy(tmp_path: Path) -> None:
    p = _write(tmp_path / "p.yaml", "name: big\n" + "# padding\n" * 110_000)
    with pytest.raises(PolicyError, match="larger than the 1048576-byte limit"):
        load_policy(p)


def test_oversized_knowledge_base_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "kb" / "LicenseRef-test.yaml",
                  KB_ENTRY + "notes: '" + "x" * MAX_LICENSE_BYTES + "'\n")
    with pytest.raises(LicenseDataError, match=f"{re.escape(str(path))}: file is .* larger than"):
        KnowledgeBase.load(tmp_path / "kb")


def test_oversized_text() -> None:
    with pytest.raises(CorpusError, match="larger than the 10-byte limit"):
        load_yaml_text("a: 1\nb: 2\nc: 3\n", fail=naming(CorpusError, "t"), max_bytes=10)


# --------------------------------------------------------------------------- aliases


def test_alias_bomb_corpus_and_policy(tmp_path: Path) -> None:
    bomb = billion_laughs()
    corpus = _write(tmp_path / "c.yaml", bomb + "name: x\ndatasets: [a]\n")
    with pytest.raises(CorpusError, match=re.escape(f"{corpus}: YAML aliases (*a0) are not "
                                                    "allowed")):
        load_corpus(corpus)
    policy = _write(tmp_path / "p.yaml", bomb)
    with pytest.raises(PolicyError, match="YAML aliases"):
        load_policy(policy)


def test_alias_bomb_knowledge_base(tmp_path: Path) -> None:
    path = _write(tmp_path / "kb" / "LicenseRef-test.yaml", KB_ENTRY + billion_laughs())
    with pytest.raises(LicenseDataError, match=f"{re.escape(str(path))}: the YAML expands to "
                                               "more than 200,000 YAML nodes"):
        KnowledgeBase.load(tmp_path / "kb")
    _write(tmp_path / "kb" / "LicenseRef-test.yaml", KB_ENTRY + "x: &a [*a]\n")
    with pytest.raises(LicenseDataError, match="recursive YAML alias"):
        KnowledgeBase.load(tmp_path / "kb")


def test_alias_bomb_card() -> None:
    with pytest.raises(CardError, match="front matter expands to more than"):
        read_front_matter(f"---\n{billion_laughs()}---\n".encode())


def test_small_aliases_allowed_in_the_knowledge_base(tmp_path: Path) -> None:
    _write(tmp_path / "kb" / "LicenseRef-test.yaml",
           KB_ENTRY + "aliases: {names: &n [Test License], urls: []}\nnotes: x\n")
    assert KnowledgeBase.load(tmp_path / "kb").get("LicenseRef-test") is not None


def test_nesting_too_deep_is_an_error() -> None:
    with pytest.raises(CorpusError, match="nests too deeply|not valid YAML"):
        load_yaml_text("x: " + "[" * 100_000 + "]" * 100_000 + "\n", fail=naming(CorpusError, "t"))


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    p = _write(tmp_path / "kb" / "LicenseRef-test.yaml", "id: x\nname: [unclosed\n")
    with pytest.raises(LicenseDataError, match=r"not valid YAML: .*\(line 3, column 1\)"):
        KnowledgeBase.load(tmp_path / "kb")
    assert p.is_file()


# --------------------------------------------------------------------------- one loader


def test_no_other_yaml_loader_in_the_package() -> None:
    offenders = []
    for path in sorted((ROOT / "register").rglob("*.py")):
        if path.name == "safe_yaml.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import yaml|from yaml\b)", text, re.MULTILINE) or re.search(
                r"(?<!\w)yaml\.(safe_load|load|parse|compose)", text):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []
