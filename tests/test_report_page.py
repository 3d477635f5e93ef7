"""The claims report a reader opens: first screen, deciding estimates, sentences, figures."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from loyaltystats._plotting import clipped_texts
from loyaltystats.claims import DEMO_MAPPING, check_claims, demo_tables
from loyaltystats.claims.deciding import region_text
from loyaltystats.claims.html import plain_sentence
from loyaltystats.simulate.estimands import get_spec

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
VOID = {"meta", "br", "img", "hr", "input", "link", "col", "source", "wbr", "area", "base"}


@pytest.fixture(scope="module")
def report():
    t = demo_tables(8000, seed=2)
    t.pop("truth")
    return check_claims(**t, mapping=DEMO_MAPPING, seed=0, source="the demo world",
                        simulated=True)


@pytest.fixture(scope="module")
def page(report, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    report.to_html(path)
    return path


class _Balance(HTMLParser):
    """Every element closed, in order (SVG's self-closing tags included)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else ''}>")
        else:
            self.stack.pop()


def test_page_is_well_formed_and_self_contained(page):
    text = page.read_text(encoding="utf-8")
    parser = _Balance()
    parser.feed(text)
    assert not parser.errors[:5] and not parser.stack, (parser.errors[:5], parser.stack[-5:])
    # nothing fetched: in-page anchors and embedded data only
    assert all(u.startswith(("#", "data:")) for u in parser.urls), \
        [u for u in parser.urls if not u.startswith(("#", "data:"))][:5]
    assert not re.search(r"<(script|link|iframe)\b", text)
    assert "@import" not in text and not re.search(r"url\((?!#)", text)  # SVG: url(#clip)


def test_first_screen_order_context_forest_then_verdicts(report, page):
    text = page.read_text(encoding="utf-8")
    where = [text.index(s) for s in ("id='context'", "id='forest'", "id='verdicts'",
                                     "<section id=")]
    assert where == sorted(where)
    context = text[where[0]:where[1]]
    assert "simulated" in context and "the demo world" in context
    for table, rows in report.info["tables"].items():
        assert f"{table}: {rows:,} rows" in context
    assert "seed 0" in context and "role = column" in context


@pytest.mark.skipif(importlib.util.find_spec("playwright") is None
                    or shutil.which(os.environ.get("CHROMIUM", "/usr/bin/chromium")) is None,
                    reason="needs Playwright and Chromium (pip install playwright; apt install "
                           "chromium); .ci/run installs both")
def test_first_screen_in_a_real_browser(page, tmp_path):
    shot = tmp_path / "first-screen.png"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "screenshot_report.py"),
                          str(page), str(shot)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank


def test_table_shows_the_estimate_that_decided(report):
    tested = report.table[report.table["status"] == "tested"]
    assert len(tested) >= 15
    for _, r in tested.iterrows():
        terms = {t.term: t for t in get_spec(r["id"]).terms}
        if r["term"] not in terms:
            continue  # the claim's deciding terms are not among these estimates
        t = terms[r["term"]]
        assert (r["region_low"], r["region_high"]) == (t.low, t.high), r["id"]
        lo, hi = r["ci_low"], r["ci_high"]
        outside = hi < t.low or lo > t.high or (t.strict and (hi <= t.low or lo >= t.high))
        inside = (t.low < lo and hi < t.high) if t.strict else (t.low <= lo and hi <= t.high)
        if r["verdict"] == "contradicted":
            assert outside, r["id"]
        elif r["verdict"] == "inconclusive":
            assert not inside and not outside, r["id"]
        elif r["verdict"] == "supported":
            assert inside, r["id"]


def test_plain_sentence_reads_the_row():
    row = {"id": "S1", "term": "p[k=1]", "estimate": 0.4994, "ci_low": 0.486,
           "ci_high": 0.512, "region_low": 0.52, "region_high": 0.62,
           "verdict": "contradicted"}
    s = plain_sentence(row)
    assert s.startswith("In these data p[k=1] is 0.4994 (95% interval 0.486 to 0.512)")
    assert "[0.52, 0.62]" in s and s.endswith(": contradicted.")
    n1 = plain_sentence({**row, "id": "N1", "term": "nps", "verdict": "descriptive"})
    assert "no verdict" in n1
    assert region_text(6, 7.999999999) == "[6, 8)"
    assert region_text(0.25, np.inf, strict=True) == "> 0.25"


def test_every_figure_of_the_report_keeps_its_text_inside(report):
    figures = {"forest": report.forest_figure()}
    figures.update({cid: report.figure(cid) for cid in report.results})
    clipped = {cid: clipped_texts(fig) for cid, fig in figures.items()}
    assert not {k: v for k, v in clipped.items() if v}

