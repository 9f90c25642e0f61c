"""The board dashboard: one self-contained HTML page drawn from :class:`Figures`.

No network: the style is inline, there is no script, no font or image to fetch, and the
charts are SVG written here.  Every figure sits in an element with a ``data-figure`` attribute
(``data-figure="models"`` ...), so a browser test can read the numbers off the rendered page.
"""

from __future__ import annotations

from html import escape

from register.reports.figures import AGE_BUCKETS, REVIEW_REASONS, Figures

__all__ = ["render_dashboard"]

_VERDICT_COLORS = {"allowed": "#2e7d32", "allowed-with-obligations": "#9e9d24",
                   "needs-review": "#ef6c00", "blocked": "#c62828"}

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem;
color:#1b1b1b;background:#fff}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.15rem;margin:1.6rem 0 .6rem}
.sub{color:#555;margin:0 0 1.2rem}
.tiles{display:flex;flex-wrap:wrap;gap:1rem}
.tile{border:1px solid #ccc;border-radius:6px;padding:.8rem 1.1rem;min-width:11rem}
.tile .n{font-size:2rem;font-weight:700}.tile .l{color:#444;font-size:.9rem}
table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #ddd;padding:.3rem .6rem;
text-align:left}th{background:#f3f3f3}td.num{text-align:right}
.legend span{display:inline-block;margin-right:1rem;font-size:.85rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}
@media print{body{margin:1cm}}
"""


def _tile(key: str, value: int, label: str) -> str:
    return (f'<div class="tile"><div class="n" data-figure="{escape(key)}">{value}</div>'
            f'<div class="l">{escape(label)}</div></div>')


def _bar_chart(title: str, key: str, counts: dict[str, int], color: str = "#1565c0") -> str:
    """A horizontal bar chart (SVG) with the count written at the end of each bar."""
    width, label_w, bar_h, gap = 520, 150, 22, 8
    top = max(counts.values(), default=0) or 1
    height = len(counts) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">']
    for i, (label, n) in enumerate(counts.items()):
        y = gap + i * (bar_h + gap)
        w = int((width - label_w - 60) * n / top)
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar_h}" '
                     f'fill="{color}"/>'
                     f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="13" '
                     f'data-figure="{escape(key)}.{escape(label)}">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _stacked_verdicts(verdicts: dict[str, dict[str, int]]) -> str:
    """One stacked bar per use (SVG): the share of each verdict, counts in the table below."""
    width, label_w, bar_h, gap = 620, 130, 22, 8
    height = len(verdicts) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" '
             'aria-label="Verdicts per use">']
    for i, (use, counts) in enumerate(verdicts.items()):
        y = gap + i * (bar_h + gap)
        total = sum(counts.values()) or 1
        parts.append(f'<text x="0" y="{y + 16}" font-size="13">{escape(use)}</text>')
        x = float(label_w)
        for verdict, n in counts.items():
            w = (width - label_w - 10) * n / total
            if n:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                             f'fill="{_VERDICT_COLORS.get(verdict, "#777")}">'
                             f'<title>{escape(use)}: {escape(verdict)} {n}</title></rect>')
            x += w
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], rows: list[list[tuple[str, str | int]]]) -> str:
    """Rows of (data-figure key or "", value) cells."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for key, value in row:
            cls = ' class="num"' if isinstance(value, int) else ""
            attr = f' data-figure="{escape(key)}"' if key else ""
            cells.append(f"<td{cls}{attr}>{escape(str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _list_or_none(ids: tuple[str, ...], key: str) -> str:
    if not ids:
        return f'<p data-figure="{key}.none">None.</p>'
    items = "".join(f'<li data-figure="{key}.item">{escape(i)}</li>' for i in ids)
    return f"<ul>{items}</ul>"


def render_dashboard(fig: Figures) -> str:
    """The dashboard page (HTML5, self-contained)."""
    f = fig.to_dict()
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>Dataset rights register: board dashboard</title>",
           f"<style>{_STYLE}</style></head><body>",
           "<h1>Dataset rights register: board dashboard</h1>",
           f'<p class="sub">Figures on <span data-figure="on">{escape(f["on"])}</span>, '
           "computed from the register by <code>register report dashboard</code>.</p>",
           '<div class="tiles">',
           _tile("models", f["models"], "models inventoried"),
           _tile("models_provenance_passed", f["models_provenance_passed"],
                 "models passed provenance checks"),
           _tile("datasets", f["datasets"], "datasets inventoried"),
           _tile("datasets_license_issues_count", len(f["datasets_license_issues"]),
                 "datasets with unresolved license issues"),
           _tile("models_license_issues_count", len(f["models_license_issues"]),
                 "models with unresolved license issues"),
           _tile("review_queue", f["review_queue"], "datasets in the review queue"),
           _tile("retention_due_count", len(f["retention_due"]),
                 f"retention deadlines within {f['retention_days']} days"),
           "</div>"]
    # governance: the section appears once governance records fill Figures.governance
    if "governance" in f:
        out.append("<h2>Models by tier and approval state</h2>")
        tiers = f["governance"]["by_tier_and_approval"]
        states = sorted({s for per in tiers.values() for s in per})
        out.append(_table(["tier", *states], [
            [("", tier)] + [(f"governance.{tier}.{s}", per.get(s, 0)) for s in states]
            for tier, per in tiers.items()]))
    out.append("<h2>Provenance checks</h2>")
    out.append("<p>A model passes when its base chain is resolved in the register, its "
               "training data is recorded (every dataset in the register) and its weights "
               "carry sha256 checksums.</p>")
    yes_no = {True: "yes", False: "no"}
    out.append(_table(["model", "base chain resolved", "training data recorded",
                       "weights checksums", "passed"], [
        [("", p["id"]), ("", yes_no[p["chain_resolved"]]),
         ("", yes_no[p["training_data_recorded"]]), ("", yes_no[p["weights_checksummed"]]),
         (f"provenance.{p['id']}", yes_no[p["passed"]])] for p in f["provenance"]]))
    out.append("<h2>Unresolved license issues</h2><h3>Datasets</h3>")
    out.append(_list_or_none(tuple(f["datasets_license_issues"]), "datasets_license_issues"))
    out.append("<h3>Models</h3>")
    out.append(_list_or_none(tuple(f["models_license_issues"]), "models_license_issues"))
    out.append("<h2>Review queue</h2><p>Age: days since the dataset last changed.</p>")
    out.append("<h3>By age</h3>")
    out.append(_bar_chart("Review queue by age", "review_by_age",
                          {label: f["review_by_age"][label] for label, _ in AGE_BUCKETS}))
    out.append("<h3>By reason</h3>")
    out.append(_bar_chart("Review queue by reason", "review_by_reason",
                          {r: f["review_by_reason"][r] for r in REVIEW_REASONS}, "#6a1b9a"))
    if f["review_items"]:
        out.append(_table(["dataset", "age (days)", "reasons"], [
            [("", i["id"]), ("", i["age_days"]), ("", "; ".join(i["review_reasons"]))]
            for i in f["review_items"]]))
    out.append(f"<h2>Retention deadlines in the next {f['retention_days']} days</h2>")
    if f["retention_due"]:
        out.append(_table(["dataset", "retain until", "days left"], [
            [("retention_due.item", r["id"]), ("", r["retain_until"]),
             ("", r["days_left"])] for r in f["retention_due"]]))
    else:
        out.append('<p data-figure="retention_due.none">None.</p>')
    out.append("<h2>Verdict distribution per use</h2>")
    out.append("<p>Each dataset checked alone for each use on this day.</p>")
    legend = "".join(f'<span><i style="background:{c}"></i>{escape(v)}</span>'
                     for v, c in _VERDICT_COLORS.items())
    out.append(f'<div class="legend">{legend}</div>')
    out.append(_stacked_verdicts(f["verdicts"]))
    verdict_names = list(_VERDICT_COLORS)
    out.append(_table(["use", *verdict_names], [
        [("", use)] + [(f"verdicts.{use}.{v}", counts.get(v, 0)) for v in verdict_names]
        for use, counts in f["verdicts"].items()]))
    out.append("</body></html>\n")
    return "\n".join(out)
