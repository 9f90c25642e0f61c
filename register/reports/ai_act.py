"""The public summary of a model's training content (EU AI Act, Article 53(1)(d)), following
the sections of the Commission's template (July 2025):

1 General information: 1.1 provider identification, 1.2 model identification (versions,
the models it was fine-tuned from), 1.3 modalities, size and other characteristics (latest
acquisition date, languages); 2 List of data sources: 2.1 publicly available datasets, 2.2
private datasets licensed from rightsholders or obtained from other third parties, 2.3 data
crawled and scraped from online sources, 2.4 user data, 2.5 synthetic data, 2.6 other
sources; 3 Data processing aspects: 3.1 respect of text-and-data-mining reservations, 3.2
removal of illegal content, 3.3 other information.

Filled from the model's lineage (its trace: chain, fine-tune record, training data) and the
dataset records.  Each dataset is placed in one of 2.1-2.6 by :func:`classify` from what its
card and record say, and the reason is printed beside it.  Whatever the register does not
know is written :data:`TBC` ("to be completed by the provider"), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

from register.errors import NotFoundError
from register.render.links import hub_url, is_url

if TYPE_CHECKING:
    from register.register import Register

__all__ = ["CATEGORIES", "TBC", "SourceEntry", "TrainingSummary", "build_summary", "classify",
           "render_html", "render_markdown"]

TBC = "to be completed by the provider"

CATEGORIES: dict[str, str] = {
    "2.1": "Publicly available datasets",
    "2.2": "Private non-publicly available datasets obtained from third parties "
           "(licensed from rightsholders or obtained from other third parties)",
    "2.3": "Data crawled and scraped from online sources",
    "2.4": "User data",
    "2.5": "Synthetic data",
    "2.6": "Other sources of data",
}

_CRAWL_WORDS = ("crawl", "scrape", "common-crawl", "commoncrawl", "web-scrap")
#: (word in a task category, modality); a category may name two (text-to-image).
_MODALITY_WORDS = (("image", "image"), ("object-detection", "image"),
                   ("depth-estimation", "image"), ("video", "video"), ("audio", "audio"),
                   ("automatic-speech-recognition", "audio"), ("text-to-speech", "audio"),
                   ("voice", "audio"), ("text", "text"), ("question-answering", "text"),
                   ("translation", "text"), ("summarization", "text"),
                   ("token-classification", "text"), ("fill-mask", "text"),
                   ("conversational", "text"), ("sentence-similarity", "text"),
                   ("multiple-choice", "text"), ("table-", "text"))


@dataclass(frozen=True)
class SourceEntry:
    """One training dataset, placed in a section of part 2."""

    id: str
    category: str  # a key of CATEGORIES
    basis: str  # why it is there (what the register read), or TBC
    name: str | None = None
    url: str | None = None
    version: str | None = None
    license: str | None = None
    sizes: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    collected_on: str | None = None
    trained_by: str | None = None  # the model of the chain it was trained into

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "category": self.category, "basis": self.basis,
                "name": self.name, "url": self.url, "version": self.version,
                "license": self.license, "sizes": list(self.sizes),
                "modalities": list(self.modalities), "languages": list(self.languages),
                "collected_on": self.collected_on, "trained_by": self.trained_by}


@dataclass(frozen=True)
class TrainingSummary:
    """What the register knows for the summary of one model."""

    model: dict[str, Any]
    chain: tuple[dict[str, Any], ...]
    record: dict[str, Any] | None
    sources: tuple[SourceEntry, ...]
    modalities: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def in_section(self, key: str) -> list[SourceEntry]:
        return [s for s in self.sources if s.category == key]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "chain": list(self.chain), "record": self.record,
                "sources": [s.to_dict() for s in self.sources],
                "modalities": list(self.modalities), "languages": list(self.languages)}


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(v) for vs in value.values() for v in _strings(vs)]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def modalities_of(metadata: dict[str, Any], pipeline_tag: str | None = None) -> list[str]:
    """The modalities named by a card's task categories (or a model's pipeline tag); task
    ids are not read (``hate-speech-detection`` is a text task)."""
    found: list[str] = []
    names = _strings(metadata.get("task_categories"))
    if pipeline_tag:
        names.append(pipeline_tag)
    for name in names:
        low = name.lower()
        for word, modality in _MODALITY_WORDS:
            if word in low and modality not in found:
                found.append(modality)
    return found


def classify(metadata: dict[str, Any], *, source: str | None, license: str | None,
             license_needs_review: bool) -> tuple[str, str]:
    """(section key, basis) of one dataset from its card metadata and record.

    In order: machine-generated text (``language_creators`` all ``machine-generated``) or a
    ``synthetic`` tag is 2.5; a crawl/scrape tag on a dataset not published on the Hub is 2.3;
    gated access (the card's ``gated`` / ``extra_gated_*``, or the Hub's) is 2.2 (obtained
    under the holder's terms); a card on the Hub, or one with a determined license, is 2.1;
    anything else is 2.6 with the category left to the provider."""
    creators = [c.lower() for c in _strings(metadata.get("language_creators"))]
    tags = [t.lower() for t in _strings(metadata.get("tags"))]
    if creators and all(c == "machine-generated" for c in creators):
        return "2.5", "card: language_creators machine-generated"
    if any("synthetic" in t for t in tags):
        return "2.5", "card: tagged synthetic"
    on_hub = is_url(source)
    if not on_hub and any(w in t for t in tags for w in _CRAWL_WORDS):
        return "2.3", "card: tagged as crawled/scraped; not published on the Hub"
    hub = metadata.get("hub") or {}
    gated = metadata.get("gated") or metadata.get("extra_gated_fields") or \
        metadata.get("extra_gated_prompt") or hub.get("gated")
    if gated:
        return "2.2", ("access gated by the holder (the card's gating terms); whether it is "
                       f"commercially licensed: {TBC}")
    if on_hub:
        return "2.1", "published on the Hugging Face Hub"
    if license and not license_needs_review:
        return "2.1", f"dataset card published under {license}"
    return "2.6", f"category {TBC} (the register holds no license or origin for it)"


def build_summary(reg: Register, model_id: str) -> TrainingSummary:
    """The summary's content for ``model_id`` (a model in the register)."""
    trace = reg.trace_model(model_id).to_dict()
    sources: list[SourceEntry] = []
    seen: set[str] = set()
    for item in trace["data"]:
        ds = item["id"]
        if ds in seen:
            continue
        seen.add(ds)
        sources.append(_entry(reg, item))
    modalities: list[str] = []
    languages: list[str] = []
    for s in sources:
        modalities += [m for m in s.modalities if m not in modalities]
        languages += [lang for lang in s.languages if lang not in languages]
    records = trace["records"]
    return TrainingSummary(
        model=trace["model"], chain=tuple(trace["chain"]),
        record=records[-1] if records else None, sources=tuple(sources),
        modalities=tuple(modalities), languages=tuple(languages))


def _entry(reg: Register, item: dict[str, Any]) -> SourceEntry:
    ds = item["id"]
    trained_by = item.get("model")
    try:
        view = reg.show(ds)
    except NotFoundError:
        return SourceEntry(id=ds, category="2.6", trained_by=trained_by,
                           basis=f"named by the model card but not in the register; "
                                 f"category {TBC}")
    meta = view.metadata
    category, basis = classify(meta, source=view.source, license=view.license.effective,
                               license_needs_review=view.license.needs_review)
    revision = item.get("revision") or view.revision
    version = item.get("version")
    shown_version = (f"revision {revision}" if revision else
                     f"register version {version or view.version} (card sha256 "
                     f"{(item.get('card_sha256') or view.card_sha256)[:12]})")
    return SourceEntry(
        id=ds, category=category, basis=basis, name=view.pretty_name,
        url=hub_url(ds, source=view.source, revision=revision), version=shown_version,
        license=view.license.effective, sizes=tuple(_strings(meta.get("size_categories"))),
        modalities=tuple(modalities_of(meta)),
        languages=tuple(_strings(meta.get("language") or meta.get("languages"))),
        collected_on=view.rights.in_force.get("collected_on"), trained_by=trained_by)


# --------------------------------------------------------------------------- rendering
# A summary is a list of blocks, rendered to Markdown or HTML: ("h", level, text),
# ("p", text), ("kv", [(label, value)]), ("table", headers, rows).

Block = tuple[Any, ...]


def _or_tbc(values: list[str] | tuple[str, ...], sep: str = ", ") -> str:
    return sep.join(values) if values else TBC


def _blocks(s: TrainingSummary) -> list[Block]:
    m = s.model
    mid = m["id"]
    out: list[Block] = [("h", 1, f"Public summary of training content: {mid}"),
                        ("p", "Summary of the content used to train the model (EU AI Act, "
                              "Article 53(1)(d)), following the sections of the European "
                              "Commission's template (July 2025). Filled from the dataset "
                              f"rights register; entries marked \"{TBC}\" are not known to "
                              "the register.")]
    out.append(("h", 2, "1. General information"))
    out.append(("h", 3, "1.1 Provider identification"))
    owner = s.record["owner"] if s.record else None
    out.append(("kv", [("Provider name and contact details", TBC),
                       ("Authorised representative (if any)", TBC)]
                + ([("Model owner recorded in the register", owner)] if owner else [])))
    out.append(("h", 3, "1.2 Model identification"))
    where = m["revision"] or "revision not recorded"
    bases = [n for n in s.chain if n["id"] != mid]
    relation = {b: n.get("relation") or "relation not stated"
                for n in s.chain for b in n.get("bases", [])}
    out.append(("kv", [
        ("Versioned model name", f"{mid} (register version {m['version']}, {where})"),
        ("Model dependencies (fine-tuned or modified from)",
         "; ".join(f"{n['id']} ({relation.get(n['id'], 'relation not stated')}"
                   f"{'' if n['in_register'] else ', not in the register'})" for n in bases)
         or "none recorded in the register"),
        ("Training-content summaries of those models", TBC if bases else "not applicable"),
        ("Date of placement on the market", TBC)]))
    out.append(("h", 3, "1.3 Modalities, overall training data size and other characteristics"))
    sizes = [f"{e.id}: {', '.join(e.sizes)}" for e in s.sources if e.sizes]
    dates = sorted(e.collected_on for e in s.sources if e.collected_on)
    known_dates = sum(1 for e in s.sources if e.collected_on)
    latest = (f"{dates[-1]} (from the rights records of {known_dates} of {len(s.sources)} "
              f"dataset(s); the others: {TBC})" if dates else TBC)
    modalities = list(s.modalities)
    if m.get("pipeline_tag"):
        for mod in modalities_of({}, m["pipeline_tag"]):
            if mod not in modalities:
                modalities.append(mod)
    out.append(("kv", [
        ("Modalities", _or_tbc(modalities)),
        ("Training data size (per modality)", TBC + (
            f"; the dataset cards state their sizes as: {'; '.join(sizes)}" if sizes else "")),
        ("Types of content", TBC),
        ("Latest date of data acquisition / collection", latest),
        ("Languages", _or_tbc(list(s.languages))),
        ("Other overall characteristics", TBC)]))
    out.append(("h", 2, "2. List of data sources"))
    for key, title in CATEGORIES.items():
        out.append(("h", 3, f"{key} {title}"))
        entries = s.in_section(key)
        if entries:
            out.append(("table", ["Dataset", "Hub page", "Version", "License", "Trained into",
                                  "Why listed here"],
                        [[f"{e.name} ({e.id})" if e.name and e.name != e.id else e.id,
                          e.url or TBC, e.version or TBC, e.license or TBC,
                          e.trained_by or TBC, e.basis] for e in entries]))
        else:
            out.append(("p", f"The register records no training data of this kind for the "
                             f"model: {TBC} (confirm that none was used, or describe it)."))
        out.extend(_section_questions(key, bool(entries)))
    out.append(("h", 2, "3. Data processing aspects"))
    out.append(("h", 3, "3.1 Respect of reservation of rights from the text and data mining "
                        "exception or limitation"))
    out.append(("p", f"Measures taken to identify and respect opt-outs (e.g. robots.txt, "
                     f"machine-readable reservations): {TBC}."))
    out.append(("h", 3, "3.2 Removal of illegal content"))
    out.append(("p", f"Measures taken to avoid or remove illegal content: {TBC}."))
    out.append(("h", 3, "3.3 Other information"))
    rows: list[tuple[str, str]] = []
    if s.record:
        r = s.record
        rows.append(("Recorded fine-tune", f"record {r['record']} on {r['base']} by {r['by']} "
                     f"at {r['at']}; corpus {r['corpus'] or 'unnamed'}"))
        rows.append(("Register check of the training data",
                     f"{r['check_verdict']} for {r['use']} (result sha256 {r['check_hash']})"))
    licenses = sorted({e.license for e in s.sources if e.license})
    rows.append(("Licenses of the listed datasets (as recorded)", _or_tbc(licenses)))
    rows.append(("Other information", TBC))
    out.append(("kv", rows))
    return out


def _section_questions(key: str, any_entries: bool) -> list[Block]:
    """The template's further questions of a part-2 section the register cannot answer."""
    if key == "2.2":
        return [("kv", [("2.2.1 Datasets commercially licensed by rightsholders or their "
                         "representatives", TBC),
                        ("2.2.2 Private datasets obtained from other third parties",
                         TBC if not any_entries else f"the gated datasets above; {TBC}")])]
    if key == "2.3":
        return [("kv", [("Crawler name(s) / identifier(s)", TBC), ("Purposes", TBC),
                        ("Crawler behaviour (e.g. robots.txt)", TBC),
                        ("Collection period", TBC),
                        ("Types of content and online sources crawled", TBC),
                        ("Most relevant domain names", TBC)])]
    if key == "2.4":
        return [("kv", [("Services or products the user data comes from", TBC)])]
    if key == "2.5":
        return [("kv", [("Models used to generate the synthetic data", TBC)])]
    return []


def render_markdown(s: TrainingSummary) -> str:
    lines: list[str] = []

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    for block in _blocks(s):
        kind = block[0]
        if kind == "h":
            lines += ["#" * block[1] + " " + block[2], ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "kv":
            lines += [f"- **{label}:** {value}" for label, value in block[1]] + [""]
        else:
            headers, rows = block[1], block[2]
            lines.append("| " + " | ".join(headers) + " |")
            lines.append("|" + "---|" * len(headers))
            lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = ("body{font-family:system-ui,Arial,sans-serif;margin:2rem;max-width:70rem}"
        "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .5rem;"
        "text-align:left;vertical-align:top}th{background:#f2f2f2}dt{font-weight:600}"
        "dd{margin:0 0 .5rem 1rem}")


def render_html(s: TrainingSummary) -> str:
    parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
             f"<title>Public summary of training content: {escape(s.model['id'])}</title>",
             f"<style>{_CSS}</style></head><body>"]
    for block in _blocks(s):
        kind = block[0]
        if kind == "h":
            parts.append(f"<h{block[1]}>{escape(block[2])}</h{block[1]}>")
        elif kind == "p":
            parts.append(f"<p>{escape(block[1])}</p>")
        elif kind == "kv":
            parts.append("<dl>" + "".join(f"<dt>{escape(label)}</dt><dd>{escape(str(v))}</dd>"
                                          for label, v in block[1]) + "</dl>")
        else:
            head = "".join(f"<th>{escape(h)}</th>" for h in block[1])
            body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) +
                           "</tr>" for row in block[2])
            parts.append(f"<table><tr>{head}</tr>{body}</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
