"""The outcome of normalizing one license text: :class:`NormalizationResult` (SPEC section 3's
JSON object, typed by :class:`NormalizationJSON`) and the constructors the normalizer uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from typing_extensions import TypedDict

__all__ = ["NormalizationJSON", "NormalizationResult", "describe_ids", "result", "review"]


class NormalizationJSON(TypedDict):
    """One normalized license text (SPEC section 3)."""

    input: str
    expression: str | None
    needs_review: bool
    confidence: float
    method: str
    reason: str


@dataclass(frozen=True)
class NormalizationResult:
    """The outcome of normalizing one text (the SPEC section 3 JSON object)."""

    input: str
    expression: str | None
    needs_review: bool
    confidence: float
    method: str
    reason: str

    def to_dict(self) -> NormalizationJSON:
        return {
            "input": self.input,
            "expression": self.expression,
            "needs_review": self.needs_review,
            "confidence": self.confidence,
            "method": self.method,
            "reason": self.reason,
        }


def result(
    text: str, expression: str | None, review: bool, confidence: float, method: str, reason: str
) -> NormalizationResult:
    return NormalizationResult(text, expression, review, round(confidence, 2), method, reason)


def review(text: str, method: str, reason: str, expression: str | None = None,
            confidence: float = 0.0) -> NormalizationResult:
    return result(text, expression, True, confidence, method, reason)


def describe_ids(ids: Iterable[str]) -> str:
    return ", ".join(sorted(set(ids)))
