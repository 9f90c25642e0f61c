"""The architecture, pinned by reading the source (``ast``), not by convention.

(a) SQL lives in ``register/store/`` only: nothing else imports SQLAlchemy/SQLModel (bar
    ``TYPE_CHECKING``-only ``Engine``/``Connection`` annotations) or builds / runs statements.
(b) No ``_private`` name crosses a module boundary: not imported (``from m import _x``, or a
    ``_private`` module from outside its package) and not reached as ``obj._x`` from a module
    that does not define ``_x``.
(c) Every module of ``register/`` has a docstring and is under 600 lines.
(d) Only the CLI imports typer; rich only in the CLI and the table renderer.
(e) ``SCHEMA_VERSION`` is defined once (``register/versions.py``) and never spelled as a literal.
(f) The CLI's start (``import register.cli``, ``--help``, ``--version``) imports no heavy
    package (SQLAlchemy, pydantic, pandas, ...): commands import what they need when they run.

Exceptions are listed below, each with its reason; an entry that no longer matches anything
fails too, so the lists only shrink.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "register"
MAX_LINES = 600

# (module, name) pairs allowed to cross a module boundary, with the reason.
# (None now: keep it empty.)
PRIVATE_ALLOWED: dict[tuple[str, str], str] = {}
# Private attributes of other libraries' objects that are their public API.
FOREIGN_PUBLIC = frozenset({
    "_mapping", "_asdict", "_replace", "_fields", "_make",  # SQLAlchemy Row / namedtuple
})
# Packages whose private modules their own modules may import.
PACKAGE_PRIVATE_MODULES = {
    "register.cli._common": "register/cli/",  # shared plumbing of the CLI modules only
}
TYPER_ALLOWED = ("register/cli/",)
RICH_ALLOWED = (  # the table renderer and the check report
    "register/cli/", "register/render/formats.py", "register/render/checkview.py")
SQL_CALLS = frozenset({"select", "insert", "update", "delete", "text", "bindparam",
                       "literal_column", "table", "column"})
SQL_METHODS = frozenset({"execute", "executemany", "exec_driver_sql", "scalars", "scalar",
                         "begin_nested", "execution_options"})
SQL_PACKAGES = ("sqlalchemy", "sqlmodel", "alembic", "psycopg", "sqlite3")


@dataclass(frozen=True)
class Module:
    path: Path
    rel: str  # register/x/y.py
    name: str  # register.x.y
    text: str
    tree: ast.Module


@cache
def modules() -> tuple[Module, ...]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        text = path.read_text(encoding="utf-8")
        out.append(Module(path, rel, ".".join(parts), text, ast.parse(text, rel)))
    return tuple(out)


def _module_ids() -> list[str]:
    return [m.rel for m in modules()]


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """ids of the statements inside ``if TYPE_CHECKING:`` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
                (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
                or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")):
            for stmt in node.body:
                inside.update(id(n) for n in ast.walk(stmt))
    return inside


def _imports(tree: ast.Module) -> Iterator[tuple[ast.stmt, str, list[str]]]:
    """``(node, module, names)`` of every import (relative imports resolved by the caller)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            yield node, node.module or "", [a.name for a in node.names]


def _is_store(m: Module) -> bool:
    return m.rel.startswith("register/store/")


# --------------------------------------------------------------------------- (a) SQL


def sql_violations(m: Module) -> list[str]:
    if _is_store(m):
        return []
    typing_only = _type_checking_nodes(m.tree)
    found = []
    for node, module, names in _imports(m.tree):
        if module.split(".")[0] not in SQL_PACKAGES:
            continue
        if id(node) in typing_only and set(names) <= {"Engine", "Connection"}:
            continue
        found.append(f"{m.rel}:{node.lineno}: imports {module} {names or ''}".rstrip())
    for node in ast.walk(m.tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in SQL_CALLS:
            found.append(f"{m.rel}:{node.lineno}: calls {func.id}(...)")
        elif isinstance(func, ast.Attribute) and func.attr in SQL_METHODS:
            found.append(f"{m.rel}:{node.lineno}: calls .{func.attr}(...)")
    return found


@pytest.mark.parametrize("rel", _module_ids())
def test_no_sql_outside_the_store(rel: str) -> None:
    (m,) = [m for m in modules() if m.rel == rel]
    assert sql_violations(m) == []


def test_the_sql_check_catches_sql() -> None:
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
              "    from sqlalchemy.engine import Connection, Engine\n"
              "    from sqlalchemy import Table\n"
              "import sqlalchemy as sa\nfrom sqlmodel import select\n"
              "def f(conn):\n    conn.execute(select(1))\n    d = {}\n    d.update(a=1)\n")
    m = Module(Path("x.py"), "register/x.py", "register.x", source, ast.parse(source))
    found = sql_violations(m)
    assert sorted(f.split(": ", 1)[1] for f in found) == [
        "calls .execute(...)", "calls select(...)", "imports sqlalchemy",
        "imports sqlalchemy ['Table']", "imports sqlmodel ['select']"]


# --------------------------------------------------------------------------- (b) private names


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _defined_names(tree: ast.Module) -> set[str]:
    """Every name the module defines anywhere: functions, classes, assigned names and
    attributes (``self._x = ...``), dataclass fields, parameters."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
    return names


def _resolve(m: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = m.name.split(".")
    if not m.rel.endswith("__init__.py"):
        base = base[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def private_violations(m: Module) -> list[str]:
    found = []
    typing_only = _type_checking_nodes(m.tree)
    for node in ast.walk(m.tree):
        if isinstance(node, ast.ImportFrom):
            source = _resolve(m, node)
            for alias in node.names:
                if _private(alias.name) and source != m.name:
                    found.append(f"{m.rel}:{node.lineno}: imports {alias.name} from {source}")
                full = f"{source}.{alias.name}"
                if full in PACKAGE_PRIVATE_MODULES and not m.rel.startswith(
                        PACKAGE_PRIVATE_MODULES[full]):
                    found.append(f"{m.rel}:{node.lineno}: imports private module {full}")
            private_parts = [p for p in source.split(".") if _private(p)]
            ours = source.split(".")[0] == "register"
            if not ours and id(node) in typing_only:
                continue  # a library's type that it only exports from a private module
            if private_parts and not (source in PACKAGE_PRIVATE_MODULES and m.rel.startswith(
                    PACKAGE_PRIVATE_MODULES[source])):
                found.append(f"{m.rel}:{node.lineno}: imports from private module {source}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if any(_private(p) for p in alias.name.split(".")):
                    found.append(f"{m.rel}:{node.lineno}: imports private module {alias.name}")
    defined = _defined_names(m.tree)
    for node in ast.walk(m.tree):
        if not isinstance(node, ast.Attribute) or not _private(node.attr):
            continue
        if node.attr in defined or node.attr in FOREIGN_PUBLIC:
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        if (m.rel, node.attr) in PRIVATE_ALLOWED:
            continue
        found.append(f"{m.rel}:{node.lineno}: reaches {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("rel", _module_ids())
def test_no_private_name_crosses_a_module(rel: str) -> None:
    (m,) = [m for m in modules() if m.rel == rel]
    assert private_violations(m) == []


def test_the_private_check_catches_private_names() -> None:
    source = ("from register.store.queries import _D, rows\nfrom register.cli._common import x\n"
              "import register.api as api\nclass C:\n    def __init__(self):\n"
              "        self._mine = 1\n    def f(self, other):\n"
              "        return other._mine, api._effective, self._x, row._mapping\n")
    m = Module(Path("x.py"), "register/x.py", "register.x", source, ast.parse(source))
    assert [f.split(": ", 1)[1] for f in private_violations(m)] == [
        "imports _D from register.store.queries",
        "imports from private module register.cli._common",
        "reaches api._effective"]
    inside = Module(Path("y.py"), "register/cli/y.py", "register.cli.y",
                    "from register.cli._common import x\nfrom ._common import y\n",
                    ast.parse("from register.cli._common import x\nfrom ._common import y\n"))
    assert private_violations(inside) == []


def test_allowed_private_names_are_still_needed() -> None:
    """An allow-list entry whose access is gone must be removed (the list only shrinks)."""
    for (rel, name), reason in PRIVATE_ALLOWED.items():
        assert reason
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert f".{name}" in text, f"{rel} no longer uses {name}: drop it from PRIVATE_ALLOWED"


# --------------------------------------------------------------------------- (c) size, docstring


@pytest.mark.parametrize("rel", _module_ids())
def test_module_is_small_and_says_what_it_holds(rel: str) -> None:
    (m,) = [m for m in modules() if m.rel == rel]
    lines = len(m.text.splitlines())
    assert lines < MAX_LINES, f"{rel} has {lines} lines; split it"
    doc = ast.get_docstring(m.tree)
    assert doc and doc.strip(), f"{rel} has no module docstring"


# --------------------------------------------------------------------------- (d) typer, rich


@pytest.mark.parametrize("rel", _module_ids())
def test_only_the_cli_uses_typer_and_rich(rel: str) -> None:
    (m,) = [m for m in modules() if m.rel == rel]
    for node, module, _names in _imports(m.tree):
        top = module.split(".")[0]
        if top in ("typer", "click"):
            assert m.rel.startswith(TYPER_ALLOWED), f"{rel}:{node.lineno} imports {module}"
        if top == "rich":
            assert m.rel.startswith(RICH_ALLOWED), f"{rel}:{node.lineno} imports {module}"


# --------------------------------------------------------------------------- (e) SCHEMA_VERSION


def test_one_schema_version() -> None:
    definitions = []
    literals = []
    for m in modules():
        for node in ast.walk(m.tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for t in targets:
                if (isinstance(t, ast.Name) and t.id == "SCHEMA_VERSION") or (
                        isinstance(t, ast.Attribute) and t.attr == "SCHEMA_VERSION"):
                    definitions.append(f"{m.rel}:{node.lineno}")
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (isinstance(key, ast.Constant) and key.value == "schema_version"
                            and isinstance(value, ast.Constant)):
                        literals.append(f"{m.rel}:{node.lineno}")
            if isinstance(node, ast.keyword) and node.arg == "schema_version" and isinstance(
                    node.value, ast.Constant):
                literals.append(f"{m.rel}:{node.value.lineno}")
    assert [d.split(":")[0] for d in definitions] == ["register/versions.py"], definitions
    assert literals == [], f"spell it SCHEMA_VERSION: {literals}"


# -- start-up (issue 17): what every CLI start imports ---------------------------------------
#: packages the CLI's start (``import register.cli``, ``register --help``) must not import:
#: each command imports what it needs when it runs (bench/bench_startup.py times it)
HEAVY_AT_START = ("pandas", "openpyxl", "xlsxwriter", "sqlalchemy", "sqlmodel", "alembic",
                  "pydantic", "yaml", "license_expression", "huggingface_hub", "rich",
                  "spdx_tools", "cyclonedx", "mlcroissant", "pyshacl", "psycopg", "numpy")


@pytest.mark.parametrize("code", [
    "import register.cli",
    "import register",
    "from register.cli import main; main(['--help'])",
    "from register.cli import main; main(['--version'])",
])
def test_the_cli_start_imports_no_heavy_package(code: str) -> None:
    probe = ("import sys, io, json, contextlib\nwith contextlib.redirect_stdout(io.StringIO()):"
             f"\n    {code}\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & set(HEAVY_AT_START), sorted(loaded & set(HEAVY_AT_START))
