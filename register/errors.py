"""One error hierarchy for the whole register.

Every error the package raises on purpose is a :class:`RegisterError`.  The CLI maps
them once to a one-line ``Error: ...`` (plus an optional ``Hint: ...``) and exit code 1.
Errors carry their context (file, row, column, dataset id) so the message can name it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from register.check.result import CheckResult


class RegisterError(Exception):
    """Base of every error the register raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None,
                 param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # the Python parameter at fault when the message starts with it ("use must be one
        # of ..."); the CLI shows its option instead ("--use must be ..."), so API errors
        # never name CLI flags
        self.param = param

    def __str__(self) -> str:
        return self.message


class UsageError(RegisterError):
    """The command was called wrongly, or an option / parameter has an invalid value
    (exit code 2)."""

    exit_code = 2


class StoreError(RegisterError):
    """The store could not be opened, migrated or written."""


class NotFoundError(RegisterError):
    """A dataset, license or record named by the user does not exist."""


class CardError(RegisterError):
    """A dataset card could not be read or parsed."""

    def __init__(self, path: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {problem}", hint=hint)
        self.path = path
        self.problem = problem


class HubError(RegisterError):
    """The Hugging Face Hub could not be reached or answered with an error."""


class LicenseDataError(RegisterError):
    """A knowledge-base license file is malformed."""


class ValidationProblem:
    """One problem found while validating an input row or option."""

    __slots__ = ("row", "column", "message", "sheet")

    def __init__(
        self, message: str, *, row: int | None = None, column: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.message = message
        self.row = row
        self.column = column
        self.sheet = sheet

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def __repr__(self) -> str:
        return f"ValidationProblem({str(self)!r})"


class ValidationError(RegisterError):
    """Input failed validation; ``problems`` lists every problem found."""

    def __init__(
        self, message: str, problems: list[ValidationProblem] | None = None, *,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []


class OptionValueError(ValidationError):
    """An option or parameter value is invalid (``--region XX``, ``--personal-data maybe``):
    a usage error (exit code 2), still a :class:`ValidationError` listing its problems.
    Bad input *data* (a file's rows, a card, a corpus) stays exit code 1."""

    exit_code = 2

    def __init__(
        self, message: str, problems: list[ValidationProblem] | None = None, *,
        hint: str | None = None, param: str | None = None,
    ) -> None:
        super().__init__(message, problems, hint=hint)
        self.param = param


class CorpusError(RegisterError):
    """A corpus file is malformed or names datasets the register does not hold."""


class PolicyError(RegisterError):
    """A policy file is malformed."""


class ExportError(RegisterError):
    """An export or import of a spreadsheet or standard format failed."""


class AuditError(RegisterError):
    """The audit trail is inconsistent (tampered)."""


class ConflictError(RegisterError):
    """A write based on a version of a dataset that has changed since (a stale export or
    ``--expect-version``); nothing was written.  ``conflicts`` lists what changed."""

    def __init__(self, message: str, conflicts: list[str], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.conflicts = conflicts
        self.problems = conflicts  # printed one per line by the CLI


class CheckFailed(RegisterError):
    """Raised by ``require_allowed`` when a corpus check is blocked or needs review.

    ``result`` carries the full :class:`~register.check.result.CheckResult`
    (``result.to_dict()`` is the SPEC JSON); ``exit_code`` is 3 (needs-review) or 4 (blocked).
    """

    def __init__(self, result: CheckResult) -> None:
        super().__init__(f"corpus check verdict is {result.verdict}")
        self.result = result
        self.verdict = result.verdict
        self.exit_code = result.exit_code


class LineageError(RegisterError):
    """A model's ``base_model`` chain cannot be resolved (a cycle, or a base not held)."""
