"""The claims catalogue (issue #19): every claim's words, quoted from its seed, on one page."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from loyaltystats.claims.registry import CLAIMS, SOURCES
from loyaltystats.claims.texts import CLAIM_TEXTS, ClaimText, claims_page_markdown

SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
IDS = [c.id for c in CLAIMS]
# claims the literature says nothing about: no finding of the page's literature section names
# them in its brackets
NO_LITERATURE = {"T2", "T3", "T4", "S3", "N2", "P1", "P2", "M1"}


def _squash(text: str) -> str:
    """Whitespace collapsed to single spaces (the seeds wrap lines and use no-break spaces)."""
    return " ".join(text.split())


def _seed_text(key: str) -> str:
    (path,) = SEEDS.glob(f"{key}_*.txt")
    return _squash(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page() -> str:
    return claims_page_markdown()


def test_the_five_seeds_are_in_the_repository():
    for key in SOURCES:
        assert len(list(SEEDS.glob(f"{key}_*.txt"))) == 1, key
    assert (SEEDS / "README.md").is_file()


def test_every_registry_claim_has_a_text_and_nothing_else_has():
    assert set(CLAIM_TEXTS) == set(IDS)
    assert len(IDS) == len(CLAIMS) == 21  # T1-T5, S1-S3, N1-N3, K1-K4, P1-P2, M1, V1, E1-E2


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_every_field_is_filled(claim):
    text = CLAIM_TEXTS[claim.id]
    assert isinstance(text, ClaimText)
    for f in fields(ClaimText):
        value = getattr(text, f.name)
        if f.name == "literature":
            assert isinstance(value, tuple)
            assert all(isinstance(ref, str) and ref.strip() for ref in value)
            assert bool(value) == (claim.id not in NO_LITERATURE), claim.id
        else:
            assert isinstance(value, str) and value.strip(), f"{claim.id}.{f.name} is empty"


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_the_quote_is_verbatim_from_one_of_the_claims_seeds(claim):
    text = CLAIM_TEXTS[claim.id]
    assert text.quote_source in claim.sources, claim.id
    assert _squash(text.seed_quote) in _seed_text(text.quote_source), (
        f"{claim.id}: the quote is not in seed {text.quote_source}")


@pytest.mark.parametrize("claim", CLAIMS, ids=IDS)
def test_literature_is_formatted_author_journal_year_finding(claim):
    for ref in CLAIM_TEXTS[claim.id].literature:
        assert re.match(r"^[^():]+ \([^()]+\): \S", ref), ref


def test_a_claim_has_literature_exactly_when_the_literature_section_names_it(page):
    section = page[page.index("## What the research literature says"):]
    section = section[:section.index("\n## ")]
    named = set(re.findall(r"\b[A-Z]\d\b", section))
    assert named == (set(IDS) - NO_LITERATURE) | {"E1", "E2"}
    for cid, text in CLAIM_TEXTS.items():
        assert bool(text.literature) == (cid in named), cid


def test_the_claimed_figures_of_the_registry_are_in_the_plain_words():
    for claim in CLAIMS:
        for value in claim.claimed.values():
            values = value if isinstance(value, list) else [value]
            for v in values:
                v = float(v)
                if v != int(v) and abs(v * 100 - round(v * 100)) > 1e-6:
                    continue  # 7.999999999: the open end of "6 or 7"
                words = CLAIM_TEXTS[claim.id].claimed_words
                shown = {f"{v:g}", f"{round(v * 100):d}%"}
                assert any(s in words for s in shown), (claim.id, v, words)


def test_the_page_has_every_claim_as_a_heading_with_its_anchor(page):
    for cid in IDS:
        assert re.search(rf"^### {cid}: .+ \{{#{cid.lower()}\}}$", page, flags=re.M), cid


def test_the_page_has_every_quote_translation_and_reference(page):
    for cid, text in CLAIM_TEXTS.items():
        assert f"> {text.seed_quote}" in page, cid
        assert text.seed_quote_en in page, cid
        assert text.claimed_words in page, cid
        for ref in text.literature:
            assert ref in page, (cid, ref)


def test_the_page_has_the_sections_other_pages_link_to(page):
    anchors = set(re.findall(r"\{#([\w-]+)\}", page))
    assert {"thresholds", "switching", "nps", "kano", "pyramid", "literature",
            "figures"} <= anchors
    assert "## What the research literature says {#literature}" in page
    assert "## Figures the articles give {#figures}" in page
    # the seed titles come from the registry
    for title in SOURCES.values():
        assert title in page


def test_the_docs_cite_the_claims_page_not_a_file_outside_the_repository():
    docs = Path(__file__).resolve().parents[1] / "docs"
    anchors = set(re.findall(r"\{#([\w-]+)\}", claims_page_markdown()))
    for md in docs.glob("*.md"):
        if md.name == "api.md":
            continue
        text = md.read_text(encoding="utf-8")
        assert "CLAIMS.md" not in text, md.name
        for anchor in re.findall(r"\]\(claims\.md#([\w-]+)\)", text):
            assert anchor in anchors, (md.name, anchor)
