"""The ``register`` command line: a thin layer over :mod:`register.register`.

Errors from the core (:class:`register.errors.RegisterError`) are printed once, here, as a
single ``Error: ...`` line (plus ``Hint: ...``) with the SPEC exit code; a traceback only
with ``--debug``.

The command tree is built for what is run: ``register check ...`` imports and builds only the
``check`` module's commands (building every command costs more than running most of them);
``--help``, ``--version``, completion and an unknown command get a root that builds a command
only when it is asked for (:class:`_LazyRoot`).
"""

from __future__ import annotations

import inspect
import os
import sys
from difflib import get_close_matches
from importlib import import_module
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from register.cli._common import State
from register.errors import RegisterError
from register.render.cells import terminal_text

#: the CLI modules in help order: (module, group name or None, its top-level commands);
#: a group module has an ``app`` (``register license ...``), the others a ``register(app)``
MODULES: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("ingest", None, ("ingest",)),
    ("datasets", None, ("list", "show")),
    ("license", "license", ("license",)),
    ("rights", "rights", ("rights",)),
    ("check", None, ("check", "notice", "clear")),
    ("governance", None, ("approve", "status", "reassess")),
    ("exchange", None, ("export", "import")),
    ("checks", "checks", ("checks",)),
    ("audit", "audit", ("audit",)),
    ("model", "model", ("model",)),
    ("report", "report", ("report",)),
)


def _show_version(value: bool) -> None:
    if value:
        from register import __version__

        sys.stdout.write(f"register {__version__}\n")
        raise typer.Exit(0)


def _main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="REGISTER_DB",
            metavar="TARGET",
            help="Register file path or SQLAlchemy URL (default ./register.db).",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True,
                     help="Print the version and exit."),
    ] = False,
) -> None:
    """Register dataset cards, normalize licenses, record rights, check training corpora.

    Example: register ingest data/cards --recursive && register check --dataset squad --use service
    """
    ctx.obj = State(db=db, debug=debug)


class _LazyRoot(TyperGroup):
    """The root group when no single command is named (``--help``, ``--version``, completion,
    a typo): a command is converted to click (typer's costly step: every parameter of every
    command) only when it is run, completed or its own help is shown; the command list of
    ``register --help`` is read off the registrations, which cost nothing."""

    _full: typer.Typer | None = None

    def _registrations(self) -> typer.Typer:
        if self._full is None:
            self._full = build_app()
        return self._full

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [name for name, _stub in _listing(self._registrations())]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        if cmd_name not in self.commands and cmd_name in _KNOWN:
            built = typer.main.get_command(build_app(cmd_name))
            self.commands.update(getattr(built, "commands", {}))
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> Any:  # type: ignore[override]
        try:
            return self._click_resolve_command(ctx, args)
        except typer.exceptions.TyperException as exc:  # typer suggests from built commands only
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and isinstance(getattr(exc, "message", None), str):
                exc.message = (f"{exc.message.rstrip('.')}. Did you mean "
                               f"{', '.join(repr(m) for m in matches)}?")
            raise

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        rows = [(name, stub) for name, stub in _listing(self._registrations()) if not stub.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _stub in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, stub.get_short_help_str(limit)) for name, stub in rows])


def _listing(app: typer.Typer) -> list[tuple[str, TyperCommand]]:
    """The top-level commands and groups of ``app`` in typer's order (commands, then groups),
    each as a bare command carrying only what the listing shows (help, short help, hidden,
    deprecated), resolved as typer resolves them."""
    from typer.main import get_command_name, solve_typer_info_defaults

    stubs: list[tuple[str, TyperCommand]] = []
    for info in app.registered_commands:
        text = info.help if info.help is not None else inspect.getdoc(info.callback)
        name = info.name or get_command_name(getattr(info.callback, "__name__", ""))
        stubs.append((name, TyperCommand(
            name, help=inspect.cleandoc(text) if text else text, short_help=info.short_help,
            hidden=info.hidden, deprecated=info.deprecated)))
    for group in app.registered_groups:
        solved = solve_typer_info_defaults(group)
        stubs.append((solved.name or "", TyperCommand(
            solved.name, help=solved.help, short_help=solved.short_help, hidden=solved.hidden,
            deprecated=solved.deprecated)))
    return stubs


_KNOWN = frozenset(n for _m, _g, names in MODULES for n in names)


def build_app(only: str | None = None, *, lazy: bool = False) -> typer.Typer:
    """The ``register`` app: every command, just the module of that command (``only``), or
    (``lazy``) the root alone, its commands built when asked for (:class:`_LazyRoot`)."""
    app = typer.Typer(
        name="register",
        help="A register of dataset licenses and rights: may these datasets train this model?",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        cls=_LazyRoot if lazy else TyperGroup,
    )
    app.callback()(_main)
    for module_name, group, names in MODULES:
        if lazy or (only is not None and only not in names):
            continue
        module = import_module(f"register.cli.{module_name}")
        if group is None:
            module.register(app)
        else:
            app.add_typer(module.app, name=group)
    return app


def __getattr__(name: str) -> Any:
    """``register.cli.app``: the whole app (scripts/gen_cli_reference.py, tests)."""
    if name == "app":
        app = build_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module 'register.cli' has no attribute {name!r}")


def _command_word(args: list[str]) -> str | None:
    """The top-level command of ``args`` (globals hoisted first), when only its module needs
    building; None for help, version, completion or anything unknown (the lazy root)."""
    if any(k.endswith("_COMPLETE") and k.startswith("_") for k in os.environ):
        return None  # shell completion walks the tree
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--db":
            i += 2
            continue
        if arg.startswith("--db=") or arg == "--debug":
            i += 1
            continue
        if arg.startswith("-"):
            return None  # --help, --version, --install-completion ... before a command
        return arg if arg in _KNOWN else None
    return None


def _hoist_globals(args: list[str]) -> list[str]:
    """Accept the global options anywhere on the line (``register list --db x.db``)."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == "--db" and i + 1 < len(args):
            front += [arg, args[i + 1]]
            i += 2
            continue
        if arg.startswith("--db=") or arg == "--debug":
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def cli_message(exc: RegisterError) -> str:
    """The error's message with the parameter it names shown as its option
    (``use must be ...`` -> ``--use must be ...``)."""
    param = getattr(exc, "param", None)
    message = exc.message
    if param and message.startswith(param) and message[len(param):len(param) + 1] in (" ", ":"):
        return "--" + param.replace("_", "-") + message[len(param):]
    return message


def main(argv: list[str] | None = None) -> int:
    """Console entry point; returns the process exit code."""
    args = _hoist_globals(list(sys.argv[1:] if argv is None else argv))
    word = _command_word(args)
    command = typer.main.get_command(build_app(word, lazy=word is None))
    debug = "--debug" in args
    try:
        rv = command.main(args=args, prog_name="register", standalone_mode=False)
    except RegisterError as exc:
        if debug:
            raise
        sys.stderr.write(f"Error: {terminal_text(cli_message(exc))}\n")
        if exc.hint:
            sys.stderr.write(f"Hint: {terminal_text(exc.hint)}\n")
        problems = getattr(exc, "problems", [])
        if not all(getattr(p, "message", str(p)) in exc.message for p in problems):
            for problem in problems[:200]:  # unless the message already names each of them
                sys.stderr.write(f"  {terminal_text(str(problem))}\n")
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        sys.stderr.write("Error: aborted\n")
        return 1
    except typer.exceptions.TyperException as exc:  # click usage errors (typer vendors click)
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            sys.stderr.write(f"Error: {exc}\n")
        return int(getattr(exc, "exit_code", 2))
    except (BrokenPipeError, KeyboardInterrupt):
        return 1
    except Exception as exc:  # a bug: one line unless --debug
        if debug:
            raise
        sys.stderr.write(f"Error: internal error: {type(exc).__name__}: "
                         f"{terminal_text(str(exc))}\n")
        sys.stderr.write("Hint: rerun with --debug for the traceback and report it\n")
        return 1
    return rv if isinstance(rv, int) else 0


def run() -> None:  # pragma: no cover
    sys.exit(main())
