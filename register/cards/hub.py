"""Dataset cards from the Hugging Face Hub, through ``huggingface_hub``.

:func:`fetch_cards` resolves each dataset's revision to a commit sha (``HfApi.dataset_info``),
downloads its ``README.md`` and, when the repository has one, ``dataset_infos.json`` /
``dataset_info.json`` at that sha (:func:`download`: streamed and refused past the size limit,
so no file sizes are asked for first) and parses them with
:func:`register.cards.files.parse_card_bytes`.  The document records the sha as its
revision and ``<endpoint>/datasets/<id>`` as its source.

``HF_ENDPOINT`` and ``HF_TOKEN`` are read when a function is called (huggingface_hub reads
some of them only at import), and explicit arguments win.

Errors: a problem with one dataset (not found, gated, unknown revision, bad card) is yielded
as a :class:`HubError` / :class:`CardError` in its place and the batch goes on; when the Hub
cannot be reached at all :class:`HubError` is raised, since every further dataset would fail.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from register.cards.files import (
    CARD_NAME,
    INFOS_NAMES,
    LICENSE_KEYS,
    MAX_CARD_BYTES,
    MAX_INFOS_BYTES,
    CardDocument,
    parse_card_bytes,
    to_jsonable,
    validate_dataset_id,
)
from register.errors import CardError, HubError, RegisterError

__all__ = [
    "DEFAULT_ENDPOINT", "HubUnreachable", "card_at", "dataset_url", "download", "fetch_cards",
    "hub_api", "hub_call", "hub_endpoint", "hub_headers", "one_line", "repo_url", "resolve_token",
    "search", "unreachable", "with_hub_metadata",
]

DEFAULT_ENDPOINT = "https://huggingface.co"
_TIMEOUT = 30.0


class HubUnreachable(Exception):
    """The Hub could not be reached (connection refused, DNS, timeout)."""


def hub_endpoint(endpoint: str | None = None) -> str:
    """The Hub base URL: ``endpoint``, else ``$HF_ENDPOINT``, else huggingface.co."""
    return (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def dataset_url(dataset_id: str, endpoint: str | None = None) -> str:
    """The dataset's page on the Hub, recorded as the card's source."""
    return f"{hub_endpoint(endpoint)}/datasets/{dataset_id}"


def resolve_token(token: str | None) -> str | bool | None:
    if token:
        return token
    env = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    return env or None


def hub_api(endpoint: str, token: str | bool | None) -> Any:
    from huggingface_hub import HfApi

    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    return HfApi(endpoint=endpoint, token=token)


def fetch_cards(
    ids: list[str],
    revision: str | None = None,
    *,
    token: str | None = None,
    endpoint: str | None = None,
) -> Iterator[CardDocument | CardError | HubError]:
    """Yield, per id and in order, its :class:`CardDocument` or the error that stopped it.

    ``revision`` (branch, tag or sha) applies to every id; the document's ``revision`` is
    the commit sha it resolved to.  Raises :class:`HubError` when the Hub is unreachable.
    """
    ep = hub_endpoint(endpoint)
    tok = resolve_token(token)
    api = hub_api(ep, tok)
    headers = hub_headers(tok)
    for dataset_id in ids:
        try:
            validate_dataset_id(dataset_id, path=dataset_id)
            yield _fetch_one(api, dataset_id, revision, ep, headers)
        except HubUnreachable as exc:
            raise unreachable(ep, exc) from None
        except (CardError, HubError) as exc:
            yield exc


def _fetch_one(api: Any, dataset_id: str, revision: str | None, endpoint: str,
               headers: dict[str, str]) -> CardDocument:
    source = dataset_url(dataset_id, endpoint)
    info = hub_call(lambda: api.dataset_info(dataset_id, revision=revision, timeout=_TIMEOUT),
                    dataset_id, revision)
    siblings: set[str] | None = None
    if getattr(info, "siblings", None) is not None:
        siblings = {s.rfilename for s in info.siblings}
        if CARD_NAME not in siblings:
            raise CardError(source, f"the dataset repository has no {CARD_NAME}")
    sha = getattr(info, "sha", None)
    return with_hub_metadata(card_at(dataset_id, sha or revision or "main", endpoint, headers,
                                     revision=sha or revision, siblings=siblings), info)


def card_at(dataset_id: str, ref: str, endpoint: str, headers: dict[str, str], *,
            revision: str | None, siblings: set[str] | None = None) -> CardDocument:
    """The card of ``dataset_id`` at ``ref`` (its ``README.md`` and the first infos file
    there; ``siblings``, when known, says which exist), parsed, recording ``revision``.
    Raises :class:`CardError` when the repository has no ``README.md``."""
    readme = download(dataset_id, CARD_NAME, ref, MAX_CARD_BYTES, "card", endpoint, headers)
    if readme is None:
        raise CardError(dataset_url(dataset_id, endpoint),
                        f"the dataset repository has no {CARD_NAME}")
    infos = infos_name = None
    for name in INFOS_NAMES:
        if siblings is None or name in siblings:
            infos = download(dataset_id, name, ref, MAX_INFOS_BYTES, "infos file", endpoint,
                             headers)
            if infos is not None:
                infos_name = name
                break
    return parse_card_bytes(readme, infos, dataset_id, dataset_url(dataset_id, endpoint),
                            revision, infos_name=infos_name or INFOS_NAMES[0])


def hub_headers(token: str | bool | None) -> dict[str, str]:
    """The headers huggingface_hub sends (user agent, ``Authorization`` when a token is
    set or saved by ``hf auth login``)."""
    from huggingface_hub.utils import build_hf_headers

    return build_hf_headers(token=token)


def repo_url(repo_id: str, endpoint: str | None = None, kind: str = "dataset") -> str:
    """The repository's page on the Hub (``kind`` "dataset" or "model")."""
    return dataset_url(repo_id, endpoint) if kind == "dataset" else \
        f"{hub_endpoint(endpoint)}/{repo_id}"


def download(dataset_id: str, filename: str, revision: str, limit: int, what: str,
             endpoint: str, headers: dict[str, str], *, kind: str = "dataset") -> bytes | None:
    """``filename`` of the ``kind`` repository ("dataset" or "model") at ``revision``,
    refused past ``limit`` bytes as it
    streams, so no size needs asking first (None: the repository has no such file).
    Through huggingface_hub's ``http_stream_backoff``, which waits and retries on 429 (as
    ``Retry-After`` asks), 5xx and network errors."""
    from huggingface_hub import errors as hf_errors
    from huggingface_hub import hf_hub_url
    from huggingface_hub.utils import hf_raise_for_status, http_stream_backoff

    url = hf_hub_url(dataset_id, filename, repo_type=kind, revision=revision,
                     endpoint=endpoint)

    def get() -> bytes | None:
        with http_stream_backoff("GET", url, headers=headers, timeout=_TIMEOUT,
                                 follow_redirects=True) as response:
            if response.status_code >= 400:
                response.read()
                try:
                    hf_raise_for_status(response)
                except hf_errors.EntryNotFoundError:
                    return None
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise CardError(f"{repo_url(dataset_id, endpoint, kind)}/{filename}",
                                    f"{what} is over the {limit // (1024 * 1024)} MB limit")
                chunks.append(chunk)
            return b"".join(chunks)

    result: bytes | None = hub_call(get, dataset_id, revision, filename=filename, kind=kind)
    return result


def with_hub_metadata(doc: CardDocument, info: Any) -> CardDocument:
    """Add what the Hub says about the repository (gating, dates, its parsed cardData when
    ``info`` carries it: a listing does not)."""
    import dataclasses

    hub: dict[str, Any] = {}
    for attr in ("gated", "private", "disabled", "downloads", "likes"):
        value = getattr(info, attr, None)
        if value is not None:
            hub[attr] = to_jsonable(value)
    modified = getattr(info, "last_modified", None)
    if modified is not None:
        hub["last_modified"] = modified.isoformat()
    warnings = list(doc.warnings)
    card_data = getattr(info, "card_data", None)
    if card_data is not None:
        data = card_data.to_dict() if hasattr(card_data, "to_dict") else dict(card_data)
        hub_license = {k: to_jsonable(data[k]) for k in LICENSE_KEYS if data.get(k) is not None}
        hub["card_data_license"] = hub_license
        ours = {k: v for k, v in doc.raw_license.items() if k in LICENSE_KEYS and v is not None}
        if hub_license != ours:
            warnings.append("the Hub's cardData license fields differ from the README's "
                            f"({hub_license} vs {ours})")
    metadata = dict(doc.metadata, hub=hub)
    return dataclasses.replace(doc, metadata=metadata, warnings=tuple(warnings))


def unreachable(endpoint: str, exc: HubUnreachable) -> HubError:
    """The one-line error for a Hub that cannot be reached at all."""
    return HubError(f"cannot reach the Hugging Face Hub at {endpoint}: {exc}",
                    hint="check the network, HF_ENDPOINT and any proxy")


def hub_call(fn: Any, dataset_id: str, revision: str | None, *, filename: str | None = None,
             kind: str = "dataset") -> Any:
    """Run a huggingface_hub call on the ``kind`` repository ``dataset_id`` ("dataset" or
    "model"), turning its errors into one-line HubErrors (:class:`HubUnreachable` when the
    Hub cannot be reached)."""
    from huggingface_hub import errors as hf_errors

    what = f"{dataset_id}/{filename}" if filename else dataset_id
    try:
        return fn()
    except RegisterError:
        raise
    except hf_errors.GatedRepoError:
        raise HubError(f"{dataset_id}: the {kind} is gated; accept its conditions on the Hub "
                       "and set HF_TOKEN", hint="export HF_TOKEN=hf_...") from None
    except hf_errors.RepositoryNotFoundError as exc:
        status = _status(exc)
        extra = " (or it is private and no valid HF_TOKEN was given)" if status == 401 else ""
        raise HubError(f"{dataset_id}: {kind} not found on the Hub{extra}") from None
    except hf_errors.RevisionNotFoundError:
        raise HubError(f"{dataset_id}: revision {revision!r} not found") from None
    except hf_errors.DisabledRepoError:
        raise HubError(f"{dataset_id}: the {kind} is disabled on the Hub") from None
    except hf_errors.EntryNotFoundError:
        raise CardError(what, f"file not found in the {kind} repository") from None
    except hf_errors.HfHubHTTPError as exc:
        status = _status(exc)
        if status in (401, 403):
            raise HubError(f"{what}: access denied (HTTP {status}); check HF_TOKEN") from None
        if status == 429:
            raise HubError(f"{what}: rate limited by the Hub (HTTP 429), still after "
                           "huggingface_hub's retries (it waits as Retry-After asks)",
                           hint="try again later; a valid HF_TOKEN raises the rate limit"
                           ) from None
        raise HubError(f"{what}: the Hub answered HTTP {status or '?'}: "
                       f"{_server_message(exc)}") from None
    except (ConnectionError, TimeoutError) as exc:
        raise HubUnreachable(one_line(exc)) from None
    except OSError as exc:
        raise HubError(f"{what}: {one_line(exc)}") from None
    except Exception as exc:  # httpx transport errors and the like
        if type(exc).__module__.startswith(("httpx", "httpcore", "requests", "urllib3")):
            raise HubUnreachable(one_line(exc)) from None
        raise HubError(f"{what}: unexpected answer from the Hub: {one_line(exc)}") from None


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _server_message(exc: Exception) -> str:
    msg = getattr(exc, "server_message", None)
    return one_line(msg) if msg else one_line(exc)


def one_line(exc: object) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


def search(query: str, limit: int = 20, *, token: str | None = None,
           endpoint: str | None = None) -> list[str]:
    """Dataset ids the Hub finds for ``query`` (at most ``limit``), in the Hub's order."""
    if limit <= 0:
        return []
    ep = hub_endpoint(endpoint)
    api = hub_api(ep, resolve_token(token))
    try:
        return hub_call(lambda: [d.id for d in api.list_datasets(search=query, limit=limit)],
                     f"search {query!r}", None)[:limit]  # type: ignore[no-any-return]
    except HubUnreachable as exc:
        raise unreachable(ep, exc) from None
