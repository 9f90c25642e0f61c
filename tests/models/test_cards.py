"""Model cards: parsing real Hub model cards, weight hashing, license normalization."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from register.errors import CardError
from register.licenses.normalize import normalize
from register.models.cards import (
    model_id_from_name,
    parse_model_bytes,
    parse_model_path,
)
from register.models.license import normalize_model_card, publisher_license

MODELS = Path(__file__).parents[1] / "fixtures" / "model-cards"


def card(name: str):  # type: ignore[no-untyped-def]
    return parse_model_path(MODELS / name, model_id_from_name(name))


def test_merge_card_lists_its_bases_relation_and_license() -> None:
    c = card("OpenGVLab__InternVL2-Llama3-76B")
    assert c.model_id == "OpenGVLab/InternVL2-Llama3-76B"
    assert c.base_models == ("OpenGVLab/InternViT-6B-448px-V1-5",
                             "NousResearch/Hermes-2-Theta-Llama-3-70B")
    assert c.base_model_relation == "merge"
    assert c.raw_license["license"] == "llama3"
    assert c.pipeline_tag == "image-text-to-text"
    assert c.card_sha256 == hashlib.sha256(
        (MODELS / "OpenGVLab__InternVL2-Llama3-76B" / "README.md").read_bytes()).hexdigest()


def test_datasets_and_finetune_relation() -> None:
    c = card("OpenGVLab__InternViT-6B-448px-V1-5")
    assert c.base_model_relation == "finetune"
    assert "laion/laion2B-en" in c.datasets and len(c.datasets) == 6


def test_relation_inferred_for_gguf_and_lora() -> None:
    gguf = card("TheBloke__Luna-AI-Llama2-Uncensored-GGUF")
    assert gguf.base_models == ("Tap-M/Luna-AI-Llama2-Uncensored",)
    assert gguf.base_model_relation == "quantized"
    assert gguf.metadata["relation_inferred"] is True
    quant = card("hugging-quants__Llama-3.2-1B-Instruct-Q4_K_M-GGUF")
    assert quant.base_model_relation == "quantized"


def test_other_with_license_name_and_link() -> None:
    c = card("Qwen__Qwen2.5-3B")
    assert c.raw_license["license"] == "other"
    assert c.raw_license["license_name"] == "qwen-research"
    norm = normalize_model_card(c)
    assert (norm.expression, norm.needs_review) == ("LicenseRef-qwen-research", False)


def test_tab_in_yaml_still_parses() -> None:
    c = card("lighteternal__stsb-xlm-r-greek-transfer")
    assert c.raw_license["license"] == "apache-2.0"


@pytest.mark.parametrize("text, fragment", [
    (b"---\nlicense: mit\nbase_model: x/y\n", "not terminated"),
    (b"---\n- a\n---\n", "not a mapping"),
    (b"---\nlicense: mit\nlicense: apache-2.0\n---\n", "license"),
])
def test_bad_cards_are_card_errors(text: bytes, fragment: str) -> None:
    with pytest.raises(CardError, match=fragment):
        parse_model_bytes(text, "org/bad", "bad/README.md")


def test_local_paths_in_base_model_are_dropped_with_a_warning() -> None:
    c = parse_model_bytes(b"---\nbase_model:\n- /home/me/ckpt\n- org/real\n---\n", "a/b", "s")
    assert c.base_models == ("org/real",)
    assert any("local path" in w for w in c.warnings)


def test_prose_base_when_yaml_has_none() -> None:
    c = parse_model_bytes(b"---\nlicense: mit\n---\nOriginal model: "
                          b"https://huggingface.co/Org/Base-7B\n", "a/b-gguf", "s")
    assert c.base_models == ("Org/Base-7B",)
    assert c.base_model_relation == "quantized"


def test_weights_hashed_and_lfs_pointers_read(tmp_path: Path) -> None:
    d = tmp_path / "org__m"
    d.mkdir()
    (d / "README.md").write_bytes(b"---\nlicense: mit\n---\n")
    (d / "model.safetensors").write_bytes(b"weights")
    oid = "a" * 64
    (d / "big.gguf").write_bytes(
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 123\n".encode())
    (d / "notes.txt").write_text("not weights")
    c = parse_model_path(d, "org/m")
    got = {w.path: (w.sha256, w.size) for w in c.weights}
    assert got == {"big.gguf": (oid, 123),
                   "model.safetensors": (hashlib.sha256(b"weights").hexdigest(), 7)}


@pytest.mark.parametrize("hub_id, expected", [
    ("llama2", "LicenseRef-scancode-llama-2-license-2023"),
    ("llama3", "LicenseRef-hf-llama3"),
    ("llama3.1", "LicenseRef-scancode-llama-3.1-license-2024"),
    ("llama3.2", "LicenseRef-scancode-llama-3.2-license-2024"),
    ("llama3.3", "LicenseRef-scancode-llama-3.3-license-2024"),
    ("llama4", "LicenseRef-scancode-llama-4-license-2025"),
    ("gemma", "LicenseRef-scancode-gemma-tou-2024-04-01"),
    ("openrail++", "LicenseRef-scancode-bigscience-open-rail-m2"),
    ("creativeml-openrail-m", "LicenseRef-scancode-stable-diffusion-2022-08-22"),
    ("bigscience-openrail-m", "LicenseRef-scancode-bigscience-open-rail-m"),
    ("bigcode-openrail-m", "LicenseRef-scancode-bigcode-open-rail-m-v1"),
    ("apple-ascl", "LicenseRef-hf-apple-ascl"),
    ("deepfloyd-if-license", "LicenseRef-hf-deepfloyd-if-license"),
    ("qwen-research", "LicenseRef-qwen-research"),
    ("flux-1-dev-non-commercial-license", "LicenseRef-scancode-flux-1-nc"),
])
def test_hub_model_license_ids(hub_id: str, expected: str) -> None:
    r = normalize(hub_id)
    assert (r.expression, r.needs_review) == (expected, False)


def test_openrail_family_needs_review() -> None:
    assert normalize("openrail").needs_review


@pytest.mark.parametrize("name, family", [
    ("SkkJodhpur__Meta-Llama-3.1-8B-Unsloth-2x-faster-finetuning-GGUF-by-skk", "llama"),
    ("OliseNS__FinetuneGemma", "gemma"),
    ("Tap-M__Luna-AI-Llama2-Uncensored", "llama"),
])
def test_permissive_claim_on_a_llama_or_gemma_lineage_needs_review(name: str,
                                                                   family: str) -> None:
    norm = normalize_model_card(card(name))
    assert norm.needs_review
    assert family in norm.reason.lower()


def test_llama_licensed_card_is_consistent() -> None:
    norm = normalize_model_card(card("NousResearch__Meta-Llama-3-8B"))
    assert (norm.expression, norm.needs_review) == ("LicenseRef-hf-llama3", False)


def test_card_without_license_inherits_from_its_base() -> None:
    norm = normalize_model_card(card("soyRex-codes__Bearchat_V2"))
    assert norm.method == "inherit" and norm.expression is None and not norm.needs_review


def test_publisher_license() -> None:
    assert publisher_license("meta-llama/Llama-3.2-1B-Instruct") == "llama3.2"
    assert publisher_license("meta-llama/Meta-Llama-3.1-8B") == "llama3.1"
    assert publisher_license("google/gemma-2-2b") == "gemma"
    assert publisher_license("someone/llama-3.2-copy") is None
