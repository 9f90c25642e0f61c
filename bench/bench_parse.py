"""Card parsing speed: register.cards.files vs the naive huggingface_hub.DatasetCard pipeline.

    .venv/bin/python bench/bench_parse.py [CARDS_DIR] [--repeat N]

CARDS_DIR defaults to ../shared/devset/cards (else data/cards).  Both sides read every
dataset directory from disk (README.md plus dataset_infos.json) on each pass; the naive side
is ``DatasetCard.load(README.md)`` plus ``json.load`` of the infos file, ours is
``register.cards.files.parse_card_dir`` (which also hashes, extracts sections and suggestions).
Prints cards/s for each and the speed-up; the best of ``--repeat`` passes counts.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register.cards.files import discover, parse_card_dir, read_front_matter  # noqa: E402
from register.errors import CardError  # noqa: E402


def _default_dir() -> Path:
    shared = ROOT.parent / "shared" / "devset" / "cards"
    return shared if shared.is_dir() else ROOT / "data" / "cards"


def _ours(items: list[tuple[Path, str]]) -> int:
    for path, dataset_id in items:
        parse_card_dir(path, dataset_id)
    return len(items)


def _naive(items: list[tuple[Path, str]]) -> int:
    from huggingface_hub import DatasetCard

    for path, _dataset_id in items:
        DatasetCard.load(path / "README.md", ignore_metadata_errors=True)
        infos = path / "dataset_infos.json"
        if infos.is_file():
            with open(infos, encoding="utf-8") as fh:
                json.load(fh)
    return len(items)


def _equivalence(items: list[tuple[Path, str]]) -> tuple[int, int, list[str]]:
    """Compare our front-matter dict with DatasetCard.load(...).data.to_dict() per card."""
    from huggingface_hub import DatasetCard

    same = compared = 0
    differ = []
    for path, dataset_id in items:
        readme = path / "README.md"
        try:
            theirs = DatasetCard.load(readme).data.to_dict()
        except Exception:
            continue
        try:
            ours = read_front_matter(readme.read_bytes(), str(readme)).data
        except CardError as exc:
            differ.append(f"{dataset_id}: {exc.problem}")
            compared += 1
            continue
        for data in (ours, theirs):
            if "train-eval-index" in data:
                data["train_eval_index"] = data.pop("train-eval-index")
        ours = {k: v for k, v in ours.items() if v is not None}
        compared += 1
        if ours == theirs:
            same += 1
        else:
            differ.append(dataset_id)
    return same, compared, differ


def _naive_card_only(items: list[tuple[Path, str]]) -> int:
    from huggingface_hub import DatasetCard

    for path, _dataset_id in items:
        DatasetCard.load(path / "README.md", ignore_metadata_errors=True)
    return len(items)


def _best(fn, items, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        n = fn(items)
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cards", nargs="?", type=Path, default=_default_dir())
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    items = [(p, i) for p, i in discover([args.cards], recursive=True) if p != args.cards]
    if not items:
        sys.exit(f"no dataset directories under {args.cards}")
    _ours(items)  # warm the page cache and imports
    _naive(items)
    ours = _best(_ours, items, args.repeat)
    naive = _best(_naive, items, args.repeat)
    card_only = _best(_naive_card_only, items, args.repeat)
    print(f"cards: {len(items)} from {args.cards}")
    print(f"register.cards.files.parse_card_dir : {ours:8.0f} cards/s")
    print(f"DatasetCard.load + json.load  : {naive:8.0f} cards/s")
    print(f"DatasetCard.load (README only): {card_only:8.0f} cards/s")
    print(f"speed-up vs DatasetCard+json  : {ours / naive:8.1f}x")
    same, compared, differ = _equivalence(items)
    print(f"same data dict as DatasetCard : {same}/{compared} cards"
          + (f" (differ: {', '.join(differ)})" if differ else ""))


if __name__ == "__main__":
    main()
