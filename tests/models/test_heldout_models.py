"""Held-out probe 2 (2026-12-03): model cards the devset does not hold (Mistral fine-tune,
Llama 3.1 LoRA, Gemma-2 GGUF, a mergekit merge of Qwen and Llama 3, a Yi fine-tune, SD 1.5 and
BLOOM RAIL fine-tunes, NC, apache-2.0 on Llama 3 / Gemma bases, missing or prose-only
licenses), with a reviewer's answer.  The card's own conclusion is never silently wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from register.errors import CardError
from register.models.cards import parse_model_bytes
from register.models.license import normalize_model_card
from tests.licenses.test_heldout import _answers, _same

CARDS: list[dict[str, Any]] = list(yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "heldout-model-cards.yaml").read_text(
        encoding="utf-8")))


@pytest.mark.parametrize("case", CARDS, ids=[c["id"] for c in CARDS])
def test_heldout_model_card(case: dict[str, Any]) -> None:
    if case["bases"] is None:  # front matter that does not parse: a one-line card error
        with pytest.raises(CardError):
            parse_model_bytes(case["readme"].encode(), case["id"], case["id"])
        return
    card = parse_model_bytes(case["readme"].encode(), case["id"], case["id"])
    assert list(card.base_models) == case["bases"]
    res = normalize_model_card(card)
    answers, review_ok = _answers(case["expected"])
    if res.needs_review:
        assert review_ok, res
        assert res.reason
    else:
        assert res.expression is not None, res
        assert _same(res.expression, answers), res
