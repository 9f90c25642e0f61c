"""The report verbs of :class:`register.register.Register` (a mixin): the board's figures,
the EU AI Act training-content summary, the records of processing of personal data."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from register.register import Register
    from register.reports.ai_act import TrainingSummary
    from register.reports.figures import Figures
    from register.reports.processing import ProcessingRecord


class ReportVerbs:
    """Reports for people (mixed into ``Register``)."""

    def _report_facade(self) -> Register:
        return cast("Register", self)

    def figures(self, *, on: date | None = None) -> Figures:
        """The board's figures on ``on`` (default today): see :mod:`register.reports.figures`."""
        from register.reports.figures import build_figures

        return build_figures(self._report_facade(), on=on)

    def ai_act_summary(self, model_id: str) -> TrainingSummary:
        """The public summary of a model's training content (EU AI Act Art. 53(1)(d))."""
        from register.reports.ai_act import build_summary

        return build_summary(self._report_facade(), model_id)

    def processing_records(self) -> list[ProcessingRecord]:
        """Records of processing: the datasets holding personal data, and the models
        trained on them."""
        from register.reports.processing import build_records

        return build_records(self._report_facade())
