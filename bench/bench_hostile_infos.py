"""Hostile ``dataset_infos.json``: parse + normalize time for 5k..200k distinct licenses.

    .venv/bin/python bench/bench_hostile_infos.py [--sizes 5000,10000,20000,40000,200000]

Each size is a card directory whose infos file has that many configs, each with its own
``license`` text.  The reading is linear in the file size and keeps at most
``MAX_INFOS_LICENSES`` distinct texts (issue 13), so the time grows with the bytes only.
Prints one line per size: entries, file MB, seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register.cards.files import parse_card_dir  # noqa: E402
from register.licenses.normalize import normalize_card_license  # noqa: E402


def make_card(directory: Path, entries: int) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "README.md").write_text("---\nlicense: mit\n---\n# hostile\n")
    infos = {f"config{i}": {"license": f"Custom License number {i}", "config_name": f"c{i}"}
             for i in range(entries)}
    data = json.dumps(infos).encode()
    (directory / "dataset_infos.json").write_bytes(data)
    return len(data)


def time_card(directory: Path) -> float:
    start = time.perf_counter()
    doc = parse_card_dir(directory, "hostile")
    normalize_card_license(doc.raw_license)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,10000,20000,40000,200000")
    args = parser.parse_args(argv)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            card = Path(tmp) / f"n{size}"
            nbytes = make_card(card, size)
            seconds = time_card(card)
            worst = max(worst, seconds)
            print(f"{size:>7} entries  {nbytes / 2**20:6.1f} MB  {seconds:6.2f} s", flush=True)
    return worst


if __name__ == "__main__":
    main()
