"""Figure of docs/getting-started.md: one claim of the demo report (20,000 customers, seed 1).

Run by the docs build (docs/gen_figures.py) as ``python getting_started.py OUTDIR``; every
PNG written to OUTDIR is published as ``img/<name>.png``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from loyaltystats.claims import DEMO_MAPPING, check_claims, demo_tables  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")

tables = demo_tables(20_000, seed=1)   # a simulated world with known truth
tables.pop("truth")
report = check_claims(**tables, mapping=DEMO_MAPPING)
fig = report.figure("S1")
fig.savefig(out / "getting_started_s1.png", dpi=100)
