"""Hugging Face model cards: a ``README.md`` with YAML front matter, as the Hub stores them.

Pure parsing (no database, no network).  :func:`parse_model_bytes` and :func:`parse_model_path`
return a :class:`ModelCard` or raise :class:`~register.errors.CardError` (a bad model card
behaves like a bad dataset card: one-line error, the batch goes on).  The front matter is read
by the dataset cards' reader (:func:`register.cards.frontmatter.read_front_matter`), so the
same rules apply (duplicate license keys refused, tabs, byte-order marks...).

Decisions:

* ``card_sha256`` is the sha256 of the README bytes (as for a dataset card alone).
* ``base_model`` may be a string or a list; entries that are local paths (``/...``, ``./...``,
  ``C:\\...``, or more than one ``/``) are not Hub ids: they are dropped with a warning.
* ``base_model_relation`` is one of :data:`RELATIONS`; when missing it is ``None`` (a chain
  edge then counts as ``finetune``, the most common and the most inheriting relation).
* Weight files of a local model directory are the files with a :data:`WEIGHT_SUFFIXES` suffix
  directly in it, hashed (sha256); a Git LFS pointer file gives its ``oid sha256`` instead.
* Without a YAML ``base_model``, bases the prose names by Hub id ("Original model:
  https://huggingface.co/org/name", "Finetuned from model: [org/name](...)", "quantized
  version of org/name") are taken, with a warning; without ``base_model_relation`` the
  relation is inferred from tags, library and id (GGUF/GPTQ/AWQ -> quantized, PEFT/LoRA ->
  adapter, mergekit -> merge) and marked ``relation_inferred`` in the metadata.
* Lines of the body such as ``- **License:** ...`` are kept as ``license_statements`` in the
  raw license fields (the license normalizer compares them with the YAML).
* A directory named ``owner__name`` (as many card collections save Hub ids) has the id
  ``owner/name``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from register.cards.files import (
    CARD_NAME,
    MAX_CARD_BYTES,
    card_sha256,
    discover_found,
    read_limited,
    to_jsonable,
    validate_dataset_id,
)
from register.cards.frontmatter import read_front_matter
from register.cards.sections import license_section_of
from register.errors import CardError

__all__ = [
    "RELATIONS",
    "WEIGHT_SUFFIXES",
    "ModelCard",
    "WeightFile",
    "discover_models",
    "hash_weight_file",
    "parse_model_bytes",
    "parse_model_path",
]

RELATIONS: tuple[str, ...] = ("adapter", "merge", "quantized", "finetune")
WEIGHT_SUFFIXES: tuple[str, ...] = (
    ".safetensors", ".bin", ".gguf", ".pt", ".pth", ".ckpt", ".onnx", ".h5", ".msgpack",
    ".tflite", ".mlmodel", ".pkl", ".npz",
)
_LFS_POINTER = re.compile(rb"\Aversion https://git-lfs\S*\noid sha256:([0-9a-f]{64})\nsize (\d+)")
_LOCAL_PATH = re.compile(r"^(?:[./~]|[A-Za-z]:[\\/])|\\")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*(?:/[\w.\-]+)?$")


@dataclass(frozen=True)
class WeightFile:
    """One weight file: its name in the repository, sha256 and size (None: not known)."""

    path: str
    sha256: str | None
    size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WeightFile:
        return cls(str(data.get("path")), data.get("sha256"), data.get("size"))


@dataclass(frozen=True)
class ModelCard:
    """One parsed model card."""

    model_id: str
    source: str
    revision: str | None
    card_sha256: str
    raw_license: dict[str, Any]
    base_models: tuple[str, ...] = ()
    base_model_relation: str | None = None
    datasets: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    gated: Any = None
    weights: tuple[WeightFile, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id, "source": self.source, "revision": self.revision,
            "card_sha256": self.card_sha256, "raw_license": self.raw_license,
            "base_models": list(self.base_models),
            "base_model_relation": self.base_model_relation,
            "datasets": list(self.datasets), "pipeline_tag": self.pipeline_tag,
            "gated": self.gated, "weights": [w.to_dict() for w in self.weights],
            "metadata": self.metadata, "warnings": list(self.warnings),
        }


def _strings(value: Any, what: str, warnings: list[str]) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        elif item is not None:
            warnings.append(f"'{what}' entry {str(item)[:60]!r} is not a string; ignored")
    return list(dict.fromkeys(out))


def _base_ids(value: Any, warnings: list[str]) -> list[str]:
    out: list[str] = []
    for item in _strings(value, "base_model", warnings):
        if _LOCAL_PATH.search(item) or item.count("/") > 1 or not _HUB_ID.match(item):
            warnings.append(f"base_model {item[:80]!r} is a local path, not a Hub id; ignored")
            continue
        out.append(item)
    return out


def parse_model_bytes(readme: bytes, model_id: str, source: str, revision: str | None = None,
                      *, weights: Iterable[WeightFile] = (),
                      hub_data: dict[str, Any] | None = None) -> ModelCard:
    """Parse a model card given as bytes; ``source`` names it in errors."""
    validate_dataset_id(model_id, path=source)
    if len(readme) > MAX_CARD_BYTES:
        raise CardError(source, f"card is {len(readme):,} bytes, over the 5 MB limit")
    fm = read_front_matter(readme, source)
    data = fm.data
    warnings = list(fm.warnings)
    raw: dict[str, Any] = {}
    for key in ("license", "license_name", "license_link"):
        if key in data and data[key] is not None:
            raw[key] = to_jsonable(data[key])
    raw["license_section"] = license_section_of(fm.body)
    relation = data.get("base_model_relation")
    if relation is not None:
        relation = str(relation).strip().lower()
        if relation not in RELATIONS:
            warnings.append(f"base_model_relation {relation[:40]!r} is not one of "
                            f"{', '.join(RELATIONS)}; ignored")
            relation = None
    tags = _strings(data.get("tags"), "tags", warnings)
    statements = [m.group(1).strip()[:300] for m in _STATEMENT.finditer(fm.body[:200_000])]
    if statements:
        raw["license_statements"] = statements[:5]
    bases = _base_ids(data.get("base_model"), warnings)
    if not bases and "base_model" not in data:
        bases = [b for b in dict.fromkeys(m.group(1).rstrip(".") for m in
                                          _PROSE_BASE.finditer(fm.body[:200_000]))
                 if b.lower() != model_id.lower()][:4]
        for b in bases:
            warnings.append(f"base model {b} read from the card's prose (no YAML base_model)")
    inferred = False
    if relation is None and bases:
        relation = _infer_relation(model_id, tags, data.get("library_name"))
        inferred = relation is not None
    gated: dict[str, Any] = {k: to_jsonable(data[k]) for k in ("gated", "extra_gated_prompt",
                                               "extra_gated_fields", "extra_gated_heading")
             if k in data}
    if hub_data and hub_data.get("gated") not in (None, False):
        gated["hub_gated"] = hub_data["gated"]
    metadata: dict[str, Any] = {"tags": tags}
    if inferred:
        metadata["relation_inferred"] = True
    for key in ("library_name", "language", "model_name", "inference"):
        if key in data and data[key] is not None:
            metadata[key] = to_jsonable(data[key])
    metadata["lineage_text"] = _lineage_sentences(fm.body)
    pipeline = data.get("pipeline_tag")
    return ModelCard(
        model_id=model_id, source=source, revision=revision,
        card_sha256=card_sha256(readme, None), raw_license=raw,
        base_models=tuple(bases),
        base_model_relation=relation,
        datasets=tuple(_strings(data.get("datasets"), "datasets", warnings)),
        pipeline_tag=str(pipeline) if isinstance(pipeline, str) else None,
        gated=gated or None, weights=tuple(weights), metadata=metadata,
        warnings=tuple(warnings),
    )


# the words that make a sentence (a run of text up to "." or a newline) a lineage hint; the
# sentences are split first and then searched, since a pattern with a leading [^.\n]* is
# retried from every position of a long line (quadratic: ~1 s for a 37 kB card)
_LINEAGE = re.compile(
    r"\b(?:based on|based|fine-?tun\w* (?:of|from|on)|built (?:on|upon|with)|derived "
    r"from|version of|quantiz\w* of|merge of|trained on top of|licen[cs]\w*)\b",
    re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.\n]")


_STATEMENT = re.compile(
    r"(?im)^[ \t]*(?:[-*][ \t]*)?\**licen[cs]e\**[ \t]*:[ \t]*\**[ \t]*(\S.*)$")
_PROSE_BASE = re.compile(
    r"(?i)(?:original model|base model|finetuned from(?: model)?|fine-tuned from(?: model)?|"
    r"quantized from|quantized version of|quantizations? of)\**[ \t]*:?\**[ \t]*"
    r"(?:\[[^\]\n]*\]\()?(?:https?://huggingface\.co/)?"
    r"([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)")


def _infer_relation(model_id: str, tags: list[str], library: Any) -> str | None:
    words = {t.lower() for t in tags} | {str(library or "").lower()}
    low = model_id.lower()
    if words & {"gguf", "gptq", "awq", "exl2", "llama-cpp", "gguf-my-repo"} or any(
            q in low for q in ("gguf", "gptq", "awq", "-bnb-", "exl2")):
        return "quantized"
    if words & {"peft", "lora", "adapter"}:
        return "adapter"
    if words & {"merge", "mergekit"}:
        return "merge"
    return None


def _lineage_sentences(body: str) -> list[str]:
    """Sentences of the body that may name a base model or a license (at most 20, 300 chars)."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(body[:200_000]):
        if _LINEAGE.search(sentence):
            out.append(sentence.strip()[:300])
            if len(out) == 20:
                break
    return out


def hash_weight_file(path: str | os.PathLike[str], name: str | None = None) -> WeightFile:
    """sha256 and size of a weight file (a Git LFS pointer gives the oid it points to)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        h = hashlib.sha256()
        with p.open("rb") as f:
            head = f.read(1024)
            m = _LFS_POINTER.match(head) if size < 1024 else None
            if m:
                return WeightFile(name or p.name, m.group(1).decode(), int(m.group(2)))
            h.update(head)
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise CardError(str(path), f"cannot read weight file: {exc.strerror or exc}") from None
    return WeightFile(name or p.name, h.hexdigest(), size)


def _dir_weights(directory: Path) -> list[WeightFile]:
    out: list[WeightFile] = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return out
    for name in names:
        full = directory / name
        if name.lower().endswith(WEIGHT_SUFFIXES) and full.is_file():
            out.append(hash_weight_file(full, name))
    return out


def model_id_from_name(name: str) -> str:
    """``owner__name`` (a saved Hub id) -> ``owner/name``; other names as they are."""
    if "/" not in name and "__" in name:
        owner, _, rest = name.partition("__")
        return f"{owner}/{rest}"
    return name


def discover_models(paths: Iterable[str | os.PathLike[str]], recursive: bool = False,
                    ) -> Iterator[tuple[Path, str]]:
    """``(card file or model directory, model id)`` per model card below ``paths``
    (as :func:`register.cards.files.discover` does for datasets)."""
    for found in discover_found(paths, recursive):
        yield Path(found.path), model_id_from_name(found.dataset_id)


def parse_model_path(path: str | os.PathLike[str], model_id: str, *,
                     hash_weights: bool = True) -> ModelCard:
    """Parse a model directory (its README.md, and its weight files hashed) or a card file."""
    p = Path(path)
    if p.is_dir():
        card = p / CARD_NAME
        if not card.is_file():
            raise CardError(str(p), f"no {CARD_NAME} in this directory",
                            hint="use --recursive to ingest the model directories below it")
        readme = read_limited(card, MAX_CARD_BYTES, "card")
        weights = _dir_weights(p) if hash_weights else []
        return parse_model_bytes(readme, model_id, os.path.abspath(p), weights=weights)
    if not p.exists():
        raise CardError(str(p), "no such file or directory")
    readme = read_limited(p, MAX_CARD_BYTES, "card")
    return parse_model_bytes(readme, model_id, os.path.abspath(p))
