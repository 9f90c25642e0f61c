"""Model cards from the Hugging Face Hub, through ``huggingface_hub``.

:func:`fetch_model_cards` resolves each model's revision to a commit sha
(``HfApi.model_info`` with file metadata: the weight files' sha256 come from the Hub's LFS
metadata), downloads its ``README.md`` at that sha (:func:`register.cards.hub.download`, the
bounded, streamed download of ``ingest --hub`` and of the Hub sync: no cache, refused past
the card size limit) and parses it with :func:`register.models.cards.parse_model_bytes`.
With ``with_ancestors`` the ``base_model`` ids of each fetched card are fetched too (breadth
first, each once; ids in ``skip``, the models the register already holds, are not fetched
again).  ``HF_ENDPOINT`` / ``HF_TOKEN`` as for datasets (:mod:`register.cards.hub`).  Errors
are per model (yielded, the batch goes on), except an unreachable Hub, which raises
:class:`~register.errors.HubError`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any
from urllib.parse import quote

from register.cards.files import CARD_NAME, MAX_CARD_BYTES, validate_dataset_id
from register.cards.hub import (
    HubUnreachable,
    download,
    hub_api,
    hub_call,
    hub_endpoint,
    hub_headers,
    repo_url,
    resolve_token,
    unreachable,
)
from register.errors import CardError, HubError
from register.models.cards import WEIGHT_SUFFIXES, ModelCard, WeightFile, parse_model_bytes

__all__ = ["fetch_listed_model", "fetch_model_cards"]

_TIMEOUT = 30.0
MAX_ANCESTORS = 64


def fetch_model_cards(
    ids: list[str], revision: str | None = None, *, with_ancestors: bool = False,
    skip: Collection[str] = (), token: str | None = None, endpoint: str | None = None,
) -> Iterator[ModelCard | CardError | HubError]:
    """Yield, per model (and ancestor), its :class:`ModelCard` or the error that stopped it.
    ``revision`` applies to the ids given, ancestors are read at their main revision."""
    ep = hub_endpoint(endpoint)
    tok = resolve_token(token)
    api = hub_api(ep, tok)
    headers = hub_headers(tok)
    todo: list[tuple[str, str | None]] = [(i, revision) for i in dict.fromkeys(ids)]
    seen = {i for i, _r in todo}
    fetched = 0
    while todo:
        model_id, rev = todo.pop(0)
        try:
            validate_dataset_id(model_id, path=model_id)
            card = _fetch_one(api, model_id, rev, ep, headers)
        except HubUnreachable as exc:
            raise unreachable(ep, exc) from None
        except (CardError, HubError) as exc:
            yield exc
            continue
        fetched += 1
        yield card
        if with_ancestors and fetched < MAX_ANCESTORS:
            for base in card.base_models:
                if base not in seen and base not in skip:
                    seen.add(base)
                    todo.append((base, None))


def _fetch_one(api: Any, model_id: str, revision: str | None, endpoint: str,
               headers: dict[str, str]) -> ModelCard:
    info = hub_call(lambda: api.model_info(model_id, revision=revision, files_metadata=True,
                                           timeout=_TIMEOUT), model_id, revision, kind="model")
    sha = getattr(info, "sha", None) or revision
    return _card_at(model_id, sha, info, getattr(info, "gated", None), endpoint, headers)


def _card_at(model_id: str, sha: str | None, files: Any, gated: Any, endpoint: str,
             headers: dict[str, str]) -> ModelCard:
    """The card of ``model_id`` at ``sha`` (``files``: its ``ModelInfo`` read with file
    metadata, for the weights), its ``README.md`` read through the bounded :func:`download`
    (one way for ``--hub ID`` and the sync)."""
    source = repo_url(model_id, endpoint, "model")
    weights = _weights(files, source)
    readme = download(model_id, CARD_NAME, sha or "main", MAX_CARD_BYTES, "card", endpoint,
                      headers, kind="model")
    if readme is None:
        raise CardError(source, f"the model repository has no {CARD_NAME}")
    return parse_model_bytes(readme, model_id, source, sha, weights=weights,
                             hub_data={"gated": gated})


def _weights(info: Any, source: str) -> list[WeightFile]:
    """The weight files of a ``ModelInfo`` read with file metadata (their LFS sha256);
    raises :class:`CardError` when its files are listed and have no README.md."""
    weights: list[WeightFile] = []
    names: set[str] = set()
    for s in getattr(info, "siblings", None) or []:
        names.add(s.rfilename)
        if s.rfilename.lower().endswith(WEIGHT_SUFFIXES):
            lfs = getattr(s, "lfs", None)
            sha256 = getattr(lfs, "sha256", None) if lfs is not None else None
            size = getattr(lfs, "size", None) if lfs is not None else getattr(s, "size", None)
            weights.append(WeightFile(s.rfilename, sha256, size))
    if getattr(info, "siblings", None) is not None and CARD_NAME not in names:
        raise CardError(source, f"the model repository has no {CARD_NAME}")
    return weights


def fetch_listed_model(info: Any, endpoint: str, headers: dict[str, str]) -> ModelCard:
    """The card of a listed model at its listed sha (``info``: a listing ``ModelInfo``), for
    :mod:`register.cards.hub_sync`: the model's files with their LFS metadata (the weights'
    sha256), then its ``README.md``, both through huggingface_hub's ``http_backoff`` (429
    waits as ``Retry-After`` asks).  Raises :class:`CardError` / :class:`HubError` for this
    model, :class:`HubUnreachable` when the Hub cannot be reached."""
    from huggingface_hub import ModelInfo
    from huggingface_hub.utils import hf_raise_for_status, http_backoff

    model_id = info.id
    validate_dataset_id(model_id, path=model_id)
    sha = info.sha or "main"
    url = f"{endpoint}/api/models/{model_id}/revision/{quote(sha, safe='')}"

    def get_info() -> Any:
        response = http_backoff("GET", url, headers=headers, params={"blobs": True},
                                timeout=_TIMEOUT)
        hf_raise_for_status(response)
        return ModelInfo(**response.json())

    full = hub_call(get_info, model_id, sha, kind="model")
    return _card_at(model_id, info.sha, full, getattr(info, "gated", None), endpoint, headers)
