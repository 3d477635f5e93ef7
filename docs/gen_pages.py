"""Docs build step (mkdocs-gen-files): pages generated from the repository at build time.

- ``reference/<module>.md``: one API reference page per public module (the modules named in
  ``loyaltystats.__all__``): the module docstring, then every name of the module's
  ``__all__`` in order, rendered by mkdocstrings from its numpydoc docstring.
- ``benchmarks/<name>.md``: each ``benchmarks/results/<name>.md`` as it is in the repository
  (the docs build never reruns a benchmark).

Every generated page must be listed in ``nav`` in mkdocs.yml: the strict build fails on a
page missing from the nav (``validation.nav.omitted_files: warn``), so a new public module or
a new benchmark result cannot be left out of the site silently.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import mkdocs_gen_files

import loyaltystats

ROOT = Path(__file__).resolve().parents[1]



def reference_page(module_name: str) -> str:
    """Markdown of one API reference page: the module docstring, then each public name."""
    mod = importlib.import_module(module_name)
    lines = [f"# `{module_name}`", "", f"::: {module_name}", "    options:",
             "      members: false", ""]
    for attr in mod.__all__:
        obj = getattr(mod, attr)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            # the defining module's path: griffe cannot see a function that shadows the
            # submodule of the same name (loyaltystats.nps.score), Python can
            path = f"{obj.__module__}.{obj.__qualname__}"
        else:
            path = f"{module_name}.{attr}"
        lines += [f"::: {path}", "    options:", "      show_root_heading: true",
                  "      show_root_full_path: false"]
        if not (inspect.isclass(obj) or inspect.isfunction(obj)) and len(repr(obj)) > 1000:
            # a very long constant (the claims registry): its type, not its value
            lines.append("      show_attribute_values: false")
        lines.append("")
    return "\n".join(lines)


for name in loyaltystats.__all__:
    if not inspect.ismodule(getattr(loyaltystats, name)):
        continue
    path = f"reference/{name}.md"
    with mkdocs_gen_files.open(path, "w") as f:
        f.write(reference_page(f"loyaltystats.{name}"))
    src = ROOT / "src" / "loyaltystats" / name
    mkdocs_gen_files.set_edit_path(
        path, f"../src/loyaltystats/{name}/__init__.py" if src.is_dir()
        else f"../src/loyaltystats/{name}.py")

for result in sorted((ROOT / "benchmarks" / "results").glob("*.md")):
    path = f"benchmarks/{result.name}"
    text = result.read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    if not title.startswith("# "):
        title, body = f"# Benchmark results: {result.stem}", text
    note = (f'\n!!! note "Measured, not rerun"\n    Copied at docs build time from '
            f"`benchmarks/results/{result.name}`, written by the benchmark scripts in "
            "`benchmarks/`. The docs build does not rerun benchmarks.\n")
    with mkdocs_gen_files.open(path, "w") as f:
        f.write(title + "\n" + note + body)
    mkdocs_gen_files.set_edit_path(path, f"../benchmarks/results/{result.name}")

# claims.md: the claims, their articles' words, sources and literature (issue #19), from the
# claims registry and loyaltystats.claims.texts
from loyaltystats.claims.texts import claims_page_markdown  # noqa: E402

with mkdocs_gen_files.open("claims.md", "w") as f:
    f.write(claims_page_markdown())
mkdocs_gen_files.set_edit_path("claims.md", "../src/loyaltystats/claims/texts.py")
