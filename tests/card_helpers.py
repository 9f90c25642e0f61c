"""Small dataset cards written for a test: a directory with a ``README.md`` front matter."""

from __future__ import annotations

from pathlib import Path


def license_card(root: Path, ident: str, license: str) -> Path:
    """``root/ident/README.md`` declaring ``license`` (and ``ident`` as the pretty name)."""
    d = root / ident
    d.mkdir(parents=True, exist_ok=True)
    (d / "README.md").write_text(f"---\nlicense: {license}\npretty_name: {ident}\n---\n# {ident}\n",
                                 encoding="utf-8")
    return d
