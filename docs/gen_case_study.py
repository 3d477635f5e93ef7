"""Docs build step (mkdocs-gen-files): the case-study page, by running its code.

Runs ``docs/examples/mlc_churn/case_study.py``'s ``page_markdown`` (the claims report through
the command line on the telecom churn data, then the switching estimators) and writes the
result as ``case-study.md``; its figure is drawn by ``docs/figures/case_study.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import mkdocs_gen_files

sys.path.insert(0, str(Path(__file__).resolve().parent / "examples" / "mlc_churn"))
import case_study  # noqa: E402  (the example lives beside the docs, not in the package)

with tempfile.TemporaryDirectory(prefix="loyaltystats-case-study-") as tmp:
    page = case_study.page_markdown(Path(tmp))
with mkdocs_gen_files.open("case-study.md", "w") as f:
    f.write(page)
