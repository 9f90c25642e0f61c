"""Licenses: the knowledge base of terms (catalog), the lookup tables built from it and the
SPDX license list, normalization of free text to SPDX, and the one SPDX ``Licensing``."""
