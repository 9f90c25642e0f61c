"""Public links to what the register describes: the Hugging Face Hub page of a dataset or
model, at its revision when one is recorded; never a local path.

A card ingested from a local copy keeps its path as ``source``; its id is the Hub id (the
register's id rule follows the Hub's), so the Hub page is derived from the id.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["HUB", "hub_file_url", "hub_url", "is_url"]

HUB = "https://huggingface.co"


def is_url(text: str | None) -> bool:
    return bool(text) and str(text).startswith(("https://", "http://"))


def hub_url(repo_id: str, *, kind: str = "dataset", source: str | None = None,
            revision: str | None = None) -> str:
    """The Hub page of ``repo_id`` (``kind`` ``dataset`` or ``model``), pinned to
    ``revision`` (``/tree/<revision>``) when known.  A ``source`` that is already a URL (a
    card fetched from the Hub or a mirror) is kept as the base."""
    if is_url(source):
        base = str(source).rstrip("/")
    else:
        prefix = f"{HUB}/datasets/" if kind == "dataset" else f"{HUB}/"
        base = prefix + quote(repo_id, safe="/")
    return f"{base}/tree/{quote(revision, safe='')}" if revision else base


def hub_file_url(repo_id: str, path: str, *, kind: str = "dataset", revision: str | None = None,
                 view: str = "blob") -> str:
    """A file of ``repo_id`` on the Hub at ``revision`` (default ``main``): ``view`` ``blob``
    is its page, ``resolve`` the file itself."""
    prefix = f"{HUB}/datasets/" if kind == "dataset" else f"{HUB}/"
    return (f"{prefix}{quote(repo_id, safe='/')}/{view}/{quote(revision or 'main', safe='')}/"
            f"{quote(path)}")
