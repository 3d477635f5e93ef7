"""The claims report as one self-contained HTML page.

The first screen answers the reader's question: where the data come from (simulated or
not, the tables and their rows, the time range, the mapping, the version and seed), one
figure with every claim's deciding estimate against its claimed region, and the table of
verdicts. Then one section per claim: the claim in the seed's words and in English, what was
tested, the verdict in one plain sentence, the evidence, a figure and the caveats.

Nothing is fetched: styles are inline, figures are embedded (the forest figure as SVG, the
claims' plots as 150 dpi PNG), so the file can be mailed or archived as it is.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..errors import LoyaltyStatsError
from .deciding import region_text, term_is_strict
from .forest import VERDICT_COLOURS, forest_figure
from .registry import SOURCES, get_claim

if TYPE_CHECKING:  # pragma: no cover
    from .report import ClaimsReport

__all__ = ["render_html", "plain_sentence"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;"
    "color:#222;line-height:1.45}table{border-collapse:collapse;font-size:.85rem}"
    "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}"
    + "".join(f".{v}{{color:{c};font-weight:bold}}" for v, c in VERDICT_COLOURS.items())
    + ".descriptive{font-weight:normal;font-style:italic}"
    "img,svg{max-width:100%;height:auto}section{margin-top:2rem;border-top:1px solid #ddd}"
    "#context dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;"
    "margin:0}#context dt{font-weight:bold}#context dd{margin:0}"
    ".simulated{background:#fff3cd;padding:.1rem .4rem;border-radius:.2rem}"
    "blockquote{border-left:3px solid #ccc;margin:.5rem 0;padding:.1rem .8rem;color:#444}"
    ".sentence{font-size:1.05rem}"
)


def _num(v: Any) -> str:
    """A number as the report shows it (4 significant digits; blank for missing)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "" if v is None else str(v)
    return "" if math.isnan(f) else f"{f:.4g}"


def _texts(claim_id: str) -> Any:
    """The claim's texts (seed quote, claimed in words, caveats), or None if it has none."""
    from .texts import CLAIM_TEXTS

    return CLAIM_TEXTS.get(claim_id)


def plain_sentence(row: Mapping[str, Any], level: float = 0.95) -> str:
    """The verdict of one row of :attr:`ClaimsReport.table` in one plain sentence.

    Examples
    --------
    >>> row = {"id": "S1", "term": "p[k=1]", "estimate": 0.499, "ci_low": 0.486,
    ...        "ci_high": 0.512, "region_low": 0.52, "region_high": 0.62,
    ...        "verdict": "contradicted"}
    >>> plain_sentence(row)  # doctest: +NORMALIZE_WHITESPACE
    'In these data p[k=1] is 0.499 (95% interval 0.486 to 0.512); the claim puts it in
    [0.52, 0.62] (57% consider switching after one negative experience, 78% after two (each
    judged within 5 points: 52-62% and 73-83%)): contradicted.'
    """
    est = (f"In these data {row['term']} is {_num(row['estimate'])} ({level:.0%} interval "
           f"{_num(row['ci_low'])} to {_num(row['ci_high'])})")
    if row["verdict"] == "descriptive":
        return est + "; the claim describes a practice, so there is no verdict, only the "\
            "estimate and its uncertainty."
    region = region_text(row.get("region_low"), row.get("region_high"),
                         term_is_strict(str(row["id"]), str(row["term"])))
    texts = _texts(str(row["id"]))
    words = f" ({texts.claimed_words.rstrip('.')})" if texts is not None \
        and texts.claimed_words else ""
    claimed = f"the claim puts it in {region}{words}" if region else \
        f"the claim{words or ' gives no region for it here'}"
    return f"{est}; {claimed}: {row['verdict']}."


def _context(report: ClaimsReport) -> str:
    """The context block: source, tables and rows, time range, mapping, version, seed."""
    info = report.info
    source = str(info.get("source") or "data passed to check_claims")
    simulated = bool(info.get("simulated"))
    items = [("Data", (f"<span class='simulated'>simulated</span> {html.escape(source)}"
                       if simulated else html.escape(source)))]
    tables = info.get("tables") or {}
    if tables:
        items.append(("Tables", ", ".join(
            f"{html.escape(k)}: {v:,} rows" if isinstance(v, int) else
            f"{html.escape(k)}: {html.escape(str(v))}" for k, v in tables.items())))
    for table, (lo, hi) in (info.get("time_range") or {}).items():
        items.append((f"Time range ({html.escape(table)})",
                      f"{html.escape(_num(lo) or str(lo))} to {html.escape(_num(hi) or str(hi))}"))
    tested = int((report.table["status"] == "tested").sum()) if len(report.table) else 0
    items.append(("Claims", f"{tested} of {len(report.table)} tested"))
    items.append(("Library", f"loyaltystats {html.escape(__version__)}; seed "
                  f"{html.escape(str(info.get('seed', '')))}; missing values: "
                  f"{html.escape(str(info.get('missing', 'raise')))}"))
    mapping = info.get("mapping") or {}
    if mapping:
        lines = "".join(f"<li><b>{html.escape(t)}</b>: " + ", ".join(
            f"{html.escape(str(r))} = <code>{html.escape(str(c))}</code>"
            for r, c in roles.items()) + "</li>" for t, roles in mapping.items())
        items.append(("Mapping", f"<details><summary>role = column, per table</summary>"
                                 f"<ul>{lines}</ul></details>"))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    return f"<div id='context'><dl>{body}</dl></div>"


def _count(v: Any) -> str:
    """A count with thousands separators (blank when missing)."""
    try:
        return f"{int(v):,}"
    except (TypeError, ValueError):
        return ""


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and doctype: inline in HTML
    # inline SVG in HTML needs no namespace declarations (the parser knows svg and
    # xlink:href) and no RDF metadata: the page then names no outside address at all
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    return re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _verdict_table(report: ClaimsReport) -> str:
    rows = []
    for _, r in report.table.iterrows():
        cid = html.escape(str(r["id"]))
        tested = r["status"] == "tested"
        link = f"<a href='#{cid}'>{cid}</a>" if tested else cid
        if tested:
            deciding = (f"{html.escape(str(r['term']))}: <b>{_num(r['estimate'])}</b> "
                        f"[{_num(r['ci_low'])}, {_num(r['ci_high'])}]")
        else:
            deciding = f"<i>{html.escape(str(r['status']))}</i>"
        texts = _texts(str(r["id"]))
        words = texts.claimed_words if texts is not None else ""
        region = region_text(r["region_low"], r["region_high"],
                             term_is_strict(str(r["id"]), str(r["term"]))) if tested else ""
        claimed = html.escape(words) + (f" <span title='region of the deciding estimate'>"
                                        f"({html.escape(region)})</span>" if region else "")
        verdict = str(r["verdict"] or "")
        holm = str(r["holm_verdict"] or "")
        n, dropped = _count(r["n"]), _count(r["rows_dropped"])
        rows.append(
            f"<tr><td>{link}</td><td>{html.escape(str(r['statement']))}</td>"
            f"<td>{deciding}</td><td>{claimed}</td>"
            f"<td class='{verdict}'>{verdict}</td><td class='{holm}'>{holm}</td>"
            f"<td>{n}</td><td>{dropped}</td></tr>")
    head = ("<tr><th>id</th><th>claim</th><th>deciding estimate [interval]</th>"
            "<th>claimed</th><th>verdict</th><th>after Holm</th><th>n</th>"
            "<th>rows dropped</th></tr>")
    return f"<table id='verdicts'>{head}{''.join(rows)}</table>"


def _claim_section(report: ClaimsReport, cid: str) -> str:
    claim_res = report.claim_results[cid]
    row = report.table.set_index("id").loc[cid].to_dict()
    row["id"] = cid
    claim = get_claim(cid)
    texts = _texts(cid)
    e = html.escape
    parts = [f"<section id='{e(cid)}'><h2>{e(cid)}: {e(claim.statement)}</h2>"]
    if texts is not None:
        parts.append(f"<blockquote lang='nl'>{e(texts.seed_quote)}</blockquote>"
                     f"<p><i>In English:</i> {e(texts.seed_quote_en)} "
                     f"<small>({e('; '.join(SOURCES[s] for s in claim.sources))})</small></p>")
        parts.append(f"<p><b>What was tested.</b> {e(texts.tested_as)}</p>")
    verdict = str(row["verdict"])
    parts.append(f"<p class='sentence'><b>Verdict.</b> "
                 f"{e(plain_sentence(row, claim_res.level))[:-len(verdict) - 1]}"
                 f"<span class='{verdict}'>{e(verdict)}</span>.</p>")
    if claim_res.reason:
        parts.append(f"<p><small>{e(claim_res.reason)}</small></p>")
    if claim.margin_note:
        parts.append(f"<p><small>Smallest effect of interest: {e(claim.margin_note)}"
                     "</small></p>")
    parts.append(claim_res.estimates.to_html(index=False, float_format=lambda x: f"{x:.4g}",
                                             na_rep=""))
    try:
        fig = report.figure(cid)
        parts.append(f"<p><img alt='plot for {e(cid)}' "
                     f"src='data:image/png;base64,{_png(fig)}'></p>")
    except LoyaltyStatsError:
        pass  # a result without a plot (none to draw on these data)
    except Exception as exc:  # noqa: BLE001 - a broken plot must not cost the whole report
        parts.append(f"<p class='contradicted'>The plot for {e(cid)} failed: "
                     f"{e(type(exc).__name__)}: {e(str(exc))}</p>")
    if texts is not None and texts.caveats:
        parts.append(f"<p><b>Caveats.</b> {e(texts.caveats)}</p>")
    if texts is not None and texts.literature:
        refs = "".join(f"<li>{e(ref)}</li>" for ref in texts.literature)
        parts.append(f"<details><summary>Literature</summary><ul>{refs}</ul></details>")
    parts.append("</section>")
    return "".join(parts)


def render_html(report: ClaimsReport, family_rule: str) -> str:
    """The whole report page (see the module docstring)."""
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>loyaltystats claims report</title><style>{_STYLE}</style></head><body>",
             "<h1>loyaltystats claims report</h1>", _context(report)]
    tested = report.table[report.table["status"] == "tested"]
    if len(tested):
        parts.append("<figure id='forest'>" + _svg(forest_figure(tested)) +
                     "<figcaption>Each tested claim: the estimate that decided its verdict, "
                     "with its interval, against the region the claim puts it in (shaded; "
                     "each row has its own scale). Colour: the verdict.</figcaption></figure>")
    parts += ["<h2>Verdicts</h2>", _verdict_table(report),
              "<p><small><b>How to read a verdict.</b> Supported: every deciding interval lies "
              "inside the claimed region (beyond the smallest effect of interest where the "
              "claim has one). Contradicted: an interval lies wholly outside it. "
              "Inconclusive: the data cannot tell. Descriptive: the claim states a practice "
              f"and gets intervals, not a verdict. {html.escape(family_rule)}</small></p>"]
    for cid in report.claim_results:
        parts.append(_claim_section(report, cid))
    not_tested = report.table[report.table["status"] != "tested"]
    if len(not_tested):
        items = "".join(f"<li><b>{html.escape(str(r['id']))}</b>: "
                        f"{html.escape(str(r['status']))}</li>"
                        for _, r in not_tested.iterrows())
        parts.append(f"<section id='not-tested'><h2>Not tested</h2><ul>{items}</ul></section>")
    parts.append("</body></html>")
    return "\n".join(parts)

