"""Figures of docs/nps.md: the page's worked example (20,000 customers, seed 42).

Run by the docs build (docs/gen_figures.py) as ``python nps.py OUTDIR``; every PNG written to
OUTDIR is published as ``img/<name>.png``.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from loyaltystats import nps  # noqa: E402
from loyaltystats.simulate import generate  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")


def save(fig, name):
    fig.tight_layout()
    fig.savefig(out / name, dpi=100)
    plt.close(fig)


world = generate(20_000, seed=42)
resp, cust, trans = world.responses, world.customers, world.transactions

# N1: the NPS with its shares
r = nps.score(resp["recommend"], cluster=resp["customer_id"])
fig, ax = plt.subplots(figsize=(6, 1.9))
r.plot(ax=ax)
save(fig, "nps_shares.png")

# N1: segments and trend
seg = nps.by_segment(resp, "recommend", "company")
fig, ax = plt.subplots(figsize=(6, 3.5))
seg.plot(ax=ax)
save(fig, "nps_segments.png")

resp["quarter"] = resp["month"] // 3
tr = nps.trend(resp, "recommend", "quarter")
fig, ax = plt.subplots(figsize=(6, 3.5))
tr.plot(ax=ax)
save(fig, "nps_trend.png")

# N2: recency weights
rec = nps.recency(trans, resp)
fig, ax = plt.subplots(figsize=(5, 3.5))
rec.plot(ax=ax)
save(fig, "nps_recency.png")

# N3: concordance of each predictor, and Kaplan-Meier curves by NPS category
ret = nps.versus_retention(cust, ["grade", "negatives"], n_boot=500, seed=7)
fig, ax = plt.subplots(figsize=(6, 3))
ret.plot(ax=ax, kind="concordance")
save(fig, "nps_concordance.png")

fig, ax = plt.subplots(figsize=(6, 4))
ret.plot(ax=ax, kind="survival")
save(fig, "nps_survival.png")
