"""A governed register for the governance tests: two hub datasets (on the fake Hub), a base
model card, a fine-tune recorded on them, licenses concluded by legal; and SSH keys."""

from __future__ import annotations

import subprocess
from pathlib import Path

from register import Register
from tests.hub_helpers import FakeHub, FakeRepo

ALPHA, BETA, BASE, TUNED = "org/alpha", "org/beta", "acme/base", "acme/tuned"


def card(license_id: str, title: str = "Card") -> dict[str, bytes]:
    return {"README.md": f"---\nlicense: {license_id}\n---\n# {title}\n".encode()}


def governed(reg: Register, hub: FakeHub, work: Path) -> Register:
    """Datasets from the fake Hub, a base model card, ``acme/tuned`` recorded on them."""
    hub.repos[ALPHA] = FakeRepo(card("mit", "Alpha"))
    hub.repos[BETA] = FakeRepo(card("apache-2.0", "Beta"))
    reg.ingest_hub([ALPHA, BETA], actor="ingester")
    base = work / "base"
    base.mkdir()
    (base / "README.md").write_text("---\nlicense: apache-2.0\n---\n# Base model\n",
                                    encoding="utf-8")
    reg.ingest_models([base], model_id=BASE, actor="ingester")
    corpus = work / "corpus.yaml"
    corpus.write_text(f"name: tuned\nbase_model: {BASE}\ndatasets: [{ALPHA}, {BETA}]\n",
                      encoding="utf-8")
    (work / "out").mkdir()
    (work / "out" / "adapter_model.safetensors").write_bytes(b"trained weights")
    reg.record_model(TUNED, base=BASE, corpus=corpus, weights=[work / "out"], owner="erin",
                     scope="pilot", use="service", by="erin")
    for ds in (ALPHA, BETA):
        reg.set_license(ds, str(reg.show(ds).license.effective), reason="read the card",
                        by="alice")
    return reg


def ssh_key(work: Path, name: str) -> Path:
    """A fresh ed25519 key pair (no passphrase) in ``work``; returns the private key."""
    key = work / f"{name}_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
                   check=True, capture_output=True)
    return key


def allowed_signers(work: Path, keys: dict[str, Path]) -> Path:
    """An allowed-signers file: ``principal key`` per line, principals the ``--by`` names."""
    path = work / "allowed_signers"
    path.write_text("".join(f"{who} {Path(str(k) + '.pub').read_text(encoding='utf-8')}"
                            for who, k in keys.items()), encoding="utf-8")
    return path
