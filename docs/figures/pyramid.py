"""Figures of docs/pyramid.md: P1 gating and P2 driver importance (20,000 customers, seed 1).

Run by the docs build (docs/gen_figures.py) as ``python pyramid.py OUTDIR``; every PNG
written to OUTDIR is published as ``img/<name>.png``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from loyaltystats import drivers, pyramid  # noqa: E402
from loyaltystats.simulate import generate  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")

world = generate(20_000, seed=1)
resp = world.responses

p1 = pyramid.gating(resp, ["relevance", "trust", "satisfaction_level", "loyalty_level"])
p2 = drivers.driver_importance(resp, ("grade", "loyalty_level"), ["B1", "B2", "P1", "D1"],
                               n_boot=200, seed=1)

fig, axes = plt.subplots(2, 1, figsize=(8, 7.5))
p1.plot(ax=axes[0])
p2.plot(ax=axes[1])
fig.tight_layout()
fig.savefig(out / "pyramid.png", dpi=100)
