"""Regenerate the README's command reference from the CLI's own --help.

    python scripts/gen_cli_reference.py          # rewrite README.md in place
    python scripts/gen_cli_reference.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path

START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def _help(args: list[str]) -> str:
    from register.cli import main

    buf = io.StringIO()
    with redirect_stdout(buf):
        main([*args, "--help"])
    return buf.getvalue().rstrip()


def reference() -> str:
    import typer

    from register.cli import app

    os.environ["COLUMNS"] = "100"
    os.environ["TERM"] = "dumb"
    root = typer.main.get_command(app)
    parts = [START, "", "```text", "$ register --help", _help([]), "```"]
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        subs = getattr(cmd, "commands", None)
        names = [[name, s] for s in subs] if subs else [[name]]
        for args in names:
            parts += ["", f"### `register {' '.join(args)}`", "", "```text", _help(args), "```"]
    parts += ["", END]
    return "\n".join(parts)


def render(readme: str) -> str:
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return head + reference() + tail


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{README}: markers {START} / {END} missing", file=sys.stderr)
        return 1
    new = render(text)
    if "--check" in sys.argv:
        if new != text:
            print("README.md command reference is out of date: run "
                  "python scripts/gen_cli_reference.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
