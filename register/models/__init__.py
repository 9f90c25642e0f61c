"""Models and lineage: model cards, base-model chains, recorded fine-tunes, their export.

:mod:`register.models.cards` parses Hugging Face model cards, :mod:`register.models.license`
normalizes their licenses (with the lineage hints a card gives), :mod:`register.models.lineage`
resolves ``base_model`` chains and the terms that flow down them, :mod:`register.models.records`
builds fine-tune records, :mod:`register.models.hub` fetches model cards from the Hub and
:mod:`register.models.spdx` writes the SPDX 3.0.1 AI profile of a model.
"""
