"""SSH signatures over sign-offs, in the format git uses (``ssh-keygen -Y sign``).

The signed message is the canonical JSON statement of the sign-off (subject, tier, role,
use, who, and the evidence digest), under the namespace ``dataset-rights-register``.
:func:`verify_approvals` checks every approval against an allowed-signers file (the
``principal key`` lines of ``ssh-keygen(1)``, the approver's ``--by`` name as principal)
and that the stored evidence still has the signed digest, so a sign-off forged or edited in
the database fails even when the audit chain was rewritten to match; with such a file an
unsigned approval fails as well.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from register.errors import UsageError, ValidationError
from register.store.audit import canonical

__all__ = ["NAMESPACE", "SignatureProblem", "check_signatures", "fingerprint", "sign", "statement",
           "verify_approvals", "verify_one"]

NAMESPACE = "dataset-rights-register"
_TIMEOUT = 60


def statement(values: dict[str, Any]) -> bytes:
    """What is signed: the sign-off's identity and its evidence digest."""
    keys = ("subject_kind", "subject_id", "tier", "role", "use", "by", "evidence_digest")
    return canonical({"namespace": NAMESPACE, **{k: values[k] for k in keys}}).encode()


def _ssh_keygen() -> str:
    exe = shutil.which("ssh-keygen")
    if exe is None:
        raise UsageError("ssh-keygen is not installed: signing and verifying sign-offs need it",
                         hint="install OpenSSH (apt-get install openssh-client)")
    return exe


def _run(args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([_ssh_keygen(), *args], input=data, capture_output=True,
                          timeout=_TIMEOUT, check=False)


def fingerprint(key: str | os.PathLike[str]) -> str:
    """The SHA256 fingerprint of an SSH key (private key file or its ``.pub``)."""
    path = Path(key)
    pub = path.with_name(path.name + ".pub")
    proc = _run(["-l", "-E", "sha256", "-f", str(pub if pub.is_file() else path)])
    if proc.returncode != 0:
        why = proc.stderr.decode(errors="replace").strip()
        raise ValidationError(f"{key}: not an SSH key: {why}")
    return proc.stdout.decode().split()[1]


def sign(key: str | os.PathLike[str], message: bytes) -> tuple[str, str]:
    """``(armored signature, key fingerprint)`` of ``message`` signed with ``key``."""
    path = Path(key)
    if not path.is_file():
        raise UsageError(f"--sign-with: {key}: no such key file")
    with tempfile.TemporaryDirectory(prefix="register-sign-") as tmp:
        msg = Path(tmp) / "approval"
        msg.write_bytes(message)
        proc = _run(["-Y", "sign", "-q", "-n", NAMESPACE, "-f", str(path), str(msg)])
        sig = Path(str(msg) + ".sig")
        if proc.returncode != 0 or not sig.is_file():
            raise ValidationError(f"{key}: ssh-keygen could not sign: "
                                  f"{proc.stderr.decode(errors='replace').strip()}")
        return sig.read_text(encoding="ascii"), fingerprint(path)


def verify_one(allowed_signers: str | os.PathLike[str], principal: str, message: bytes,
               signature: str) -> str | None:
    """None when ``signature`` is ``principal``'s valid signature of ``message``; else why not."""
    with tempfile.TemporaryDirectory(prefix="register-verify-") as tmp:
        sig = Path(tmp) / "approval.sig"
        sig.write_text(signature, encoding="ascii", errors="replace")
        proc = _run(["-Y", "verify", "-f", os.fspath(allowed_signers), "-I", principal,
                     "-n", NAMESPACE, "-s", str(sig)], message)
    if proc.returncode == 0:
        return None
    lines = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "signature does not verify"


class SignatureProblem(ValidationError):
    """A signed approval that does not verify (names the approval row and column)."""

    def __init__(self, row: str, column: str, message: str) -> None:
        super().__init__(message)
        self.row = row
        self.column = column


def verify_approvals(rows: Iterable[Any], allowed_signers: str | os.PathLike[str]) -> int:
    """Verify every approval row; returns how many; raises :class:`SignatureProblem`.

    Verifying against an allowed-signers file says "our sign-offs are signed": an approval
    with no signature fails too (it could be a row written straight into the database with
    the chain recomputed, which no key vouches for)."""
    import hashlib

    if not Path(allowed_signers).is_file():
        raise UsageError(f"--allowed-signers: {allowed_signers}: no such file")
    count = 0
    for row in rows:
        where = f"table approval, row {row.id!r}"
        if row.signature is None:
            raise SignatureProblem(
                str(row.id), "signature",
                f"{where}, column signature: the {row.tier} sign-off of {row.subject_kind} "
                f"{row.subject_id!r} by {row.by!r} ({row.role}) is not signed")
        count += 1
        actual = hashlib.sha256(row.evidence_json.encode("utf-8")).hexdigest()
        if actual != row.evidence_digest:
            raise SignatureProblem(str(row.id), "evidence_json",
                                   f"{where}: the evidence no longer has the signed digest")
        values = {k: getattr(row, k) for k in ("subject_kind", "subject_id", "tier", "role",
                                                "use", "by", "evidence_digest")}
        problem = verify_one(allowed_signers, row.by, statement(values), row.signature)
        if problem is not None:
            raise SignatureProblem(str(row.id), "signature",
                                   f"{where}, column signature: the signature of {row.by!r} "
                                   f"does not verify: {problem}")
    return count


def check_signatures(conn: Any, report: Any, allowed_signers: str | os.PathLike[str]) -> None:
    """``audit verify --allowed-signers``: mark ``report`` (a VerifyReport) failed at the
    first signed approval that does not verify."""
    from register.store import governance_queries

    try:
        verify_approvals(governance_queries.approval_rows(conn), allowed_signers)
    except SignatureProblem as exc:
        report.ok = False
        report.problem = exc.message
        report.table, report.row, report.column = "approval", exc.row, exc.column
