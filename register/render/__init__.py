"""Rendering for people and scripts: output formats (table, JSON, CSV), the check view, the
NOTICE text and the one function that makes a value safe cell text."""
