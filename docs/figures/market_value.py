"""Figures of docs/market-value.md: M1 convergence and V1 lifetime (20,000 customers, seed 1).

Run by the docs build (docs/gen_figures.py) as ``python market_value.py OUTDIR``; every PNG
written to OUTDIR is published as ``img/<name>.png``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from loyaltystats import market, value  # noqa: E402
from loyaltystats.simulate import generate  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")

world = generate(20_000, seed=1)
resp, cust = world.responses, world.customers
resp["year"] = resp["month"] // 12

m1 = market.convergence(resp, "grade", "company", "year", seed=0)
v1 = value.lifetime_by_band(cust, value="monthly_value", horizon=12)

fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
m1.plot(ax=axes[0])
v1.plot(ax=axes[1])
fig.tight_layout()
fig.savefig(out / "market_value.png", dpi=100)
