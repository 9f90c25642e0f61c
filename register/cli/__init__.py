"""The ``register`` command line: a thin layer over :mod:`register.register`.

Errors from the core (:class:`register.errors.RegisterError`) are printed once, here, as a
single ``Error: ...`` line (plus ``Hint: ...``) with the SPEC exit code; a traceback only
with ``--debug``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from register.cli import (
    audit,
    check,
    checks,
    datasets,
    exchange,
    ingest,
    license,
    model,
    rights,
)
from register.cli._common import State
from register.errors import RegisterError
from register.render.cells import terminal_text

app = typer.Typer(
    name="register",
    help="A register of dataset licenses and rights: may these datasets train this model?",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        from register import __version__

        sys.stdout.write(f"register {__version__}\n")
        raise typer.Exit(0)


@app.callback()
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


ingest.register(app)
datasets.register(app)
app.add_typer(license.app, name="license")
app.add_typer(rights.app, name="rights")
check.register(app)
exchange.register(app)
app.add_typer(checks.app, name="checks")
app.add_typer(audit.app, name="audit")
app.add_typer(model.app, name="model")


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
    command = typer.main.get_command(app)
    args = _hoist_globals(list(sys.argv[1:] if argv is None else argv))
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
