"""Cheap checks of the docs site's sources; the real check is ``mkdocs build --strict`` in CI.

These read mkdocs.yml and docs/ as text (no MkDocs needed), so a page, module, benchmark
result or figure left out of the site is named here in the ordinary test run.
"""

import inspect
import re
from pathlib import Path

import loyaltystats

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"


def nav_entries() -> list[str]:
    text = MKDOCS_YML.read_text()
    nav = text[text.index("\nnav:\n"):]
    return re.findall(r"^\s*-\s+(?:[^:\n]+:\s+)?([\w./-]+\.md)\s*$", nav, flags=re.M)


def test_every_page_in_docs_is_in_the_nav():
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    missing = sorted(pages - set(nav_entries()))
    assert not missing, f"add to nav in mkdocs.yml: {missing}"


def test_every_public_module_has_a_reference_page_in_the_nav():
    modules = [n for n in loyaltystats.__all__ if inspect.ismodule(getattr(loyaltystats, n))]
    missing = [f"reference/{m}.md" for m in modules if f"reference/{m}.md" not in nav_entries()]
    assert not missing, f"add to the API reference nav in mkdocs.yml: {missing}"


def test_every_benchmark_result_is_in_the_nav():
    results = sorted((ROOT / "benchmarks" / "results").glob("*.md"))
    missing = [f"benchmarks/{r.name}" for r in results
               if f"benchmarks/{r.name}" not in nav_entries()]
    assert not missing, f"add to the Benchmarks nav in mkdocs.yml: {missing}"


def test_nav_entries_exist_or_are_generated():
    modules = {n for n in loyaltystats.__all__ if inspect.ismodule(getattr(loyaltystats, n))}
    results = {r.name for r in (ROOT / "benchmarks" / "results").glob("*.md")}
    for entry in nav_entries():
        if entry.startswith("reference/"):
            assert entry[len("reference/"):-3] in modules, entry
        elif entry.startswith("benchmarks/"):
            assert entry[len("benchmarks/"):] in results, entry
        elif entry == "claims.md":  # generated from the registry by docs/gen_pages.py
            assert "claims_page_markdown" in (DOCS / "gen_pages.py").read_text()
        else:
            assert (DOCS / entry).is_file(), entry


def test_images_are_drawn_by_figure_scripts_not_stored():
    stored = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.png"))
    assert not stored, f"figures are drawn during the build (docs/figures/*.py): {stored}"
    scripts = "\n".join(p.read_text() for p in (DOCS / "figures").glob("*.py"))
    for page in DOCS.rglob("*.md"):
        for name in re.findall(r"\]\(img/([\w.-]+\.png)\)", page.read_text()):
            assert f'"{name}"' in scripts, f"{page.name}: no docs/figures script draws {name}"


def test_snippets_exist():
    for page in DOCS.rglob("*.md"):
        for path in re.findall(r'--8<-- "([^"]+)"', page.read_text()):
            assert (ROOT / path).is_file(), f"{page.name}: missing snippet {path}"
