"""The one-regex fast path of the dataset-id rule agrees with the full rule."""

from __future__ import annotations

import itertools

import pytest

from register.ids import MAX_ID_LENGTH, dataset_id_problem, is_plain_dataset_id

# the characters the rule cares about, ASCII and not
PIECES = ["a", "Z", "/", ".", "..", "\\", " ", "C:", ":", "-", "é", "\t", "\u202e"]


def _strings(max_pieces: int = 4) -> list[str]:
    return ["".join(p) for k in range(1, max_pieces + 1)
            for p in itertools.product(PIECES, repeat=k)]


def test_fast_path_accepts_only_valid_ids() -> None:
    accepted = [v for v in _strings() if is_plain_dataset_id(v)]
    assert accepted  # it does take the common case
    assert [v for v in accepted if dataset_id_problem(v) is not None] == []


def test_fast_path_takes_every_valid_printable_ascii_id() -> None:
    plain = [v for v in _strings() if v.isascii() and v.isprintable()]
    missed = [v for v in plain if dataset_id_problem(v) is None and not is_plain_dataset_id(v)]
    assert missed == []


@pytest.mark.parametrize("value, ok", [
    ("org/name", True), ("a" * MAX_ID_LENGTH, True), ("a" * (MAX_ID_LENGTH + 1), False),
    ("org/./x", False), ("../x", False), ("x/..", False), ("/abs", False), ("C:x", False),
    ("a//b", False), ("a/", False), ("a b", False), ("a\\b", False), ("naïve", False),
    ("...", True), (".hidden/x", True), (3, False), (None, False),
])
def test_fast_path_cases(value: object, ok: bool) -> None:
    assert is_plain_dataset_id(value) is ok
    if ok:
        assert dataset_id_problem(value) is None
