"""Actor names: who a change is recorded under (``--by``, ``$REGISTER_USER``, the API).

One rule everywhere an actor enters: printable text (no control characters, no NUL), not
starting with ``@`` (reserved: it reads as a mention or a service handle), at most
:data:`MAX_ACTOR` characters.
"""

from __future__ import annotations

from register.errors import UsageError

MAX_ACTOR = 100


def actor_problem(name: str) -> str | None:
    """Why ``name`` is not a valid actor name, or None."""
    text = name.strip()
    if not text:
        return "the name is empty"
    if len(text) > MAX_ACTOR:
        return f"the name is longer than {MAX_ACTOR} characters"
    if not text.isprintable():
        return "the name contains control or non-printable characters"
    if text.startswith("@"):
        return "the name may not start with '@'"
    return None


def validate_actor(name: str, what: str = "--by") -> str:
    """``name`` stripped, or :class:`UsageError` saying what is wrong with it."""
    problem = actor_problem(name)
    if problem:
        raise UsageError(f"{what}: {problem}")
    return name.strip()
