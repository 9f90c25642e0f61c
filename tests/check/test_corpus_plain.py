"""Corpus files in the usual plain form are read without YAML nodes, to the same data."""

from __future__ import annotations

from pathlib import Path

import pytest

from register.check.corpus import _plain_corpus, load_corpus
from register.errors import CorpusError, RegisterError
from register.safe_yaml import load_yaml_file

PLAIN = [
    "name: bench\ndatasets:\n  - org/a\n  - b\n",
    "name: bench\ndatasets:\n  - org/a",
    "name: v2.1\ndatasets:\n  - squad\n  - glue-x/y_z.1\n",
]
NOT_PLAIN = [  # each read by YAML (some to an error the YAML reader names)
    "name: yes\ndatasets:\n  - a\n",  # a bool
    "name: null\ndatasets:\n  - a\n",
    "name: x\ndatasets:\n  - 123\n",  # an int
    "name: x\ndatasets:\n  - 1.5\n",
    "name: x\ndatasets:\n  - on\n",
    "name: x\ndatasets:\n  - 2020-01-01\n",  # a date
    "name: x\ndatasets:\n  - a # comment\n",
    "name: x\ndatasets:\n  - 'a'\n",
    "name: x\r\ndatasets:\r\n  - a\r\n",
    "\ufeffname: x\ndatasets:\n  - a\n",
    "name: x\nname: y\ndatasets:\n  - a\n",
    "name: x\ndatasets:\n  - a\ndescription: d\n",
    "datasets:\n  - a\nname: x\n",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_form_reads_as_yaml_does(text: str, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    assert _plain_corpus(text) == load_yaml_file(path, error=CorpusError)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_other_forms_go_to_yaml(text: str, tmp_path: Path) -> None:
    assert _plain_corpus(text) is None


@pytest.mark.parametrize(("text", "ids"), [(PLAIN[0], ["org/a", "b"]),
                                          (NOT_PLAIN[6], ["a"]), (NOT_PLAIN[7], ["a"])])
def test_a_corpus_file_is_read_once(text: str, ids: list[str], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """In the plain form or not (then parsed as YAML): one read of the file."""
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    reads: list[Path] = []
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        reads.append(self)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert load_corpus(path).ids == ids
    assert reads == [path]


def _loaded(path: Path) -> object:
    try:
        return load_corpus(path)
    except RegisterError as exc:
        return str(exc)


@pytest.mark.parametrize("text", [*PLAIN, "name: x\ndatasets:\n  - a\n  - a\n",
                                  "name: x\ndatasets:\n  - a/../b\n"])
def test_load_corpus_gives_what_the_yaml_path_gives(text: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    fast = _loaded(path)
    monkeypatch.setattr("register.check.corpus._plain_corpus", lambda _text: None)
    assert fast == _loaded(path)


@pytest.mark.parametrize("items", [["a/b", "c"], ["a/b", 1], ["a/../b"], ["C:x"], ["a" * 300],
                                   ["a b"], [None], []])
def test_one_pass_id_check_is_the_per_id_check(items: list[object]) -> None:
    from register.ids import all_plain_dataset_ids, is_plain_dataset_id

    assert all_plain_dataset_ids(items) == all(is_plain_dataset_id(i) for i in items)
