"""Regenerate the JSON Schemas shipped in register/schemas/ from the output types.

    python scripts/gen_schemas.py          # rewrite register/schemas/*.schema.json
    python scripts/gen_schemas.py --check  # exit 1 if a shipped schema is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register.schemas import SCHEMAS, generate_schema, render_schema, schema_filename  # noqa: E402

OUT = ROOT / "register" / "schemas"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in SCHEMAS:
        path = OUT / schema_filename(name)
        text = render_schema(generate_schema(name))
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    if check and stale:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} (run scripts/gen_schemas.py)",
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
