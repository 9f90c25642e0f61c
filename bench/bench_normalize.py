"""Accuracy and speed of license normalization on the devset.

Usage (from the project root)::

    .venv/bin/python bench/bench_normalize.py [--texts PATH] [--cards PATH] [--show-errors]
        [--challenge PATH] [--no-baseline]

Prints, for ``license-texts.tsv`` (one row per text) and ``card-licenses.tsv`` (one row per
card): auto-correct, safe and silent-wrong counts and percentages (definitions in the devset
README), for the register's normalizer and, side by side, for ``license-expression``'s
validator alone (the validated expression if valid, else needs review).

``--challenge PATH`` scores a held-out set of the same shape as ``license-texts.tsv`` (columns
``text expected kind note``, e.g. ``tests/fixtures/license-challenge.tsv``) with the same three
figures, overall and per ``kind``; ``--only-challenge`` skips the devset.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register.licenses.normalize import normalize, normalize_card_license  # noqa: E402

SHARED = ROOT.parent / "shared" / "devset"

csv.field_size_limit(10**8)


def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def equivalent(expression: str | None, expected: str) -> bool:
    """``expected`` may be ``A || B`` (either is right); equivalence via license-expression."""
    if not expression:
        return False
    lic = _licensing()
    for option in expected.split("||"):
        option = option.strip()
        try:
            if lic.is_equivalent(lic.parse(expression), lic.parse(option)):
                return True
        except Exception:
            if expression == option:
                return True
    return False


def score(rows: list[tuple[str | None, bool, str]]) -> dict[str, int]:
    """rows: (expression, needs_review, expected or UNKNOWN/NEEDS_REVIEW)."""
    out = {"rows": 0, "answerable": 0, "auto_correct": 0, "safe": 0, "silent_wrong": 0}
    for expression, review, expected in rows:
        out["rows"] += 1
        unknown = expected in ("UNKNOWN", "NEEDS_REVIEW")
        if not unknown:
            out["answerable"] += 1
        if review:
            out["safe"] += 1
        elif not unknown and equivalent(expression, expected):
            out["auto_correct"] += 1
        else:
            out["silent_wrong"] += 1
    return out


def baseline(text: str) -> tuple[str | None, bool]:
    try:
        info = _licensing().validate(text)
    except Exception:
        return None, True
    if info.errors or not info.normalized_expression:
        return None, True
    return info.normalized_expression, False


def _pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:5.1f}%" if d else "  n/a"


def report(title: str, ours: dict[str, int], base: dict[str, int] | None) -> None:
    print(f"\n{title}: {ours['rows']} rows, {ours['answerable']} with an answer")
    print(f"  {'':14} {'register':>18}   {'license-expression':>18}")
    for key, denom in (("auto_correct", "answerable"), ("safe", "rows"), ("silent_wrong", "rows")):
        a = f"{ours[key]:4d} {_pct(ours[key], ours[denom])}"
        b = f"{base[key]:4d} {_pct(base[key], base[denom])}" if base else ""
        print(f"  {key:14} {a:>18}   {b:>18}")
    print("  (auto_correct % of rows with an answer; safe and silent_wrong % of all rows)")


def unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t")


def bench_texts(path: Path, show: bool, by_kind: bool = False) -> dict[str, int]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    ours, base = [], []
    start = time.perf_counter()
    results = [normalize(unescape(r["text"])) for r in rows]
    elapsed = time.perf_counter() - start
    for r, res in zip(rows, results, strict=True):
        ours.append((res.expression, res.needs_review, r["expected"]))
        base.append((*baseline(unescape(r["text"])), r["expected"]))
        if show and not res.needs_review and not (
            r["expected"] != "UNKNOWN" and equivalent(res.expression, r["expected"])
        ):
            print(f"SILENT-WRONG {r['text'][:80]!r} -> {res.expression} (expected {r['expected']})")
        if show and res.needs_review and r["expected"] != "UNKNOWN":
            print(f"review {r['text'][:80]!r} ({r['expected']}): {res.reason[:120]}")
    total = score(ours)
    report(f"license texts ({path})", total, score(base))
    print(f"  {len(rows)} texts normalized in {elapsed * 1000:.1f} ms (cold cache)")
    if by_kind:
        kinds = sorted({r.get("kind", "") for r in rows})
        for kind in kinds:
            k = score([o for o, r in zip(ours, rows, strict=True) if r.get("kind", "") == kind])
            print(f"    {kind or '-':10} {k['rows']:4d} rows: auto_correct {k['auto_correct']:4d}/"
                  f"{k['answerable']:<4d} {_pct(k['auto_correct'], k['answerable'])}  safe "
                  f"{k['safe']:4d}  silent_wrong {k['silent_wrong']:3d}")
    return total


# ------------------------------------------------------------------ cards

_FRONT = re.compile(r"\A\ufeff?\s*---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?$", re.S | re.M)
_SECTION = re.compile(r"^#+\s*Licen[cs]ing Information\s*$(.*?)(?=^#+\s|\Z)", re.S | re.M | re.I)


def read_card_local(directory: Path) -> dict[str, Any]:
    """A small reader of a card's raw license fields (used when register.cards.files is absent)."""
    import yaml

    text = (directory / "README.md").read_text(encoding="utf-8", errors="replace")
    raw: dict[str, Any] = {}
    m = _FRONT.match(text)
    if m:
        try:
            data = yaml.safe_load(m.group(1)) or {}
        except yaml.YAMLError:
            data = {}
        if isinstance(data, dict):
            for key in ("license", "licenses", "license_name", "license_link", "license_details"):
                if key in data:
                    raw[key] = data[key]
    infos: list[str] = []
    for name in ("dataset_infos.json", "dataset_info.json"):
        p = directory / name
        if p.is_file():
            try:
                data = json.loads(p.read_text(encoding="utf-8", errors="replace"))
            except ValueError:
                break
            configs = data.values() if isinstance(data, dict) else []
            if isinstance(data, dict) and "license" in data:
                configs = [data]
            for cfg in configs:
                if isinstance(cfg, dict) and isinstance(cfg.get("license"), str):
                    infos.append(cfg["license"])
            break
    raw["infos_license"] = list(dict.fromkeys(infos))
    sec = _SECTION.search(text)
    raw["license_section"] = sec.group(1).strip() if sec else ""
    return raw


def card_reader() -> tuple[str, Callable[[Path], dict[str, Any]]]:
    try:
        from register.cards.files import parse_card_dir  # type: ignore[attr-defined]
    except Exception:  # absent, or mid-edit in a shared tree
        return "local reader", read_card_local

    def read(directory: Path) -> dict[str, Any]:
        try:
            return dict(parse_card_dir(directory, directory.name).raw_license)
        except Exception:
            return read_card_local(directory)

    return "register.cards.files.parse_card_dir", read


def bench_cards(path: Path, show: bool) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    which, read = card_reader()
    raws = [read(path.parent / "cards" / r["card"]) for r in rows]
    start = time.perf_counter()
    results = [normalize_card_license(raw) for raw in raws]
    elapsed = time.perf_counter() - start
    ours, base = [], []
    for r, raw, res in zip(rows, raws, results, strict=True):
        ours.append((res.expression, res.needs_review, r["expected"]))
        ids = raw.get("license") or raw.get("licenses") or ""
        ids = ids if isinstance(ids, list) else [ids]
        text = " AND ".join(str(x) for x in ids if x)
        expr, review = baseline(text) if text else (None, True)
        base.append((expr, review, r["expected"]))
        wrong = not res.needs_review and not (
            r["expected"] != "NEEDS_REVIEW" and equivalent(res.expression, r["expected"])
        )
        if show and (wrong or res.needs_review and r["expected"] != "NEEDS_REVIEW"):
            tag = "SILENT-WRONG" if wrong else "review"
            print(f"{tag} {r['card']} ({r['expected']}): {res.expression} {res.reason[:160]}")
    report(f"card-licenses ({path}; cards read with {which})", score(ours), score(base))
    print(f"  {len(rows)} cards normalized in {elapsed * 1000:.1f} ms "
          f"({len(rows) / elapsed if elapsed else 0:,.0f} cards/s, cold cache)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--texts", type=Path, default=SHARED / "license-texts.tsv")
    ap.add_argument("--cards", type=Path, default=SHARED / "card-licenses.tsv")
    ap.add_argument("--challenge", type=Path, default=None,
                    help="also score a held-out set (text expected kind note)")
    ap.add_argument("--only-challenge", action="store_true", help="skip the devset")
    ap.add_argument("--show-errors", action="store_true", help="list misses and reviews")
    args = ap.parse_args(argv)
    if not args.only_challenge:
        bench_texts(args.texts, args.show_errors)
        bench_cards(args.cards, args.show_errors)
    if args.challenge is not None:
        bench_texts(args.challenge, args.show_errors, by_kind=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
